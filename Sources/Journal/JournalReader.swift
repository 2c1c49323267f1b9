/// Which fields an iteration decodes. Asking only for what an analysis needs skips the
/// decompression and copying of every other DATA object.
public enum FieldSelection: Sendable {
    case all
    case only(Set<String>)

    /// The selected names in the order `JournalField.slot` counts them.
    public var sortedNames: [String] {
        switch self {
        case .all: return []
        case .only(let names): return names.sorted()
        }
    }
}

/// The selected field names, looked up by their bytes without hashing or allocating:
/// names are bucketed by length and compared byte for byte. Each name's `String` is made
/// once and shared by every field that carries it.
final class SelectedNames: @unchecked Sendable {
    private var buckets: [[(bytes: [UInt8], slot: Int)]] = Array(repeating: [], count: 65)
    let names: [String]

    convenience init(_ selection: FieldSelection) {
        self.init(orderedNames: selection.sortedNames)
    }

    /// Slots numbered by position in `orderedNames`.
    init(orderedNames: [String]) {
        names = orderedNames
        for (slot, name) in names.enumerated() {
            let b = Array(name.utf8)
            if b.count < buckets.count { buckets[b.count].append((b, slot)) }
        }
    }

    /// The slot of the name in `raw`, or `nil` when it is not selected.
    @inline(__always)
    func slot(_ raw: UnsafeRawBufferPointer) -> Int? {
        guard raw.count < buckets.count else { return nil }
        for candidate in buckets[raw.count] where candidate.bytes.withUnsafeBytes({ $0.elementsEqual(raw) }) {
            return candidate.slot
        }
        return nil
    }
}

/// A set of journal files read as one stream, in the order `journalctl` prints them
/// (entries interleaved across files as `sd_journal_next` does; an entry found in two
/// files appears once). Files that cannot be read are recorded in `health`, never thrown.
public final class JournalReader: @unchecked Sendable {
    /// The files of the set, in the order given (directories expanded and sorted).
    public let files: [JournalFile]
    /// Paths that were named but could not be opened at all, with the reason.
    public private(set) var unreadable: [JournalProblem]

    /// Opens files and directories (machine-ID subfolders, `*.journal`, `*.journal~`).
    public init(paths: [String]) {
        var opened: [JournalFile] = []
        var failed: [JournalProblem] = []
        for path in JournalDirectory.expand(paths) {
            do {
                opened.append(try JournalFile(path: path))
            } catch {
                failed.append(JournalProblem(path: path, offset: nil, reason: error.description))
            }
        }
        self.files = opened
        self.unreadable = failed
    }

    /// Reads an already opened set (for example members of an archive held in memory).
    public init(files: [JournalFile]) {
        self.files = files
        self.unreadable = []
    }

    /// Per-file health, after (or during) reading.
    public var health: [FileHealth] { files.map(\.health) }

    /// Calls `body` for every entry of the set, in journalctl's order. Large sets are
    /// decoded on a second thread while `body` runs on this one.
    public func forEachEntry(fields: FieldSelection = .all, _ body: (JournalEntry) throws -> Void) rethrows {
        let bytes = files.reduce(0) { $0 + $1.bytes.count }
        guard bytes >= Self.prefetchThreshold else {
            var merge = EntryMerger(files: files, selection: fields)
            while let entry = merge.next() {
                try body(entry)
            }
            return
        }
        let files = self.files
        let prefetcher = Prefetcher<[JournalEntry]> { _, push in
            var merge = EntryMerger(files: files, selection: fields)
            var batch: [JournalEntry] = []
            batch.reserveCapacity(Self.batchSize)
            // Values counted per entry even when entries share one (an over-count): a batch of
            // large values is handed on early, so the queue never holds more than a few of them.
            var bytes = 0
            while let entry = merge.next() {
                batch.append(entry)
                for f in entry.fields { bytes &+= f.value.count }
                if batch.count >= Self.batchSize || bytes >= EntryBatch.byteLimit {
                    guard push(batch) else { return }
                    batch.removeAll(keepingCapacity: true)
                    bytes = 0
                }
            }
            if !batch.isEmpty { _ = push(batch) }
        }
        do {
            while let batch = prefetcher.next() {
                for entry in batch { try body(entry) }
            }
        } catch {
            prefetcher.cancelAndWait()
            throw error
        }
        prefetcher.waitUntilFinished()
    }

    /// Sets smaller than this are read on the calling thread: a thread is not worth it.
    static let prefetchThreshold = 32 << 20
    static let batchSize = 2048

    /// The analysis pass: calls `body` for every entry of the set, in journalctl's order, with
    /// the values of `fields` (slot *i* is `fields[i]`) and nothing else decoded. Values are
    /// copied into per-batch arenas on a second thread for large sets, so the callback's
    /// work overlaps the decoding and no value is reference-counted. The view is valid only
    /// during the call.
    public func scan(fields: [String], _ body: (EntryView) throws -> Void) rethrows {
        try scan(fields: fields, threadAbove: Self.prefetchThreshold, body)
    }

    /// `scan`, decoding on a second thread when the set is at least `threadAbove` bytes.
    func scan(fields: [String], threadAbove: Int, _ body: (EntryView) throws -> Void) rethrows {
        try scan(fields: fields, source: .all, threadAbove: threadAbove, body)
    }

    /// `scan` over the entries `source` names.
    func scan(fields: [String], source: EntrySource, threadAbove: Int = JournalReader.prefetchThreshold,
              _ body: (EntryView) throws -> Void) rethrows {
        try scan(fields: fields, source: source, preparing: NothingPrepared.self, threadAbove: threadAbove) { e, _ in try body(e) }
    }

    /// `scan`, with `P`'s work done for every entry on the decoding thread and handed to
    /// `body` beside the entry.
    public func scan<P: EntryPreparer>(fields: [String], preparing: P.Type, _ body: (EntryView, P.Prepared) throws -> Void) rethrows {
        try scan(fields: fields, source: .all, preparing: preparing, body)
    }

    func scan<P: EntryPreparer>(fields: [String], source: EntrySource, preparing: P.Type,
                                threadAbove: Int = JournalReader.prefetchThreshold,
                                _ body: (EntryView, P.Prepared) throws -> Void) rethrows {
        let selected = SelectedNames(orderedNames: fields)
        let bytes = files.reduce(0) { $0 + $1.bytes.count }
        guard bytes >= threadAbove else {
            var producer = ScanProducer(files: files, selected: selected, source: source)
            var preparer = P()
            var memo = PreparedMemo<P>(slotCount: fields.count)
            var batch = PreparedBatch<P.Prepared>(entries: EntryBatch(slotCount: fields.count, capacity: Self.batchSize))
            var more = true
            while more {
                more = producer.fill(&batch.entries, limit: Self.batchSize)
                memo.prepare(batch.entries, with: &preparer, into: &batch.prepared)
                try batch.forEach(body)
                batch.removeAll()
            }
            return
        }
        let files = self.files
        let prefetcher = Prefetcher<PreparedBatch<P.Prepared>> { prefetcher, push in
            var producer = ScanProducer(files: files, selected: selected, source: source)
            var preparer = P()
            var memo = PreparedMemo<P>(slotCount: fields.count)
            var share = PrepareShare(batchSize: Self.batchSize)
            var more = true
            while more {
                var batch = prefetcher.reuse()
                    ?? PreparedBatch(entries: EntryBatch(slotCount: fields.count, capacity: Self.batchSize))
                more = producer.fill(&batch.entries, limit: Self.batchSize)
                // The first `share` entries are prepared here, the rest by the consumer: on two
                // cores the share follows the queue, so that neither side waits for the other.
                share.adjust(waiting: prefetcher.waitingCount, capacity: prefetcher.capacity)
                if share.entries > 0 {
                    memo.prepare(batch.entries, with: &preparer, into: &batch.prepared, upTo: share.entries)
                }
                guard push(batch) else { return }
            }
        }
        var preparer = P()
        var memo = PreparedMemo<P>(slotCount: fields.count)
        do {
            while var batch = prefetcher.next() {
                if batch.prepared.count < batch.entries.count {
                    memo.prepare(batch.entries, with: &preparer, into: &batch.prepared)
                }
                try batch.forEach(body)
                batch.removeAll()
                prefetcher.recycle(batch)
            }
        } catch {
            prefetcher.cancelAndWait()
            throw error
        }
        prefetcher.waitUntilFinished()
    }

    /// The entry at `location` (from `EntryView.location`), decoded again with `fields`. The
    /// files' health records are left as they were.
    public func entry(at location: EntryLocation, fields: FieldSelection = .all) -> JournalEntry? {
        guard location.file >= 0, location.file < files.count else { return nil }
        let file = files[location.file]
        // A second look at an entry already read: its damage was counted the first time.
        let health = file.health
        defer { file.health = health }
        guard let head = file.entryHead(at: location.offset) else { return nil }
        let selected = SelectedNames(fields)
        return file.decode(head, fileIndex: location.file, selection: fields, selected: selected, selectionKey: -2)
    }

    /// Calls `body` for every entry that has the item `field=value`, found through each
    /// file's data hash table rather than by decoding every entry.
    public func forEachEntry(matching field: String, value: String, fields: FieldSelection = .all,
                             _ body: (JournalEntry) throws -> Void) rethrows {
        var merge = EntryMerger(files: files, selection: fields, match: Array("\(field)=\(value)".utf8))
        while let entry = merge.next() {
            try body(entry)
        }
    }

    /// Writes every entry in journal export format, byte-identical to `journalctl -o export`,
    /// handing `sink` chunks of about 1 MiB.
    public func writeExport(_ sink: (UnsafeRawBufferPointer) -> Void) {
        var merge = EntryMerger(files: files, selection: .all)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20 + 65536)
        var bootHex: (ID128, [UInt8]) = (.zero, [])
        var states = Array(repeating: JournalFile.ExportState(), count: files.count)
        var spare: JournalFile.ExportState?
        var started = Array(repeating: false, count: files.count)
        var lastIndex = -1
        while let (index, head) = merge.nextHead() {
            if index != lastIndex {
                if lastIndex >= 0, merge.isFinished(lastIndex) {
                    // Done with that file: keep its buffers (emptied) for the next file, so that
                    // memory is reused rather than grown and zeroed again for every file.
                    var recycled = JournalFile.ExportState()
                    swap(&recycled, &states[lastIndex])
                    recycled.reset()
                    spare = recycled
                }
                if !started[index] {
                    started[index] = true
                    if let s = spare { states[index] = s; spare = nil }
                }
            }
            lastIndex = index
            files[index].appendExport(head, state: &states[index], into: &buffer, bootHex: &bootHex)
            if buffer.count >= 1 << 20 {
                buffer.withUnsafeBytes(sink)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        buffer.withUnsafeBytes(sink)
    }

    /// Every distinct value of `field` across the set, through the field hash tables.
    public func values(ofField field: String) -> [[UInt8]] {
        var seen = Set<[UInt8]>()
        var out: [[UInt8]] = []
        for file in files {
            for v in file.values(ofField: field) where seen.insert(v).inserted {
                out.append(v)
            }
        }
        return out
    }

    /// For every value of `field`: the first entry carrying it in each boot (earliest
    /// across files), from the DATA objects' entry arrays. This is how the fork rate reads
    /// every `_PID` without decoding a single entry.
    public func firstAppearances(ofField field: String) -> [FieldAppearance] {
        var best: [FieldKey: FieldAppearance] = [:]
        for file in files {
            for a in file.firstAppearances(ofField: field) {
                let key = FieldKey(value: a.value, boot: a.bootID)
                if let old = best[key], old.realtime <= a.realtime { continue }
                best[key] = a
            }
        }
        return best.values.sorted { $0.realtime < $1.realtime }
    }
}

/// One boot's extent in a journal set, from the `_BOOT_ID` field index.
public struct BootRange: Sendable, Hashable {
    public var bootID: ID128
    public var firstRealtime: UInt64
    public var firstMonotonic: UInt64
    public var lastRealtime: UInt64
    public var lastMonotonic: UInt64
    /// Entries that carry this boot ID (summed over files; an entry in two files counts twice).
    public var entries: Int
}

extension JournalReader {
    /// Every boot in the set with its first and last entry, read from the `_BOOT_ID`
    /// DATA objects' entry arrays (entry headers only), oldest first.
    public func bootRanges() -> [BootRange] {
        var ranges: [ID128: BootRange] = [:]
        for file in files {
            for d in file.dataObjects(ofField: "_BOOT_ID") {
                // Only the first and the last entry are read: the offsets in between are
                // walked in the entry arrays without touching the entries themselves.
                let offsets = file.entryOffsets(ofData: [d])
                let n = offsets.count
                guard let f = offsets.lazy.compactMap({ file.entryHead(at: $0) }).first,
                      let l = offsets.reversed().lazy.compactMap({ file.entryHead(at: $0) }).first else { continue }
                let id = f.bootID
                if var r = ranges[id] {
                    if f.realtime < r.firstRealtime { r.firstRealtime = f.realtime; r.firstMonotonic = f.monotonic }
                    if l.realtime > r.lastRealtime { r.lastRealtime = l.realtime; r.lastMonotonic = l.monotonic }
                    r.entries += n
                    ranges[id] = r
                } else {
                    ranges[id] = BootRange(bootID: id, firstRealtime: f.realtime, firstMonotonic: f.monotonic,
                                           lastRealtime: l.realtime, lastMonotonic: l.monotonic, entries: n)
                }
            }
        }
        return ranges.values.sorted { $0.firstRealtime < $1.firstRealtime }
    }
}

private struct FieldKey: Hashable {
    var value: [UInt8]
    var boot: ID128
}
