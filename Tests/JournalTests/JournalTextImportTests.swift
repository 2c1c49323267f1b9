import Foundation
import Journal
import Testing
import TestSupport

/// journalctl's `-o export` and `-o json` turned back into journal files: journalctl is the
/// oracle on both sides (it wrote the text from real files, and it reads the files made from it).
@Suite("journal text import")
struct JournalTextImportTests {
    static let journalctl = "/usr/bin/journalctl"
    static var hasJournalctl: Bool { FileManager.default.isExecutableFile(atPath: journalctl) }

    /// Real files: systemd-journal-remote's, every layout, and the corpus's when present.
    static func realFiles() throws -> [String] {
        var files: [String] = []
        for layout in JournalFixtures.layouts {
            files += try JournalFixtures.writeDirectory("import-\(layout)", layout: layout, count: 1200, files: 2).files
        }
        return files + TestPaths.corpusFiles("journals").filter { !$0.hasSuffix("~") && !$0.contains("truncated") }
    }

    /// Converts a text and writes the files it made to `dir`.
    static func made(_ text: [UInt8], format: JournalTextFormat, in dir: String) throws -> (paths: [String], result: JournalTextImport.Result) {
        let result = JournalTextImport.convert(SharedBytes(bytes: text), format: format, path: "input")
        var paths: [String] = []
        for (i, f) in result.files.enumerated() {
            let path = dir + "/made-\(i).journal"
            try Data(f.bytes.unsafeBytes).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        return (paths, result)
    }

    @Test("an export made back into a journal file exports byte for byte as the original; journalctl --verify passes it",
          .enabled(if: hasJournalctl))
    func exportRoundTrip() throws {
        let dir = TestPaths.scratch("import-export")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for file in try Self.realFiles() {
            var original = try JournalFixtures.journalctlExport([file])
            guard !original.isEmpty else { continue }  // a file journalctl shows no entry of
            #expect(JournalTextFormat.sniff(Array(original.prefix(4096))) == .export)
            let (paths, result) = try Self.made(original, format: .export, in: dir)
            #expect(result.problems.isEmpty, "\(file): \(result.problems)")
            try #require(paths.count == 1, "\(file): \(paths.count) files made")
            var again = try JournalFixtures.journalctlExport(paths)
            if Self.edited(file) { (original, again) = (Self.maskingXorHash(original), Self.maskingXorHash(again)) }
            #expect(again == original, "\(file): \(again.count) bytes against \(original.count)")
            let verify = try Command.run(Self.journalctl, ["--verify", "--file", paths[0]])
            #expect(verify.status == 0, "\(file): \(verify.stderrText)")
            // The reader reads the made file as journalctl does.
            let ours = try JournalFixtures.postmortemExport(paths).stdout
            #expect((Self.edited(file) ? Self.maskingXorHash(ours) : ours) == original, "\(file): postmortem export differs")
        }
    }

    @Test("journalctl -o verbose --all of real files, made back into journal files, exports as the originals",
          .enabled(if: hasJournalctl))
    func verboseRoundTrip() throws {
        let dir = TestPaths.scratch("import-verbose")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let real = TestPaths.corpusFiles("journals").filter { !$0.hasSuffix("~") && !$0.contains("truncated") }
            + [TestPaths.packageRoot + "/samples/reference-incident/var/log/journal/65935178b7f7b28f006093b5970de8da/system.journal"]
        var checked = 0
        for file in real {
            var original = try JournalFixtures.journalctlExport([file])
            guard !original.isEmpty else { continue }
            let verbose = try Command.run(Self.journalctl, ["--file", file, "-o", "verbose", "--all"]).stdout
            #expect(JournalTextFormat.sniff(Array(verbose.prefix(4096))) == .verbose, "\(file)")
            let (paths, result) = try Self.made(verbose, format: .verbose, in: dir)
            #expect(result.problems.isEmpty, "\(file): \(result.problems)")
            try #require(paths.count == 1)
            var again = try JournalFixtures.journalctlExport(paths)
            // A value verbose cannot show as it is (a control byte, a trailing newline: export
            // writes those in binary form) is lost there: such files keep their entries only.
            guard !Self.hasBinaryFields(original) else {
                #expect(Self.entries(inExport: again) == Self.entries(inExport: original), "\(file)")
                continue
            }
            if Self.edited(file) { (original, again) = (Self.maskingXorHash(original), Self.maskingXorHash(again)) }
            #expect(again == original, "\(file)")
            checked += 1
        }
        #expect(checked >= 2, "real files of text values only were compared byte for byte")
        // Without --all, a binary value is printed as `[N bytes blob data]`: left out and counted.
        let (_, written) = try JournalFixtures.writeDirectory("import-verbose-blob", layout: JournalFixtures.layouts[3], count: 60, files: 1)
        let verbose = try Command.run(Self.journalctl, ["--file", written[0], "-o", "verbose"]).stdout
        let (paths, result) = try Self.made(verbose, format: .verbose, in: dir)
        #expect(paths.count == 1)
        #expect(result.problems.contains { $0.contains("values journalctl printed as blob data") }, "\(result.problems)")
    }

    @Test("a JSON dump made back into a journal file gives every entry's fields again", .enabled(if: hasJournalctl))
    func jsonRoundTrip() throws {
        let dir = TestPaths.scratch("import-json")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for file in try Self.realFiles() {
            for mode in ["json", "json-seq", "json-pretty", "json-sse"] {
                let original = try Command.run(Self.journalctl, ["--file", file, "-o", mode, "--all"]).stdout
                guard !original.isEmpty else { continue }
                #expect(JournalTextFormat.sniff(Array(original.prefix(4096))) == .json, "\(mode)")
                let (paths, result) = try Self.made(original, format: .json, in: dir)
                #expect(result.problems.isEmpty, "\(file) \(mode): \(result.problems)")
                try #require(paths.count == 1)
                let again = try Command.run(Self.journalctl, ["--file", paths[0], "-o", "json", "--all"]).stdout
                let mask = Self.edited(file)
                let a = try Self.entries(mask ? Self.maskingXorHash(original) : original)
                let b = try Self.entries(mask ? Self.maskingXorHash(again) : again)
                #expect(a.count == b.count && a.count > 0, "\(file) \(mode)")
                #expect(a == b, "\(file) \(mode): the entries differ")
            }
        }
    }

    /// Whether an export holds a field in binary form (a name line without `=`).
    static func hasBinaryFields(_ export: [UInt8]) -> Bool {
        var atLineStart = true, sawEquals = false, lineLength = 0
        for b in export {
            if b == 10 {
                if lineLength > 0 && !sawEquals { return true }
                (atLineStart, sawEquals, lineLength) = (true, false, 0)
            } else {
                if b == UInt8(ascii: "=") { sawEquals = true }
                if atLineStart && b < 0x20 { return true }
                (atLineStart, lineLength) = (false, lineLength + 1)
            }
        }
        return false
    }

    /// How many entries an export holds (its `__CURSOR=` lines).
    static func entries(inExport export: [UInt8]) -> Int {
        String(decoding: export, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("__CURSOR=") }.count
    }

    /// The S4 corpus files had payloads edited after they were written (MANIFEST): their
    /// entries' stored XOR hashes, which cursors carry, are not those of their items, so a file
    /// made from their text has other cursors' `x=`.
    static func edited(_ file: String) -> Bool { file.contains("s4-rhel91") || file.contains("s4-ubuntu16") }

    /// The text with every cursor's `x=…` taken out.
    static func maskingXorHash(_ text: [UInt8]) -> [UInt8] {
        let s = String(decoding: text, as: UTF8.self)
        return Array(s.replacing(/;x=[0-9a-f]+/, with: ";x=?").utf8)
    }

    /// Each entry's fields as a dictionary of JSON texts (journalctl's order of fields follows its hash table).
    static func entries(_ text: [UInt8]) throws -> [[String: String]] {
        var out: [[String: String]] = []
        // json-seq's record separators and json-sse's `data: ` fields out: one object per line.
        let objects = String(decoding: text, as: UTF8.self).replacingOccurrences(of: "\u{1E}", with: "")
            .replacingOccurrences(of: "data: {", with: "{").replacingOccurrences(of: "}\n\n", with: "}\n")
            .replacingOccurrences(of: "}\n{", with: "}\u{0}{").split(separator: "\u{0}")
        for o in objects where !o.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let dict = try #require(try JSONSerialization.jsonObject(with: Data(o.utf8)) as? [String: Any])
            var fields: [String: String] = [:]
            for (k, v) in dict {
                fields[k] = String(decoding: try JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys]), as: UTF8.self)
            }
            out.append(fields)
        }
        return out
    }

    @Test("entries of several files, interleaved by time, become one file per sequence-number ID with their own cursors",
          .enabled(if: hasJournalctl))
    func severalFilesInOneExport() throws {
        let dir = TestPaths.scratch("import-merged")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try JournalFixtures.writeDirectory("import-a", layout: JournalFixtures.layouts[0], count: 300, files: 1).files
        let b = try JournalFixtures.writeDirectory("import-b", layout: JournalFixtures.layouts[3], count: 200, files: 1).files
        let merged = try JournalFixtures.journalctlExport(a + b)
        let seqnumIDs = Set(String(decoding: merged, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("__CURSOR=s=") }.map { $0.dropFirst(11).prefix(32) })
        try #require(seqnumIDs.count == 2, "the two files' entries are told apart by their sequence-number IDs")
        let (paths, result) = try Self.made(merged, format: .export, in: dir)
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(paths.count == 2)
        #expect(result.files.map(\.name) == ["input[1]", "input[2]"])
        #expect(try JournalFixtures.journalctlExport(paths) == merged)
    }

    @Test("a cut or damaged text: the entries before the damage are made, the damage is said, nothing traps")
    func damagedTexts() throws {
        let text = Array("""
            __CURSOR=s=0123456789abcdef0123456789abcdef;i=1;b=1f0e3d5c7b9a48f6a2c4e6f8091b2d3c;m=1;t=1;x=1
            __REALTIME_TIMESTAMP=1733000000000000
            __MONOTONIC_TIMESTAMP=5000000
            _BOOT_ID=1f0e3d5c7b9a48f6a2c4e6f8091b2d3c
            MESSAGE=first

            __CURSOR=s=0123456789abcdef0123456789abcdef;i=2;b=1f0e3d5c7b9a48f6a2c4e6f8091b2d3c;m=2;t=2;x=2
            __REALTIME_TIMESTAMP=1733000000000001
            __MONOTONIC_TIMESTAMP=5000001
            _BOOT_ID=1f0e3d5c7b9a48f6a2c4e6f8091b2d3c
            lower=case is no field name
            MESSAGE=second

            """.utf8)
        let clean = JournalTextImport.convert(SharedBytes(bytes: text), format: .export, path: "t")
        #expect(clean.files.map(\.entries) == [2])
        let lower = try #require(String(decoding: text, as: UTF8.self).utf8.firstRange(of: "lower=".utf8)?.lowerBound)
        let at = String(decoding: text, as: UTF8.self).utf8.distance(from: String(decoding: text, as: UTF8.self).utf8.startIndex, to: lower)
        #expect(clean.problems == ["1 lines that are not fields skipped (the first at byte \(at))"])
        // A binary field whose size runs past the end, and one of an absurd size.
        for size in [UInt64(1000), UInt64.max, UInt64(1) << 40] {
            var cut = text + Array("__CURSOR=s=0123456789abcdef0123456789abcdef;i=3\n__REALTIME_TIMESTAMP=1733000000000002\n_BOOT_ID=1f0e3d5c7b9a48f6a2c4e6f8091b2d3c\nBLOB\n".utf8)
            withUnsafeBytes(of: size.littleEndian) { cut += $0 }
            cut += Array("abc".utf8)
            let r = JournalTextImport.convert(SharedBytes(bytes: cut), format: .export, path: "t")
            #expect(r.files.map(\.entries) == [2], "size \(size)")
            #expect(r.problems.contains { $0.contains("BLOB") }, "size \(size): \(r.problems)")
        }
        // An entry of 200,000 fields (journald keeps at most 1024): skipped, said, and quickly.
        var wide = Array("__CURSOR=s=0123456789abcdef0123456789abcdef;i=9\n__REALTIME_TIMESTAMP=1733000000000009\n_BOOT_ID=1f0e3d5c7b9a48f6a2c4e6f8091b2d3c\n".utf8)
        for i in 0..<200_000 { wide += Array("F\(i)=\(i)\n".utf8) }
        let w = JournalTextImport.convert(SharedBytes(bytes: text + wide + [10]), format: .export, path: "w")
        #expect(w.files.map(\.entries) == [2])
        #expect(w.problems.contains { $0.hasPrefix("1 entries of more than 1024 fields") }, "\(w.problems)")
        // Every prefix of a JSON dump: no trap, never more entries than were whole.
        let json = Array(#"{"__CURSOR":"s=0123456789abcdef0123456789abcdef;i=1","__REALTIME_TIMESTAMP":"1733000000000000","_BOOT_ID":"1f0e3d5c7b9a48f6a2c4e6f8091b2d3c","MESSAGE":"a \"quoted\" {brace}","BIN":[1,2,300],"TWO":["x",[0,255]],"BIG":null}"#.utf8) + [10]
        for n in 0...json.count {
            let r = JournalTextImport.convert(SharedBytes(bytes: Array(json.prefix(n))), format: .json, path: "j")
            #expect(r.files.map(\.entries) == (n >= json.count - 1 ? [1] : []), "prefix \(n)")
        }
    }
}
