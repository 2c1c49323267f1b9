import Foundation
import Testing
import TestSupport
@testable import Journal

/// Journal files written by systemd-journal-remote, then changed the way an attacker or a
/// bad disk would change them: the reader must not invent data, and memory stays bounded.
/// journalctl on the unchanged file (or on the changed one, where it reads it) is the oracle.
@Suite("hostile journals: nothing invented, memory bounded", .serialized,
       .enabled(if: JournalRemote.isAvailable, "systemd-journal-remote is not installed"))
struct HostileJournalTests {
    /// The objects of a file in file order: (offset, type, size).
    static func objects(_ b: [UInt8]) -> [(offset: Int, type: UInt8, size: Int)] {
        var out: [(Int, UInt8, Int)] = []
        var o = Int(u64(b, 88))
        while o + 16 <= b.count {
            let type = b[o], size = Int(u64(b, o + 8))
            if type == 0 || size < 16 || o + size > b.count { break }
            out.append((o, type, size))
            o += (size + 7) & ~7
        }
        return out
    }

    static func u64(_ b: [UInt8], _ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } }
    static func put64(_ b: inout [UInt8], _ o: Int, _ v: UInt64) {
        for i in 0..<8 { b[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }

    static func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
    static func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    /// Every entry in export format, through the decode path and through the export fast path.
    static func ourExports(_ path: String) -> (decoded: [UInt8], fast: [UInt8], health: FileHealth?) {
        var decoded: [UInt8] = []
        JournalReader(paths: [path]).forEachEntry { ExportFormat.appendExport($0, to: &decoded) }
        var fast: [UInt8] = []
        let reader = JournalReader(paths: [path])
        reader.writeExport { fast.append(contentsOf: $0) }
        return (decoded, fast, reader.health.first)
    }

    static func fixture(_ label: String, _ layout: JournalFixtures.Layout) throws -> (dir: String, file: String) {
        let (dir, files) = try JournalFixtures.writeDirectory(label, layout: layout, count: 300, files: 1)
        return (dir, files[0])
    }

    @Test("an ENTRY whose size field is enlarged yields its own items and no others", arguments: JournalFixtures.layouts)
    func enlargedEntry(_ layout: JournalFixtures.Layout) throws {
        let (dir, file) = try Self.fixture("enlarged-\(layout)", layout)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pristine = try JournalFixtures.journalctlExport([file])
        var bytes = try Self.read(file)
        let entries = Self.objects(bytes).filter { $0.type == 3 }
        #expect(entries.count == 300)
        // Entry 100's size grows by 64 KiB (three bytes of the field change): its "items" would
        // run on through the objects after it, the next entries' items among them.
        for (n, growth) in [(100, 0x10000), (200, 30 * 16)] {
            let e = entries[n]
            Self.put64(&bytes, e.offset + 8, UInt64(e.size + growth))
        }
        let mutated = dir + "/enlarged.journal"
        try Self.write(bytes, mutated)
        let (decoded, fast, health) = Self.ourExports(mutated)
        // Nothing invented and nothing lost: exactly what journalctl prints for the file as written.
        // (journalctl 252 itself prints the neighbours' fields as the entry's on the changed file.)
        #expect(decoded == pristine)
        #expect(fast == pristine)
        #expect(health?.entriesOversized == 2)
        #expect(health?.itemsDropped == 0)
        #expect(health?.problems.contains { $0.reason.contains("claims") && $0.reason.contains("not read") } == true)
        #expect(health?.summary.contains("2 entries claim items past their own object (not read)") == true)
        // The analysis scan agrees.
        var messages = 0
        JournalReader(paths: [mutated]).scan(fields: ["MESSAGE"]) { v in if v.value(0) != nil { messages += 1 } }
        #expect(messages == 300)
    }

    @Test("a regular file with COMPACT set, or a compact one without, is refused and named, not read renamed",
          arguments: [false, true])
    func flippedCompact(_ compact: Bool) throws {
        let (dir, file) = try Self.fixture("flip-\(compact)", .init(compact: compact, keyedHash: true))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bytes = try Self.read(file)
        bytes[12] ^= 16
        let mutated = dir + "/flipped.journal"
        try Self.write(bytes, mutated)
        #expect(throws: JournalError.self) { try JournalFile(path: mutated) }
        do {
            _ = try JournalFile(path: mutated)
        } catch {
            #expect(error.code == .badHeader)
            #expect(error.description.contains("flipped.journal"))
            #expect(error.detail.contains(compact ? "does not set COMPACT" : "sets COMPACT"))
            #expect(error.detail.contains(compact ? "compact layout" : "regular layout"))
        }
        let reader = JournalReader(paths: [mutated])
        #expect(reader.files.isEmpty)
        #expect(reader.unreadable.count == 1)
        // journalctl does not read it either (it fails, or finds no entry).
        let j = try Command.run("/usr/bin/journalctl", ["--file", mutated, "-o", "export"])
        #expect(j.status != 0 || !j.stdoutText.contains("MESSAGE="))
    }

    @Test("a DATA payload changed after writing is reported against its stored hash and kept, as journalctl keeps it",
          arguments: JournalFixtures.layouts)
    func corruptedPayload(_ layout: JournalFixtures.Layout) throws {
        let (dir, file) = try Self.fixture("payload-\(layout)", layout)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bytes = try Self.read(file)
        let payloadAt = layout.compact ? 72 : 64
        // An uncompressed `_PID=` value one entry carries: its last digit becomes another.
        let target = Self.objects(bytes).first { o in
            o.type == 1 && bytes[o.offset + 1] == 0 && Self.u64(bytes, o.offset + 56) == 1
                && bytes[(o.offset + payloadAt)..<(o.offset + o.size)].starts(with: Array("_PID=".utf8))
        }
        let data = try #require(target)
        let at = data.offset + data.size - 1
        bytes[at] = bytes[at] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        let mutated = dir + "/payload.journal"
        try Self.write(bytes, mutated)
        let oracle = try JournalFixtures.journalctlExport([mutated])
        let (decoded, fast, health) = Self.ourExports(mutated)
        #expect(decoded == oracle)
        #expect(fast == oracle)
        #expect(health?.hashMismatches == 1)
        #expect(health?.problems.contains { $0.offset == data.offset && $0.reason.contains("does not match its stored hash") } == true)
        #expect(health?.summary.contains("1 values fail their stored hash") == true)
        // The unchanged file has none.
        #expect(Self.ourExports(file).health?.hashMismatches == 0)
    }

    @Test("the corpus files with edited payloads: every mismatch found, as the corpus manifest counts them",
          .enabled(if: TestPaths.corpus != nil, "the shared corpus is absent"))
    func corpusMismatches() throws {
        let root = try #require(TestPaths.corpus) + "/journals/"
        for (name, expected) in [("s4-rhel91-system.journal", 16), ("s4-ubuntu16-system.journal", 26),
                                 ("kjournald-system.journal", 0)] {
            let (_, fast, health) = Self.ourExports(root + name)
            #expect(health?.hashMismatches == expected, "\(name)")
            // ...and the export is still journalctl's, byte for byte.
            #expect(fast == (try JournalFixtures.journalctlExport([root + name])), "\(name)")
        }
    }
}
