import Foundation
import Testing
import TestSupport
@testable import Journal

/// The hash functions against the values journald stored, and the hash-table lookups
/// against journalctl's own matches (`FIELD=value` arguments and `-F`).
@Suite("hashes and index lookups", .serialized)
struct IndexTests {
    @Test("entry xor_hash is the XOR of the Jenkins hashes of its items (every corpus file)")
    func jenkinsMatchesStoredXorHash() throws {
        for path in TestPaths.corpusFiles("journals").filter({ !$0.contains("truncated") }) {
            let file = try JournalFile(path: path)
            var checked = 0
            var walker = EntryArrayWalker(first: file.header.entryArrayOffset, count: file.header.nEntries, fileSize: file.bytes.count)
            while let o = walker.next(in: file), checked < 50 {
                guard let head = file.entryHead(at: o) else { continue }
                var x: UInt64 = 0
                for i in 0..<head.itemCount {
                    guard let d = file.itemOffset(entry: o, index: i), case .success(let p) = file.dataPayload(at: d) else { continue }
                    x ^= p.withUnsafeBytes { JournalHash.jenkins64($0) }
                }
                // The S4 files had payloads edited after writing (MANIFEST), so only count agreement there.
                if !path.contains("s4-rhel91") && !path.contains("s4-ubuntu16") { #expect(x == head.xorHash, "\(path) @\(o)") }
                checked += 1
            }
        }
    }

    @Test("stored DATA hashes match SipHash-2-4 keyed by the file ID, or Jenkins", arguments: JournalFixtures.layouts)
    func dataHashes(_ layout: JournalFixtures.Layout) throws {
        let (dir, files) = try JournalFixtures.writeDirectory("hash-\(layout)", layout: layout, count: 200, files: 1)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try JournalFile(path: files[0])
        #expect(file.header.isKeyedHash == layout.keyedHash)
        var n = 0
        for d in file.dataObjects(ofField: "_PID") + file.dataObjects(ofField: "MESSAGE") {
            guard case .success(let p) = file.dataPayload(at: d), let stored = file.bytes.u64(d + 16) else { continue }
            #expect(p.withUnsafeBytes { file.hash($0) } == stored)
            n += 1
        }
        #expect(n > 100)
    }

    @Test("FIELD=value through the data hash table gives journalctl's matches", arguments: JournalFixtures.layouts)
    func matches(_ layout: JournalFixtures.Layout) throws {
        let (dir, files) = try JournalFixtures.writeDirectory("match-\(layout)", layout: layout, count: 2000, files: 3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reader = JournalReader(paths: [dir])
        for (field, value) in [("MESSAGE_ID", "5eb03494b6584870a536b337290809b3"), ("_SYSTEMD_UNIT", "cron.service"),
                               ("PRIORITY", "3"), ("TAG", "b"), ("_PID", "no-such-pid")] {
            let expected = try JournalFixtures.journalctlExport(files, extra: ["\(field)=\(value)"])
            var ours: [UInt8] = []
            reader.forEachEntry(matching: field, value: value) { ExportFormat.appendExport($0, to: &ours) }
            #expect(ours == expected, "\(field)=\(value)")
            if value != "no-such-pid" { #expect(!ours.isEmpty) }
        }
    }

    @Test("all values of a field through the field hash table equal journalctl -F")
    func fieldValues() throws {
        for path in TestPaths.corpusFiles("journals").filter({ !$0.contains("truncated") }).prefix(8) {
            for field in ["_SYSTEMD_UNIT", "_PID", "PRIORITY"] {
                let expected = try Command.run("/usr/bin/journalctl", ["--file", path, "-F", field]).stdoutText
                    .split(separator: "\n").map(String.init).sorted()
                let ours = JournalReader(paths: [path]).values(ofField: field).map { String(decoding: $0, as: UTF8.self) }.sorted()
                #expect(ours == expected, "\(path) \(field)")
            }
        }
    }

    @Test("first appearance of each _PID per boot comes from the index, not a full decode")
    func firstAppearances() throws {
        let (dir, _) = try JournalFixtures.writeDirectory("first", layout: JournalFixtures.layouts[0], count: 1200, files: 2)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reader = JournalReader(paths: [dir])
        var firstSeen: [String: UInt64] = [:]
        reader.forEachEntry(fields: .only(["_PID"])) { e in
            let key = "\(e.bootID)/\(e["_PID"] ?? "")"
            if firstSeen[key] == nil { firstSeen[key] = e.realtime }
        }
        let indexed = reader.firstAppearances(ofField: "_PID")
        #expect(indexed.count == firstSeen.count)
        for a in indexed { #expect(firstSeen["\(a.bootID)/\(a.string)"] == a.realtime) }
    }
}
