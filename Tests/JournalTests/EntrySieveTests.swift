import Foundation
import Testing
import TestSupport
@testable import Journal

/// The sieve tells entries apart from the DATA objects they link to (found through the data hash
/// table, then their entry arrays); the oracle decodes every item of every entry and applies
/// the rule to the text.
@Suite("entry sieve", .serialized)
struct EntrySieveTests {
    static let sieve = EntrySieve(anyOf: ["_PID=1", "_TRANSPORT=kernel", "SYSLOG_IDENTIFIER=systemd-journald", "MESSAGE_ID=marker"],
                                  passOver: ["MESSAGE_ID=unit-started", "MESSAGE_ID=unit-exited"],
                                  unlessAlso: ["UNIT=shutdown.target", "_TRANSPORT=kernel"])

    /// The kinds of line a boot's edges hold: a crash loop's PID-1 unit lines (passed over), an
    /// application's (not wanted), and the lines that can tell how a boot ended (kept).
    static let templates: [[(String, String)]] = [
        [("_PID", "1"), ("MESSAGE_ID", "unit-started"), ("UNIT", "crash.service"), ("MESSAGE", "Started crash.service.")],
        [("_PID", "1"), ("MESSAGE_ID", "unit-exited"), ("UNIT", "crash.service"), ("MESSAGE", "crash.service: exited")],
        [("_PID", "4242"), ("SYSLOG_IDENTIFIER", "app"), ("MESSAGE", "request served")],
        [("_PID", "1"), ("MESSAGE", "Reached the end of the line.")],
        [("_TRANSPORT", "kernel"), ("MESSAGE_ID", "unit-started"), ("MESSAGE", "kernel line naming a unit id")],
        [("_PID", "1"), ("MESSAGE_ID", "unit-started"), ("UNIT", "shutdown.target"), ("MESSAGE", "Reached target shutdown.target.")],
        [("_PID", "311"), ("SYSLOG_IDENTIFIER", "systemd-journald"), ("MESSAGE", "Journal stopped")],
        [("_PID", "4243"), ("MESSAGE_ID", "marker"), ("MESSAGE", "a marker from elsewhere")],
    ]

    /// Whether the sieve's rule keeps an entry with these items: the oracle, on decoded text.
    static func keeps(_ items: Set<String>) -> Bool {
        let any = sieve.anyOf.contains(where: items.contains)
        let passed = sieve.passOver.contains(where: items.contains) && !sieve.unlessAlso.contains(where: items.contains)
        return any && !passed
    }

    /// Every item of the entry at `offset`, decoded from its DATA objects' payloads.
    static func items(_ file: JournalFile, entry offset: Int) throws -> Set<String> {
        let head = try #require(file.entryHead(at: offset))
        var out = Set<String>()
        for k in 0..<head.itemCount {
            let d = try #require(file.itemOffset(entry: offset, index: k))
            out.insert(String(decoding: try file.dataPayload(at: d).get(), as: UTF8.self))
        }
        return out
    }

    /// Three boots one after the other in one file (each stretch alone: the entry arrays answer),
    /// and two boots interleaved in another (each entry is looked at).
    static func journal(_ label: String) throws -> (dir: String, reader: JournalReader) {
        let dir = TestPaths.scratch(label)
        var rng = JournalFixtures.Rand(state: 5)
        var realtime: UInt64 = 1_733_300_000_000_000
        func line(_ b: inout ExportBuilder, boot: String, monotonic: inout UInt64) {
            realtime += UInt64(1 + rng.below(1_000_000))
            monotonic += UInt64(1 + rng.below(1_000_000))
            // Half the lines a crash loop's, as at a real crash-looping machine's edges.
            let t = rng.below(2) == 0 ? rng.below(2) : 2 + rng.below(templates.count - 2)
            b.add(realtime: realtime, monotonic: monotonic, bootID: boot, templates[t])
        }
        var sequential = ExportBuilder()
        for boot in JournalFixtures.boots {
            var monotonic: UInt64 = 2_000_000
            for _ in 0..<300 { line(&sequential, boot: boot, monotonic: &monotonic) }
        }
        try JournalRemote.write(sequential.bytes, to: dir + "/system@1.journal")
        var interleaved = ExportBuilder()
        let two = ["6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e", "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f"]
        var monotonic: [UInt64] = [3_000_000, 5_000_000]
        for _ in 0..<500 {
            let which = rng.below(2)
            line(&interleaved, boot: two[which], monotonic: &monotonic[which])
        }
        try JournalRemote.write(interleaved.bytes, to: dir + "/system@2.journal")
        return (dir, JournalReader(paths: [dir]))
    }

    @Test("the entries kept in a stretch, found from the entry arrays, are those the decoded items keep",
          .enabled(if: JournalRemote.isAvailable))
    func keptFromArraysEqualsDecoded() throws {
        let (dir, reader) = try Self.journal("sieve-kept")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var checked = 0
        for file in reader.files {
            let sieve = FileSieve(Self.sieve, file: file)
            let heads = BootIndexTests.heads(file)
            try #require(heads.count >= 500)
            var decoded: [Int: Bool] = [:]
            for h in heads { decoded[h.offset] = Self.keeps(try Self.items(file, entry: h.offset)) }
            for h in heads { #expect(sieve.keeps(entryAt: h.offset, in: file) == decoded[h.offset], "entry at \(h.offset)") }
            var rng = JournalFixtures.Rand(state: 3)
            for _ in 0..<20 {
                let a = rng.below(heads.count), b = rng.below(heads.count)
                let range = heads[min(a, b)].offset...heads[max(a, b)].offset
                let expected = heads.filter { range.contains($0.offset) && decoded[$0.offset] == true }.map(\.offset)
                #expect(sieve.kept(in: range, file: file, limit: .max) == expected)
                #expect(sieve.kept(in: range, file: file, limit: .max, newest: true) == expected)
                checked += expected.count
            }
        }
        #expect(checked > 100)
    }

    @Test("with a sieve, each boot's edges are its first entry, its newest entries, and the kept ones between",
          .enabled(if: JournalRemote.isAvailable),
          arguments: [(60, 120, 50_000, 48), (10, 30, 7, 3), (0, 0, 3, 0), (30, 60, 12, 0)])
    func sievedEdgesEqualTheDecodedRule(_ head: Int, _ tail: Int, _ cap: Int, _ unsieved: Int) throws {
        let (dir, reader) = try Self.journal("sieve-edges-\(head)-\(tail)-\(cap)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let index = reader.bootIndex()
        let edges = reader.edgeEntries(index, headSeconds: UInt64(head), tailSeconds: UInt64(tail), edgeEntries: cap,
                                       sieve: Self.sieve, unsieved: unsieved)
        let perFile = reader.files.map(BootIndexTests.heads)
        var first: [ID128: UInt64] = [:], last: [ID128: UInt64] = [:]
        for h in perFile.joined() {
            first[h.bootID] = min(first[h.bootID] ?? .max, h.monotonic)
            last[h.bootID] = max(last[h.bootID] ?? 0, h.monotonic)
        }
        var compared = 0, passedOver = 0
        for (i, heads) in perFile.enumerated() {
            let file = reader.files[i]
            for boot in Set(heads.map(\.bootID)) {
                let mine = heads.filter { $0.bootID == boot }
                let items = try mine.map { try Self.items(file, entry: $0.offset) }
                let kept = items.map(Self.keeps)
                let start = (first[boot] ?? 0) + UInt64(head) * 1_000_000
                let from = (last[boot] ?? 0) - min(last[boot] ?? 0, UInt64(tail) * 1_000_000)
                // The head: the first entry, then the kept ones in the first seconds.
                let headSlots = mine.prefix(cap).indices.filter { $0 == 0 || mine[$0].monotonic <= start }
                var expected = Set([mine[0].offset])
                expected.formUnion(headSlots.dropFirst().filter { kept[$0] }.prefix(cap - 1).map { mine[$0].offset })
                // The tail: the newest entries whatever they carry, then the kept ones, newest first.
                let tailSlots = Array(mine.indices.filter { mine[$0].monotonic >= from }.reversed())
                let newest = tailSlots.prefix(min(unsieved, cap))
                expected.formUnion(newest.map { mine[$0].offset })
                expected.formUnion(tailSlots.dropFirst(newest.count).filter { kept[$0] }.prefix(cap - newest.count).map { mine[$0].offset })
                // And, wherever they lie, the kernel's and journald's lines (the index lists them).
                expected.formUnion(mine.indices.filter { !items[$0].isDisjoint(with: BootIndex.telling) }.map { mine[$0].offset })
                let got = edges[boot]?[i] ?? []
                #expect(got == expected.sorted(), "file \(i) boot \(boot)")
                compared += expected.count
                passedOver += tailSlots.filter { !kept[$0] }.count
            }
        }
        #expect(compared > 0)
        if tail > 0 { #expect(passedOver > 0, "the tails held entries the sieve drops") }
    }

    @Test("a tail of a crash loop longer than the entries looked at still yields its newest marker",
          .enabled(if: JournalRemote.isAvailable))
    func newestMarkerPastTheLookLimit() throws {
        let dir = TestPaths.scratch("sieve-long-tail")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var b = ExportBuilder()
        let boot = JournalFixtures.boots[0]
        var realtime: UInt64 = 1_733_400_000_000_000, monotonic: UInt64 = 1_000_000
        func add(_ t: Int) {
            realtime += 10_000
            monotonic += 10_000
            b.add(realtime: realtime, monotonic: monotonic, bootID: boot, Self.templates[t])
        }
        add(3)
        for n in 0..<2_000 { add(n % 2) }
        add(5)  // Reached target shutdown.target: the marker
        for n in 0..<30 { add(n % 2) }
        try JournalRemote.write(b.bytes, to: dir + "/system.journal")
        let reader = JournalReader(paths: [dir])
        let file = try #require(reader.files.first)
        let heads = BootIndexTests.heads(file)
        let marker = try #require(heads.first { (try? Self.items(file, entry: $0.offset).contains("UNIT=shutdown.target")) == true })
        // Five entries at each edge, a hundred looked at: the marker lies 2,000 crash-loop lines
        // from the tail's start, 30 from its end.
        let edges = reader.edgeEntries(reader.bootIndex(), headSeconds: 1, tailSeconds: 600, edgeEntries: 5,
                                       sieve: Self.sieve, unsieved: 0)
        let got = try #require(edges[marker.bootID]?.first)
        #expect(got.contains(marker.offset))
        #expect(got.count == 2, "the first entry and the marker: \(got)")
    }
}
