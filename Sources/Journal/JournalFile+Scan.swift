/// Where one DATA object's value lies, for `JournalReader.scan`: a range of the mapped
/// file, or of the file's decompressed values.
struct ValueSpan: Equatable {
    var start: Int
    var count: Int
    /// The field's slot, or `skip` (not asked for) or `bad` (unreadable object).
    var slot: Int
    var inflated: Bool

    static let skip = -1
    static let bad = -2
    static let skipped = ValueSpan(start: 0, count: 0, slot: skip, inflated: false)
    static let broken = ValueSpan(start: 0, count: 0, slot: bad, inflated: false)

    /// The span in 64 bits (slot 6, inflated 1, length 21, start 36), or `nil` when it does
    /// not fit (such values are simply not cached).
    var packed: UInt64? {
        if slot == Self.skip { return 1 }
        if slot == Self.bad { return 2 }
        guard slot >= 0, slot < 62, count >= 0, count < 1 << 21, start >= 0, start < 1 << 36 else { return nil }
        return UInt64(slot + 2) << 58 | (inflated ? 1 << 57 : 0) | UInt64(count) << 36 | UInt64(start)
    }

    init(start: Int, count: Int, slot: Int, inflated: Bool) {
        (self.start, self.count, self.slot, self.inflated) = (start, count, slot, inflated)
    }

    init(packed p: UInt64) {
        switch p {
        case 1: self = .skipped
        case 2: self = .broken
        default:
            self.init(start: Int(p & (1 << 36 - 1)), count: Int(p >> 36 & (1 << 21 - 1)), slot: Int(p >> 58) - 2,
                      inflated: p & 1 << 57 != 0)
        }
    }
}

/// Offset → packed `ValueSpan`, open addressing with key and value side by side, so that a
/// lookup touches one cache line: on a crash-loop journal this table is probed for every
/// item of every entry, and its misses were most of the scan's cost.
///
/// In front of it sits a small direct-mapped copy of the values most recently found, a few
/// kilobytes that stay in the nearest cache: the two dozen objects every entry of a crash
/// loop shares are found there, while the main table (which the mapped file streaming past
/// pushes out of the caches) is probed only for the rest.
struct SpanTable {
    private var slots: [UInt64]
    private var count = 0
    private var mask: Int
    private let limit: Int
    /// Key and value side by side, `frontSize` pairs; key 0 is empty.
    private var front: [UInt64]
    /// The highest key held. The objects an entry is the first to use lie after every entry
    /// read before it, so after every key: they are known to be absent without a probe.
    private var highest: UInt64 = 0
    private static var frontSize: Int { 256 }

    init(capacity: Int, maxCapacity: Int = 1 << 18) {
        slots = Array(repeating: 0, count: capacity * 2)
        mask = capacity - 1
        limit = maxCapacity
        front = Array(repeating: 0, count: capacity > 2 ? Self.frontSize * 2 : 0)
    }

    @inline(__always)
    private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &>> 3) &* 0x9E37_79B9) & mask }

    @inline(__always)
    private static func frontSlot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: ((key &>> 3) &* 0x9E37_79B9_7F4A_7C15) &>> 56) & (frontSize - 1)
    }

    @inline(__always)
    mutating func get(_ offset: Int) -> ValueSpan? {
        let key = UInt64(bitPattern: Int64(offset))
        guard key != 0, key <= highest else { return nil }
        let f = Self.frontSlot(key)
        let hasFront = front.count == Self.frontSize * 2
        if hasFront {
            let hit: UInt64? = front.withUnsafeBufferPointer { fr in fr[2 &* f] == key ? fr[2 &* f &+ 1] : nil }
            if let hit { return ValueSpan(packed: hit) }
        }
        let found: UInt64? = slots.withUnsafeBufferPointer { s in
            var i = home(key)
            while true {
                let k = s[2 &* i]
                if k == key { return s[2 &* i &+ 1] }
                if k == 0 { return nil }
                i = (i &+ 1) & mask
            }
        }
        guard let found else { return nil }
        if hasFront {
            front.withUnsafeMutableBufferPointer { fr in
                fr[2 &* f] = key
                fr[2 &* f &+ 1] = found
            }
        }
        return ValueSpan(packed: found)
    }

    mutating func set(_ offset: Int, _ span: ValueSpan) {
        let key = UInt64(bitPattern: Int64(offset))
        guard key != 0, let value = span.packed else { return }
        if (count + 1) * 2 > slots.count / 2 {
            if slots.count / 2 >= limit { removeAll() } else { grow() }
        }
        highest = max(highest, key)
        // A key set again must not leave its old value in front.
        if front.count == Self.frontSize * 2 {
            let f = Self.frontSlot(key)
            front[2 * f] = key
            front[2 * f + 1] = value
        }
        var i = home(key)
        while slots[2 * i] != 0 && slots[2 * i] != key { i = (i &+ 1) & mask }
        if slots[2 * i] == 0 { count += 1 }
        slots[2 * i] = key
        slots[2 * i + 1] = value
    }

    mutating func removeAll() {
        guard count > 0 else { return }
        for i in slots.indices { slots[i] = 0 }
        for i in front.indices { front[i] = 0 }
        count = 0
        highest = 0
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count / 2 - 1
        count = 0
        var i = 0
        while i + 1 < old.count {
            if old[i] != 0 {
                var j = home(old[i])
                while slots[2 * j] != 0 { j = (j &+ 1) & mask }
                slots[2 * j] = old[i]
                slots[2 * j + 1] = old[i + 1]
                count += 1
            }
            i += 2
        }
    }
}

/// One file's value cache during a scan: DATA object offset to `ValueSpan`, and the
/// decompressed values the spans point into. Owned by the scan, not the file, and reused
/// from one file to the next so that its tables are allocated once.
struct SpanCache {
    var table: SpanTable
    var inflated: [UInt8] = []
    /// Values of a megabyte or more, by DATA offset: held once, shared with every batch that
    /// uses them, and bounded in bytes (emptied before a value that would pass the bound, so
    /// the newest stays).
    var large: [Int: Blob] = [:]
    var largeBytes = 0
    static let largeLimit = 256 << 20
    /// False for the placeholder of a file not being read: it holds no memory.
    private(set) var isActive: Bool

    init(active: Bool) {
        table = SpanTable(capacity: active ? 1 << 14 : 2)
        isActive = active
    }

    /// Decoded values kept before the cache is emptied: bounds memory on files with many
    /// large compressed values.
    static let inflatedLimit = 64 << 20

    /// Empties the cache (for another file).
    mutating func reset() {
        resetInflated()
        large = [:]
        largeBytes = 0
    }

    /// Empties the small values and the table that points into them.
    mutating func resetInflated() {
        table.removeAll()
        inflated.removeAll(keepingCapacity: inflated.capacity <= Self.inflatedLimit * 2)
    }

    mutating func keep(_ blob: Blob, at offset: Int) {
        if largeBytes + blob.bytes.count > Self.largeLimit {
            large = [:]
            largeBytes = 0
        }
        large[offset] = blob
        largeBytes += blob.bytes.count
    }
}

extension JournalFile {
    /// Appends the entry whose head was read to `batch`, with the values of the fields in
    /// `selected` copied in.
    func decodeValues(_ head: EntryHead, fileIndex: Int, selected: SelectedNames, cache: inout SpanCache,
                      into batch: inout EntryBatch) {
        let compact = isCompact
        // `entryHead` counted only the items that lie inside the file, so this slice holds.
        let items = bytes.slice(head.offset + ObjectLayout.entryItems, head.itemCount * itemSize)
        batch.appendEntry(EntryBatch.Head(entry: head, seqnumID: header.seqnumID, file: fileIndex)) { spans, sources, arena, shared, blobs in
            guard let items else { return }
            var checked = false
            for i in 0..<head.itemCount {
                let dataOffset = compact
                    ? Int(UInt32(littleEndian: items.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)))
                    : Int(truncatingIfNeeded: UInt64(littleEndian: items.loadUnaligned(fromByteOffset: i &* 16, as: UInt64.self)))
                // DATA objects precede the entries that use them; anything else is not this entry's.
                guard dataOffset < head.offset else {
                    if itemsEndOnce(head, at: i, checked: &checked) { noteForeignItems(head, from: i); return }
                    health.itemsDropped += 1
                    health.note(head.offset, "entry item \(i) points past the entry itself")
                    continue
                }
                // A large value is held once, as a blob the batches share.
                if !cache.large.isEmpty, let blob = cache.large[dataOffset] {
                    if blob.slot < spans.count, spans[blob.slot] == EntryBatch.absent {
                        spans[blob.slot] = blobs.span(of: blob)
                        sources[blob.slot] = dataOffset
                    }
                    continue
                }
                let span: ValueSpan
                if let cached = cache.table.get(dataOffset) {
                    span = cached
                    if span.slot == ValueSpan.bad {
                        if itemsEndOnce(head, at: i, checked: &checked) { noteForeignItems(head, from: i); return }
                        health.itemsDropped += 1
                    }
                } else {
                    span = resolveSpan(dataOffset, entryOffset: head.offset, item: i, selected: selected, cache: &cache)
                    if span.slot == ValueSpan.bad, itemsEndOnce(head, at: i, checked: &checked) {
                        // Counted as one dropped item by `resolveSpan`; the rest are not the entry's.
                        health.itemsDropped -= 1
                        noteForeignItems(head, from: i)
                        return
                    }
                    // An unreadable one is kept, so that it is reported once.
                    // A large decompressed value lives in `cache.large`, not in `inflated`: never in the table.
                    let isBlob = span.inflated && span.count >= EntryBatch.blobThreshold
                    if span.slot == ValueSpan.bad || (!isBlob && worthCaching(dataAt: dataOffset, compressed: span.inflated)) {
                        cache.table.set(dataOffset, span)
                    }
                }
                let slot = span.slot
                guard slot >= 0, slot < spans.count, spans[slot] == EntryBatch.absent else { continue }
                sources[slot] = dataOffset
                if span.count >= EntryBatch.blobThreshold {
                    if let blob = cache.large[dataOffset] { spans[slot] = blobs.span(of: blob) }
                    continue
                }
                // A value entries of the batch share is copied into it once (a large one
                // always, a short one while it is recent).
                let big = span.count >= EntryBatch.sharedThreshold
                if let s = shared.span(file: fileIndex, offset: dataOffset, large: big) {
                    spans[slot] = s
                    continue
                }
                if span.inflated {
                    cache.inflated.withUnsafeBytes { all in
                        if let v = all.slice(span.start, span.count) { spans[slot] = EntryBatch.append(v, to: &arena) }
                    }
                } else if let v = bytes.slice(span.start, span.count) {
                    spans[slot] = EntryBatch.append(v, to: &arena)
                }
                if spans[slot] != EntryBatch.absent { shared.keep(spans[slot], file: fileIndex, offset: dataOffset, large: big) }
            }
        }
    }

    private func resolveSpan(_ dataOffset: Int, entryOffset: Int, item: Int, selected: SelectedNames,
                             cache: inout SpanCache) -> ValueSpan {
        func bad(_ reason: String) -> ValueSpan {
            health.itemsDropped += 1
            health.note(dataOffset, "entry at 0x\(hex(entryOffset)) item \(item): \(reason)")
            return .broken
        }
        // An uncompressed value is used where it lies in the mapping: no copy, no allocation.
        if let raw = inPlacePayload(at: dataOffset) {
            guard let eq = raw.firstIndex(ofByte: UInt8(ascii: "=")), eq > 0 else { return bad("DATA payload has no field name") }
            guard let name = raw.slice(0, eq), let slot = selected.slot(name) else { return .skipped }
            // Only values that are used are checked against their hash: the others cost nothing.
            verifyHashOnce(dataAt: dataOffset, payload: raw)
            let count = raw.count - eq - 1
            if count >= EntryBatch.blobThreshold, let value = raw.slice(eq + 1, count) {
                cache.keep(Blob(borrowing: value, owner: self, slot: slot), at: dataOffset)
            }
            return ValueSpan(start: dataOffset + dataPayloadOffset + eq + 1, count: count, slot: slot, inflated: false)
        }
        switch dataPayload(at: dataOffset) {
        case .failure(let e): return bad(e.detail)
        case .success(let payload):
            guard let eq = payload.firstIndex(of: UInt8(ascii: "=")), eq > 0 else { return bad("DATA payload has no field name") }
            let slot = payload.withUnsafeBytes { raw in raw.slice(0, eq).flatMap { selected.slot($0) } }
            guard let slot else { return .skipped }
            payload.withUnsafeBytes { verifyHashOnce(dataAt: dataOffset, payload: $0) }
            let count = payload.count - eq - 1
            if count >= EntryBatch.blobThreshold {
                cache.keep(Blob(copying: payload[(eq + 1)...], slot: slot), at: dataOffset)
                return ValueSpan(start: 0, count: count, slot: slot, inflated: true)
            }
            // Emptied before a value that would overflow it, so the new value stays: the spans
            // in the table point into these bytes and go with them.
            if cache.inflated.count + count > SpanCache.inflatedLimit { cache.resetInflated() }
            let start = cache.inflated.count
            cache.inflated.append(contentsOf: payload[(eq + 1)...])
            return ValueSpan(start: start, count: count, slot: slot, inflated: true)
        }
    }
}

/// A DATA object of one file of the set: the key of a large value a batch holds once.
struct SharedValueKey: Hashable {
    var file: Int
    var offset: Int
}

/// The producing side of `JournalReader.scan`: merges the files and fills batches, with one
/// value cache per file being read.
struct ScanProducer {
    private var merge: EntryMerger
    private let files: [JournalFile]
    private let selected: SelectedNames
    private var caches: [SpanCache]
    private var spare = SpanCache(active: false)
    private var lastIndex = -1

    init(files: [JournalFile], selected: SelectedNames, source: EntrySource = .all) {
        self.files = files
        self.selected = selected
        merge = EntryMerger(files: files, selection: .all, source: source)
        caches = Array(repeating: SpanCache(active: false), count: files.count)
    }

    /// Adds entries to `batch` until it holds `limit`; false when the set is exhausted.
    mutating func fill(_ batch: inout EntryBatch, limit: Int) -> Bool {
        while batch.count < limit, batch.byteCount < EntryBatch.byteLimit {
            guard let (index, head) = merge.nextHead() else { return false }
            if index != lastIndex {
                // A file read to the end hands its cache, emptied, to the next file.
                if lastIndex >= 0, caches[lastIndex].isActive, merge.isFinished(lastIndex) {
                    caches[lastIndex].reset()
                    swap(&caches[lastIndex], &spare)
                }
                if !caches[index].isActive {
                    if spare.isActive { swap(&caches[index], &spare) } else { caches[index] = SpanCache(active: true) }
                }
                lastIndex = index
            }
            files[index].decodeValues(head, fileIndex: index, selected: selected, cache: &caches[index], into: &batch)
        }
        return true
    }
}
