import Analysis
import Events
import Foundation
import KernelLog
import TestSupport
import Testing

/// systemd's lines in text logs become the same events as journal entries, by the same rules
/// (`JournalEventExtractor`): real excerpts from bug reports (Tests/KernelLogTests/Fixtures/text).
@Suite("text lines to events")
struct TextEventTests {
    static func events(_ fixture: String) throws -> [JournalEvent] {
        let text = try String(contentsOfFile: TestPaths.packageRoot + "/Tests/KernelLogTests/Fixtures/text/" + fixture, encoding: .utf8)
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("# ") }.joined(separator: "\n")
        let file = KernelLogReader.parse(bytes: Array(body.utf8), path: fixture, modificationTime: nil)
        var names = JournalEventExtractor.UnitNames()
        // As a text boot is read: the descriptions its lines tie to units first.
        for m in file.messages {
            names.descriptions.learn(text: m.record.text, identifier: m.identifier, pid: m.pid, time: m.record.wallclockUSec ?? 0)
        }
        return file.messages.compactMap { m in
            JournalEventExtractor.event(text: m.record.text, identifier: m.identifier, pid: m.pid, time: m.record.wallclockUSec ?? 0,
                                        ref: .none, names: &names)
        }
    }

    static func kinds(_ events: [JournalEvent]) -> [String] {
        events.map { e in
            switch e {
            case .unit(let u): return "\(u.unit) \(u.kind)"
            case .shutdown(let m): return "shutdown \(m.kind)"
            case .boot(let m): return "boot \(m.kind)"
            default: return "other"
            }
        }
    }

    @Test func startLimitExcerpts() throws {
        #expect(Self.kinds(try Self.events("beszel-start-limit.log")) == [
            "beszel-hub.service restartScheduled(counter: Optional(5))", "beszel-hub.service startLimitHit",
            "beszel-hub.service failed(result: \"start-limit-hit\")",
            // "Failed to start Beszel Hub Service." right after the unit's "Failed with result": its start job.
            "beszel-hub.service startFailed(jobResult: \"failed\")",
        ])
        // systemd ≥ 250 names the unit before its description: the failed start is the unit's.
        #expect(Self.kinds(try Self.events("coraza-start-limit.log")) == [
            "coraza-spoa.service startLimitHit", "coraza-spoa.service failed(result: \"start-limit-hit\")",
            "coraza-spoa.service startFailed(jobResult: \"failed\")",
        ])
    }

    /// systemd v219 (RHEL and CentOS 7) names the unit inside the sentence, writes "main
    /// process exited" in lower case and gives no result: the same events all the same, the
    /// description of "Failed to start …" tied to the unit the start limit named just before.
    @Test func v219Excerpt() throws {
        #expect(Self.kinds(try Self.events("cgrates-v219-start-limit.log")) == [
            "cgrates.service restartScheduled(counter: nil)", "cgrates.service startLimitHit",
            "cgrates.service startFailed(jobResult: \"failed\")", "cgrates.service failed(result: \"unknown\")",
        ])
        var names = JournalEventExtractor.UnitNames()
        func ev(_ text: String) -> JournalEvent? {
            JournalEventExtractor.event(text: text, identifier: "systemd", pid: 1, time: 1, ref: .none, names: &names)
        }
        if case .unit(let u)? = ev("cgrates.service: main process exited, code=exited, status=1/FAILURE") {
            #expect(u.unit == "cgrates.service" && u.kind == .mainExited(code: "exited", status: "1/FAILURE"))
        } else { Issue.record("v219's lower-case exit line is an exit") }
        if case .unit(let u)? = ev("systemd-journald.service has no holdoff time, scheduling restart.") {
            #expect(u.unit == "systemd-journald.service" && u.kind == .restartScheduled(counter: nil))
        } else { Issue.record("v219's restart without a hold-off time is a restart") }
        // Negative: sentences of that shape that name no unit.
        #expect(ev("Unit  entered failed state.") == nil)
        #expect(ev("Unit foo entered failed state.") == nil)
        #expect(ev("start request repeated too quickly for") == nil)
        #expect(ev("cgrates.service failed to load: No such file or directory.") == nil)
    }

    /// systemd v220–v235 (Ubuntu 16.04, Debian 9): a failure told twice, a restart without a
    /// counter ("hold-off time over", "has no hold-off time") whose "Stopped …" names the unit's
    /// description, so that the later "Started …" is the unit's start.
    @Test func v229Excerpts() throws {
        let unknown = UnitEventKind.unknownResult
        #expect(Self.kinds(try Self.events("kubernetes-anywhere-v229-restart.log")) == [
            "kubelet.service mainExited(code: \"exited\", status: \"1/FAILURE\")",
            "kubelet.service failed(result: \"\(unknown)\")", "kubelet.service failed(result: \"exit-code\")",
            "kubelet.service restartScheduled(counter: nil)", "kubelet.service stopped", "kubelet.service starting",
            "kubelet.service started",
            "kubelet.service mainExited(code: \"exited\", status: \"125/n/a\")",
            "kubelet.service failed(result: \"\(unknown)\")", "kubelet.service failed(result: \"exit-code\")",
        ])
        // The job's own line counts only with the "Dependency failed for …" before it (the
        // excerpt leaves that out), as in the journal, where that one carries the MESSAGE_ID.
        #expect(Self.kinds(try Self.events("rkt-v229-journald-signal.log")) == [
            "systemd-journald.service failed(result: \"\(unknown)\")", "systemd-journald.service failed(result: \"signal\")",
            "systemd-journald.service restartScheduled(counter: nil)",
        ])
        // The units table counts each failure once, with its result, and the start.
        func unit(_ fixture: String, _ name: String) throws -> UnitSummary? {
            let text = try String(contentsOfFile: TestPaths.packageRoot + "/Tests/KernelLogTests/Fixtures/text/" + fixture, encoding: .utf8)
            let file = KernelLogReader.parse(bytes: Array(text.utf8), path: "/var/log/syslog", modificationTime: nil)
            return Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: AnalysisOptions())
                .units.first { $0.unit == name }
        }
        let kubelet = try #require(try unit("kubernetes-anywhere-v229-restart.log", "kubelet.service"))
        #expect(kubelet.results == ["exit-code": 2])
        #expect(kubelet.exitStatuses == ["1/FAILURE": 1, "125/n/a": 1])
        #expect(kubelet.starts == 1 && kubelet.restartsObserved == 1)
        let journald = try #require(try unit("rkt-v229-journald-signal.log", "systemd-journald.service"))
        #expect(journald.results == ["signal": 1] && journald.restartsObserved == 1)
    }

    @Test("who speaks: PID 1 by name, systemd-shutdown as a daemon, a user manager never for the system")
    func speakers() {
        var names = JournalEventExtractor.UnitNames()
        func ev(_ text: String, _ id: String, _ pid: Int?) -> JournalEvent? {
            JournalEventExtractor.event(text: text, identifier: id, pid: pid, time: 1, ref: .none, names: &names)
        }
        if case .shutdown(let m)? = ev("Syncing filesystems and block devices.", "systemd-shutdown", 1) {
            #expect(m.kind == .systemdShutdown)
        } else { Issue.record("systemd-shutdown's sync is a shutdown marker") }
        #expect(ev("Reached target Shutdown.", "systemd", 4529) == nil)
        if case .shutdown(let m)? = ev("Reached target shutdown.target - System Shutdown.", "init.scope", 1) {
            #expect(m.kind == .target)
        } else { Issue.record("with-unit's init.scope is PID 1") }
        // RHEL's rsyslog writes PID 1 as `systemd:` without a PID.
        if case .unit(let u)? = ev("foo.service: Main process exited, code=exited, status=1/FAILURE", "systemd", nil) {
            #expect(u.kind == .mainExited(code: "exited", status: "1/FAILURE") && !u.isUserUnit)
        } else { Issue.record("`systemd:` is the system manager") }
        if case .unit(let u)? = ev("org.gnome.Shell@x11.service: Scheduled restart job, restart counter is at 3.", "systemd", 4904) {
            #expect(u.isUserUnit && u.kind == .restartScheduled(counter: 3))
        } else { Issue.record("a user manager's restart is the user unit's") }
        if case .journalUnclean? = ev("File /var/log/journal/x/system.journal corrupted or uncleanly shut down, renaming and replacing.",
                                      "systemd-journald.service", 230) {
        } else { Issue.record("journald's notice, named as with-unit names it") }
    }
}
