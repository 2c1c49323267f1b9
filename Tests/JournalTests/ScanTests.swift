import Foundation
import Testing
import TestSupport
@testable import Journal

/// `JournalReader.scan`, the analysis pass, against the full decode (`forEachEntry`, itself
/// checked byte for byte against journalctl): same entries, same order, and for every field
/// asked for, the bytes of its first value.
@Suite("the analysis scan", .serialized)
struct ScanTests {
    /// Names the fixtures carry (compressed, binary, repeated, multi-line), plus one no entry has.
    static let names = ["MESSAGE", "BIG", "BINARY", "TAG", "MULTILINE", "UTF8", "MEDIUM", "_PID", "MESSAGE_ID",
                        "_BOOT_ID", "NO_SUCH_FIELD", "_SYSTEMD_UNIT", "PRIORITY"]

    struct Seen: Equatable {
        var cursor: String
        var location: EntryLocation
        var values: [[UInt8]?]
    }

    static func viaScan(_ reader: JournalReader, names: [String], threadAbove: Int) -> [Seen] {
        var out: [Seen] = []
        reader.scan(fields: names, threadAbove: threadAbove) { v in
            let cursor = JournalEntry(seqnum: v.seqnum, seqnumID: v.seqnumID, realtime: v.realtime, monotonic: v.monotonic,
                                      bootID: v.bootID, xorHash: v.xorHash, fields: [], location: v.location).cursor
            out.append(Seen(cursor: cursor, location: v.location, values: names.indices.map { v.value($0).map(Array.init) }))
        }
        return out
    }

    /// Each entry's values, worked out on the decoding thread and reused for later entries
    /// whose values come from the same DATA objects: were the reuse wrong, the values would be
    /// another entry's.
    struct ValuesPreparer: EntryPreparer {
        struct Values: Sendable { var values: [[UInt8]?]; var reused: Bool }
        func prepare(_ e: EntryView) -> Values {
            Values(values: (0..<ScanTests.names.count).map { e.value($0).map(Array.init) }, reused: false)
        }
        func reuse(_ earlier: Values, for e: EntryView) -> Values? { Values(values: earlier.values, reused: true) }
    }

    static func viaPrepared(_ reader: JournalReader, names: [String], threadAbove: Int) -> (seen: [Seen], reused: Int) {
        var out: [Seen] = []
        var reused = 0
        reader.scan(fields: names, source: .all, preparing: ValuesPreparer.self, threadAbove: threadAbove) { v, p in
            let cursor = JournalEntry(seqnum: v.seqnum, seqnumID: v.seqnumID, realtime: v.realtime, monotonic: v.monotonic,
                                      bootID: v.bootID, xorHash: v.xorHash, fields: [], location: v.location).cursor
            out.append(Seen(cursor: cursor, location: v.location, values: Array(p.values.prefix(names.count))))
            if p.reused { reused += 1 }
        }
        return (out, reused)
    }

    static func viaDecode(_ reader: JournalReader, names: [String]) -> [Seen] {
        var out: [Seen] = []
        reader.forEachEntry(fields: .all) { e in
            out.append(Seen(cursor: e.cursor, location: e.location, values: names.map { e.bytes($0) }))
        }
        return out
    }

    static func check(_ paths: [String], names: [String] = names, label: String) {
        let decoded = JournalReader(paths: paths)
        let expected = viaDecode(decoded, names: names)
        for threadAbove in [Int.max, 0] {
            let reader = JournalReader(paths: paths)
            let got = viaScan(reader, names: names, threadAbove: threadAbove)
            // The damage is counted alike: the report's health numbers come from the scan.
            #expect(reader.health.map(\.itemsDropped) == decoded.health.map(\.itemsDropped), "\(label): items dropped")
            #expect(reader.health.map(\.entriesRead) == decoded.health.map(\.entriesRead), "\(label): entries read")
            // Stored hashes are checked only for the values a pass uses: the scan checks fewer.
            #expect(reader.health.map { $0.problemCount - $0.hashMismatches }
                    == decoded.health.map { $0.problemCount - $0.hashMismatches }, "\(label): problems")
            #expect(zip(reader.health, decoded.health).allSatisfy { $0.hashMismatches <= $1.hashMismatches },
                    "\(label): hash mismatches")
            #expect(got.count == expected.count, "\(label): entry count (threadAbove \(threadAbove))")
            if let i = got.indices.first(where: { $0 < expected.count && got[$0] != expected[$0] }) {
                Issue.record("\(label): entry \(i) differs (threadAbove \(threadAbove)): \(got[i]) vs \(expected[i])")
            }
            let prepared = viaPrepared(JournalReader(paths: paths), names: names, threadAbove: threadAbove).seen
            #expect(prepared.count == expected.count, "\(label): prepared entry count (threadAbove \(threadAbove))")
            if let i = prepared.indices.first(where: { $0 < expected.count && prepared[$0] != expected[$0] }) {
                Issue.record("\(label): prepared entry \(i) differs (threadAbove \(threadAbove)): \(prepared[i]) vs \(expected[i])")
            }
            // A location read back gives the same entry, and does not count its damage twice.
            let before = reader.health
            for s in got.prefix(50) + got.suffix(50) {
                #expect(reader.entry(at: s.location)?.cursor == s.cursor, "\(label): entry(at:)")
            }
            #expect(reader.health.map(\.itemsDropped) == before.map(\.itemsDropped), "\(label): entry(at:) health")
            #expect(reader.health.map(\.problemCount) == before.map(\.problemCount), "\(label): entry(at:) problems")
        }
    }

    @Test("every layout, three rotated files and three boots: the scan's values are the full decode's", arguments: JournalFixtures.layouts)
    func layouts(_ layout: JournalFixtures.Layout) throws {
        let (dir, files) = try JournalFixtures.writeDirectory("scan-\(layout)", layout: layout, count: 3000, files: 3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let entries = Self.viaDecode(JournalReader(paths: files), names: Self.names)
        #expect(entries.count == 3000)
        // The fixture really has compressed values, repeated fields and binary ones to get right.
        let big = Self.names.firstIndex(of: "BIG") ?? 0
        #expect(entries.contains { ($0.values[big]?.count ?? 0) > 512 })
        Self.check(files, label: "\(layout)")
        // A subset and another order of names: slots follow the list given.
        Self.check(files, names: ["_PID", "TAG", "MESSAGE"], label: "\(layout) subset")
    }

    @Test("a result prepared for an entry is reused for later entries with the same values, and only those")
    func preparedReuse() throws {
        let (dir, files) = try JournalFixtures.writeDirectory("scan-prepared", layout: .init(compact: true, keyedHash: true),
                                                              count: 3000, files: 2)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Asked only for fields the fixture repeats: most entries reuse an earlier result.
        let names = ["TAG", "_BOOT_ID", "PRIORITY"]
        let expected = Self.viaDecode(JournalReader(paths: files), names: names)
        for threadAbove in [Int.max, 0] {
            let (seen, reused) = Self.viaPrepared(JournalReader(paths: files), names: names, threadAbove: threadAbove)
            #expect(seen == expected)
            #expect(reused > seen.count / 2, "\(reused) of \(seen.count) reused")
            #expect(reused < seen.count)
        }
    }

    /// `ValuesPreparer` whose results fit later entries as they are: a batch refers to one
    /// value from many entries (`PreparedValues.appendAgain`).
    struct SharedValuesPreparer: EntryPreparer {
        func prepare(_ e: EntryView) -> ValuesPreparer.Values { ValuesPreparer().prepare(e) }
        func reuse(_ earlier: ValuesPreparer.Values, for e: EntryView) -> ValuesPreparer.Values? { nil }
        func fitsUnchanged(_ earlier: ValuesPreparer.Values) -> Bool { true }
    }

    @Test("a batch prepared in two parts (the decoding side's share, then the consumer's) holds each entry's own values, wherever the split")
    func preparedInTwoParts() throws {
        let (dir, files) = try JournalFixtures.writeDirectory("scan-split", layout: .init(compact: true, keyedHash: true),
                                                              count: 1500, files: 1)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let names = ["TAG", "_BOOT_ID", "PRIORITY"]
        let reader = JournalReader(paths: files)
        var producer = ScanProducer(files: reader.files, selected: SelectedNames(orderedNames: names))
        var batch = PreparedBatch<ValuesPreparer.Values>(entries: EntryBatch(slotCount: names.count, capacity: 2048))
        _ = producer.fill(&batch.entries, limit: 2048)
        try #require(batch.entries.count == 1500)
        var expected: [[[UInt8]?]] = []
        batch.entries.forEach { e in expected.append((0..<names.count).map { e.value($0).map(Array.init) }) }
        for split in [0, 1, 2, 700, 1499, 1500, 5000] {
            var decoding = PreparedMemo<SharedValuesPreparer>(slotCount: names.count)
            var consuming = PreparedMemo<SharedValuesPreparer>(slotCount: names.count)
            var preparer = SharedValuesPreparer()
            batch.prepared.removeAll()
            decoding.prepare(batch.entries, with: &preparer, into: &batch.prepared, upTo: split)
            #expect(batch.prepared.count == min(split, 1500), "split \(split)")
            consuming.prepare(batch.entries, with: &preparer, into: &batch.prepared)
            var got: [[[UInt8]?]] = []
            batch.forEach { _, p in got.append(Array(p.values.prefix(names.count))) }
            #expect(got == expected, "split \(split)")
            // The repeated values are held once per memo's part, not once per entry.
            #expect(batch.prepared.values.count < 1500 / 2, "split \(split): \(batch.prepared.values.count) values")
        }
    }

    @Test("XZ- and LZ4-compressed objects, and a file read twice")
    func recompressedAndDuplicated() throws {
        let (dir, files) = try JournalFixtures.writeDirectory("scan-recompress", layout: .init(compact: false, keyedHash: true),
                                                              count: 400, files: 1)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for algorithm in ["xz", "lz4"] {
            let path = dir + "/\(algorithm).journal"
            #expect(try Recompressor.rewrite(files[0], to: path, algorithm: algorithm) > 10)
            Self.check([path], label: algorithm)
        }
        let copy = dir + "/copy.journal"
        try FileManager.default.copyItem(atPath: files[0], toPath: copy)
        Self.check([files[0], copy], label: "duplicate")
    }

    @Test("torn files: cut, zeroed tail, flipped bytes; the same entries as the full decode, no crash")
    func torn() throws {
        let (dir, files) = try JournalFixtures.writeDirectory("scan-torn", layout: .init(compact: true, keyedHash: true),
                                                              count: 1500, files: 1)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: files[0])))
        let path = dir + "/torn.journal"
        for cut in stride(from: 400, to: bytes.count, by: bytes.count / 9) {
            var torn = Array(bytes[..<cut])
            torn[16] = 1
            try Data(torn).write(to: URL(fileURLWithPath: path))
            Self.check([path], label: "cut at \(cut)")
        }
        var rng = JournalFixtures.Rand(state: 42)
        for round in 0..<6 {
            var flipped = bytes
            for _ in 0..<40 { flipped[4096 + rng.below(bytes.count - 4096)] ^= UInt8(1 + rng.below(255)) }
            try Data(flipped).write(to: URL(fileURLWithPath: path))
            Self.check([path], label: "flipped round \(round)")
        }
    }

    @Test("every corpus journal, the truncated ones too", .enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus"))
    func corpus() throws {
        let paths = TestPaths.corpusFiles("journals")
        try #require(!paths.isEmpty)
        for path in paths { Self.check([path], label: path) }
    }

    @Test("the bundled samples, a torn ONLINE file among them")
    func samples() {
        for name in ["reference-incident", "healthy-reboot"] {
            Self.check([TestPaths.packageRoot + "/samples/\(name)/var/log/journal"], label: name)
        }
    }

    @Test("ValueSpan packs every span that fits and refuses the ones that do not")
    func spanPacking() {
        let spans = [ValueSpan.skipped, .broken,
                     ValueSpan(start: 0, count: 0, slot: 0, inflated: false),
                     ValueSpan(start: (1 << 36) - 1, count: (1 << 21) - 1, slot: 61, inflated: true),
                     ValueSpan(start: 123_456_789, count: 70, slot: 18, inflated: false)]
        for s in spans {
            let packed = s.packed
            #expect(packed != nil)
            #expect(packed.map(ValueSpan.init(packed:)) == s)
        }
        #expect(ValueSpan(start: 1 << 36, count: 1, slot: 0, inflated: false).packed == nil)
        #expect(ValueSpan(start: 0, count: 1 << 21, slot: 0, inflated: false).packed == nil)
        #expect(ValueSpan(start: 0, count: 1, slot: 62, inflated: false).packed == nil)
    }

    @Test("SpanTable never answers wrong: against a dictionary, through growth and resets")
    func spanTable() {
        var table = SpanTable(capacity: 4, maxCapacity: 1 << 10)
        var truth: [Int: ValueSpan] = [:]
        var rng = JournalFixtures.Rand(state: 9)
        for i in 0..<20_000 {
            let key = 8 * (1 + rng.below(3000))
            if rng.below(3) == 0 {
                let span = ValueSpan(start: rng.below(1 << 30), count: rng.below(1000), slot: rng.below(20), inflated: rng.below(2) == 0)
                table.set(key, span)
                truth[key] = span
            } else if let got = table.get(key) {
                #expect(got == truth[key], "key \(key) at step \(i)")
            }
        }
        // Below the size limit nothing is forgotten: every key set is found, through growth.
        var small = SpanTable(capacity: 2, maxCapacity: 1 << 10)
        for k in 1...500 { small.set(k * 8, ValueSpan(start: k, count: k % 7, slot: k % 19, inflated: false)) }
        for k in 1...500 { #expect(small.get(k * 8) == ValueSpan(start: k, count: k % 7, slot: k % 19, inflated: false)) }
        #expect(small.get(501 * 8) == nil)
        #expect(table.get(0) == nil)
    }

    @Test("OffsetBits: each offset added once, pages allocated as they are used, nothing outside the file")
    func offsetBits() {
        let size = 3 << 20
        var bits = OffsetBits(fileSize: size)
        var truth = Set<Int>()
        var rng = JournalFixtures.Rand(state: 5)
        for _ in 0..<50_000 {
            let offset = 8 * rng.below(size / 8)
            #expect(bits.insert(offset) == truth.insert(offset).inserted, "offset \(offset)")
        }
        #expect(bits.insert(size) == false)
        #expect(bits.insert(-8) == false)
        #expect(bits.insert(size - 8) == truth.insert(size - 8).inserted)
        bits.removeAll()
        #expect(bits.insert(size - 8) == true)
    }

    @Test("SharedValues: a span is given back only for the object (file and offset) it was kept for; emptied with the batch")
    func sharedValues() {
        var shared = SharedValues()
        var truth: [SharedValueKey: UInt64] = [:]
        var rng = JournalFixtures.Rand(state: 11)
        #expect(shared.span(file: 0, offset: 64, large: false) == nil)
        for n in 0..<20_000 {
            // Few files, many offsets: slots collide and are overwritten.
            let key = SharedValueKey(file: rng.below(3), offset: 8 * rng.below(1 << 16))
            // An object's size, so whether it is large, is its own.
            let large = key.offset % 776 == 0
            if let s = shared.span(file: key.file, offset: key.offset, large: large) {
                #expect(truth[key] == s, "\(key) gave a span kept for another object")
            }
            let span = UInt64(n) << 32 | UInt64(n % 100)
            shared.keep(span, file: key.file, offset: key.offset, large: large)
            truth[key] = span
            #expect(shared.span(file: key.file, offset: key.offset, large: large) == span)
        }
        shared.removeAll()
        for key in truth.keys {
            #expect(shared.span(file: key.file, offset: key.offset, large: false) == nil)
            #expect(shared.span(file: key.file, offset: key.offset, large: true) == nil)
        }
    }
}
