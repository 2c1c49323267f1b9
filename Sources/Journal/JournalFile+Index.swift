/// Lookups through the file's own indexes: the data and field hash tables and each DATA
/// object's entry array. They answer "which entries have FIELD=value" and "which values
/// does FIELD take" without decoding every entry.
extension JournalFile {
    /// The hash the file uses for DATA and FIELD objects.
    func hash(_ payload: UnsafeRawBufferPointer) -> UInt64 {
        header.isKeyedHash ? JournalHash.siphash24(payload, key: header.fileID) : JournalHash.jenkins64(payload)
    }

    /// Bucket heads of a hash table, or `nil` when the header's table does not fit the file.
    private func hashTable(offset: UInt64, size: UInt64) -> (start: Int, buckets: Int)? {
        guard let start = Int(exactly: offset), let bytesCount = Int(exactly: size),
              start >= header.headerSize + ObjectLayout.hashTableItems, start & 7 == 0,
              bytesCount >= 16, bytesCount <= bytes.count &- start else { return nil }
        return (start, bytesCount / 16)
    }

    /// Offsets of the DATA objects whose payload is exactly `payload` (normally one).
    func dataObjects(matching payload: [UInt8]) -> [Int] {
        guard let table = hashTable(offset: header.dataHashTableOffset, size: header.dataHashTableSize) else { return [] }
        let h = payload.withUnsafeBytes { hash($0) }
        let bucket = Int(h % UInt64(table.buckets))
        guard var p = bytes.u64(table.start + bucket * 16).flatMap({ Int(exactly: $0) }) else { return [] }
        var found: [Int] = []
        var steps = 0
        let maxSteps = bytes.count / 64 + 1
        // A chain made into a cycle (through a large compressed object, say) is walked once:
        // each object is looked at, and decompressed, at most once.
        var seen = Set<Int>()
        while p != 0, steps < maxSteps, seen.insert(p).inserted {
            steps += 1
            guard objectSize(at: p, type: .data) != nil, let stored = bytes.u64(p + ObjectLayout.dataHash) else { break }
            if stored == h, case .success(let candidate) = dataPayload(at: p), candidate == payload {
                found.append(p)
            }
            guard let next = bytes.u64(p + ObjectLayout.dataNextHash).flatMap({ Int(exactly: $0) }), next != p else { break }
            p = next
        }
        return found
    }

    /// Entry offsets that reference any of `dataOffsets`, in file order.
    func entryOffsets(ofData dataOffsets: [Int]) -> [Int] {
        var out: [Int] = []
        for d in dataOffsets {
            guard let n = bytes.u64(d + ObjectLayout.dataNEntries), n > 0 else { continue }
            if let first = bytes.u64(d + ObjectLayout.dataEntryOffset).flatMap({ Int(exactly: $0) }), first != 0 {
                out.append(first)
            }
            guard let arrays = bytes.u64(d + ObjectLayout.dataEntryArrayOffset) else { continue }
            var walker = EntryArrayWalker(first: arrays, count: n - 1, fileSize: bytes.count)
            while let o = walker.next(in: self) { out.append(o) }
        }
        if dataOffsets.count > 1 {
            out.sort()
            var unique: [Int] = []
            unique.reserveCapacity(out.count)
            for o in out where unique.last != o { unique.append(o) }
            return unique
        }
        return out
    }

    /// The entries carrying one DATA object, in random access: its inline first entry, then its
    /// entry-array chain (see `EntryArrayChain`). Slot 0 is the inline entry when there is one.
    struct DataEntries {
        var inline: Int?
        var chain: EntryArrayChain

        var count: Int { (inline == nil ? 0 : 1) + chain.count }

        func offset(_ k: Int, in file: JournalFile) -> Int? {
            guard let inline else { return chain.offset(k, in: file) }
            return k == 0 ? inline : chain.offset(k - 1, in: file)
        }

        /// The first slot in `range` whose entry's monotonic stamp passes `test` (the range's end
        /// when none does), by binary search: a boot's entries in one file are in monotonic
        /// order, so `test` is false up to a point and true from it. A slot whose entry cannot
        /// be read counts as `unreadable`. On a list out of order the answer is some slot of
        /// the range; the search stays bounded.
        func firstSlot(in range: Range<Int>, in file: JournalFile, unreadable: Bool, where test: (UInt64) -> Bool) -> Int {
            firstSlot(in: range) { k in offset(k, in: file).flatMap { file.entryHead(at: $0) }.map { test($0.monotonic) } ?? unreadable }
        }

        /// The first slot whose entry lies at or past `offset` (`count` when none), by binary
        /// search: the slots of a file systemd wrote list entries by offset. A slot that holds
        /// no entry counts as past everything, so the search stays bounded on a damaged list.
        func firstSlot(atOrAfter offset: Int, in file: JournalFile) -> Int {
            firstSlot(in: 0..<count) { k in self.offset(k, in: file).map { $0 >= offset } ?? true }
        }

        /// The first slot of `range` (clamped to the slots) for which `passes` holds, `passes`
        /// being false up to a point and true from it.
        private func firstSlot(in range: Range<Int>, where passes: (Int) -> Bool) -> Int {
            var lo = max(range.lowerBound, 0), hi = min(range.upperBound, count)
            while lo < hi {
                let mid = lo + (hi - lo) / 2
                if passes(mid) { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
    }

    /// `DataEntries` of the DATA object at `data` (none when it has no entries).
    func entries(ofData data: Int) -> DataEntries {
        guard let n = bytes.u64(data + ObjectLayout.dataNEntries), n > 0 else {
            return DataEntries(inline: nil, chain: EntryArrayChain(first: 0, count: 0, in: self))
        }
        let inline = bytes.u64(data + ObjectLayout.dataEntryOffset).flatMap { Int(exactly: $0) }.flatMap { $0 == 0 ? nil : $0 }
        let arrays = bytes.u64(data + ObjectLayout.dataEntryArrayOffset) ?? 0
        return DataEntries(inline: inline, chain: EntryArrayChain(first: arrays, count: n - 1, in: self))
    }

    /// Offsets of every DATA object of field `name`, through the field hash table.
    func dataObjects(ofField name: String) -> [Int] {
        guard let table = hashTable(offset: header.fieldHashTableOffset, size: header.fieldHashTableSize) else { return [] }
        let nameBytes = Array(name.utf8)
        let h = nameBytes.withUnsafeBytes { hash($0) }
        guard var p = bytes.u64(table.start + Int(h % UInt64(table.buckets)) * 16).flatMap({ Int(exactly: $0) }) else { return [] }
        var steps = 0
        let maxSteps = bytes.count / 40 + 1
        var fieldObject: Int?
        var seenFields = Set<Int>()
        while p != 0, steps < maxSteps, seenFields.insert(p).inserted {
            steps += 1
            guard let size = objectSize(at: p, type: .field), size > ObjectLayout.fieldPayload else { break }
            if let payload = bytes.slice(p + ObjectLayout.fieldPayload, size - ObjectLayout.fieldPayload),
               payload.elementsEqual(nameBytes) {
                fieldObject = p
                break
            }
            guard let next = bytes.u64(p + ObjectLayout.fieldNextHash).flatMap({ Int(exactly: $0) }), next != p else { break }
            p = next
        }
        guard let field = fieldObject,
              var d = bytes.u64(field + ObjectLayout.fieldHeadData).flatMap({ Int(exactly: $0) }) else { return [] }
        var out: [Int] = []
        steps = 0
        let maxData = bytes.count / 64 + 1
        // Cycle detection: a DATA object met again ends the walk (each is listed once).
        var seen = Set<Int>()
        while d != 0, steps < maxData, objectSize(at: d, type: .data) != nil, seen.insert(d).inserted {
            steps += 1
            out.append(d)
            guard let next = bytes.u64(d + ObjectLayout.dataNextField).flatMap({ Int(exactly: $0) }), next != d else { break }
            d = next
        }
        return out
    }

    /// Every value field `name` takes in this file (without the `NAME=` prefix).
    /// The values are distinct and, in all, at most `valuesByteLimit` bytes: a field whose
    /// DATA objects decompress to more is cut short and the file's health says so.
    public func values(ofField name: String) -> [[UInt8]] {
        let prefix = name.utf8.count + 1
        var out: [[UInt8]] = []
        var seen = Set<[UInt8]>()
        var total = 0
        for d in dataObjects(ofField: name) {
            guard case .success(let payload) = dataPayload(at: d), payload.count >= prefix else { continue }
            let value = Array(payload[prefix...])
            guard total + value.count <= Self.valuesByteLimit else {
                health.note(d, "values of \(name) pass \(Self.valuesByteLimit >> 20) MiB: the rest not read")
                break
            }
            if seen.insert(value).inserted {
                total += value.count
                out.append(value)
            }
        }
        return out
    }

    /// What `values(ofField:)` returns at most, in bytes.
    static let valuesByteLimit = 16 << 20

    /// For every value of `name`: the first entry carrying it in each boot, read from the
    /// DATA object's entry array (entry headers only, no items decoded).
    public func firstAppearances(ofField name: String) -> [FieldAppearance] {
        let prefix = name.utf8.count + 1
        var out: [FieldAppearance] = []
        for d in dataObjects(ofField: name) {
            guard case .success(let payload) = dataPayload(at: d), payload.count >= prefix else { continue }
            let value = Array(payload[prefix...])
            var seenBoots: [ID128] = []
            for e in entryOffsets(ofData: [d]) {
                guard let head = entryHead(at: e) else { continue }
                if seenBoots.contains(head.bootID) { continue }
                seenBoots.append(head.bootID)
                out.append(FieldAppearance(value: value, realtime: head.realtime, monotonic: head.monotonic,
                                           bootID: head.bootID))
            }
        }
        return out
    }

    /// The file's own entry-array chain: every entry, in the order journald wrote them.
    var entryArrayChain: EntryArrayChain { EntryArrayChain(first: header.entryArrayOffset, count: header.nEntries, in: self) }

    /// Where the linked entries end (`chain` is `entryArrayChain`): unlinked ones can only be
    /// found past this offset.
    func linkedEnd(_ chain: EntryArrayChain) -> Int {
        // The slots are read, not kept: in any file systemd wrote, the highest offset is the
        // newest entry and it is valid, so nothing else is read.
        let highest = chain.highestOffset(in: self)
        if let h = entryHead(at: highest) { return highest + ((ObjectLayout.entryItems + h.itemCount * itemSize + 7) & ~7) }
        // The highest slot points at no valid entry (a torn or damaged file): the highest valid one.
        var walker = EntryArrayWalker(first: header.entryArrayOffset, count: header.nEntries, fileSize: bytes.count)
        var offsets: [Int] = []
        while let o = walker.next(in: self) { offsets.append(o) }
        return linkedEnd(of: offsets)
    }

    /// The end of the valid entry at the highest of `offsets` (the header's end when none is
    /// valid): a whole read finds unlinked entries past it.
    func linkedEnd(of offsets: [Int]) -> Int {
        for o in offsets.sorted().reversed() {
            if let h = entryHead(at: o) { return o + ((ObjectLayout.entryItems + h.itemCount * itemSize + 7) & ~7) }
        }
        return header.headerSize
    }
}

/// The first time a field value was seen in one boot (e.g. a `_PID`).
public struct FieldAppearance: Sendable, Hashable {
    public var value: [UInt8]
    public var realtime: UInt64
    public var monotonic: UInt64
    public var bootID: ID128

    public var string: String { String(decoding: value, as: UTF8.self) }
}
