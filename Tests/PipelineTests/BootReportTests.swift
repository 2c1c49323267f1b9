import Analysis
import Foundation
import Pipeline
import Testing
import TestSupport

/// What `postmortem-boot.service` runs, `analyze --previous-boot-if-unclean --out-dir DIR --keep N`,
/// on the bundled sample trees (checked against their `truth.json`), and its parts: the gate,
/// the folder pruning and the fields of the journal entry.
@Suite("boot path: --previous-boot-if-unclean, --out-dir, --keep", .serialized)
struct BootReportTests {
    static func truth(_ sample: String) throws -> Truth {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.packageRoot + "/samples/\(sample)/truth.json"))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Truth.self, from: data)
    }

    static func sample(_ name: String) -> String { TestPaths.packageRoot + "/samples/" + name }

    @Test("a previous boot that ended uncleanly gets the three reports and one summary line")
    func uncleanSample() throws {
        let truth = try Self.truth("reference-incident")
        let crashed = try #require(truth.boots.first { $0.end == "unclean" })
        let out = TestPaths.scratch("boot-unclean")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", "--previous-boot-if-unclean",
                                                       "--out-dir", out, "--keep", "3", Self.sample("reference-incident")])
        #expect(r.status == 0, "\(r.stderrText)")
        let dir = out + "/" + crashed.bootId
        for name in ["report.md", "report.json", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + name), "\(name) missing in \(dir)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/report.json"))) as? [String: Any]
        #expect(json?["analyzed_boot"] as? String == crashed.bootId)
        #expect((json?["end"] as? [String: Any])?["kind"] as? String == "unclean")
        let md = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(md.contains(truth.rootCause?.subject ?? "?"))
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg"))
        // One line: host, how the boot ended, the top cause (truth's), where the reports are.
        let lines = r.stdoutText.split(separator: "\n")
        #expect(lines.count == 1)
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("\(truth.hostname): Boot \(crashed.bootId.prefix(12))… ended UNCLEANLY"))
        if let cause = truth.primary {
            #expect(line.contains("; primary cause: \(cause.kind) \(cause.subject)"))
        } else if truth.rootCause != nil {
            // A truth file from before the causal model names a cause, not the primary.
            #expect(line.contains("; primary cause: "))
        }
        #expect(line.hasSuffix("reports in \(dir)/"))
    }

    // How fast it returns is the bench's business (scripts/bench.sh), not a timed test's.
    @Test("a previous boot that ended cleanly: nothing written, exit 0")
    func cleanSample() throws {
        let truth = try Self.truth("healthy-reboot")
        let previous = try #require(truth.boots.dropLast().last)
        #expect(previous.end == "clean")
        let out = TestPaths.scratch("boot-clean") + "/reports"
        defer { try? FileManager.default.removeItem(atPath: (out as NSString).deletingLastPathComponent) }
        let r = try Command.run(TestPaths.executable, ["analyze", "--previous-boot-if-unclean", "--out-dir", out,
                                                       "--journal-summary", "--keep", "1", Self.sample("healthy-reboot")])
        #expect(r.status == 0, "\(r.stderrText)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderrText.contains("the previous boot \(previous.bootId) ended cleanly: nothing written"))
        // Not even the folder: a clean boot leaves no trace in /var/lib/postmortem. The
        // journal was not written to either, else (no journald here) the run would have failed.
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("no previous boot at all (one boot in the journal): nothing written, exit 0")
    func onlyOneBoot() throws {
        let truth = try Self.truth("reference-incident")
        let out = TestPaths.scratch("boot-one")
        defer { try? FileManager.default.removeItem(atPath: out) }
        // The newest boot's file alone: the crashed boot is not in it.
        let journalDir = Self.sample("reference-incident") + "/var/log/journal/" + truth.machineId
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--previous-boot-if-unclean",
                                                       "--out-dir", out + "/r", journalDir + "/system.journal"])
        #expect(r.status == 0, "\(r.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: out + "/r"))
    }

    @Test("--keep N leaves the newest N boot folders and nothing but boot folders is touched")
    func keepNewest() throws {
        let truth = try Self.truth("reference-incident")
        let crashed = try #require(truth.boots.first { $0.end == "unclean" })
        let out = TestPaths.scratch("boot-keep")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let fm = FileManager.default
        // Three older report folders, a folder that is no boot ID, and one with a file of its own.
        let old = (1...3).map { String(repeating: String($0), count: 32) }
        for (i, id) in old.enumerated() {
            try fm.createDirectory(atPath: out + "/" + id, withIntermediateDirectories: true)
            for name in ["report.md", "report.json", "report.html"] {
                _ = fm.createFile(atPath: out + "/\(id)/\(name)", contents: Data("old".utf8))
            }
            try fm.setAttributes([.modificationDate: Date(timeIntervalSinceNow: Double(-3600 * (3 - i)))],
                                 ofItemAtPath: out + "/" + id)
        }
        let kept = String(repeating: "a", count: 32)
        try fm.createDirectory(atPath: out + "/" + kept, withIntermediateDirectories: true)
        _ = fm.createFile(atPath: out + "/\(kept)/notes.txt", contents: Data("mine".utf8))
        try fm.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -86_400)], ofItemAtPath: out + "/" + kept)
        try fm.createDirectory(atPath: out + "/lost+found", withIntermediateDirectories: true)

        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--previous-boot-if-unclean",
                                                       "--out-dir", out, "--keep", "2", Self.sample("reference-incident")])
        #expect(r.status == 0)
        let left = Set(try fm.contentsOfDirectory(atPath: out))
        // The new report and the newest older one (old[2], an hour ago) stay; the others go,
        // except the one holding a file that is not a report, which is named on stderr.
        #expect(left == [crashed.bootId, old[2], kept, "lost+found"], "\(left)")
        #expect(try fm.contentsOfDirectory(atPath: out + "/" + kept) == ["notes.txt"])
        #expect(r.stderrText.contains("\(out)/\(kept): not removed"))
    }

    @Test("a folder that cannot be listed: the problem says why, nothing is removed")
    func pruneUnlistable() {
        let missing = TestPaths.scratch("boot-keep-missing") + "/not-there"
        let (removed, problems) = ReportFolder.prune(missing, keep: 1, sparing: "")
        #expect(removed.isEmpty)
        #expect(problems == ["cannot list \(missing): No such file or directory"])
    }

    @Test("the gate: only a boot that did not end cleanly is reported", arguments: BootEndKind.allCases.map(Optional.some) + [nil])
    func gate(_ end: BootEndKind?) {
        let expected: Bool
        switch end {
        case .unclean?, .unknown?: expected = true
        case .clean?, .ongoing?, nil: expected = false
        }
        #expect(PreviousBootCheck.wantsReport(end) == expected)
    }

    static func report(end: BootEndKind, causes: [(Int, String, String)]) -> PostmortemReport {
        var report = PostmortemReport()
        report.analyzedBoot = "9b094a1e218e0eaac0e0d2f5e4f02fec"
        report.end = BootEnd(kind: end, lastEntry: nil, nextBootFirst: nil, gapSeconds: nil, evidence: [])
        report.rootCauses = causes.map {
            RootCause(rank: $0.0, id: $0.1 + ":" + $0.2, kind: CauseKind(rawValue: $0.1) ?? .lockup, subject: .unit($0.2), facts: .text(summary: "", remediation: []))
        }
        return report
    }

    @Test("the journal entry's fields: the line, its MESSAGE_ID, a warning for an unclean end, the top cause")
    func journalFields() {
        let report = Self.report(end: .unclean, causes: [(2, "memory-exhaustion", "video.service"), (1, "crash-loop", "a.service")])
        let fields = JournalSummary.fields(report, line: "line one", reportFolder: "/var/lib/postmortem/x")
        let byName = Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(fields.count == byName.count, "a field named twice")
        #expect(byName["MESSAGE"] == "line one")
        #expect(byName["MESSAGE_ID"] == JournalSummary.messageID)
        #expect(byName["PRIORITY"] == "4")
        #expect(byName["SYSLOG_IDENTIFIER"] == "postmortem")
        #expect(byName["POSTMORTEM_BOOT_ID"] == "9b094a1e218e0eaac0e0d2f5e4f02fec")
        #expect(byName["POSTMORTEM_END"] == "unclean")
        #expect(byName["POSTMORTEM_ROOT_CAUSE"] == "crash-loop")
        #expect(byName["POSTMORTEM_ROOT_CAUSE_SUBJECT"] == "a.service")
        #expect(byName["POSTMORTEM_REPORT_DIR"] == "/var/lib/postmortem/x")
        // journald's rules for a field a client may set: A–Z, 0–9, _, not led by _ or a digit, ≤ 64.
        for (name, _) in fields {
            let ok = name.count <= 64 && !(name.first?.isNumber ?? true) && name.first != "_"
                && name.allSatisfy { ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_" }
            #expect(ok, "\(name) is not a valid journal field name")
        }
        #expect(JournalSummary.messageID.count == 32 && JournalSummary.messageID.allSatisfy(\.isHexDigit))

        let unknown = JournalSummary.fields(Self.report(end: .unknown, causes: []), line: "l", reportFolder: "d")
        #expect(unknown.first { $0.name == "PRIORITY" }?.value == "5")
        #expect(!unknown.contains { $0.name.hasPrefix("POSTMORTEM_ROOT_CAUSE") })
    }

    @Test("flags that do not go together are usage errors", arguments: [
        ["--keep", "3"], ["--journal-summary"], ["--out-dir", "/tmp/x", "--keep", "0"],
        ["--previous-boot-if-unclean", "--boot", "0"], ["--out-dir", "/tmp/x", "-o", "/tmp/y"],
    ])
    func usageErrors(_ flags: [String]) throws {
        let r = try Command.run(TestPaths.executable, ["analyze"] + flags + [Self.sample("healthy-reboot")])
        #expect(r.status == 2, "\(flags): \(r.stderrText)")
    }

    @Test("--version: the version, the commit git reports for this checkout, the build date")
    func version() throws {
        let r = try Command.run(TestPaths.executable, ["--version"])
        #expect(r.status == 0)
        let text = r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        let git = try Command.run("/usr/bin/env", ["git", "-C", TestPaths.packageRoot, "rev-parse", "--short=12", "HEAD"])
        let head = git.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        let commit = git.status == 0 && !head.isEmpty ? head : "unknown"
        // The stamp is from the build: HEAD may have moved on since (a commit without rebuilding).
        let pattern = #/^\d+\.\d+\.\d+ \(commit ([0-9a-f]{12}|unknown), built (\d{4}-\d{2}-\d{2})\)$/#
        let match = try #require(text.wholeMatch(of: pattern), "\(text)")
        #expect(match.1 == commit, "\(text) vs git's \(commit)")
        #expect(match.2 <= ISO8601DateFormatter().string(from: Date()).prefix(10))
    }
}
