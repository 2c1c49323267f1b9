@testable import Events
import Foundation
import KernelLog
import TestSupport
import Testing
@testable import Analysis

/// Text logs of systemd before v250 name a unit in its job messages by its description alone
/// ("Started SSSD Kerberos Cache Manager."). The description is tied to the unit where the
/// manager names the unit and completes its job in one breath, or by the unit files given.
/// Oracle: the corpus's RHEL 9.1 journal, whose entries carry `UNIT`/`USER_UNIT`, rendered as
/// text by journalctl; negatives where lines sit side by side but must not be tied.
@Suite("units named by description in text logs")
struct UnitDescriptionTests {
    static var corpusAndJournalctl: Bool {
        TestPaths.corpus != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl")
    }

    static func rhel9() throws -> String { try #require(TestPaths.corpus) + "/journals/s4-rhel91-system.journal" }

    static func journalctl(_ args: [String]) throws -> String {
        let out = try Command.run("/usr/bin/journalctl", ["--file", try rhel9(), "--no-pager"] + args, environment: ["TZ": "UTC"])
        try #require(out.status == 0, "\(out.stderrText)")
        return out.stdoutText
    }

    static func textFile(_ text: String, name: String) throws -> KernelLogFile {
        KernelLogReader.parse(bytes: Array(text.utf8), path: name, modificationTime: nil)
    }

    /// Every description learned from journalctl's text names the unit the journal's own entry
    /// for that line names, and there are enough of them to matter.
    @Test(.enabled(if: corpusAndJournalctl, "needs ../shared/corpus and journalctl"))
    func learnedDescriptionsAgreeWithTheJournal() throws {
        let text = try Self.textFile(try Self.journalctl(["-o", "short-iso"]), name: "rhel9.txt")
        let learned = TextBoots.unitDescriptions(files: [text], unitFiles: [])
        // The journal's truth: each job message's description and the unit its entry names.
        var truth: [String: Set<String>] = [:]
        for line in try Self.journalctl(["-o", "json", "_PID=1", "+", "_COMM=systemd"]).split(separator: "\n") {
            let e = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard let message = e["MESSAGE"] as? String, let unit = (e["UNIT"] ?? e["USER_UNIT"]) as? String,
                  let job = JobMessage(Substring(message)) else { continue }
            truth[String(job.object), default: []].insert(unit)
        }
        try #require(truth.count > 50)
        var agreed = 0
        for (description, units) in truth {
            guard let unit = learned.unit(describedAs: Substring(description)) else { continue }
            #expect(units == [unit], "\(description): learned \(unit), the journal says \(units.sorted())")
            agreed += 1
        }
        #expect(agreed >= 30, "descriptions tied: \(agreed)")
        // The restart loop of a user manager: "Scheduled restart job" then "Stopped GNOME Shell on X11.".
        #expect(learned.unit(describedAs: "GNOME Shell on X11") == "org.gnome.Shell@x11.service")
        // "Dependency failed for GNOME XSettings service." then the unit's own "Job …/start failed" line.
        #expect(learned.unit(describedAs: "GNOME XSettings service") == "org.gnome.SettingsDaemon.XSettings.service")
        // Negative: a socket re-activates sssd-kcm ("Failed with result" then "Starting SSSD …"):
        // a start after a failure may be any unit's (an OnFailure= handler's), so it ties nothing.
        #expect(learned.unit(describedAs: "SSSD Kerberos Cache Manager") == nil)
    }

    /// The text's units table against the journal's: start jobs that failed or were skipped and
    /// starts of units named by description come out the same.
    @Test(.enabled(if: corpusAndJournalctl, "needs ../shared/corpus and journalctl"))
    func textAndJournalAgreeOnStartJobs() throws {
        let text = try Self.textFile(try Self.journalctl(["-o", "short-iso"]), name: "rhel9.txt")
        let fromText = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [text]), options: AnalysisOptions())
        let fromJournal = Fixture.analyze([try Self.rhel9()])
        for unit in ["org.gnome.Shell@x11.service", "org.gnome.SettingsDaemon.XSettings.service", "vboxadd.service",
                     "vboxadd-service.service"] {
            let t = try #require(fromText.units.first { $0.unit == unit }, "\(unit) in the text's report")
            let j = try #require(fromJournal.units.first { $0.unit == unit }, "\(unit) in the journal's report")
            #expect(t.jobFailures == j.jobFailures, "\(unit)")
            #expect(t.starts == j.starts, "\(unit)")
        }
        // Skipped by its condition three times, started once: journalctl's count of "Started".
        let started = try Self.journalctl(["USER_UNIT=org.gnome.Shell@x11.service", "MESSAGE_ID=39f53479d3a045ac8e11786248231fbf",
                                           "-o", "cat"]).split(separator: "\n").filter { $0.hasPrefix("Started ") }.count
        #expect(started == 1)
        #expect(fromJournal.units.first { $0.unit == "org.gnome.Shell@x11.service" }?.starts == started)
        // What stays unknown is said, with what would name it.
        #expect(fromText.notes.contains { if case .jobsNamedByDescription(let n) = $0 { n > 0 } else { false } })
        #expect(!fromJournal.notes.contains { if case .jobsNamedByDescription = $0 { true } else { false } })
    }

    /// A unit file's `Description=` names the unit of "Started …" lines the text alone cannot tie.
    @Test(.enabled(if: corpusAndJournalctl, "needs ../shared/corpus and journalctl"))
    func unitFileDescriptionTiesStarts() throws {
        let text = try Self.textFile(try Self.journalctl(["-o", "short-iso"]), name: "rhel9.txt")
        let unitFile = (path: "/usr/lib/systemd/system/sssd-kcm.service",
                        text: "[Unit]\nDescription=SSSD Kerberos Cache Manager\n\n[Service]\nExecStart=/usr/libexec/sssd/sssd_kcm\n")
        let withFile = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [text], unitFiles: [unitFile]), options: AnalysisOptions())
        let without = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [text]), options: AnalysisOptions())
        let journal = Fixture.analyze([try Self.rhel9()])
        let expected = try #require(journal.units.first { $0.unit == "sssd-kcm.service" }?.starts)
        #expect(expected == 5)
        #expect(withFile.units.first { $0.unit == "sssd-kcm.service" }?.starts == expected)
        #expect(without.units.first { $0.unit == "sssd-kcm.service" }?.starts == 0)
    }

    /// Lines side by side that must not be tied: another manager's line, a job of another kind,
    /// a line more than a second later, and a description two units share.
    @Test func adjacentLinesThatTieNothing() {
        var d = UnitDescriptions()
        let second: Int64 = 1_000_000
        // PID 1 names the unit; a user manager completes a job.
        d.learn(text: "a.service: Deactivated successfully.", identifier: "systemd", pid: 1, time: 0)
        d.learn(text: "Stopped Alpha.", identifier: "systemd", pid: 4904, time: 0)
        // A failure followed by a start (an OnFailure= handler's).
        d.learn(text: "b.service: Failed with result 'exit-code'.", identifier: "systemd", pid: 1, time: 10 * second)
        d.learn(text: "Starting Failure Notifier...", identifier: "systemd", pid: 1, time: 10 * second)
        d.learn(text: "Started Failure Notifier.", identifier: "systemd", pid: 1, time: 10 * second)
        // Two seconds apart.
        d.learn(text: "c.service: Deactivated successfully.", identifier: "systemd", pid: 1, time: 20 * second)
        d.learn(text: "Stopped Gamma.", identifier: "systemd", pid: 1, time: 22 * second)
        // Another line of the manager in between.
        d.learn(text: "e.service: Deactivated successfully.", identifier: "systemd", pid: 1, time: 30 * second)
        d.learn(text: "Reached target Multi-User System.", identifier: "systemd", pid: 1, time: 30 * second)
        d.learn(text: "Stopped Epsilon.", identifier: "systemd", pid: 1, time: 30 * second)
        // A daemon's own line is not the manager's.
        d.learn(text: "f.service: Deactivated successfully.", identifier: "systemd", pid: 1, time: 40 * second)
        d.learn(text: "Stopped Phi.", identifier: "sshd", pid: 812, time: 40 * second)
        #expect(d.isEmpty)
        // The same description for two units names neither.
        d.learn(text: "g.service: Deactivated successfully.", identifier: "systemd", pid: 1, time: 50 * second)
        d.learn(text: "Stopped Worker.", identifier: "systemd", pid: 1, time: 50 * second)
        #expect(d.unit(describedAs: "Worker") == "g.service")
        d.learn(text: "h.service: Scheduled restart job, restart counter is at 1.", identifier: "systemd", pid: 1, time: 60 * second)
        d.learn(text: "Stopped Worker.", identifier: "systemd", pid: 1, time: 60 * second)
        #expect(d.unit(describedAs: "Worker") == nil)
        d.add(description: "Worker", unit: "g.service")
        #expect(d.unit(describedAs: "Worker") == nil)
    }

    /// Unit files: the last `Description=` wins (a drop-in's over the unit file's); a template's
    /// description with specifiers names no instance.
    @Test func unitFileDescriptions() {
        let files = [
            (path: "/etc/systemd/system/worker.service.d/override.conf", text: "[Unit]\nDescription=Batch worker (patched)\n"),
            (path: "/usr/lib/systemd/system/worker.service", text: "[Unit]\nDescription=Batch worker\nDescriptionX=no\n"),
            (path: "/usr/lib/systemd/system/getty@.service", text: "[Unit]\nDescription=Getty on %I\n"),
            (path: "/usr/lib/systemd/system/plain.service", text: "[Service]\nExecStart=/bin/true\n"),
        ]
        let d = UnitFileQuoter.descriptions(files)
        #expect(d.map(\.unit) == ["worker.service"])
        #expect(d.first?.description == "Batch worker (patched)")
    }
}
