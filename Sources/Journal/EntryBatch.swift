/// A large value held once however many entries and batches use it: a decompressed value
/// (owned), or a stretch of a mapped file (kept alive through `owner`). Its address never
/// moves, so views can point into it.
final class Blob: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    let slot: Int
    private let owned: Bool
    private let owner: AnyObject?

    /// A copy of `source`, owned.
    init(copying source: ArraySlice<UInt8>, slot: Int) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 8)
        source.withUnsafeBytes { buffer.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<source.count])
        self.slot = slot
        owned = true
        owner = nil
    }

    /// Bytes `owner` keeps (the mapped file), not copied.
    init(borrowing bytes: UnsafeRawBufferPointer, owner: AnyObject, slot: Int) {
        self.bytes = bytes
        self.slot = slot
        owned = false
        self.owner = owner
    }

    deinit { if owned { UnsafeMutableRawPointer(mutating: bytes.baseAddress)?.deallocate() } }
}

/// The blobs one batch refers to, each once.
struct BlobSet: Sendable {
    private(set) var blobs: [Blob] = []
    private var index: [ObjectIdentifier: UInt64] = [:]
    private(set) var byteCount = 0

    var isEmpty: Bool { blobs.isEmpty }

    /// The span of `blob` in the batch, adding it on first use.
    mutating func span(of blob: Blob) -> UInt64 {
        let id = ObjectIdentifier(blob)
        if let s = index[id] { return s }
        let s = EntryBatch.blobFlag | UInt64(blobs.count)
        blobs.append(blob)
        index[id] = s
        byteCount += blob.bytes.count
        return s
    }
}

/// Entries decoded for a fixed list of fields, with every value copied into one byte arena.
/// A batch costs a handful of allocations however many entries and fields it holds, and
/// reading a value out of it involves no reference counting: this is what lets one pass
/// over millions of entries stay cheap (`JournalReader.scan`). Values of a megabyte or more
/// are not copied: the batch refers to their `Blob`, shared with the reader's cache.
struct EntryBatch: Sendable {
    struct Head: Sendable {
        var entry: EntryHead
        var seqnumID: ID128
        var file: Int
    }

    let slotCount: Int
    private(set) var heads: [Head] = []
    /// `slotCount` per entry: `start << 32 | length` into `arena`, `blobFlag | index` into
    /// `blobs`, or `absent`. Only the first value of a repeated field is kept, as journalctl's
    /// MESSAGE does.
    private(set) var spans: [UInt64] = []
    /// `slotCount` per entry, beside `spans`: the DATA object each value was read from (0 when
    /// none). Two entries of one file with the same sources carry the same values, which is
    /// what lets `PreparedMemo` reuse the work done for the first.
    private(set) var sources: [Int] = []
    private(set) var arena: [UInt8] = []
    /// Values already in `arena`, by DATA object: entries that share one point at the same bytes.
    private var shared = SharedValues()
    private(set) var blobs = BlobSet()
    static let absent = UInt64.max
    static let blobFlag: UInt64 = 1 << 63
    /// Values this long or longer are kept once per batch, however many entries use them
    /// (`SharedValues.large`); shorter ones while they are recent (`SharedValues.recent`).
    static let sharedThreshold = 4096
    /// Values this long or longer are held as blobs, never copied.
    static let blobThreshold = 1 << 20
    /// A batch is handed on once its values pass this many bytes, whatever its entry count:
    /// with the prefetch queue this bounds the memory a scan holds.
    static let byteLimit = 32 << 20

    init(slotCount: Int, capacity: Int) {
        self.slotCount = slotCount
        heads.reserveCapacity(capacity)
        spans.reserveCapacity(capacity * slotCount)
        sources.reserveCapacity(capacity * slotCount)
        arena.reserveCapacity(capacity * 128)
    }

    var count: Int { heads.count }

    /// Bytes of values held (each blob counted once).
    var byteCount: Int { arena.count + blobs.byteCount }

    /// Adds an entry; `fill` sets its spans (all `absent` at first) with `append`.
    @inline(__always)
    mutating func appendEntry(_ head: Head,
                              _ fill: (UnsafeMutableBufferPointer<UInt64>, UnsafeMutableBufferPointer<Int>, inout [UInt8],
                                       inout SharedValues, inout BlobSet) -> Void) {
        heads.append(head)
        let start = spans.count
        spans.append(contentsOf: repeatElement(Self.absent, count: slotCount))
        sources.append(contentsOf: repeatElement(0, count: slotCount))
        spans.withUnsafeMutableBufferPointer { all in
            sources.withUnsafeMutableBufferPointer { allSources in
                fill(UnsafeMutableBufferPointer(rebasing: all[start...]), UnsafeMutableBufferPointer(rebasing: allSources[start...]),
                     &arena, &shared, &blobs)
            }
        }
    }

    /// Copies `bytes` to the end of `arena`; returns its span, or `absent` when the arena
    /// would outgrow 32-bit offsets.
    @inline(__always)
    static func append(_ bytes: UnsafeRawBufferPointer, to arena: inout [UInt8]) -> UInt64 {
        // Below 2^31, so that an arena span never has `blobFlag` set.
        guard bytes.count < Int(Int32.max), arena.count < Int(Int32.max) - bytes.count else { return absent }
        let span = UInt64(arena.count) << 32 | UInt64(bytes.count)
        arena.append(contentsOf: bytes)
        return span
    }

    mutating func removeAll() {
        heads.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        sources.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
        shared.removeAll()
        if !blobs.isEmpty { blobs = BlobSet() }
        // A batch that once held a huge value does not keep its capacity.
        if arena.capacity > Self.byteLimit * 2 { arena = [] }
    }

    /// Calls `body` with a view of every entry, in order.
    func forEach(_ body: (EntryView) throws -> Void) rethrows {
        try forEachWithSources { view, _ in try body(view) }
    }

    /// `forEach`, with the DATA objects each entry's values were read from (`sources`).
    func forEachWithSources(_ body: (EntryView, UnsafeBufferPointer<Int>) throws -> Void) rethrows {
        try forEachWithSources(in: 0..<count, body)
    }

    /// `forEachWithSources`, over the entries at `range` (clamped to the batch).
    func forEachWithSources(in range: Range<Int>, _ body: (EntryView, UnsafeBufferPointer<Int>) throws -> Void) rethrows {
        let blobViews = blobs.blobs.map(\.bytes)
        try blobViews.withUnsafeBufferPointer { blobBuffer in
            try arena.withUnsafeBytes { arenaBytes in
                try spans.withUnsafeBufferPointer { allSpans in
                    try sources.withUnsafeBufferPointer { allSources in
                        try heads.withUnsafeBufferPointer { allHeads in
                            guard let first = allHeads.baseAddress, let firstSpan = allSpans.baseAddress,
                                  let firstSource = allSources.baseAddress,
                                  allSpans.count >= allHeads.count * slotCount,
                                  allSources.count >= allHeads.count * slotCount else { return }
                            for i in range.clamped(to: 0..<allHeads.count) {
                                try body(EntryView(head: first + i, spans: firstSpan + i * slotCount, slotCount: slotCount,
                                                   arena: arenaBytes, blobs: blobBuffer),
                                         UnsafeBufferPointer(start: firstSource + i * slotCount, count: slotCount))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One entry as `JournalReader.scan` hands it out: its header values and the bytes of the
/// fields that were asked for, by slot (the position of the name in the list passed to
/// `scan`). The view and the buffers it returns are valid only inside the `scan` callback;
/// copy what must outlive it.
public struct EntryView {
    // Pointers into the batch, not copies: a view is made for every entry of the journal.
    // Visible to `value(_:)`'s inlined body: the analysis asks for several values of every
    // entry, from another module.
    private let head: UnsafePointer<EntryBatch.Head>
    @usableFromInline let spans: UnsafePointer<UInt64>
    @usableFromInline let slotCount: Int
    @usableFromInline let arena: UnsafeRawBufferPointer
    @usableFromInline let blobs: UnsafeBufferPointer<UnsafeRawBufferPointer>

    init(head: UnsafePointer<EntryBatch.Head>, spans: UnsafePointer<UInt64>, slotCount: Int,
         arena: UnsafeRawBufferPointer, blobs: UnsafeBufferPointer<UnsafeRawBufferPointer>) {
        self.head = head
        self.spans = spans
        self.slotCount = slotCount
        self.arena = arena
        self.blobs = blobs
    }

    public var seqnum: UInt64 { head.pointee.entry.seqnum }
    public var seqnumID: ID128 { head.pointee.seqnumID }
    /// Wall-clock time, microseconds since the Unix epoch (UTC).
    public var realtime: UInt64 { head.pointee.entry.realtime }
    /// Microseconds since boot (CLOCK_MONOTONIC of `bootID`).
    public var monotonic: UInt64 { head.pointee.entry.monotonic }
    public var bootID: ID128 { head.pointee.entry.bootID }
    public var xorHash: UInt64 { head.pointee.entry.xorHash }
    /// Where the entry is: `JournalReader.entry(at:)` reads it again, whole.
    public var location: EntryLocation { EntryLocation(file: head.pointee.file, offset: head.pointee.entry.offset) }

    /// The value of the field in `slot` (its first one, when repeated), or `nil` when the
    /// entry has no such field.
    @inlinable @inline(__always)
    public func value(_ slot: Int) -> UnsafeRawBufferPointer? {
        guard slot >= 0, slot < slotCount else { return nil }
        let s = spans[slot]
        // `EntryBatch.absent` and `EntryBatch.blobFlag`, spelled out for the inlined body.
        guard s != UInt64.max else { return nil }
        if s & (1 << 63) != 0 {
            let i = Int(s & 0xFFFF_FFFF)
            return i < blobs.count ? blobs[i] : nil
        }
        return arena.slice(Int(s >> 32), Int(s & 0xFFFF_FFFF))
    }
}

/// The values a batch already holds in its arena, by the DATA object they came from, so that
/// entries with the same value share its bytes instead of each copying them: a crash loop's
/// entries carry the same unit, identifier and messages over and over.
struct SharedValues: Sendable {
    /// Values of `EntryBatch.sharedThreshold` bytes or more: each kept once per batch.
    private var large: [SharedValueKey: UInt64] = [:]
    /// Shorter values, direct-mapped by object: a slot holds the last value that hashed to it
    /// (file, offset, span), and is checked in full before its span is reused.
    private var recent: [Int] = []
    private var recentSpans: [UInt64] = []
    private static let slots = 2048

    /// The span of the value of `offset` in `file`, when the batch holds it.
    @inline(__always)
    func span(file: Int, offset: Int, large isLarge: Bool) -> UInt64? {
        if isLarge { return large[SharedValueKey(file: file, offset: offset)] }
        guard !recentSpans.isEmpty else { return nil }
        let i = Self.slot(file: file, offset: offset)
        return recent.withUnsafeBufferPointer { r in
            r[2 &* i] == offset && r[2 &* i &+ 1] == file ? recentSpans.withUnsafeBufferPointer { $0[i] } : nil
        }
    }

    /// Remembers where the value of `offset` in `file` lies in the batch.
    @inline(__always)
    mutating func keep(_ span: UInt64, file: Int, offset: Int, large isLarge: Bool) {
        if isLarge { large[SharedValueKey(file: file, offset: offset)] = span; return }
        if recentSpans.isEmpty {
            recent = Array(repeating: -1, count: 2 * Self.slots)
            recentSpans = Array(repeating: EntryBatch.absent, count: Self.slots)
        }
        let i = Self.slot(file: file, offset: offset)
        recent.withUnsafeMutableBufferPointer { r in
            r[2 &* i] = offset
            r[2 &* i &+ 1] = file
        }
        recentSpans.withUnsafeMutableBufferPointer { $0[i] = span }
    }

    /// Forgets every value (the arena was emptied); keeps the table's memory.
    mutating func removeAll() {
        if !large.isEmpty { large.removeAll() }
        // Offsets are never negative: -1 matches no object.
        if !recentSpans.isEmpty { recent.withUnsafeMutableBufferPointer { r in for i in r.indices { r[i] = -1 } } }
    }

    @inline(__always)
    private static func slot(file: Int, offset: Int) -> Int {
        // DATA objects are 8-byte aligned: the low bits carry nothing.
        let h = (UInt64(truncatingIfNeeded: offset) >> 3 ^ UInt64(truncatingIfNeeded: file) &* 0x9E37_79B9) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: h >> 53) & (slots - 1)
    }
}
