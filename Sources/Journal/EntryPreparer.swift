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
    /// Whether results are worth remembering (`PreparedMemo`); true unless said otherwise.
    static var remembers: Bool { get }
}

extension EntryPreparer {
    public static var remembers: Bool { true }
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
    private static var size: Int { 1024 }

    init(slotCount: Int) {
        self.slotCount = slotCount
        keys = Array(repeating: 0, count: Self.size * slotCount)
        files = Array(repeating: -1, count: Self.size)
        results = Array(repeating: nil, count: Self.size)
    }

    /// Prepares every entry of `batch` into `out` (emptied first).
    mutating func prepare(_ batch: EntryBatch, with preparer: inout P, into out: inout [P.Prepared]) {
        out.removeAll(keepingCapacity: true)
        guard P.remembers, batch.slotCount == slotCount else {
            batch.forEach { out.append(preparer.prepare($0)) }
            return
        }
        let width = slotCount
        batch.forEachWithSources { entry, sources in
            // Fibonacci hashing: the multiplier carries every bit upward, the top bits are the slot.
            var h = UInt64(truncatingIfNeeded: entry.location.file) &+ 1
            for s in sources { h = (h ^ UInt64(truncatingIfNeeded: s)) &* 0x9E37_79B9_7F4A_7C15 }
            let slot = Int(truncatingIfNeeded: h >> 54) & (Self.size - 1)
            let file = entry.location.file
            let base = slot &* width
            if files[slot] == file, let earlier = results[slot], same(sources, at: base),
               let reused = preparer.reuse(earlier, for: entry) {
                out.append(reused)
                return
            }
            let fresh = preparer.prepare(entry)
            files[slot] = file
            results[slot] = fresh
            keys.withUnsafeMutableBufferPointer { k in
                for i in 0..<width { k[base &+ i] = sources[i] }
            }
            out.append(fresh)
        }
    }

    private func same(_ sources: UnsafeBufferPointer<Int>, at base: Int) -> Bool {
        keys.withUnsafeBufferPointer { k in
            for i in 0..<sources.count where k[base &+ i] != sources[i] { return false }
            return true
        }
    }
}

/// A decoded batch and what was prepared for each of its entries.
struct PreparedBatch<Prepared: Sendable>: Sendable {
    var entries: EntryBatch
    var prepared: [Prepared] = []

    /// Calls `body` with every entry and its prepared result, in order.
    func forEach(_ body: (EntryView, Prepared) throws -> Void) rethrows {
        var i = 0
        try entries.forEach { view in
            guard i < prepared.count else { return }
            try body(view, prepared[i])
            i += 1
        }
    }

    mutating func removeAll() {
        entries.removeAll()
        prepared.removeAll(keepingCapacity: true)
    }
}
