import Foundation
import Testing
import TestSupport

/// `journalctl -o export` and `-o json` dumps as inputs: journalctl wrote them from the real
/// files, and the analysis of the dump must be the analysis of those files.
@Suite("journalctl dumps as inputs")
struct JournalTextInputTests {
    static let journalctl = "/usr/bin/journalctl"
    static let sample = TestPaths.packageRoot + "/samples/reference-incident"

    /// The sample's journal files that journalctl reads (it refuses the torn `.journal~`), copied apart.
    static func readableJournals(_ dir: String) throws -> String {
        let journals = dir + "/journal"
        try FileManager.default.createDirectory(atPath: journals, withIntermediateDirectories: true)
        let from = sample + "/var/log/journal/65935178b7f7b28f006093b5970de8da"
        for name in try FileManager.default.contentsOfDirectory(atPath: from) where name.hasSuffix(".journal") {
            try FileManager.default.copyItem(atPath: from + "/" + name, toPath: journals + "/" + name)
        }
        return journals
    }

    static func report(_ path: String) throws -> (json: [String: Any], result: CommandResult) {
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", "-o", "json", path])
        return ((try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any]) ?? [:], r)
    }

    /// The report without what names the files read (their paths, the commands to look) and
    /// without the newest boot's end, which a dump cannot tell (below).
    static func verdict(_ json: [String: Any]) -> String {
        var json = json
        json["inputs"] = nil
        json["generator"] = nil
        if var boots = json["boots"] as? [[String: Any]], !boots.isEmpty {
            boots[boots.count - 1]["end"] = nil
            boots[boots.count - 1]["end_evidence"] = nil
            json["boots"] = boots
        }
        let data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
            .replacing(/\{"command":"[^"]*","source":\{[^}]*\}/, with: "{EVIDENCE")
    }

    @Test("an export and a JSON dump give the verdict, causes, timeline and detection of the files they came from",
          .enabled(if: FileManager.default.isExecutableFile(atPath: journalctl)),
          arguments: ["export", "json", "json-seq", "json-pretty", "json-sse", "verbose"])
    func sameAnalysis(format: String) throws {
        let dir = TestPaths.scratch("dump-\(format)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let journals = try Self.readableJournals(dir)
        let dump = dir + "/boot." + (format == "export" ? "export" : format == "verbose" ? "txt" : "json")
        let written = try Command.run(Self.journalctl, ["-D", journals, "-o", format, "--all"])
        #expect(written.status == 0, "\(written.stderrText)")
        try Data(written.stdout).write(to: URL(fileURLWithPath: dump))

        let (files, fromFiles) = try Self.report(journals)
        let (text, fromText) = try Self.report(dump)
        #expect(fromFiles.status == 0 && fromText.status == 0, "\(fromText.stderrText)")
        #expect((text["end"] as? [String: Any])?["kind"] as? String == "unclean")
        #expect(Self.verdict(text) == Self.verdict(files))
        // The newest boot's file was still online: it was running when the files were copied.
        // A dump does not keep the file's state, so there its end is unknown, not ongoing.
        func newestEnd(_ json: [String: Any]) -> String? { (json["boots"] as? [[String: Any]])?.last?["end"] as? String }
        #expect(newestEnd(files) == "ongoing" && newestEnd(text) == "unknown")
        // The inputs name the dump; each file it held is one input.
        let inputs = text["inputs"] as? [[String: Any]] ?? []
        #expect(inputs.map { $0["path"] as? String } == [dump + "[1]", dump + "[2]"])
        // `postmortem export` of an export dump writes the dump again, byte for byte.
        if format == "export" || format == "verbose" {
            let again = try Command.run(TestPaths.executable, ["export", "-o", "export", dump])
            let original = try Command.run(Self.journalctl, ["-D", journals, "-o", "export"])
            #expect(again.stdout == original.stdout)
        }
        // A dump keeps no file state: none is claimed.
        #expect(inputs.allSatisfy { ($0["health"] as? [String: Any])?["state"] == nil })
    }

    @Test("a sosreport's journalctl -o export (sos_commands/logs) is read as the journal it dumped",
          .enabled(if: FileManager.default.isExecutableFile(atPath: journalctl)))
    func sosreportExport() throws {
        let dir = TestPaths.scratch("dump-sos")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let journals = try Self.readableJournals(dir)
        let sos = dir + "/sosreport-polybox-2024-02-11-abcdef"
        try FileManager.default.createDirectory(atPath: sos + "/sos_commands/logs", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: sos + "/etc", withIntermediateDirectories: true)
        try Data("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n".utf8).write(to: URL(fileURLWithPath: sos + "/etc/os-release"))
        try Data(try Command.run(Self.journalctl, ["-D", journals, "-o", "export"]).stdout)
            .write(to: URL(fileURLWithPath: sos + "/sos_commands/logs/journalctl_-o_export"))
        let (files, _) = try Self.report(journals)
        let (fromSos, r) = try Self.report(sos)
        #expect(r.status == 0, "\(r.stderrText)")
        var withoutHost = fromSos
        withoutHost["host"] = files["host"]
        #expect(Self.verdict(withoutHost) == Self.verdict(files))
        #expect(((fromSos["host"] as? [String: Any])?["facts"] as? [String: Any])?["os"] != nil, "one host: the sosreport's")
    }

    @Test("entries given twice (the files and their dump, or the files copied twice) are counted once in the boots' list",
          .enabled(if: FileManager.default.isExecutableFile(atPath: journalctl)))
    func entriesGivenTwiceCountOnce() throws {
        let dir = TestPaths.scratch("dump-twice")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The whole journal, the torn file included: journalctl's dump of it holds fewer entries
        // of the older boot than the files do (it stops where the torn file's index does), so
        // the dump overlaps the files without being a copy of them.
        let journals = Self.sample + "/var/log/journal"
        let dump = dir + "/all.export"
        try Data(try Command.run(Self.journalctl, ["-D", journals, "-o", "export"]).stdout).write(to: URL(fileURLWithPath: dump))
        let copy = dir + "/copy"
        try FileManager.default.copyItem(atPath: journals, toPath: copy)
        func counts(_ paths: [String]) throws -> [String: Int] {
            let r = try Command.run(TestPaths.executable, ["boots", "--quiet", "-o", "json"] + paths)
            #expect(r.status == 0, "\(r.stderrText)")
            let boots = try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [[String: Any]] ?? []
            return boots.reduce(into: [:]) { $0[$1["boot_id"] as? String ?? "?"] = $1["entries"] as? Int }
        }
        let alone = try counts([journals])
        #expect(alone.count == 2 && alone.values.allSatisfy { $0 > 0 })
        #expect(try counts([journals, dump]) == alone)
        #expect(try counts([journals, copy]) == alone)
        // The dump alone: journalctl's entries of each boot, no more.
        let dumped = try Command.run(Self.journalctl, ["-D", journals, "-o", "export", "--output-fields=_BOOT_ID"]).stdoutText
        let perBoot = dumped.split(separator: "\n").filter { $0.hasPrefix("_BOOT_ID=") }
            .reduce(into: [String: Int]()) { $0[String($1.dropFirst(9)), default: 0] += 1 }
        #expect(try counts([dump]) == perBoot)
    }

    @Test("evidence from a dump points into it: the command given finds the entry's line",
          .enabled(if: FileManager.default.isExecutableFile(atPath: journalctl)))
    func evidencePointsIntoTheDump() throws {
        let dir = TestPaths.scratch("dump-evidence")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let journals = try Self.readableJournals(dir)
        let dump = dir + "/boot.export"
        try Data(try Command.run(Self.journalctl, ["-D", journals, "-o", "export"]).stdout).write(to: URL(fileURLWithPath: dump))
        let (json, _) = try Self.report(dump)
        let evidence = (json["root_causes"] as? [[String: Any]] ?? []).flatMap { $0["evidence"] as? [[String: Any]] ?? [] }
        let fromDump = evidence.filter { ($0["source"] as? [String: Any])?["type"] as? String == "journal-text" }
        #expect(!fromDump.isEmpty)
        for e in fromDump {
            let source = try #require(e["source"] as? [String: Any])
            #expect(source["path"] as? String == dump)
            let command = try #require(e["command"] as? String)
            let found = try Command.shell(command)
            #expect(found.status == 0 && found.stdoutText.contains("__CURSOR=" + (source["cursor"] as? String ?? "?")), "\(command)")
        }
    }

    @Test("a gzipped dump is expanded; a file that only starts like a dump is read as a log or skipped, never as a journal")
    func compressedAndLookalikes() throws {
        let dir = TestPaths.scratch("dump-lookalike")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let entry = """
            __CURSOR=s=0123456789abcdef0123456789abcdef;i=1;b=1f0e3d5c7b9a48f6a2c4e6f8091b2d3c;m=1;t=1;x=1
            __REALTIME_TIMESTAMP=1733000000000000
            __MONOTONIC_TIMESTAMP=5000000
            _BOOT_ID=1f0e3d5c7b9a48f6a2c4e6f8091b2d3c
            _MACHINE_ID=65935178b7f7b28f006093b5970de8da
            _HOSTNAME=dumped
            _TRANSPORT=kernel
            MESSAGE=Kernel panic - not syncing: Fatal exception


            """
        try Data(entry.utf8).write(to: URL(fileURLWithPath: dir + "/boot.export"))
        let gz = try Command.shell("cd '\(dir)' && gzip -k boot.export && mv boot.export.gz only.export.gz")
        #expect(gz.status == 0)
        let (json, r) = try Self.report(dir + "/only.export.gz")
        #expect(r.status == 0, "\(r.stderrText)")
        #expect((json["host"] as? [String: Any])?["hostname"] as? String == "dumped")
        #expect(((json["inputs"] as? [[String: Any]])?.first?["entries"] as? Int) == 1)
        // JSON that is not journalctl's is not taken for a dump.
        try Data(#"{"level":"info","msg":"hello"}"#.utf8).write(to: URL(fileURLWithPath: dir + "/app.json"))
        let other = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", dir + "/app.json"])
        // Read as text, which it is not: no line has a time or a sender (a dump would have been made into a journal).
        #expect(other.stderrText.contains("app.json: no line carries a time, a kernel stamp or a sender"), "\(other.stderrText)")
        #expect(!other.stderrText.contains("JSON"), "\(other.stderrText)")
        #expect(other.status == 3, "\(other.stderrText)")
    }
}

extension JournalTextInputTests {
    /// A dump larger than a small budget: made into files and analysed within it, every entry kept.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func aLargeDumpStaysInBudget() throws {
        let dir = TestPaths.scratch("dump-budget")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 150,000 entries of one crash loop, each with values of its own (PID, message): ~70 MB.
        let made = try Command.shell("""
            python3 - '\(dir)/loop.export' <<'PY'
            import sys
            with open(sys.argv[1], 'w') as out:
                for i in range(150000):
                    t = 1707644675000000 + i * 150000
                    out.write(f"__CURSOR=s=23710e79e2ef70a210aafca88b5d8051;i={i + 1:x};b=9b094a1e218e0eaac0e0d2f5e4f02fec;m={t - 1707600000000000:x};t={t:x};x=0\\n"
                              f"__REALTIME_TIMESTAMP={t}\\n__MONOTONIC_TIMESTAMP={t - 1707600000000000}\\n"
                              "_BOOT_ID=9b094a1e218e0eaac0e0d2f5e4f02fec\\n_MACHINE_ID=65935178b7f7b28f006093b5970de8da\\n"
                              "_HOSTNAME=polybox\\n_TRANSPORT=journal\\nPRIORITY=3\\n_PID=1\\n_COMM=systemd\\nUNIT=polyscan.service\\n"
                              "MESSAGE_ID=98e322203f7a4ed290d09fe03c09fe15\\n"
                              f"MESSAGE=polyscan.service: Main process exited, code=exited, status=1/FAILURE (run {i}, {'x' * 200})\\n"
                              f"EXIT_CODE=exited\\nEXIT_STATUS=1\\n_SOURCE_REALTIME_TIMESTAMP={t - 7}\\n\\n")
            PY
            """)
        #expect(made.status == 0, "\(made.stderrText)")
        let r = try Command.run("/usr/bin/time", ["-f", "peak-kib=%M", TestPaths.executable, "analyze", "--quiet", "--utc", "-o", "json",
                                                  "--memory-budget", "128M", dir + "/loop.export"])
        let peak = r.stderrText.split(separator: "\n").last { $0.hasPrefix("peak-kib=") }.flatMap { Int($0.dropFirst(9)) } ?? .max
        #expect(r.status == 0, "\(r.stderrText)")
        #expect(peak < 128 << 10, "peak \(peak) KiB")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any])
        let entries = (json["inputs"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["entries"] as? Int ?? 0) }
        #expect(entries == 150_000)
        #expect((json["inputs"] as? [[String: Any]] ?? []).count > 1, "closed at the file size limit, as journald closes files")
    }
}
