/// Per-entry work that `JournalReader.scan(fields:preparing:_:)` does on its decoding thread,
/// beside the decoding, so that the caller's thread only consumes the results: on two cores
/// this is what keeps both busy. Made once per scan, on the thread that uses it.
public protocol EntryPreparer: SendableMetatype {
    associatedtype Prepared: Sendable
    init()
    /// What the entry carries. Must depend only on the entry's values (the fields asked for),
    /// its time and its cursor: the result may stand in for later entries with the same values.
    mutating func prepare(_ entry: EntryView) -> Prepared
    /// `earlier`, worked out for an entry whose asked-for fields were the same DATA objects of
    /// the same file (so the same values), made to fit `entry` (its time, its cursor); `nil`
    /// when it cannot be, and `prepare` is called.
    func reuse(_ earlier: Prepared, for entry: EntryView) -> Prepared?
    /// Whether `earlier` fits every entry with the same values as it is, so that a batch may
    /// hand the one value to all of them (no copy, and no reference counted per entry); false
    /// unless said otherwise, and `reuse` is asked.
    func fitsUnchanged(_ earlier: Prepared) -> Bool
    /// Whether results are worth remembering (`PreparedMemo`); true unless said otherwise.
    static var remembers: Bool { get }
}

extension EntryPreparer {
    public static var remembers: Bool { true }
    public func fitsUnchanged(_ earlier: Prepared) -> Bool { false }
}

/// The preparer of a scan that needs none.
struct NothingPrepared: EntryPreparer {
    static var remembers: Bool { false }
    mutating func prepare(_ entry: EntryView) {}
    func reuse(_ earlier: Void, for entry: EntryView) -> Void? { () }
}

/// Recent results of an `EntryPreparer`, by the DATA objects the entry's values came from:
/// a crash loop repeats the same few messages hundreds of thousands of times, and each
/// repetition is worked out once. Direct-mapped: a slot holds the last entry that hashed to
/// it, compared in full (file and every source) before its result is reused.
struct PreparedMemo<P: EntryPreparer> {
    private let slotCount: Int
    private var keys: [Int]
    private var files: [Int]
    private var results: [P.Prepared?]
    /// `preparer.fitsUnchanged` of each slot's result, asked once.
    private var fits: [Bool]
    /// Per slot, the batch (by `stamp`) its result was last added to, and where among that
    /// batch's values: later entries of the batch refer to it there.
    private var addedIn: [Int]
    private var addedAt: [Int32]
    private var stamp = 0
    private static var size: Int { 1024 }

    init(slotCount: Int) {
        self.slotCount = slotCount
        keys = Array(repeating: 0, count: Self.size * slotCount)
        files = Array(repeating: -1, count: Self.size)
        results = Array(repeating: nil, count: Self.size)
        fits = Array(repeating: false, count: Self.size)
        addedIn = Array(repeating: -1, count: Self.size)
        addedAt = Array(repeating: 0, count: Self.size)
    }

    /// Prepares the entries of `batch` that `out` does not hold yet (it holds the first
    /// `out.count`, worked out by another memo or none), up to entry `end` (all by default).
    mutating func prepare(_ batch: EntryBatch, with preparer: inout P, into out: inout PreparedValues<P.Prepared>,
                          upTo end: Int = .max) {
        // `addedAt` positions refer to this call's additions to `out` only.
        stamp &+= 1
        let range = min(out.count, batch.count)..<min(max(end, 0), batch.count)
        guard !range.isEmpty else { return }
        guard P.remembers, batch.slotCount == slotCount else {
            batch.forEachWithSources(in: range) { entry, _ in _ = out.append(preparer.prepare(entry)) }
            return
        }
        let width = slotCount
        batch.forEachWithSources(in: range) { entry, sources in
            // Fibonacci hashing: the multiplier carries every bit upward, the top bits are the
            // slot. Four lanes, folded at the end: one chain of nineteen multiplies would make
            // every entry wait for each in turn.
            var lanes: (UInt64, UInt64, UInt64, UInt64) = (UInt64(truncatingIfNeeded: entry.location.file) &+ 1, 2, 3, 4)
            var i = 0
            while i &+ 4 <= sources.count {
                lanes.0 = (lanes.0 ^ UInt64(truncatingIfNeeded: sources[i])) &* 0x9E37_79B9_7F4A_7C15
                lanes.1 = (lanes.1 ^ UInt64(truncatingIfNeeded: sources[i &+ 1])) &* 0x9E37_79B9_7F4A_7C15
                lanes.2 = (lanes.2 ^ UInt64(truncatingIfNeeded: sources[i &+ 2])) &* 0x9E37_79B9_7F4A_7C15
                lanes.3 = (lanes.3 ^ UInt64(truncatingIfNeeded: sources[i &+ 3])) &* 0x9E37_79B9_7F4A_7C15
                i &+= 4
            }
            while i < sources.count {
                lanes.0 = (lanes.0 ^ UInt64(truncatingIfNeeded: sources[i])) &* 0x9E37_79B9_7F4A_7C15
                i &+= 1
            }
            var h = (lanes.0 ^ lanes.1) &* 0x9E37_79B9_7F4A_7C15
            h = (h ^ lanes.2) &* 0x9E37_79B9_7F4A_7C15
            h = (h ^ lanes.3) &* 0x9E37_79B9_7F4A_7C15
            let slot = Int(truncatingIfNeeded: h >> 54) & (Self.size - 1)
            let file = entry.location.file
            let base = slot &* width
            if files[slot] == file, same(sources, at: base) {
                if fits[slot] {
                    // Already in this batch: referred to again, the result itself not touched.
                    if addedIn[slot] == stamp {
                        out.appendAgain(addedAt[slot])
                        return
                    }
                    if let earlier = results[slot] {
                        addedAt[slot] = out.append(earlier)
                        addedIn[slot] = stamp
                        return
                    }
                } else if let earlier = results[slot], let reused = preparer.reuse(earlier, for: entry) {
                    _ = out.append(reused)
                    return
                }
            }
            let fresh = preparer.prepare(entry)
            files[slot] = file
            results[slot] = fresh
            fits[slot] = preparer.fitsUnchanged(fresh)
            keys.withUnsafeMutableBufferPointer { k in
                for i in 0..<width { k[base &+ i] = sources[i] }
            }
            addedAt[slot] = out.append(fresh)
            addedIn[slot] = stamp
        }
    }

    private func same(_ sources: UnsafeBufferPointer<Int>, at base: Int) -> Bool {
        keys.withUnsafeBufferPointer { k in
            for i in 0..<sources.count where k[base &+ i] != sources[i] { return false }
            return true
        }
    }
}

/// How many entries of each batch the decoding thread prepares (the consumer prepares the
/// rest): more while the consumer has batches waiting (the decoder would otherwise wait for
/// room in the queue), fewer when it has none (it would otherwise wait for the decoder).
struct PrepareShare {
    let batchSize: Int
    private(set) var entries: Int
    private var step: Int { max(batchSize / 16, 1) }

    init(batchSize: Int) {
        self.batchSize = batchSize
        entries = batchSize / 2
    }

    mutating func adjust(waiting: Int, capacity: Int) {
        if waiting == 0 { entries = max(entries - step, 0) }
        else if waiting >= capacity - 1 { entries = min(entries + step, batchSize) }
    }
}

/// What was prepared for each entry of a batch: each distinct value once, and per entry
/// the position of its value. A crash loop's entries share a handful of values, and handing
/// a shared reference to every entry would count references on both threads at once.
struct PreparedValues<Prepared: Sendable>: Sendable {
    private(set) var values: [Prepared] = []
    private var indices: [Int32] = []

    var count: Int { indices.count }

    /// Adds an entry with a value of its own; returns where the value is, for `appendAgain`.
    mutating func append(_ value: Prepared) -> Int32 {
        let at = Int32(truncatingIfNeeded: values.count)
        values.append(value)
        indices.append(at)
        return at
    }

    /// Adds an entry with the value at `at` (from `append`).
    mutating func appendAgain(_ at: Int32) { indices.append(at) }

    func indicesWithUnsafeBuffer<R>(_ body: (UnsafeBufferPointer<Int32>) throws -> R) rethrows -> R {
        try indices.withUnsafeBufferPointer(body)
    }

    mutating func removeAll() {
        values.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
    }
}

/// A decoded batch and what was prepared for its entries (the first `prepared.count`: the
/// decoding side prepares some, the consuming side the rest).
struct PreparedBatch<Prepared: Sendable>: Sendable {
    var entries: EntryBatch
    var prepared = PreparedValues<Prepared>()

    /// Calls `body` with every entry and its prepared result, in order.
    func forEach(_ body: (EntryView, Prepared) throws -> Void) rethrows {
        guard prepared.count == entries.count else { return }
        try prepared.values.withUnsafeBufferPointer { values in
            try prepared.indicesWithUnsafeBuffer { indices in
                var i = 0
                try entries.forEach { view in
                    guard i < indices.count else { return }
                    let at = Int(indices[i])
                    i += 1
                    guard at >= 0, at < values.count else { return }
                    try body(view, values[at])
                }
            }
        }
    }

    mutating func removeAll() {
        entries.removeAll()
        prepared.removeAll()
    }
}
