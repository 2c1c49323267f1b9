import Foundation
import KernelLog
import TestSupport
import Testing

/// Text logs as users attach them: journalctl's renderings of a real journal (written by
/// systemd-journal-remote, rendered here by journalctl itself in every `-o` mode that prints
/// a time), syslog forms of the same entries, kernel text without stamps, and excerpts from
/// public bug reports (Fixtures/text, source and licence in each header).
@Suite("text log formats")
struct TextFormatTests {
    static let journal = TestPaths.packageRoot + "/samples/healthy-reboot/var/log/journal"
    static var hasJournalctl: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl") }

    /// journalctl over the sample, in `zone`.
    static func render(_ args: [String], zone: String = "America/Chicago") throws -> String {
        let r = try Command.run("/usr/bin/journalctl", ["-D", journal, "--no-pager"] + args, environment: ["TZ": zone])
        #expect(r.status == 0, "journalctl \(args): \(r.stderrText)")
        return r.stdoutText
    }

    /// What journalctl's JSON says: each entry's realtime, identifier, message, and whether it is the kernel's.
    struct Entry {
        var realtime: Int64
        var identifier: String
        var message: String
        var kernel: Bool
        var boot: String
    }

    static func entries() throws -> [Entry] {
        try render(["-o", "json"]).split(separator: "\n").compactMap { line in
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            // journalctl shows the sender's own time where it has one.
            let time = o["_SOURCE_REALTIME_TIMESTAMP"] as? String ?? o["__REALTIME_TIMESTAMP"] as? String ?? ""
            return Entry(realtime: Int64(time) ?? 0,
                         identifier: o["SYSLOG_IDENTIFIER"] as? String ?? "",
                         message: o["MESSAGE"] as? String ?? "",
                         kernel: o["_TRANSPORT"] as? String == "kernel",
                         boot: o["_BOOT_ID"] as? String ?? "")
        }
    }

    static let timedModes = ["short", "short-iso", "short-iso-precise", "short-precise", "short-full", "short-unix", "with-unit"]

    @Test("journalctl -o MODE of a real journal: every line read, systemd's lines kept, two boots",
          .enabled(if: hasJournalctl), arguments: timedModes + ["short-monotonic"])
    func journalctlModes(_ mode: String) throws {
        let text = try Self.render(["-o", mode])
        let truth = try Self.entries()
        // An mtime in the sample's year, so that modes without a year land in it.
        let f = KernelLogReader.parse(bytes: Array(text.utf8), path: "/x/journal-\(mode).txt",
                                      modificationTime: 1_707_600_000_000_000)
        #expect(f.skipped.count == 0, "\(f.skipped.summary(path: mode) ?? "")")
        #expect(f.boots.count == 2)
        #expect(Set(f.boots.compactMap(\.journalBootID)) == Set(truth.map(\.boot)).subtracting([truth.first?.boot ?? ""]))
        // PID 1 and systemd-shutdown write some lines to the kernel log: text names them `systemd[1]`.
        let systemd = truth.filter { $0.identifier.hasPrefix("systemd") }
        // Other programs' lines: each boot's newest 48, for its last words.
        let isSystem = { (m: TextMessage) in
            m.identifier.hasPrefix("systemd") || m.identifier == "init.scope" || m.identifier.hasPrefix("user@")
        }
        let others = f.messages.filter { !isSystem($0) }
        var tails: [Entry] = []
        for boot in truth.map(\.boot).reduce(into: [String](), { if $0.last != $1 { $0.append($1) } }) {
            tails += truth.filter { $0.boot == boot && !$0.kernel && !$0.identifier.hasPrefix("systemd") }.suffix(48)
        }
        #expect(others.map(\.record.text) == tails.map(\.message), "\(mode): other programs' last lines kept")
        let kept = f.messages.filter(isSystem)
        #expect(kept.count == systemd.count, "\(mode): systemd lines kept")
        #expect(f.records.count == truth.filter { $0.kernel && !$0.identifier.hasPrefix("systemd") }.count, "\(mode): kernel lines")
        #expect(f.hostnames == ["web04"])
        // Same text, in the same order, as the journal's entries.
        #expect(zip(kept, systemd).allSatisfy { $0.record.text == $1.message })
        if mode == "short-monotonic" {
            #expect(f.messages.allSatisfy { $0.record.wallclockUSec == nil && $0.record.monotonicUSec != nil })
            return
        }
        // Wall-clock times as the journal has them, to the mode's precision; `short` and
        // `short-precise` print local time without a zone (read as UTC, 6 h off in Chicago).
        let precise = mode.hasSuffix("precise") || mode == "short-unix"
        let shift: Int64 = ["short", "short-precise"].contains(mode) ? -6 * 3_600_000_000 : 0
        for (m, e) in zip(kept, systemd) {
            let want = (precise ? e.realtime : e.realtime / 1_000_000 * 1_000_000) + shift
            #expect(m.record.wallclockUSec == want, "\(mode): \(m.record.text)")
        }
        if mode == "with-unit" {
            #expect(f.messages.contains { $0.identifier == "init.scope" && $0.pid == 1 })
        }
    }

    @Test("journalctl's header gives the year and the zone of `short` stamps")
    func headerYearAndZone() {
        let text = """
            -- Logs begin at Mon 2020-01-06 10:00:00 CST, end at Tue 2020-01-07 11:00:00 CST. --
            Jan 06 10:00:00 box systemd[1]: Started Foo.
            Jan 07 11:00:00 box systemd[1]: foo.service: Start request repeated too quickly.
            """
        // A file written six years later: without the header its year would be 2026.
        let f = KernelLogReader.parse(bytes: Array(text.utf8), path: "/x/j.txt", modificationTime: 1_790_000_000_000_000)
        #expect(f.skipped.count == 0)
        // 2020-01-07 11:00 CST = 17:00 UTC.
        #expect(f.messages.last?.record.wallclockUSec == 1_578_416_400_000_000)
        #expect(f.notes.contains { $0.contains("journalctl's header") })
        let newer = "-- Journal begins at Sun 2023-04-09 01:00:00 UTC, ends at Mon 2023-04-10 22:10:32 UTC. --\n"
            + "Apr 10 22:10:32 box systemd[1]: Stopped Foo.\n"
        let g = KernelLogReader.parse(bytes: Array(newer.utf8), path: "/x/k.txt", modificationTime: nil)
        #expect(g.messages.first?.record.wallclockUSec == 1_681_164_632_000_000)
    }

    @Test("`-- Reboot --` and `-- Boot <id> --` separate boots")
    func rebootSeparators() {
        let text = """
            Jan 06 10:00:00 box systemd[1]: Started Foo.
            -- Reboot --
            Jan 06 10:05:00 box systemd[1]: Started Bar.
            -- Boot 0123456789abcdef0123456789abcdef --
            Jan 06 10:09:00 box systemd[1]: Started Baz.
            """
        let f = KernelLogReader.parse(bytes: Array(text.utf8), path: "/x/j.txt", modificationTime: 1_578_400_000_000_000)
        #expect(f.boots.count == 3)
        #expect(f.messages.map(\.record.textBoot) == [0, 1, 2])
        #expect(f.boots.last?.journalBootID == "0123456789abcdef0123456789abcdef")
    }

    @Test("kernel text without stamps (dmesg -t, journalctl -k -o cat) is read in order, with no invented time",
          .enabled(if: hasJournalctl))
    func unstampedKernelText() throws {
        let text = try Self.render(["_TRANSPORT=kernel", "-o", "cat"])
        let truth = try Self.entries().filter(\.kernel)
        let f = KernelLogReader.parse(bytes: Array(text.utf8), path: "/x/console.txt", modificationTime: nil)
        #expect(f.skipped.count == 0)
        #expect(f.records.count == truth.count)
        let differing = zip(f.records.map(\.text), truth.map(\.message)).filter { $0 != $1 }
        #expect(differing.isEmpty, "\(differing.prefix(2))")
        #expect(f.records.allSatisfy { $0.wallclockUSec == nil && $0.monotonicUSec == nil })
        // The second boot's banner starts a second boot.
        #expect(f.boots.count == 2)
    }

    @Test("syslog forms of real entries: RFC 3164, RFC 5424, rsyslog ISO, <PRI> + RFC 3339", .enabled(if: hasJournalctl))
    func syslogForms() throws {
        let entries = try Self.entries().filter { $0.identifier.hasPrefix("systemd") && !$0.kernel && !$0.message.contains("\n") }
        #expect(!entries.isEmpty)
        func iso(_ us: Int64) -> String {
            let d = Date(timeIntervalSince1970: Double(us / 1_000_000))
            let f = ISO8601DateFormatter()
            f.timeZone = TimeZone(identifier: "UTC")
            return f.string(from: d)
        }
        let forms: [(String, (Entry) -> String)] = [
            ("rfc5424", { "<30>1 \(iso($0.realtime)) web04 \($0.identifier) 1 - - \($0.message)" }),
            ("iso", { "\(iso($0.realtime)) web04 \($0.identifier)[1]: \($0.message)" }),
            ("pri-iso", { "<30>\(iso($0.realtime)) web04 \($0.identifier)[1]: \($0.message)" }),
        ]
        for (name, line) in forms {
            let text = entries.map(line).joined(separator: "\n")
            let f = KernelLogReader.parse(bytes: Array(text.utf8), path: "/x/\(name)", modificationTime: nil)
            #expect(f.skipped.count == 0, "\(name)")
            #expect(f.messages.count == entries.count, "\(name)")
            #expect(f.messages.map(\.record.text) == entries.map(\.message), "\(name)")
            #expect(f.messages.map(\.record.wallclockUSec) == entries.map { $0.realtime / 1_000_000 * 1_000_000 }, "\(name)")
            #expect(f.messages.allSatisfy { $0.pid == 1 })
            #expect(f.hostnames == ["web04"])
        }
    }

    static func fixture(_ name: String) throws -> String {
        let text = try String(contentsOfFile: TestPaths.packageRoot + "/Tests/KernelLogTests/Fixtures/text/" + name, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("# ") }.joined(separator: "\n")
    }

    @Test("excerpts from bug reports: systemd's lines kept, catalog text and indented lines are not damage")
    func bugReportExcerpts() throws {
        let beszel = KernelLogReader.parse(bytes: Array(try Self.fixture("beszel-start-limit.log").utf8), path: "b", modificationTime: nil)
        #expect(beszel.skipped.count == 0)
        #expect(beszel.messages.count == 4)
        #expect(beszel.messages.allSatisfy { $0.identifier == "systemd" && $0.pid == 1 })
        let catalog = KernelLogReader.parse(bytes: Array(try Self.fixture("ansible-docker-catalog.log").utf8), path: "c", modificationTime: nil)
        #expect(catalog.skipped.count == 0)
        #expect(catalog.messages.count == 3)
        let indented = "Feb 10 09:00:00 web04 systemd[1]: foo.service: Failed to run 'start' task: Exec format error\n"
            + "Feb 10 09:00:01 web04 myapp[12]: Traceback (most recent call last):\n"
            + "                                   File \"x.py\", line 1\n"
            + "\tat com.example.Main(Main.java:1)\n"
            + "Feb 10 09:00:02 web04 kernel: [  12.000000] usb 1-1: new device\n"
        let g = KernelLogReader.parse(bytes: Array(indented.utf8), path: "i", modificationTime: nil)
        #expect(g.skipped.count == 0)
        #expect(g.skipped.continuationLines == 2)
        // The other program's line is kept as one of the boot's last lines; its frames are continuation lines.
        #expect(g.records.count == 1 && g.messages.map(\.identifier) == ["systemd", "myapp"])
    }

    @Test("a multi-line message with empty lines inside (a Python traceback) is one record, not damage",
          .enabled(if: hasJournalctl))
    func tracebackWithEmptyLines() throws {
        let r = try Command.run("/usr/bin/journalctl", ["-D", TestPaths.packageRoot + "/samples/reference-incident/var/log/journal",
                                                        "--no-pager", "-o", "short-iso"], environment: ["TZ": "UTC"])
        #expect(r.stdoutText.contains("The above exception was the direct cause"))
        let f = KernelLogReader.parse(bytes: r.stdout, path: "/x/ref.txt", modificationTime: nil)
        #expect(f.skipped.count == 0, "\(f.skipped.summary(path: "ref") ?? "")")
        #expect(f.skipped.continuationLines > 0)
    }
}
