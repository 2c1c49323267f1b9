/// Walks a chain of ENTRY_ARRAY objects (the file's global one, or one DATA object's),
/// yielding entry offsets in order. Every array is checked before use; a cycle, a bad
/// link or a count past the end stops the walk and is reported, never trapped on.
struct EntryArrayWalker {
    private var arrayOffset: Int
    private var index = 0
    private var capacity = 0
    private var remaining: UInt64
    private var visitedArrays = 0
    private let maxArrays: Int
    private(set) var stopReason: String?
    private(set) var stopOffset: Int?

    /// `first` is the first ENTRY_ARRAY offset (0 for none); `count` how many entries the
    /// chain should hold.
    init(first: UInt64, count: UInt64, fileSize: Int) {
        arrayOffset = Int(exactly: first) ?? -1
        remaining = count
        // Every array is at least 24 bytes, so no chain can be longer than this.
        maxArrays = fileSize / 24 + 1
        if first == 0 { remaining = 0 }
    }

    /// The next entry offset, or `nil` at the end of the chain.
    mutating func next(in file: JournalFile) -> Int? {
        while remaining > 0 {
            if index < capacity {
                let at = arrayOffset + ObjectLayout.arrayItems + index * (file.isCompact ? 4 : 8)
                index += 1
                let value: Int?
                if file.isCompact { value = file.bytes.u32(at).map { Int($0) } } else { value = file.bytes.u64(at).flatMap { Int(exactly: $0) } }
                guard let value else { return stop("entry array item at 0x\(hex(at)) is past the end", at) }
                // A zero slot is an unused tail of the last array: the chain holds fewer entries than counted.
                if value == 0 { return stop("entry array ends after fewer entries than the header counts", at) }
                remaining -= 1
                return value
            }
            // Move to the next array in the chain.
            if capacity > 0 {
                guard let next = file.bytes.u64(arrayOffset + ObjectLayout.arrayNext), next != 0,
                      let n = Int(exactly: next) else {
                    return stop("entry array chain ends with \(remaining) entries still counted", arrayOffset)
                }
                guard n > arrayOffset else { return stop("entry array chain points backwards (cycle)", arrayOffset) }
                arrayOffset = n
            }
            visitedArrays += 1
            guard visitedArrays <= maxArrays else { return stop("entry array chain is longer than the file allows", arrayOffset) }
            guard let size = file.objectSize(at: arrayOffset, type: .entryArray), size > ObjectLayout.arrayItems else {
                return stop("no valid ENTRY_ARRAY object here", arrayOffset)
            }
            capacity = (size - ObjectLayout.arrayItems) / (file.isCompact ? 4 : 8)
            index = 0
            if capacity == 0 { return stop("empty ENTRY_ARRAY object", arrayOffset) }
        }
        return nil
    }

    private mutating func stop(_ reason: String, _ offset: Int) -> Int? {
        stopReason = reason
        stopOffset = offset
        remaining = 0
        return nil
    }
}

/// Scans objects linearly from an offset to the end of the file, for ENTRY objects that
/// were written but never linked into the entry array (the tail of a torn file).
/// Stretches that are not objects (zeroed or garbage) are stepped over 8 bytes at a time.
struct TailScanner {
    private var position: Int
    private(set) var garbageBytes = 0
    private(set) var firstGarbage: Int?

    init(from offset: Int) { position = offset }

    mutating func next(in file: JournalFile) -> EntryHead? {
        let end = file.tailScanEnd
        while position >= 0, position <= end &- ObjectLayout.headerSize {
            // Preallocated space past the last object is zeros: step over it quickly.
            if file.bytes.u64(position) == 0 {
                position = file.bytes.firstNonzeroWord(from: position)
                continue
            }
            let here = position
            if file.bytes.u8(here) == ObjectType.entry.rawValue, let raw = file.bytes.u64(here + 8),
               let size = Int(exactly: raw), size > end &- here, let head = file.entryHead(at: here) {
                // The last object, cut by the end of the file: nothing can follow it.
                position = end
                return head
            }
            guard let type = file.bytes.u8(here), let raw = file.bytes.u64(here + 8),
                  type >= 1, type <= 7, let size = Int(exactly: raw),
                  size >= ObjectLayout.headerSize, size <= end &- here else {
                if firstGarbage == nil, file.bytes.u8(here) != 0 || file.bytes.u64(here + 8) != 0 { firstGarbage = here }
                garbageBytes += 8
                position = here + 8
                continue
            }
            position = here + ((size + 7) & ~7)
            if type == ObjectType.entry.rawValue, let head = file.entryHead(at: here) {
                return head
            }
        }
        return nil
    }
}

/// Reads one file's entries in order: the linked ones through the entry-array chain,
/// then those recovered from the tail. Keeps the file's health up to date as it goes.
struct FileEntryCursor {
    enum Phase { case linked, tail, done }
    let fileIndex: Int
    private(set) var head: EntryHead?
    private var phase: Phase = .linked
    private var walker: EntryArrayWalker
    private var tail: TailScanner?
    private var lastLinkedEnd: Int
    private var lastLinkedSeqnum: UInt64 = 0
    /// When set, only entries that carry one of these DATA offsets (a match).
    private let matchData: Set<Int>?

    /// When set, entries of other boots are passed over (counted in the health all the same).
    private var onlyBoot: ID128?

    init(file: JournalFile, index: Int, onlyBoot: ID128? = nil) {
        self.onlyBoot = onlyBoot
        fileIndex = index
        walker = EntryArrayWalker(first: file.header.entryArrayOffset, count: file.header.nEntries, fileSize: file.bytes.count)
        lastLinkedEnd = file.header.headerSize
        matchData = nil
        advance(in: file)
        primed = true
    }

    /// Set once the first entry has been read; the file's pages are brought in only when
    /// the merge first consumes from it, so that at most a file or two is mapped at a time.
    private var primed = false
    private var populated = false

    /// A cursor over the entries that carry one DATA object: its inline first entry, then its entry-array chain.
    init(file: JournalFile, index: Int, dataOffsets: [Int]) {
        fileIndex = index
        walker = EntryArrayWalker(first: 0, count: 0, fileSize: file.bytes.count)
        // Unlinked entries can only lie past the last linked one, and the linked ones come from the index.
        lastLinkedEnd = file.linkedEnd(file.entryArrayChain)
        matchData = Set(dataOffsets)
        matchOffsets = file.entryOffsets(ofData: dataOffsets)
        advance(in: file)
    }

    /// A cursor over given entry offsets (in file order) and nothing else.
    init(file: JournalFile, index: Int, offsets: [Int]) {
        fileIndex = index
        walker = EntryArrayWalker(first: 0, count: 0, fileSize: file.bytes.count)
        lastLinkedEnd = file.bytes.count
        matchData = []
        matchOffsets = offsets
        explicit = true
        advance(in: file)
    }

    /// Given offsets only: no tail to scan for unlinked entries.
    private var explicit = false
    private var matchOffsets: [Int] = []
    private var matchIndex = 0

    mutating func advance(in file: JournalFile) {
        if primed && !populated && matchData == nil {
            populated = true
            file.startedReading()
        }
        head = nil
        while phase == .linked {
            let next: Int?
            if matchData != nil {
                next = matchIndex < matchOffsets.count ? matchOffsets[matchIndex] : nil
                matchIndex += 1
            } else {
                next = walker.next(in: file)
            }
            guard let offset = next else {
                if matchData == nil, let reason = walker.stopReason, file.health.entriesLinked < Int(clamping: file.header.nEntries) {
                    file.health.note(walker.stopOffset, reason)
                }
                phase = .tail
                tail = TailScanner(from: lastLinkedEnd)
                break
            }
            if let h = file.entryHead(at: offset) {
                if matchData == nil {
                    file.health.entriesLinked += 1
                    if offset >= lastLinkedEnd {
                        let size = ObjectLayout.entryItems + h.itemCount * file.itemSize
                        lastLinkedEnd = offset + ((size + 7) & ~7)
                        lastLinkedSeqnum = h.seqnum
                    }
                }
                if let b = onlyBoot, h.bootID != b { continue }
                head = h
                return
            }
            if matchData == nil {
                file.health.entriesSkipped += 1
                file.health.note(offset, "entry array points at no valid ENTRY object")
            }
        }
        if explicit, phase == .tail {
            phase = .done
            // Chosen entries lie all over a file (a boot's kernel lines): the pages mapped
            // around each go as soon as the file has given its last one.
            file.finishedReading()
        }
        while phase == .tail {
            guard var scanner = tail, let h = scanner.next(in: file) else {
                if matchData == nil, let scanner = tail, let g = scanner.firstGarbage {
                    file.health.note(g, "\(scanner.garbageBytes) bytes after the last entry are not valid objects")
                }
                phase = .done
                file.finishedReading()
                return
            }
            tail = scanner
            if let matchData {
                var hit = false
                for i in 0..<h.itemCount {
                    if let o = file.itemOffset(entry: h.offset, index: i), matchData.contains(o) { hit = true; break }
                }
                if !hit { continue }
            } else {
                file.health.entriesRecovered += 1
            }
            if let b = onlyBoot, h.bootID != b { continue }
            head = h
            return
        }
    }
}

/// Random access to an entry-array chain: the arrays are walked once, their headers only (a few
/// dozen for millions of entries: systemd doubles each new array), then any slot is read without
/// reading those before it. The newest entries of a boot, a file's last slots, a boot's first
/// minute: each costs the slots it reads, not the chain's length. Damage ends the chain as
/// `EntryArrayWalker` ends it: a bad array or link where the walker would stop, and zero slots
/// (never written: a crash leaves them at the end) where the written ones end.
struct EntryArrayChain {
    private var arrays: [(offset: Int, start: Int)] = []
    /// Slots holding entries, at most the count the chain was opened with.
    private(set) var count = 0
    private(set) var stopReason: String?
    private(set) var stopOffset: Int?
    private let itemSize: Int

    /// `first` is the first ENTRY_ARRAY offset (0 for none); `count` how many entries the
    /// chain should hold.
    init(first: UInt64, count expected: UInt64, in file: JournalFile) {
        itemSize = file.isCompact ? 4 : 8
        guard first != 0, expected > 0, var at = Int(exactly: first) else { return }
        let want = Int(clamping: expected)
        // Every array is at least 24 bytes, so no chain can be longer than this.
        let maxArrays = file.bytes.count / 24 + 1
        var total = 0
        while total < want {
            guard arrays.count < maxArrays else {
                stop("entry array chain is longer than the file allows", at)
                break
            }
            guard let size = file.objectSize(at: at, type: .entryArray), size > ObjectLayout.arrayItems else {
                stop("no valid ENTRY_ARRAY object here", at)
                break
            }
            let capacity = (size - ObjectLayout.arrayItems) / itemSize
            guard capacity > 0 else {
                stop("empty ENTRY_ARRAY object", at)
                break
            }
            arrays.append((at, total))
            // The object lies inside the file, so the sum stays below the file's size.
            total += capacity
            guard total < want else { break }
            guard let next = file.bytes.u64(at + ObjectLayout.arrayNext), next != 0, let n = Int(exactly: next) else {
                stop("entry array chain ends with \(want - total) entries still counted", at)
                break
            }
            guard n > at else {
                stop("entry array chain points backwards (cycle)", at)
                break
            }
            at = n
        }
        count = min(total, want)
        // Slots never written are zero: find where the written ones end (a crash leaves the
        // zeros at the end, so the written slots are a prefix).
        if count > 0, slot(count - 1, in: file) == nil {
            var lo = 0, hi = count - 1  // the answer (the first zero slot) is in lo...hi
            while lo < hi {
                let mid = lo + (hi - lo) / 2
                if slot(mid, in: file) == nil { hi = mid } else { lo = mid + 1 }
            }
            stop("entry array ends after fewer entries than the header counts", location(of: lo))
            count = lo
        }
    }

    /// The highest entry offset the slots hold before the first empty one (0 when none): in a
    /// tight loop over each array's items, as a walk slot by slot would find it.
    func highestOffset(in file: JournalFile) -> Int {
        var highest = 0
        for (i, a) in arrays.enumerated() {
            let end = i + 1 < arrays.count ? min(arrays[i + 1].start, count) : count
            let n = end - a.start
            guard n > 0, let items = file.bytes.slice(a.offset + ObjectLayout.arrayItems, n * itemSize) else { break }
            if itemSize == 4 {
                for k in 0..<n {
                    let v = Int(UInt32(littleEndian: items.loadUnaligned(fromByteOffset: k &* 4, as: UInt32.self)))
                    if v == 0 { return highest }
                    highest = max(highest, v)
                }
            } else {
                for k in 0..<n {
                    let raw = UInt64(littleEndian: items.loadUnaligned(fromByteOffset: k &* 8, as: UInt64.self))
                    if raw == 0 { return highest }
                    highest = max(highest, Int(exactly: raw) ?? highest)
                }
            }
        }
        return highest
    }

    /// The entry offset in slot `k` (0 ..< count), or `nil` for a slot that holds none.
    func offset(_ k: Int, in file: JournalFile) -> Int? {
        guard k >= 0, k < count else { return nil }
        return slot(k, in: file)
    }

    private func slot(_ k: Int, in file: JournalFile) -> Int? {
        let at = location(of: k)
        let value: Int?
        if itemSize == 4 { value = file.bytes.u32(at).map { Int($0) } } else { value = file.bytes.u64(at).flatMap { Int(exactly: $0) } }
        guard let value, value != 0 else { return nil }
        return value
    }

    /// Where slot `k` lies in the file.
    private func location(of k: Int) -> Int {
        // The last array starting at or before k.
        var lo = 0, hi = arrays.count - 1
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2
            if arrays[mid].start <= k { lo = mid } else { hi = mid - 1 }
        }
        guard lo >= 0, lo < arrays.count else { return 0 }
        return arrays[lo].offset + ObjectLayout.arrayItems + (k - arrays[lo].start) * itemSize
    }

    private mutating func stop(_ reason: String, _ offset: Int) {
        stopReason = reason
        stopOffset = offset
    }
}
