import Foundation
import KernelLog
import TestSupport
import Testing
@testable import Analysis

/// Boots only text logs hold are told as text, not as a journal: their start comes from the
/// kernel lines' stamps (and is named so), a log without the boot's start gives no uptime, and
/// the journal's SyncIntervalSec note, "the kept journal" and "last entry of the journal" do not
/// apply. Real text from the corpus (MANIFEST §2); the KDE journal is the negative case.
@Suite(.enabled(if: TestPaths.corpus != nil))
struct TextOnlyBootTests {
    static func analyze(_ names: [String]) throws -> PostmortemReport {
        let dir = try #require(TestPaths.corpus) + "/kernel/"
        let files = try names.map { try KernelLogReader.read(path: dir + $0) }
        return Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: files), options: AnalysisOptions())
    }

    static var hasJournalctl: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl") }

    /// journalctl's text of `files` (in UTC), and the analysis of that text alone.
    static func journalctlText(_ files: [String], _ args: [String]) throws -> (text: String, report: PostmortemReport) {
        let dir = TestPaths.scratch("journalctl-text")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try Command.run("/usr/bin/journalctl", files.flatMap { ["--file", $0] } + ["--no-pager"] + args,
                                  environment: ["TZ": "UTC"])
        try #require(out.status == 0, "\(out.stderrText)")
        let path = dir + "/boot.txt"
        try out.stdoutText.write(toFile: path, atomically: true, encoding: .utf8)
        let report = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [try KernelLogReader.read(path: path)]), options: AnalysisOptions())
        return (out.stdoutText, report)
    }

    /// RHEL 8 rsyslog excerpt: 96 lines stamped `Sep 29 08:12:34`, no dmesg uptime stamp, no
    /// `Linux version` line. How long the machine had been up is not in it.
    @Test func excerptWithoutTheBootsStart() throws {
        let r = try Self.analyze(["oomtool-rhel8-messages.1.log"])
        let boot = try #require(r.boots.first)
        #expect(boot.textOnly == true)
        #expect(boot.start == nil && boot.uptimeSeconds == nil && boot.firstEntryUptimeSeconds == nil)
        #expect(r.host.facts?.uptimeAtEndSeconds == nil)
        #expect(r.end?.lastSignSource == .kernelLog)
        let first = try #require(r.timeline.first)
        #expect(first.detail == .bootBegins(bootID: boot.bootID, entries: 96, textOnly: true, startKnown: false))
        #expect(!r.notes.contains { if case .journalEndsBeforeNextBoot = $0 { true } else { false } })
    }

    /// CentOS 6 `messages` pair: dmesg uptime stamps (`[15185...]`) on the kernel lines give the
    /// kernel's start 175 days before the excerpt; the boot's start is then known, its beginning
    /// is not in the logs, and the next boot follows 26 min later without a journal note.
    @Test func excerptWithUptimeStamps() throws {
        let r = try Self.analyze(["oomtool-centos6-messages.lines13977-29019.log", "oomtool-centos6-messages.lines29020-34188.log"])
        let boot = try #require(r.boots.first { $0.bootID == r.analyzedBoot })
        #expect(boot.textOnly == true)
        #expect(boot.startSource == .dmesgUptime)
        #expect(boot.beginningLost())
        #expect((boot.uptimeSeconds ?? 0) > 175 * 86_400)
        #expect(r.host.facts?.uptimeSource == .kernelStartToLastSign(start: .dmesgUptime, lastSign: .kernelLog))
        #expect(r.timeline.contains { row in
            if case .journalKeptFrom(_, let textOnly) = row.detail { return textOnly } else { return false }
        })
        #expect(r.timeline.contains { $0.detail == .bootBegins(bootID: boot.bootID, entries: boot.entries, textOnly: true, startKnown: true) })
        #expect(r.end?.kind == .unclean)
        // The machine went silent after its last OOM kill; rsyslogd's start 28 min later is the
        // next boot's first line, not this boot's last words.
        let lastKill = try #require(r.oomKills.last?.time)
        #expect(r.end?.lastSignOfLife == lastKill)
        #expect(r.timeline.filter(\.lastWords).allSatisfy { ($0.time ?? lastKill) <= lastKill })
        #expect((r.end?.gapSeconds ?? 0) > 25 * 60)
        #expect(!r.notes.contains { if case .journalEndsBeforeNextBoot = $0 { true } else { false } })
    }

    /// Ubuntu 16 `kern.log` with its boots' `Linux version` lines: the start is the banner's.
    @Test func kernLogWithBanner() throws {
        let r = try Self.analyze(["s4-ubuntu16-kern.log"])
        #expect(r.boots.count == 2)
        #expect(r.boots.allSatisfy { $0.textOnly == true && $0.startSource == .kernelBanner && $0.start != nil })
    }

    /// A Synology NAS's `dmesg -T` (ARM, 3.10): every line carries the boot's start plus its
    /// uptime, so the `Linux version` line's time (19:22:56, the same second as ARM's first
    /// line "Booting Linux on physical CPU 0x0") is the kernel's start.
    @Test func dmesgTWithBanner() throws {
        let r = try Self.analyze(["s4-synology-ds6-dmesg-T.log"])
        let boot = try #require(r.boots.first)
        #expect(r.boots.count == 1 && boot.textOnly == true)
        #expect(boot.start == Timestamp(microseconds: 1_549_912_976_000_000), "2019-02-11 19:22:56 UTC")
        #expect(boot.startSource == .kernelBanner)
        #expect(r.timeline.first?.detail == .bootBegins(bootID: boot.bootID, entries: 19, textOnly: true, startKnown: true))
    }

    /// Negative: a journal's boots are not text-only, their start is the journal's clock.
    @Test func journalBootsAreNotText() throws {
        let files = TestPaths.corpusFiles("journals").filter { $0.contains("/kjournald-") }
        try #require(!files.isEmpty)
        let r = Fixture.analyze(files)
        #expect(r.boots.allSatisfy { $0.textOnly == nil && $0.startSource == .journalClock })
        #expect(r.end?.lastSignSource == .journal)
        #expect(r.timeline.contains { $0.detail == .bootBegins(bootID: r.boots[1].bootID, entries: r.boots[1].entries,
                                                                textOnly: false, startKnown: true) })
    }

    /// `journalctl -b -1 > boot.txt` of the real KDE journal (journalctl 252's short output, no
    /// year, no header): the board logs its first line on an unset clock (`Feb 07 15:50:54 …
    /// restoring from recorded timestamp: Sat 2021-03-13 15:36:57 UTC`), 34 days before its
    /// kernel started. That line is not when the boot ran: it ran about two minutes, as the
    /// journal says. Its last words are the journal's: the user manager's final lines.
    @Test(.enabled(if: hasJournalctl))
    func journalctlTextOfARealJournal() throws {
        let files = TestPaths.corpusFiles("journals").filter { $0.contains("/kjournald-") }
        try #require(!files.isEmpty)
        let (_, r) = try Self.journalctlText(files, ["-b", "-1"])
        let boot = try #require(r.boots.first)
        #expect(r.boots.count == 1 && boot.textOnly == true)
        let ran = try #require(boot.uptimeSeconds)
        #expect(ran > 100 && ran < 130, "ran \(ran) s, not the 34 days since the unset clock's line")
        #expect(r.notes.contains { if case .linesBeforeKernelStart = $0 { true } else { false } })
        let journal = Fixture.analyze(files, options: AnalysisOptions(boot: .offset(-1)))
        let words = { (report: PostmortemReport) in report.timeline.filter(\.lastWords).map { "\($0.subject) \($0.detail)" } }
        #expect(!words(journal).isEmpty)
        #expect(words(r) == words(journal))
    }

    /// journalctl's text of the real Ubuntu 16 and RHEL 9.1 journals: the boot's last line is
    /// another program's (`pkexec[8274]: user1: Executing command …`), kept among the last words
    /// as the journal's analysis shows it; the kernel's lines carry no uptime stamp, so the
    /// `Linux version` line's own stamp is the boot's start (RHEL: 20:56:30, its first line).
    @Test(.enabled(if: hasJournalctl),
          arguments: ["s4-ubuntu16-system.journal", "s4-rhel91-system.journal"])
    func journalctlTextLastLinesAndStart(_ name: String) throws {
        let file = try #require(TestPaths.corpusFiles("journals").first { $0.hasSuffix("/" + name) })
        let (text, r) = try Self.journalctlText([file], ["-o", "short-iso"])
        let lastLine = try #require(text.split(separator: "\n").last)
        let words = r.timeline.filter(\.lastWords)
        let last = try #require(words.last)
        guard case .text(let said) = last.detail else { Issue.record("\(last.detail)"); return }
        #expect(lastLine.hasSuffix(said), "\(name): the newest line is the last word: \(lastLine)")
        let boot = try #require(r.boots.first)
        // The Ubuntu file begins hours into its boot: no banner, and no start is made up.
        guard let banner = text.split(separator: "\n").first(where: { $0.contains(" kernel: Linux version ") }) else {
            #expect(boot.start == nil && boot.uptimeSeconds == nil, "\(name)")
            return
        }
        #expect(boot.startSource == .kernelBanner)
        #expect(banner.hasPrefix(String(boot.start.map { Self.iso($0) } ?? "?")), "\(name): start at the banner's stamp")
    }

    static func iso(_ t: Timestamp) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return f.string(from: Date(timeIntervalSince1970: t.seconds))
    }

    /// `journalctl > all.txt` of the whole KDE set: journalctl interleaves boots 68f2e61d and
    /// 27acae2f (their clocks overlap at 15:36:57, the board's restored time) and prints 36
    /// `-- Boot` lines for three boots; the first boot has none (journalctl names a boot only
    /// where it changes), and each begins with a line on the unset clock (2020-02-07). Read as
    /// text, it is the journal's three boots, in the journal's order, ending as the journal says.
    /// In `with-unit` mode klogd's relays are named by its unit (`busybox-klogd.service[206]:`),
    /// and the first lines carry no kernel start: timesyncd's `System clock time unset` line says
    /// which lines are on the unset clock.
    @Test(.enabled(if: hasJournalctl), arguments: ["short-iso", "with-unit", "short-precise"])
    func journalctlTextOfInterleavedBoots(_ mode: String) throws {
        let files = TestPaths.corpusFiles("journals").filter { $0.contains("/kjournald-") }
        try #require(!files.isEmpty)
        let (text, r) = try Self.journalctlText(files, ["-o", mode])
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("-- Boot ") }.count > 3, "journalctl interleaves the boots")
        let journal = Fixture.analyze(files)
        #expect(r.boots.map(\.bootID) == journal.boots.map(\.bootID))
        #expect(r.boots.prefix(2).map(\.end) == [.clean, .unclean])
        #expect(r.analyzedBoot == journal.analyzedBoot)
        #expect(r.end?.evidence.contains { if case .userManagerStopping(_, "systemd[305]") = $0 { true } else { false } } == true)
        // Text has no monotonic clock: the wall clock's 2 min 4 s are the journal's 1 min 49 s of
        // uptime and the 15 s step (`journalctl -o short-monotonic`), in every mode.
        let ran = try #require(r.boots.count > 1 ? r.boots[1].uptimeSeconds : nil)
        let stepped = try #require(journal.boots[1].uptimeSeconds) + journal.boots[1].clockJumps.reduce(0) { $0 + $1.seconds }
        #expect(abs(ran - stepped) < 2, "\(mode): ran \(ran) s")
        let quoted = { (report: PostmortemReport) in (report.end?.evidence ?? []).compactMap(\.quoted) }
        // The same lines (the journal quotes klogd's relay of them, the kernel's stamp in front).
        #expect(quoted(r).count == 2 && quoted(r).count == quoted(journal).count)
        #expect(zip(quoted(journal), quoted(r)).allSatisfy { $0.hasSuffix($1) }, "\(quoted(r)) \(quoted(journal))")
    }

    /// timesyncd's line marks the unset clock only when the lines after it are a day or more
    /// later (the KDE board's: 2020-02-07, then 2021-03-13); a restore by a few seconds is not.
    @Test func unsetClockLine() {
        func message(_ who: String, _ text: String, _ t: Int64) -> TextMessage {
            TextMessage(identifier: who, pid: 188, record: KernelRecord(text: text, wallclockUSec: t, clock: .syslog,
                                                                        sources: [RecordSource(path: "x", line: 1, format: .syslog)]))
        }
        let unset = "System clock time unset or jumped backwards, restoring from recorded timestamp: Sat 2021-03-13 15:36:57 UTC"
        let t0: Int64 = 1_581_090_654_000_000  // 2020-02-07 15:50:54
        let restored: Int64 = 1_615_651_017_000_000  // 2021-03-13 15:56:57
        #expect(TextBoots.unsetClockUntil([message("systemd-timesyncd", unset, t0), message("systemd", "Started x.", restored)]) == t0)
        #expect(TextBoots.unsetClockUntil([message("systemd-timesyncd", unset, t0), message("systemd", "Started x.", t0 + 5_000_000)]) == nil)
        #expect(TextBoots.unsetClockUntil([message("ntpd", unset, t0), message("systemd", "Started x.", restored)]) == nil)
    }
}

/// A machine without systemd (SysV init, Upstart) logs no shutdown marker of systemd's; its
/// shutdown scripts stop the syslog daemon late, and nothing is logged after it. Lines as
/// rsyslog 4.2 writes them (Ubuntu 10.04); the negatives: the daemon restarted mid-boot, and a
/// kernel line after its stop.
@Suite struct SyslogShutdownTests {
    static let reboot = """
        May  3 22:04:34 orion kernel: [ 2426.935501] nautilus[2901]: segfault at bf34efdc ip 0628e835 sp bf34efe0 error 6 in libc-2.11.1.so[6233000+153000]
        May  3 22:05:20 orion init: Switching to runlevel: 6
        May  3 22:05:23 orion kernel: Kernel logging (proc) stopped.
        May  3 22:05:23 orion rsyslogd: [origin software="rsyslogd" swVersion="4.2.0" x-pid="815" x-info="http://www.rsyslog.com"] exiting on signal 15.
        May  3 22:05:54 orion kernel: imklog 4.2.0, log source = /proc/kmsg started.
        May  3 22:05:54 orion rsyslogd: [origin software="rsyslogd" swVersion="4.2.0" x-pid="844" x-info="http://www.rsyslog.com"] (re)start
        May  3 22:05:54 orion kernel: [    0.000000] Initializing cgroup subsys cpuset
        May  3 22:05:54 orion kernel: [    0.000000] Linux version 2.6.32-21-generic (buildd@rothera) (gcc version 4.4.3 (Ubuntu 4.4.3-4ubuntu5) ) #32-Ubuntu SMP Fri Apr 16 08:10:02 UTC 2010
        May  3 22:05:54 orion kernel: [   14.591202] r8169: eth0: link up

        """

    static func analyze(_ text: String, boot: BootSelection) -> PostmortemReport {
        let file = KernelLogReader.parse(bytes: Array(text.utf8), path: "/test/syslog", modificationTime: 1_420_000_000_000_000)
        var options = AnalysisOptions()
        options.boot = boot
        return Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: options)
    }

    @Test func theDaemonsStopAsTheLastLineIsAShutdown() throws {
        let r = Self.analyze(Self.reboot, boot: .offset(-1))
        #expect(r.end?.kind == .clean)
        let marker = try #require(r.end?.evidence.first)
        guard case .marker(_, let text, _) = marker else { Issue.record("not a marker: \(marker)"); return }
        #expect(text.hasSuffix("exiting on signal 15."))
    }

    /// A systemd machine's /var/log/messages alone (RHEL 9, rsyslog 8.2310): systemd's own last
    /// markers come after rsyslog stopped, so its stop ends the file's boot; logind's
    /// announcement before it then counts beside it.
    @Test func aSystemdMachinesMessagesEndWithTheDaemonsStop() throws {
        let text = """
            Feb 25 14:20:01 desk systemd[1]: Started Session 12 of User root.
            Feb 25 14:27:40 desk systemd-logind[812]: System is rebooting.
            Feb 25 14:27:45 desk systemd[1]: Stopping System Logging Service...
            Feb 25 14:27:46 desk rsyslogd[999]: [origin software="rsyslogd" swVersion="8.2310.0-3.el9" x-pid="999" x-info="https://www.rsyslog.com"] exiting on signal 15.
            Feb 25 14:28:20 desk kernel: Linux version 5.14.0-427.13.1.el9_4.x86_64 (mockbuild@x86-64-01.build.eng.rdu2.redhat.com) (gcc (GCC) 11.4.1 20231218 (Red Hat 11.4.1-3), GNU ld version 2.35.2-43.el9) #1 SMP PREEMPT_DYNAMIC Wed Apr 10 10:29:16 EDT 2024
            Feb 25 14:28:26 desk rsyslogd[901]: [origin software="rsyslogd" swVersion="8.2310.0-3.el9" x-pid="901" x-info="https://www.rsyslog.com"] start

            """
        let r = Self.analyze(text, boot: .offset(-1))
        #expect(r.boots.count == 2)
        #expect(r.end?.kind == .clean)
        #expect(r.end?.evidence.count == 2, "logind's announcement and rsyslog's stop: \(String(describing: r.end?.evidence))")
    }

    @Test func aRestartMidBootIsNoShutdown() {
        let text = """
            May  3 22:04:34 orion kernel: [ 2426.935501] nautilus[2901]: segfault at bf34efdc ip 0628e835 sp bf34efe0 error 6 in libc-2.11.1.so[6233000+153000]
            May  3 22:05:23 orion rsyslogd: [origin software="rsyslogd" swVersion="4.2.0" x-pid="815" x-info="http://www.rsyslog.com"] exiting on signal 15.
            May  3 22:05:24 orion kernel: imklog 4.2.0, log source = /proc/kmsg started.
            May  3 22:05:24 orion rsyslogd: [origin software="rsyslogd" swVersion="4.2.0" x-pid="844" x-info="http://www.rsyslog.com"] (re)start
            May  3 22:05:30 orion sshd[1200]: Server listening on 0.0.0.0 port 22.

            """
        let r = Self.analyze(text, boot: .auto)
        #expect(r.boots.count == 1)
        #expect(r.end.map { $0.kind != .clean } ?? false)
    }

    @Test func aKernelLineAfterTheStopIsNoShutdown() {
        let text = Self.reboot.replacingOccurrences(
            of: "exiting on signal 15.\n",
            with: "exiting on signal 15.\nMay  3 22:05:25 orion kernel: [ 2478.100000] BUG: soft lockup - CPU#0 stuck for 22s! [kworker/0:1:57]\n")
        let r = Self.analyze(text, boot: .offset(-1))
        #expect(r.end.map { $0.kind != .clean } ?? false)
        // The lockup line is the boot's last sign of life, 2 s after the daemon stopped.
        #expect(r.end?.lastSignOfLife.map { $0.microseconds % 86_400_000_000 } == Int64(22 * 3600 + 5 * 60 + 25) * 1_000_000)
    }
}

/// Text without a wall-clock time still names its host: `journalctl -o short-monotonic` puts
/// the hostname on every line, as `short` does; and it says that its systemd lines were not
/// counted. The sample's journal (written by
/// systemd-journal-remote) rendered by journalctl; the journal's `_HOSTNAME` is the oracle.
@Suite struct UntimedTextHostTests {
    static let journal = TestPaths.packageRoot + "/samples/healthy-reboot/var/log/journal"

    @Test("journalctl -o short-monotonic names the journal's host",
          .enabled(if: TextOnlyBootTests.hasJournalctl))
    func shortMonotonicHost() throws {
        let dir = TestPaths.scratch("untimed-host")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try Command.run("/usr/bin/journalctl", ["-D", Self.journal, "--no-pager", "-o", "short-monotonic"])
        let json = try Command.run("/usr/bin/journalctl", ["-D", Self.journal, "--no-pager", "-o", "json", "-n", "1"])
        try #require(text.status == 0 && json.status == 0)
        let host = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])?["_HOSTNAME"] as? String)
        let path = dir + "/boot.txt"
        try text.stdoutText.write(toFile: path, atomically: true, encoding: .utf8)
        let r = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [try KernelLogReader.read(path: path)]), options: AnalysisOptions())
        #expect(r.untimedBoots != nil, "no wall-clock time: boots told apart by their kernel clocks")
        #expect(r.host.hostname == host)
        // Its systemd lines cannot be placed in time: the report says their unit events are not counted.
        let untimedNote = { (r: PostmortemReport) in r.notes.contains { if case .untimedSystemdLines(let n) = $0 { n > 0 } else { false } } }
        #expect(untimedNote(r))
        // Kernel text that names no host (dmesg) stays without one.
        let dmesg = dir + "/dmesg.txt"
        try "[    0.000000] Linux version 6.1.0-18-amd64\n[    5.000000] Out of memory: Killed process 4242 (java)\n"
            .write(toFile: dmesg, atomically: true, encoding: .utf8)
        let bare = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [try KernelLogReader.read(path: dmesg)]), options: AnalysisOptions())
        #expect(bare.oomKills.count == 1 && bare.host.hostname == nil && !untimedNote(bare))
    }
}
