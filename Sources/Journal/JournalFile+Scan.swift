/// Where one DATA object's value lies, for `JournalReader.scan`: a range of the mapped
/// file, or of the file's decompressed values. A plain value: caching it costs no
/// reference counting.
struct ValueSpan {
    /// The field's slot, or `skip` (not asked for) or `bad` (unreadable object).
    var slot: Int32
    var inflated: Bool
    var start: Int
    var count: Int

    static let skip: Int32 = -1
    static let bad: Int32 = -2
}

/// One file's value cache during a scan: DATA object offset to `ValueSpan`, and the
/// decompressed values the spans point into. Owned by the scan, not the file, and reused
/// from one file to the next so that its tables are allocated once.
struct SpanCache {
    var table: OffsetTable<ValueSpan>
    var inflated: [UInt8] = []
    /// False for the placeholder of a file not being read: it holds no memory.
    private(set) var isActive: Bool

    init(active: Bool) {
        table = OffsetTable(capacity: active ? 1 << 15 : 2)
        isActive = active
    }

    /// Decoded values kept before the cache is emptied: bounds memory on files with many
    /// large compressed values.
    static let inflatedLimit = 64 << 20

    mutating func reset() {
        table.removeAll()
        inflated.removeAll(keepingCapacity: true)
    }
}

extension JournalFile {
    /// Appends the entry whose head was read to `batch`, with the values of the fields in
    /// `selected` copied in.
    func decodeValues(_ head: EntryHead, fileIndex: Int, selected: SelectedNames, cache: inout SpanCache,
                      into batch: inout EntryBatch) {
        if cache.inflated.count > SpanCache.inflatedLimit { cache.reset() }
        batch.beginEntry(EntryBatch.Head(entry: head, seqnumID: header.seqnumID, file: fileIndex))
        for i in 0..<head.itemCount {
            guard let dataOffset = itemOffset(entry: head.offset, index: i) else { continue }
            let span: ValueSpan
            if let cached = cache.table.get(dataOffset) {
                span = cached
                if span.slot == ValueSpan.bad { health.itemsDropped += 1 }
            } else {
                span = resolveSpan(dataOffset, entryOffset: head.offset, item: i, selected: selected,
                                   inflated: &cache.inflated)
                // A value only one entry carries (a PID, a counter, a unique message) will not be
                // asked for again: caching it would only fill the table and push the shared values
                // out of the processor's cache. A wrong count in a torn file costs speed, not results.
                if (bytes.u64(dataOffset + ObjectLayout.dataNEntries) ?? 2) > 1 {
                    cache.table.set(dataOffset, span)
                }
            }
            guard span.slot >= 0, !batch.hasValue(Int(span.slot)) else { continue }
            if span.inflated {
                cache.inflated.withUnsafeBytes { all in
                    if let v = all.slice(span.start, span.count) { _ = batch.setValue(Int(span.slot), v) }
                }
            } else if let v = bytes.slice(span.start, span.count) {
                _ = batch.setValue(Int(span.slot), v)
            }
        }
    }

    private func resolveSpan(_ dataOffset: Int, entryOffset: Int, item: Int, selected: SelectedNames,
                             inflated: inout [UInt8]) -> ValueSpan {
        func bad(_ reason: String) -> ValueSpan {
            health.itemsDropped += 1
            health.note(dataOffset, "entry at 0x\(String(entryOffset, radix: 16)) item \(item): \(reason)")
            return ValueSpan(slot: ValueSpan.bad, inflated: false, start: 0, count: 0)
        }
        let skip = ValueSpan(slot: ValueSpan.skip, inflated: false, start: 0, count: 0)
        // An uncompressed value is used where it lies in the mapping: no copy, no allocation.
        if let size = objectSize(at: dataOffset, type: .data), let flags = bytes.u8(dataOffset + 1), flags & 7 == 0,
           size > dataPayloadOffset, let raw = bytes.slice(dataOffset + dataPayloadOffset, size - dataPayloadOffset) {
            guard let eq = raw.firstIndex(of: UInt8(ascii: "=")), eq > 0 else { return bad("DATA payload has no field name") }
            guard let name = raw.slice(0, eq), let slot = selected.slot(name) else { return skip }
            return ValueSpan(slot: Int32(slot), inflated: false, start: dataOffset + dataPayloadOffset + eq + 1,
                             count: raw.count - eq - 1)
        }
        switch dataPayload(at: dataOffset) {
        case .failure(let e): return bad(e.detail)
        case .success(let payload):
            guard let eq = payload.firstIndex(of: UInt8(ascii: "=")), eq > 0 else { return bad("DATA payload has no field name") }
            let slot = payload.withUnsafeBytes { raw in raw.slice(0, eq).flatMap { selected.slot($0) } }
            guard let slot else { return skip }
            let start = inflated.count
            inflated.append(contentsOf: payload[(eq + 1)...])
            return ValueSpan(slot: Int32(slot), inflated: true, start: start, count: payload.count - eq - 1)
        }
    }
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

    init(files: [JournalFile], selected: SelectedNames) {
        self.files = files
        self.selected = selected
        merge = EntryMerger(files: files, selection: .all)
        caches = Array(repeating: SpanCache(active: false), count: files.count)
    }

    /// Adds entries to `batch` until it holds `limit`; false when the set is exhausted.
    mutating func fill(_ batch: inout EntryBatch, limit: Int) -> Bool {
        while batch.count < limit {
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
