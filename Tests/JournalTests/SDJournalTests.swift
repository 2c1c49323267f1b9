import Foundation
import Journal
import SystemdJournal
import Testing
import TestSupport

/// One entry of `journalctl -o export` output: the `__` header lines and the items.
private struct ExportEntry: Equatable {
    var cursor = ""
    var realtime: UInt64?
    var monotonic: UInt64?
    var bootID = ""
    /// Every item after the header, `_BOOT_ID` excluded (export prints it once in the header).
    var fields: [JournalField] = []
}

/// Parses the journal export format (`JOURNAL_EXPORT_FORMATS.md`): `NAME=value` lines, or
/// `NAME`, newline, 64-bit little-endian length, raw bytes, newline; a blank line ends an entry.
private func parseExport(_ bytes: [UInt8]) throws -> [ExportEntry] {
    var entries: [ExportEntry] = []
    var current = ExportEntry()
    var started = false
    var i = 0
    while i < bytes.count {
        guard let nl = bytes[i...].firstIndex(of: 10) else {
            throw TestSupportError("export: unterminated line at byte \(i)")
        }
        let line = bytes[i..<nl]
        if line.isEmpty {
            if started { entries.append(current) }
            current = ExportEntry()
            started = false
            i = nl + 1
            continue
        }
        started = true
        let name: String
        let value: [UInt8]
        if let eq = line.firstIndex(of: UInt8(ascii: "=")) {
            name = String(decoding: line[..<eq], as: UTF8.self)
            value = Array(line[(eq + 1)...])
            i = nl + 1
        } else {
            name = String(decoding: line, as: UTF8.self)
            let start = nl + 1
            guard start + 8 <= bytes.count else { throw TestSupportError("export: cut length at byte \(start)") }
            var length: UInt64 = 0
            for k in 0..<8 { length |= UInt64(bytes[start + k]) << (8 * UInt64(k)) }
            guard let n = Int(exactly: length), n <= bytes.count - start - 8 - 1 else {
                throw TestSupportError("export: binary field \(name) overruns the output")
            }
            value = Array(bytes[(start + 8)..<(start + 8 + n)])
            guard bytes[start + 8 + n] == 10 else { throw TestSupportError("export: binary field \(name) not ended by newline") }
            i = start + 8 + n + 1
        }
        let text = String(decoding: value, as: UTF8.self)
        switch name {
        case "__CURSOR": current.cursor = text
        case "__REALTIME_TIMESTAMP": current.realtime = UInt64(text)
        case "__MONOTONIC_TIMESTAMP": current.monotonic = UInt64(text)
        case "_BOOT_ID": current.bootID = text
        case let n where n.hasPrefix("__"): break  // newer journalctl adds __SEQNUM and friends
        default: current.fields.append(JournalField(name: name, value: value))
        }
    }
    if started { entries.append(current) }
    return entries
}

private let journalctl = ["/usr/bin/journalctl", "/bin/journalctl"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// `journalctl -o export` over `files`, or `nil` when journalctl refuses them.
private func journalctlExport(_ files: [String]) throws -> [ExportEntry]? {
    guard let journalctl else { return nil }
    let r = try Command.run(journalctl, files.flatMap { ["--file", $0] } + ["-o", "export", "--no-pager"])
    guard r.status == 0 else { return nil }
    return try parseExport(r.stdout)
}

private func readAll(_ reader: SDJournalReader) throws -> [JournalEntry] {
    var out: [JournalEntry] = []
    try reader.forEachEntry { out.append($0) }
    return out
}

/// Checks that the libsystemd reader gives what journalctl printed, entry by entry.
private func expectSame(_ ours: [JournalEntry], _ theirs: [ExportEntry], _ label: String) {
    #expect(ours.count == theirs.count, "\(label): entry count")
    for (k, (a, b)) in zip(ours, theirs).enumerated() {
        #expect(a.cursor == b.cursor, "\(label) #\(k): cursor")
        #expect(a.realtime == b.realtime, "\(label) #\(k): realtime")
        #expect(a.monotonic == b.monotonic, "\(label) #\(k): monotonic")
        #expect(a.bootID.description == b.bootID, "\(label) #\(k): boot ID")
        let fields = a.fields.filter { $0.name != "_BOOT_ID" }
        #expect(fields == b.fields, "\(label) #\(k): fields")
        if fields != b.fields { return }  // one mismatch is enough to see what is wrong
    }
}

@Suite struct SDJournalTests {
    @Test(.enabled(if: journalctl != nil), .enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus")) func everyCorpusJournalMatchesJournalctl() throws {
        let files = TestPaths.corpusFiles("journals")
        try #require(!files.isEmpty)
        var compared = 0
        for file in files {
            let name = URL(fileURLWithPath: file).lastPathComponent
            guard let expected = try journalctlExport([file]) else {
                // journalctl refuses it (the truncated Velociraptor files); libsystemd must agree.
                let entries = (try? readAll(try SDJournalReader(files: [file]))) ?? []
                #expect(entries.isEmpty, "\(name): journalctl refuses it but libsystemd read \(entries.count)")
                continue
            }
            expectSame(try readAll(try SDJournalReader(files: [file])), expected, name)
            compared += 1
        }
        // MANIFEST: 17 of the 19 journals are readable by journalctl 252.
        #expect(compared == 17)
    }

    @Test(.enabled(if: journalctl != nil), .enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus")) func kjournaldSetInterleavesLikeJournalctl() throws {
        let files = TestPaths.corpusFiles("journals").filter { $0.contains("/kjournald-") }
        try #require(!files.isEmpty)
        let expected = try #require(try journalctlExport(files))
        let ours = try readAll(try SDJournalReader(files: files))
        // MANIFEST: read as a set, the kjournald files hold 2202 entries and 3 boots.
        #expect(ours.count == 2202)
        #expect(Set(ours.map(\.bootID)).count == 3)
        expectSame(ours, expected, "kjournald set")
    }

    @Test(.enabled(if: JournalRemote.isAvailable && journalctl != nil))
    func generatedFileWithBinaryRepeatedAndLargeFields() throws {
        let dir = TestPaths.scratch("sdjournal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let boot = "0123456789abcdef0123456789abcdef"
        let big = Array((0..<9000).map { UInt8(ascii: "a") + UInt8($0 % 26) })
        let binary: [UInt8] = [0, 1, 2, 10, 255, 61, 10, 0x7f]
        var builder = ExportBuilder()
        var inputs: [[(String, [UInt8])]] = []
        for i in 0..<50 {
            var fields: [(String, [UInt8])] = [("MESSAGE", Array("message \(i) with = sign".utf8)),
                                               ("PRIORITY", Array("\(i % 8)".utf8))]
            if i % 5 == 0 { fields.append(("BLOB", binary + [UInt8(i)])) }
            if i % 7 == 0 { fields += [("TAG", Array("a\(i)".utf8)), ("TAG", Array("b\(i)".utf8))] }
            if i == 13 { fields.append(("HUGE", big)) }
            inputs.append(fields)
            builder.add(realtime: 1_700_000_000_000_000 + UInt64(i) * 1_000_000, monotonic: 5_000_000 + UInt64(i) * 1_000_000,
                        bootID: boot, fields: fields)
        }
        let output = dir + "/generated.journal"
        try JournalRemote.write(builder.bytes, to: output)

        let ours = try readAll(try SDJournalReader(files: [output]))
        #expect(ours.count == 50)
        for (i, entry) in ours.enumerated() where i < inputs.count {
            #expect(entry.realtime == 1_700_000_000_000_000 + UInt64(i) * 1_000_000)
            #expect(entry.monotonic == 5_000_000 + UInt64(i) * 1_000_000)
            #expect(entry.bootID.description == boot)
            // journald stores items in its own order, so compare as sorted multisets.
            let got = entry.fields.filter { $0.name != "_BOOT_ID" }.map { "\($0.name)=\($0.value)" }.sorted()
            let want = inputs[i].map { "\($0.0)=\($0.1)" }.sorted()
            #expect(got == want, "entry \(i)")
        }
        let huge = ours.first { $0.bytes("HUGE") != nil }?.bytes("HUGE")
        let hugeIsWhole = huge == big  // outside #expect, which would diff 9000 elements on failure
        #expect(hugeIsWhole, "a 9000-byte value comes back whole (got \(huge?.count ?? 0) bytes)")
        #expect(ours[0].bytes("BLOB") == binary + [0])
        #expect(ours[7].values("TAG").sorted() == ["a7", "b7"])
        expectSame(ours, try #require(try journalctlExport([output])), "generated")

        // The directory opener finds the same file.
        let viaDirectory = try readAll(try SDJournalReader(directory: dir))
        #expect(viaDirectory.map(\.cursor) == ours.map(\.cursor))
    }

    @Test func missingFileIsATypedError() {
        do {
            _ = try readAll(try SDJournalReader(files: ["/nonexistent/postmortem/none.journal"]))
            Issue.record("opening a missing file succeeded")
        } catch let error as SDJournalError {
            #expect(error.code == ENOENT)
            #expect(error.message.contains("sd_journal_open_files"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
