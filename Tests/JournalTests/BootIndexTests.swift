import Foundation
import Testing
import TestSupport
@testable import Journal

/// The boot index answers by binary search over the journal's entry arrays; every entry read
/// one by one is the oracle.
@Suite("boot index look-ups", .serialized)
struct BootIndexTests {
    /// Every entry of a file in file order, with its boot and monotonic stamp.
    static func heads(_ file: JournalFile) -> [EntryHead] {
        var out: [EntryHead] = []
        var walker = EntryArrayWalker(first: file.header.entryArrayOffset, count: file.header.nEntries, fileSize: file.bytes.count)
        while let o = walker.next(in: file) {
            if let h = file.entryHead(at: o) { out.append(h) }
        }
        return out
    }

    /// Three boots across three rotated files, and a file where two boots' entries interleave
    /// (two sources forwarded to one journal-remote): there an entry's place does not tell its
    /// boot, and its header is read.
    static func journal(_ label: String) throws -> (dir: String, reader: JournalReader) {
        let (dir, _) = try JournalFixtures.writeDirectory(label, layout: JournalFixtures.layouts[0], count: 1500, files: 3)
        var b = ExportBuilder()
        var rng = JournalFixtures.Rand(state: 11)
        var realtime: UInt64 = 1_733_100_000_000_000
        var monotonic: [UInt64] = [4_000_000, 9_000_000]
        let ids = ["4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c", "5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d"]
        var k = 0
        while k < 600 {
            let which = rng.below(2)
            for _ in 0..<(1 + rng.below(6)) where k < 600 {
                realtime += UInt64(1 + rng.below(50_000))
                monotonic[which] += UInt64(1 + rng.below(50_000))
                let unit = ["a.service", "b.service", "c.service"][rng.below(3)]
                // b.service only ever runs in the second boot, and only late in its stretch.
                let named = which == 0 && unit == "b.service" ? "a.service" : unit
                b.add(realtime: realtime, monotonic: monotonic[which], bootID: ids[which],
                      [("MESSAGE", "tick \(k)"), ("UNIT", named), ("_PID", String(2000 + rng.below(40)))])
                k += 1
            }
        }
        try JournalRemote.write(b.bytes, to: dir + "/system@9.journal")
        return (dir, JournalReader(paths: [dir]))
    }

    @Test("the boots carrying an item equal those of every entry carrying it",
          .enabled(if: JournalRemote.isAvailable))
    func bootsCarryingAnItem() throws {
        let (dir, reader) = try Self.journal("boots-carrying")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let index = reader.bootIndex()
        #expect(Set(index.extents.map(\.bootID)).count == 5)
        var items = ["_SYSTEMD_UNIT=cron.service", "MESSAGE_ID=5eb03494b6584870a536b337290809b3", "TAG=b",
                     "UNIT=a.service", "UNIT=b.service", "UNIT=c.service", "_PID=no-such-pid"]
        items += reader.values(ofField: "_PID").enumerated().filter { $0.offset % 7 == 0 }
            .map { "_PID=" + String(decoding: $0.element, as: UTF8.self) }
        let carrying = reader.bootIDs(carrying: items, index: index)
        var nonEmpty = 0
        for item in items {
            guard let eq = item.firstIndex(of: "=") else { continue }
            var expected = Set<ID128>()
            reader.forEachEntry(matching: String(item[..<eq]), value: String(item[item.index(after: eq)...]),
                                fields: .only(["_PID"])) { expected.insert($0.bootID) }
            #expect(carrying[item] == expected, "\(item)")
            if !expected.isEmpty { nonEmpty += 1 }
        }
        #expect(nonEmpty > items.count / 2)
    }

    @Test("a file naming thousands of boots: each is counted, placed and edged from the index",
          .enabled(if: JournalRemote.isAvailable))
    func thousandsOfBoots() throws {
        let dir = TestPaths.scratch("many-boots")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var b = ExportBuilder()
        var boots: [String] = []
        for n in 0..<3000 {
            let id = String(format: "%08x", n + 1) + String(repeating: "ab", count: 12)
            boots.append(id)
            for k in 0..<2 {
                b.add(realtime: 1_733_200_000_000_000 + UInt64(n * 10 + k) * 1_000_000, monotonic: UInt64(1 + k) * 1_000_000,
                      bootID: id, [("MESSAGE", "boot \(n) entry \(k)"), ("UNIT", n % 2 == 0 ? "even.service" : "odd.service")])
            }
        }
        try JournalRemote.write(b.bytes, to: dir + "/system.journal")
        let reader = JournalReader(paths: [dir])
        let index = reader.bootIndex()
        let ids = Set(boots.compactMap { ID128(hex: $0) })
        #expect(index.bootIDs == ids)
        #expect(ids.allSatisfy { index.entryCount(of: $0) == 2 && index.files(of: $0) == [0] && index.extents(of: $0).count == 1 })
        let edges = reader.edgeEntries(index, headSeconds: 60, tailSeconds: 60, edgeEntries: 50_000)
        #expect(edges.count == 3000)
        #expect(edges.values.allSatisfy { $0.count == 1 && $0[0].count == 2 })
        let carrying = reader.bootIDs(carrying: ["UNIT=odd.service"], index: index)
        #expect(carrying["UNIT=odd.service"] == Set(boots.enumerated().filter { $0.offset % 2 == 1 }.compactMap { ID128(hex: $0.element) }))
    }

    @Test("each boot's edges are its entries in the first and last seconds, at most so many per file",
          .enabled(if: JournalRemote.isAvailable), arguments: [(60, 120, 50_000), (5, 9, 50_000), (0, 0, 3), (30, 30, 17)])
    func edgesEqualAnEntryByEntryRead(_ head: Int, _ tail: Int, _ cap: Int) throws {
        let (dir, reader) = try Self.journal("edges-\(head)-\(tail)-\(cap)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let index = reader.bootIndex()
        let edges = reader.edgeEntries(index, headSeconds: UInt64(head), tailSeconds: UInt64(tail), edgeEntries: cap)
        var first: [ID128: UInt64] = [:], last: [ID128: UInt64] = [:]
        let perFile = reader.files.map(Self.heads)
        for h in perFile.joined() {
            first[h.bootID] = min(first[h.bootID] ?? .max, h.monotonic)
            last[h.bootID] = max(last[h.bootID] ?? 0, h.monotonic)
        }
        var compared = 0
        for (i, heads) in perFile.enumerated() {
            for boot in Set(heads.map(\.bootID)) {
                let mine = heads.filter { $0.bootID == boot }
                let start = (first[boot] ?? 0) + UInt64(head) * 1_000_000
                let from = (last[boot] ?? 0) - min(last[boot] ?? 0, UInt64(tail) * 1_000_000)
                var expected = Set(mine.prefix(cap).enumerated().filter { $0.offset == 0 || $0.element.monotonic <= start }.map(\.element.offset))
                expected.formUnion(mine.filter { $0.monotonic >= from }.suffix(cap).map(\.offset))
                let got = edges[boot]?[i] ?? []
                #expect(got == expected.sorted(), "file \(i) boot \(boot)")
                compared += expected.count
            }
        }
        #expect(compared > 0)
    }

    /// One stretch of a boot in one file, as the index reads it.
    static func stretch(_ sequence: UInt64, _ first: UInt64, _ last: UInt64, entries: Int, file: Int = 0, realtime: UInt64 = 1) -> BootIndex.Extent {
        BootIndex.Extent(file: file, bootID: ID128(high: 1, low: 1), seqnumID: ID128(high: 0, low: sequence), entries: entries,
                         first: .init(realtime: realtime, monotonic: 0, seqnum: first, offset: 0),
                         last: .init(realtime: realtime &+ 1, monotonic: 0, seqnum: last, offset: 0), data: 0)
    }

    @Test("a boot's entries in two files are counted once where the files hold the same ones, never where they hold different ones")
    func entriesCountedOnce() {
        func count(_ extents: [BootIndex.Extent]) -> Int { BootIndex.sequences(extents).values.reduce(0) { $0 + $1.count } }
        // journald numbers a run's system and user files in one sequence: overlapping numbers,
        // different entries, all of them counted.
        #expect(count([Self.stretch(1, 1, 1000, entries: 900), Self.stretch(1, 5, 990, entries: 100, file: 1)]) == 1000)
        // Rotated files: one after the other.
        #expect(count([Self.stretch(1, 1, 500, entries: 500), Self.stretch(1, 501, 800, entries: 300, file: 1)]) == 800)
        // The same file twice, and a dump holding part of it.
        #expect(count([Self.stretch(1, 1, 500, entries: 500), Self.stretch(1, 1, 500, entries: 500, file: 1)]) == 500)
        #expect(count([Self.stretch(1, 1, 500, entries: 500), Self.stretch(1, 100, 400, entries: 301, file: 1)]) == 500)
        // The same numbers in two sequences are different entries.
        #expect(count([Self.stretch(1, 1, 500, entries: 500), Self.stretch(2, 1, 500, entries: 500, file: 1)]) == 1000)
        // A damaged file's numbers (backwards, the whole range, all zero) never make a count
        // negative or overflow; one stretch alone counts what its index links.
        #expect(count([Self.stretch(1, 500, 1, entries: 500)]) == 500)
        #expect(count([Self.stretch(1, 0, 0, entries: 70)]) == 70)
        #expect(count([Self.stretch(1, 0, .max, entries: 10), Self.stretch(1, 3, 4, entries: .max, file: 1)]) == .max)
        #expect(count([Self.stretch(1, 0, 0, entries: 70), Self.stretch(1, 0, 0, entries: 30, file: 1)]) == 1)
    }
}
