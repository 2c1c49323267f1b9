/// Entries decoded for a fixed list of fields, with every value copied into one byte arena.
/// A batch costs a handful of allocations however many entries and fields it holds, and
/// reading a value out of it involves no reference counting: this is what lets one pass
/// over millions of entries stay cheap (`JournalReader.scan`).
struct EntryBatch: Sendable {
    struct Head: Sendable {
        var entry: EntryHead
        var seqnumID: ID128
        var file: Int
    }

    let slotCount: Int
    private(set) var heads: [Head] = []
    /// `slotCount` per entry: `start << 32 | length` into `arena`, or `absent`.
    private(set) var spans: [UInt64] = []
    private(set) var arena: [UInt8] = []
    static let absent = UInt64.max

    init(slotCount: Int, capacity: Int) {
        self.slotCount = slotCount
        heads.reserveCapacity(capacity)
        spans.reserveCapacity(capacity * slotCount)
        arena.reserveCapacity(capacity * 128)
    }

    var count: Int { heads.count }

    /// Starts an entry whose values `setValue` then fills in.
    mutating func beginEntry(_ head: Head) {
        heads.append(head)
        for _ in 0..<slotCount { spans.append(Self.absent) }
    }

    /// Sets `slot` of the entry being built, unless an earlier item already did (the first
    /// value of a repeated field counts, as journalctl's MESSAGE does).
    @inline(__always)
    mutating func setValue(_ slot: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let i = spans.count - slotCount + slot
        guard slot >= 0, slot < slotCount, i >= 0, spans[i] == Self.absent,
              arena.count < Int(UInt32.max) - bytes.count, bytes.count < Int(UInt32.max) else { return false }
        spans[i] = UInt64(arena.count) << 32 | UInt64(bytes.count)
        arena.append(contentsOf: bytes)
        return true
    }

    /// Whether the entry being built already has `slot`.
    @inline(__always)
    func hasValue(_ slot: Int) -> Bool {
        let i = spans.count - slotCount + slot
        return slot >= 0 && slot < slotCount && i >= 0 && spans[i] != Self.absent
    }

    mutating func removeAll() {
        heads.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with a view of every entry, in order.
    func forEach(_ body: (EntryView) throws -> Void) rethrows {
        try arena.withUnsafeBytes { arenaBytes in
            try spans.withUnsafeBufferPointer { allSpans in
                for (i, h) in heads.enumerated() {
                    let mine = UnsafeBufferPointer(rebasing: allSpans[(i * slotCount)..<((i + 1) * slotCount)])
                    try body(EntryView(head: h, spans: mine, arena: arenaBytes))
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
    private let head: EntryBatch.Head
    private let spans: UnsafeBufferPointer<UInt64>
    private let arena: UnsafeRawBufferPointer

    init(head: EntryBatch.Head, spans: UnsafeBufferPointer<UInt64>, arena: UnsafeRawBufferPointer) {
        self.head = head
        self.spans = spans
        self.arena = arena
    }

    public var seqnum: UInt64 { head.entry.seqnum }
    public var seqnumID: ID128 { head.seqnumID }
    /// Wall-clock time, microseconds since the Unix epoch (UTC).
    public var realtime: UInt64 { head.entry.realtime }
    /// Microseconds since boot (CLOCK_MONOTONIC of `bootID`).
    public var monotonic: UInt64 { head.entry.monotonic }
    public var bootID: ID128 { head.entry.bootID }
    public var xorHash: UInt64 { head.entry.xorHash }
    /// Where the entry is: `JournalReader.entry(at:)` reads it again, whole.
    public var location: EntryLocation { EntryLocation(file: head.file, offset: head.entry.offset) }

    /// The value of the field in `slot` (its first one, when repeated), or `nil` when the
    /// entry has no such field.
    @inline(__always)
    public func value(_ slot: Int) -> UnsafeRawBufferPointer? {
        guard slot >= 0, slot < spans.count else { return nil }
        let s = spans[slot]
        guard s != EntryBatch.absent else { return nil }
        return arena.slice(Int(s >> 32), Int(s & 0xFFFF_FFFF))
    }
}
