import Events
import Foundation
import Journal
import KernelLog
import TestSupport
import Testing
@testable import Analysis

/// systemd writes to the kernel log under its own name while journald is down (killed,
/// restarting, at switch-root): `kernel: [ 8.01] systemd[1]: systemd-journald.service:
/// Scheduled restart job, …` in kern.log, a console log or a dmesg. Such lines are PID 1's
/// lines, as journald reads them (`SYSLOG_IDENTIFIER`, `SYSLOG_PID`). Oracle: the corpus's
/// RHEL 9.1 journal, whose kernel entries are written back as rsyslog writes kernel lines.
@Suite("systemd's lines in the kernel log")
struct KmsgSenderTests {
    /// The kernel-transport entries of the journal as kern.log lines, each as the kernel
    /// printed it: the sender's name and PID before the message, as journald found them.
    static func kernLog(_ journal: String) throws -> String {
        let out = try Command.run("/usr/bin/journalctl", ["--file", journal, "--no-pager", "-o", "json", "_TRANSPORT=kernel"])
        try #require(out.status == 0)
        let stamp = DateFormatter()
        stamp.locale = Locale(identifier: "en_US_POSIX")
        stamp.timeZone = TimeZone(identifier: "UTC")
        stamp.dateFormat = "MMM dd HH:mm:ss"
        var lines: [String] = []
        for line in out.stdoutText.split(separator: "\n") {
            let e = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard let message = e["MESSAGE"] as? String, let realtime = (e["__REALTIME_TIMESTAMP"] as? String).flatMap(UInt64.init),
                  let mono = ((e["_SOURCE_MONOTONIC_TIMESTAMP"] ?? e["__MONOTONIC_TIMESTAMP"]) as? String).flatMap(UInt64.init)
            else { continue }
            let id = e["SYSLOG_IDENTIFIER"] as? String ?? "kernel"
            let sender = id == "kernel" ? "" : "\(id)[\(e["SYSLOG_PID"] as? String ?? "1")]: "
            let when = stamp.string(from: Date(timeIntervalSince1970: Double(realtime) / 1e6))
            lines.append(String(format: "%@ drano kernel: [%5llu.%06llu] ", when, mono / 1_000_000, mono % 1_000_000) + sender + message)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test(.enabled(if: TestPaths.corpus != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl"),
                   "needs ../shared/corpus and journalctl"))
    func pid1LinesOfKernLogCountAsTheJournalsDo() throws {
        let journal = try #require(TestPaths.corpus) + "/journals/s4-rhel91-system.journal"
        let text = try Self.kernLog(journal)
        // The journal holds PID 1's restart of journald at switch-root only as a kernel entry.
        try #require(text.contains("kernel: [") && text.contains("] systemd[1]: systemd-journald.service: Scheduled restart job"))
        let file = KernelLogReader.parse(bytes: Array(text.utf8), path: "kern.log", modificationTime: nil)
        #expect(file.messages.isEmpty, "every line is the kernel's: the senders are inside the kernel's text")
        var options = AnalysisOptions()
        options.boot = .all
        let fromText = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: options)
        let fromJournal = Analyzer.analyze(AnalysisInput(journal: JournalReader(paths: [journal])), options: options)
        let t = try #require(fromText.units.first { $0.unit == "systemd-journald.service" })
        let j = try #require(fromJournal.units.first { $0.unit == "systemd-journald.service" })
        #expect(t.restartsObserved == 1 && j.restartsObserved == 1)
        #expect(t.restartCounterMax == j.restartCounterMax)
        // They stay kernel lines as well (the journal keeps them as kernel entries).
        #expect(fromText.boots.first.map { $0.entries } == file.records.count)
    }

    /// The sender is taken from systemd's programs only: the kernel's own lines of the same
    /// shape (`show_signal_msg` in arch/x86/mm/fault.c: `comm[pid]: segfault at …`) are not a
    /// program's, nor are lines without a PID or the colon.
    @Test func onlySystemdNamesItself() {
        let pid1 = KmsgSender("systemd[1]: foo.service: Scheduled restart job, restart counter is at 3.")
        #expect(pid1?.identifier == "systemd" && pid1?.pid == 1
                && pid1?.message == "foo.service: Scheduled restart job, restart counter is at 3.")
        #expect(KmsgSender("systemd-shutdown[1]: Syncing filesystems and block devices.")?.identifier == "systemd-shutdown")
        #expect(KmsgSender("systemd-journald[412]: Received SIGTERM from PID 1 (systemd).")?.pid == 412)
        #expect(KmsgSender("postgres[2113]: segfault at 0 ip 00007f3a1c2b4d10 sp 00007ffd3c1e8a28 error 4 in libc.so.6") == nil)
        #expect(KmsgSender("systemd: foo.service: Main process exited") == nil)
        #expect(KmsgSender("systemd[1] foo") == nil)
        #expect(KmsgSender("systemd[x]: foo") == nil)
        #expect(KmsgSender("systemd[0]: foo") == nil)
        #expect(KmsgSender("systemd[99999999999999999999]: foo") == nil)
        #expect(KmsgSender("Systemd[1]: foo") == nil)
    }
}
