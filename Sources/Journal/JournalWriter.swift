import Compression
#if canImport(Glibc)
import Glibc
#endif

/// Writes a journal file in systemd's format (`docs/JOURNAL_FILE_FORMAT.md`): offline,
/// uncompressed, Jenkins-hashed, with the hash tables and entry arrays the reader's indexes
/// use. It turns entries read from journalctl's textual outputs (`JournalTextImport`) into a
/// file the reader then reads like any other, so boots, cursors and every analysis work the
/// same way.
///
/// The file is written into storage of its own (an unlinked temporary file when one can be
/// made), never held twice. A DATA object is found again through a bounded table of its own
/// (`valueTable`), past which through the file's hash chains; each DATA object's entry array
/// through its chain (arrays doubling in size, so a chain of n entries is log n arrays long),
/// long chains through their last array kept aside.
public struct JournalWriter {
    private let box: ExpandedBytes
    /// The storage's start: valid until the next `reserve`, after which it is read again.
    private var base: UnsafeMutableRawPointer
    /// Where the next object goes (8-byte aligned).
    private var end: Int
    private let dataTable: Int, dataBuckets: Int
    private let fieldTable: Int, fieldBuckets: Int
    private var counts = (objects: UInt64(2), entries: UInt64(0), data: UInt64(0), fields: UInt64(0), arrays: UInt64(0))
    private var tailObject: Int = 0
    /// Where the written pages were last let go (`releaseStep`).
    private var releasedAt = 0
    /// Every this many bytes written, the file's pages are let go from memory: lookups touch
    /// objects all over the file, which would otherwise stay resident until the end.
    private let releaseStep: Int
    private var head = (seqnum: UInt64(0), realtime: UInt64(0))
    private var tail = (seqnum: UInt64(0), realtime: UInt64(0), monotonic: UInt64(0), bootID: ID128(high: 0, low: 0))
    /// The last array of each long chain (the file's, and those of DATA objects many entries
    /// share: a hostname, a boot ID), so an entry is linked without walking the chain. Chains
    /// shorter than `tailedAfter` are walked (a few arrays); so the table holds at most one
    /// chain per `tailedAfter` entries.
    private var tails: [Int: (array: Int, capacity: Int, first: Int)] = [:]
    /// Where the DATA object of each hash is, so that finding a value touches only its own
    /// object, not a hash chain's all over the file (which kept the whole file resident).
    /// Past `knownLimit` values, new ones are found through the chains alone.
    private var known: [UInt64: Int] = [:]
    private let knownLimit: Int
    /// What one value in `known` costs, with the dictionary's spare room.
    public static let bytesPerKnownValue = 40
    static let tailedAfter = 64
    /// Why the file could not grow (a full disk), once it could not; nothing is written after.
    public private(set) var failure: String?

    static let headerSize = 256
    /// The first entry array of a chain holds this many entries; each next one twice the last.
    static let firstArrayCapacity = 4

    /// A writer for a file of `seqnumID`'s entries on `machineID`; `expectedEntries` sizes the
    /// hash tables (more entries than that still work, with longer chains).
    public init(seqnumID: ID128, machineID: ID128, fileID: ID128, expectedEntries: Int, valueTable: Int = 64 << 20,
                releaseStep: Int = 64 << 20) {
        knownLimit = max(valueTable / Self.bytesPerKnownValue, 1024)
        self.releaseStep = max(releaseStep, 1 << 20)
        let buckets = Swift.min(Swift.max(expectedEntries / 2, 2047), 1 << 22)
        dataBuckets = buckets
        fieldBuckets = 1023
        let dataTableObject = Self.headerSize
        dataTable = dataTableObject + ObjectLayout.hashTableItems
        let fieldTableObject = dataTable + buckets * 16
        fieldTable = fieldTableObject + ObjectLayout.hashTableItems
        end = fieldTable + fieldBuckets * 16
        box = ExpandedBytes.writable(capacity: Swift.max(end * 2, 64 << 10))
        base = Self.start(of: box)
        guard box.reserve(end) else {
            failure = box.failure ?? "cannot make room for the journal file"
            return
        }
        base = Self.start(of: box)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: end)
        box.markFilled(end)
        writeObjectHeader(at: dataTableObject, type: .dataHashTable, size: ObjectLayout.hashTableItems + buckets * 16)
        writeObjectHeader(at: fieldTableObject, type: .fieldHashTable, size: ObjectLayout.hashTableItems + fieldBuckets * 16)
        tailObject = fieldTableObject
        for (i, b) in JournalHeader.signature.enumerated() { base.storeBytes(of: b, toByteOffset: i, as: UInt8.self) }
        putID(fileID, at: 24)
        putID(machineID, at: 40)
        putID(seqnumID, at: 72)
        put(UInt64(Self.headerSize), at: 88)
        put(UInt64(dataTable), at: 104)
        put(UInt64(buckets * 16), at: 112)
        put(UInt64(fieldTable), at: 120)
        put(UInt64(fieldBuckets * 16), at: 128)
    }

    /// Appends one entry: its `NAME=value` items in the order given (a payload repeated in the
    /// entry is linked once, as journald links it). False when the file could not grow.
    @discardableResult
    public mutating func append(seqnum: UInt64, realtime: UInt64, monotonic: UInt64, bootID: ID128,
                                items payloads: [UnsafeRawBufferPointer]) -> Bool {
        guard failure == nil else { return false }
        var items: [(offset: Int, hash: UInt64)] = []
        items.reserveCapacity(payloads.count)
        // A few items are checked against each other; many (up to journald's 1024) through a set.
        var linked = payloads.count > 32 ? Set<Int>(minimumCapacity: payloads.count) : nil
        var xor: UInt64 = 0
        for payload in payloads {
            guard let item = findOrAddData(payload) else { return false }
            if linked != nil {
                guard linked?.insert(item.offset).inserted == true else { continue }
            } else if items.contains(where: { $0.offset == item.offset }) {
                continue
            }
            items.append(item)
            xor ^= item.hash
        }
        guard let entry = allocate(.entry, payload: ObjectLayout.entryItems - ObjectLayout.headerSize + items.count * 16) else { return false }
        put(seqnum, at: entry + ObjectLayout.entrySeqnum)
        put(realtime, at: entry + ObjectLayout.entryRealtime)
        put(monotonic, at: entry + ObjectLayout.entryMonotonic)
        putID(bootID, at: entry + ObjectLayout.entryBootID)
        put(xor, at: entry + ObjectLayout.entryXorHash)
        for (i, item) in items.enumerated() {
            put(UInt64(item.offset), at: entry + ObjectLayout.entryItems + i * 16)
            put(item.hash, at: entry + ObjectLayout.entryItems + i * 16 + 8)
        }
        // Linked from the file's entry array, then from each DATA object's.
        guard link(entry, chainAt: 176, index: Int(counts.entries)) else { return false }
        for item in items {
            let n = u64(item.offset + ObjectLayout.dataNEntries)
            if n == 0 {
                put(UInt64(entry), at: item.offset + ObjectLayout.dataEntryOffset)
            } else {
                guard link(entry, chainAt: item.offset + ObjectLayout.dataEntryArrayOffset, index: Int(n - 1)) else { return false }
            }
            put(n + 1, at: item.offset + ObjectLayout.dataNEntries)
        }
        if counts.entries == 0 { head = (seqnum, realtime) }
        counts.entries += 1
        tail = (seqnum, realtime, monotonic, bootID)
        return true
    }

    /// Puts the file aside while others are written: its pages go from memory (they stay in
    /// the file) and so do its lookup tables. Nothing is appended to it after.
    public mutating func putAside() {
        box.releaseWritten()
        box.seal()
        releasedAt = end
        known = [:]
        tails = [:]
        failure = failure ?? "the file was put aside"
    }

    /// The file's size so far.
    public var size: Int { end }

    /// How many entries were written.
    public var entryCount: Int { Int(counts.entries) }

    /// The finished file's bytes (the header filled in, the file offline).
    public consuming func finish() -> SharedBytes {
        put(UInt64(end - Self.headerSize), at: 96)
        put(UInt64(tailObject), at: 136)
        put(counts.objects, at: 144)
        put(counts.entries, at: 152)
        put(tail.seqnum, at: 160)
        put(head.seqnum, at: 168)
        put(head.realtime, at: 184)
        put(tail.realtime, at: 192)
        put(tail.monotonic, at: 200)
        put(counts.data, at: 208)
        put(counts.fields, at: 216)
        put(0, at: 224)
        put(counts.arrays, at: 232)
        putID(tail.bootID, at: 56)
        box.markFilled(end)
        return SharedBytes(adopting: box)
    }

    // MARK: - Objects

    private mutating func findOrAddData(_ payload: UnsafeRawBufferPointer) -> (offset: Int, hash: UInt64)? {
        let hash = JournalHash.jenkins64(payload)
        let bucket = dataTable + Int(hash % UInt64(dataBuckets)) * 16
        let knownAt = known[hash]
        if let o = knownAt, payloadEquals(payload, at: o + ObjectLayout.dataPayloadRegular,
                                          size: Int(u64(o + 8)) - ObjectLayout.dataPayloadRegular) {
            return (o, hash)
        }
        // Not known (the table is full, or two values share a hash): the chain tells.
        if knownAt != nil || known.count >= knownLimit,
           let o = find(payload, hash: hash, bucket: bucket, hashAt: ObjectLayout.dataHash, nextAt: ObjectLayout.dataNextHash,
                        payloadAt: ObjectLayout.dataPayloadRegular) {
            return (o, hash)
        }
        let eq = payload.firstIndex(of: UInt8(ascii: "=")) ?? payload.count
        guard let field = findOrAddField(UnsafeRawBufferPointer(rebasing: payload[..<eq])),
              let data = allocate(.data, payload: ObjectLayout.dataPayloadRegular - ObjectLayout.headerSize + payload.count) else { return nil }
        put(hash, at: data + ObjectLayout.dataHash)
        copy(payload, to: data + ObjectLayout.dataPayloadRegular)
        // Appended to its hash chain (chains run forward through the file, which
        // `journalctl --verify` checks); put at the head of its field's list, as journald does.
        appendToChain(bucket: bucket, object: data, nextAt: ObjectLayout.dataNextHash)
        if knownAt == nil, known.count < knownLimit { known[hash] = data }
        put(u64(field + ObjectLayout.fieldHeadData), at: data + ObjectLayout.dataNextField)
        put(UInt64(data), at: field + ObjectLayout.fieldHeadData)
        counts.data += 1
        return (data, hash)
    }

    private mutating func findOrAddField(_ name: UnsafeRawBufferPointer) -> Int? {
        let hash = JournalHash.jenkins64(name)
        let bucket = fieldTable + Int(hash % UInt64(fieldBuckets)) * 16
        if let o = find(name, hash: hash, bucket: bucket, hashAt: ObjectLayout.fieldHash, nextAt: ObjectLayout.fieldNextHash,
                        payloadAt: ObjectLayout.fieldPayload) {
            return o
        }
        guard let field = allocate(.field, payload: ObjectLayout.fieldPayload - ObjectLayout.headerSize + name.count) else { return nil }
        put(hash, at: field + ObjectLayout.fieldHash)
        copy(name, to: field + ObjectLayout.fieldPayload)
        appendToChain(bucket: bucket, object: field, nextAt: ObjectLayout.fieldNextHash)
        counts.fields += 1
        return field
    }

    /// The object in `bucket`'s hash chain (linked at `nextAt`) with `hash` and `payload`.
    /// The writer made every chain, so they end.
    private func find(_ payload: UnsafeRawBufferPointer, hash: UInt64, bucket: Int, hashAt: Int, nextAt: Int, payloadAt: Int) -> Int? {
        var o = Int(u64(bucket))
        while o != 0 {
            if u64(o + hashAt) == hash, payloadEquals(payload, at: o + payloadAt, size: Int(u64(o + 8)) - payloadAt) { return o }
            o = Int(u64(o + nextAt))
        }
        return nil
    }

    /// Appends `object` to the end of `bucket`'s hash chain (linked at `nextAt`).
    private func appendToChain(bucket: Int, object: Int, nextAt: Int) {
        let last = Int(u64(bucket + 8))
        put(UInt64(object), at: last == 0 ? bucket : last + nextAt)
        put(UInt64(object), at: bucket + 8)
    }

    /// Puts `entry` at `index` of the chain of entry arrays whose first offset is stored at
    /// `slot`, adding the array it falls in when the chain ends before it.
    private mutating func link(_ entry: Int, chainAt firstSlot: Int, index: Int) -> Bool {
        var slot = firstSlot, capacity = Self.firstArrayCapacity, position = index
        if let tail = tails[firstSlot], index >= tail.first {
            (slot, capacity, position) = (tail.array + ObjectLayout.arrayNext, tail.capacity * 2, index - tail.first - tail.capacity)
            if index - tail.first < tail.capacity {
                put(UInt64(entry), at: tail.array + ObjectLayout.arrayItems + (index - tail.first) * 8)
                return true
            }
        }
        var first = index - position
        while true {
            let array = Int(u64(slot))
            if array == 0 {
                guard let new = allocate(.entryArray, payload: ObjectLayout.arrayItems - ObjectLayout.headerSize + capacity * 8) else { return false }
                put(UInt64(new), at: slot)
                put(UInt64(entry), at: new + ObjectLayout.arrayItems)
                counts.arrays += 1
                if index >= Self.tailedAfter { tails[firstSlot] = (new, capacity, first) }
                return true
            }
            if position < capacity {
                put(UInt64(entry), at: array + ObjectLayout.arrayItems + position * 8)
                if index >= Self.tailedAfter { tails[firstSlot] = (array, capacity, first) }
                return true
            }
            position -= capacity
            first += capacity
            capacity = capacity &* 2
            slot = array + ObjectLayout.arrayNext
        }
    }

    /// A zeroed object of `payload` bytes after its 16-byte header, 8-byte aligned.
    private mutating func allocate(_ type: ObjectType, payload: Int) -> Int? {
        let size = ObjectLayout.headerSize + payload
        let at = end
        let next = (at + size + 7) & ~7
        guard box.reserve(next) else {
            failure = box.failure ?? "cannot grow the journal file"
            return nil
        }
        base = Self.start(of: box)
        (base + at).initializeMemory(as: UInt8.self, repeating: 0, count: next - at)
        end = next
        box.markFilled(end)
        if end - releasedAt > releaseStep {
            box.releaseWritten()
            releasedAt = end
        }
        writeObjectHeader(at: at, type: type, size: size)
        tailObject = at
        counts.objects += 1
        return at
    }

    private func writeObjectHeader(at offset: Int, type: ObjectType, size: Int) {
        base.storeBytes(of: type.rawValue, toByteOffset: offset, as: UInt8.self)
        put(UInt64(size), at: offset + 8)
    }

    // MARK: - Bytes
    //
    // Every offset below was made by the writer inside what it reserved (`end`), never read
    // from input, so it needs no bounds check.

    /// Where `box`'s bytes start. Its storage always has an address (it is never empty); were
    /// it not to, the writer would write into a placeholder after `reserve` had failed.
    private static func start(of box: ExpandedBytes) -> UnsafeMutableRawPointer {
        box.withMutableBytes { $0.baseAddress } ?? placeholder
    }

    nonisolated(unsafe) private static let placeholder = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)

    private func u64(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    private func put(_ value: UInt64, at offset: Int) {
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
    }

    /// An ID's 16 bytes in the order they are printed.
    private func putID(_ id: ID128, at offset: Int) {
        base.storeBytes(of: id.high.bigEndian, toByteOffset: offset, as: UInt64.self)
        base.storeBytes(of: id.low.bigEndian, toByteOffset: offset + 8, as: UInt64.self)
    }

    private func copy(_ bytes: UnsafeRawBufferPointer, to offset: Int) {
        guard let from = bytes.baseAddress, !bytes.isEmpty else { return }
        (base + offset).copyMemory(from: from, byteCount: bytes.count)
    }

    private func payloadEquals(_ bytes: UnsafeRawBufferPointer, at offset: Int, size: Int) -> Bool {
        guard size == bytes.count else { return false }
        guard let other = bytes.baseAddress, !bytes.isEmpty else { return true }
        return memcmp(base + offset, other, bytes.count) == 0
    }
}
