import Compression

/// The header values of one ENTRY object, read without touching its items: enough to
/// order entries across files.
struct EntryHead: Sendable {
    var offset: Int
    var seqnum: UInt64
    var realtime: UInt64
    var monotonic: UInt64
    var bootID: ID128
    var xorHash: UInt64
    var itemCount: Int
}

/// One journal file: its header checked, its bytes mapped, its objects read on demand
/// with every offset, size and type checked. Reading never throws past `init`: problems
/// go into `health`.
public final class JournalFile: @unchecked Sendable {
    public let path: String
    /// The journalctl text this file was made from (`JournalTextImport`), when it was.
    public let madeFrom: JournalTextOrigin?
    public let header: JournalHeader
    private let storage: MappedFile
    /// The usable bytes: the file, clamped to `header_size + arena_size`.
    let bytes: UnsafeRawBufferPointer
    let isCompact: Bool
    let itemSize: Int
    let dataPayloadOffset: Int
    // The state below is touched for every entry read. A file is read by one thread at a time
    // and no access to it spans a call back into the reader, so the runtime's exclusivity
    // checks (a few percent of a whole read) are left out for it.
    @exclusivity(unchecked) public internal(set) var health: FileHealth
    @exclusivity(unchecked) private var dataCache = OffsetTable<CachedData>()
    @exclusivity(unchecked) private var cacheSelectionKey: Int = -1
    /// Decompressed bytes the cache holds: bounded, so that a file of large compressed values
    /// cannot fill memory, while one large value many entries share is kept once.
    @exclusivity(unchecked) private var dataCacheBytes = 0
    static let dataCacheLimit = 64 << 20
    /// DATA objects whose hash has been checked (each is checked once per file).
    @exclusivity(unchecked) var verified: OffsetBits
    /// Payload bytes `itemsEnd` may still hash in this file.
    var xorCheckBytesLeft = 64 << 20
    /// The seqnum ID as cursors print it, made once.
    let seqnumHexBytes: [UInt8]

    /// Opens and maps `path`; throws only when it is not a journal file at all or its
    /// header cannot be used.
    public convenience init(path: String) throws(JournalError) {
        try self.init(path: path, storage: MappedFile(path: path))
    }

    /// A journal file held in memory (an archive member); `name` is used in messages.
    public convenience init(name: String, bytes: [UInt8]) throws(JournalError) {
        try self.init(path: name, storage: MappedFile(bytes: bytes))
    }

    /// A journal file lying at `range` of shared bytes (an archive member), read in place.
    public convenience init(name: String, shared: SharedBytes, range: Range<Int>, madeFrom: JournalTextOrigin? = nil) throws(JournalError) {
        guard let slice = MappedFile(slice: shared.file, range: range) else {
            throw JournalError(.truncated, path: name, offset: range.lowerBound,
                               detail: "member range \(range) lies outside the \(shared.count) bytes held")
        }
        try self.init(path: name, storage: slice, madeFrom: madeFrom)
    }

    private init(path: String, storage: MappedFile, madeFrom: JournalTextOrigin? = nil) throws(JournalError) {
        self.path = path
        self.madeFrom = madeFrom
        self.storage = storage
        let all = storage.bytes
        header = try JournalHeader(bytes: all, path: path)
        isCompact = header.isCompact
        itemSize = isCompact ? 4 : 16
        dataPayloadOffset = isCompact ? ObjectLayout.dataPayloadCompact : ObjectLayout.dataPayloadRegular
        let declared = UInt64(header.headerSize).addingReportingOverflow(header.arenaSize)
        let declaredSize = declared.overflow ? UInt64.max : declared.partialValue
        let usable = declaredSize < UInt64(all.count) ? Int(declaredSize) : all.count
        bytes = all.slice(0, usable) ?? all
        seqnumHexBytes = Array(header.seqnumID.description.utf8)
        verified = OffsetBits(fileSize: bytes.count)
        health = Self.initialHealth(path: path, header: header, fileSize: all.count)
        try checkLayout()
        // The kernel maps the pages around each one looked at (64 KiB): the few objects the
        // check above reads would keep a megabyte or more of every file mapped until the file
        // is read, which for a set of hundreds of files is most of the memory an analysis uses.
        storage.adviseDone()
    }

    /// The health of a file not read yet: what its header and size say.
    private static func initialHealth(path: String, header: JournalHeader, fileSize: Int) -> FileHealth {
        let declared = UInt64(header.headerSize).addingReportingOverflow(header.arenaSize)
        var h = FileHealth(path: path, state: header.state, fileSize: fileSize,
                           declaredSize: declared.overflow ? UInt64.max : declared.partialValue, headerEntries: header.nEntries)
        if h.missingBytes > 0 {
            h.note(fileSize, "file ends \(h.missingBytes) bytes before the end its header declares (torn or cut)")
        }
        return h
    }

    /// Forgets what reading found, before the file is read through again.
    func resetHealth() {
        health = Self.initialHealth(path: path, header: header, fileSize: health.fileSize)
    }

    public var machineID: ID128 { header.machineID }
    public var seqnumID: ID128 { header.seqnumID }

    // MARK: objects

    /// Checks that a whole object of `type` starts at `offset`; returns its size.
    @inline(__always)
    func objectSize(at offset: Int, type: ObjectType) -> Int? {
        guard offset >= header.headerSize, offset & 7 == 0,
              let t = bytes.u8(offset), t == type.rawValue,
              let raw = bytes.u64(offset + 8), let size = Int(exactly: raw),
              size >= ObjectLayout.headerSize, size <= bytes.count &- offset else { return nil }
        return size
    }

    /// Reads and validates the ENTRY object at `offset` the way sd-journal does. An entry
    /// cut by the end of the file keeps the items that reached the disk, provided its
    /// fixed part (seqnum, times, boot ID, hash) is whole.
    func entryHead(at offset: Int) -> EntryHead? {
        guard offset >= header.headerSize, offset & 7 == 0, bytes.u8(offset) == ObjectType.entry.rawValue,
              let raw = bytes.u64(offset + 8), let size = Int(exactly: raw), size > ObjectLayout.entryItems,
              (size - ObjectLayout.entryItems) % itemSize == 0,
              offset <= bytes.count &- ObjectLayout.entryItems,
              let seqnum = bytes.u64(offset + ObjectLayout.entrySeqnum), seqnum > 0,
              let realtime = bytes.u64(offset + ObjectLayout.entryRealtime),
              realtime > 0, realtime < ObjectLayout.timestampLimit,
              let monotonic = bytes.u64(offset + ObjectLayout.entryMonotonic), monotonic < ObjectLayout.timestampLimit,
              let xor = bytes.u64(offset + ObjectLayout.entryXorHash) else { return nil }
        let declaredItems = (size - ObjectLayout.entryItems) / itemSize
        let fitting = (bytes.count - offset - ObjectLayout.entryItems) / itemSize
        if fitting < declaredItems {
            guard fitting > 0 else { return nil }
            health.itemsDropped += declaredItems - fitting
            health.note(offset, "entry cut by the end of the file: \(fitting) of \(declaredItems) items kept")
        }
        return EntryHead(offset: offset, seqnum: seqnum, realtime: realtime, monotonic: monotonic,
                         bootID: ID128(bytes: bytes, at: offset + ObjectLayout.entryBootID), xorHash: xor,
                         itemCount: min(declaredItems, fitting))
    }

    /// The DATA offset of item `index` of the entry at `entryOffset` (already validated).
    @inline(__always)
    func itemOffset(entry entryOffset: Int, index: Int) -> Int? {
        let at = entryOffset + ObjectLayout.entryItems + index * itemSize
        if isCompact { return bytes.u32(at).map { Int($0) } }
        return bytes.u64(at).flatMap { Int(exactly: $0) }
    }

    /// The payload (`FIELD=value`) of an uncompressed DATA object, where it lies in the
    /// mapping: no copy. `nil` for a compressed or invalid object (use `dataPayload`).
    @inline(__always)
    func inPlacePayload(at offset: Int) -> UnsafeRawBufferPointer? {
        guard let size = objectSize(at: offset, type: .data), let flags = bytes.u8(offset + 1), flags & 7 == 0,
              size > dataPayloadOffset else { return nil }
        return bytes.slice(offset + dataPayloadOffset, size - dataPayloadOffset)
    }

    /// Whether a DATA object is worth a slot in a per-file cache (the scan's, the export's):
    /// only when many entries share it. A value one or a few entries carry (a PID, a counter,
    /// an invocation ID) is cheaper to read again where it lies, next to the entries that use
    /// it, than to look up in a table it would fill and push out of the processor's cache.
    /// Decompressing again is not cheap: then any reuse counts. A wrong count in a torn file
    /// costs speed, not results.
    @inline(__always)
    func worthCaching(dataAt offset: Int, compressed: Bool) -> Bool {
        (bytes.u64(offset + ObjectLayout.dataNEntries) ?? 2) > (compressed ? 1 : 16)
    }

    /// The payload (`FIELD=value`) of the DATA object at `offset`, decompressed.
    func dataPayload(at offset: Int) -> Result<[UInt8], JournalError> {
        guard let size = objectSize(at: offset, type: .data) else {
            return .failure(JournalError(.badObject, path: path, offset: offset, detail: "item points at no valid DATA object"))
        }
        guard size > dataPayloadOffset, let raw = bytes.slice(offset + dataPayloadOffset, size - dataPayloadOffset),
              let flags = bytes.u8(offset + 1) else {
            return .failure(JournalError(.badObject, path: path, offset: offset, detail: "DATA object of \(size) bytes has no payload"))
        }
        let algorithm: CompressionAlgorithm?
        switch flags & 7 {
        case 0: algorithm = nil
        case ObjectLayout.compressedXZ: algorithm = .xz
        case ObjectLayout.compressedLZ4: algorithm = .lz4
        case ObjectLayout.compressedZSTD: algorithm = .zstd
        default:
            return .failure(JournalError(.badObject, path: path, offset: offset, detail: "DATA object has conflicting compression flags 0x\(String(flags, radix: 16))"))
        }
        guard let algorithm else { return .success([UInt8](raw)) }
        do {
            return .success(try algorithm.decompress(raw, limit: ObjectLayout.maxPayload))
        } catch {
            return .failure(JournalError(.decompression, path: path, offset: offset, detail: error.description))
        }
    }

    // MARK: entries

    /// Decodes the entry whose head was read, keeping only the selected fields.
    func decode(_ head: EntryHead, fileIndex: Int, selection: FieldSelection, selected: SelectedNames,
                selectionKey: Int) -> JournalEntry {
        if selectionKey != cacheSelectionKey {
            dataCache.removeAll()
            dataCacheBytes = 0
            cacheSelectionKey = selectionKey
        }
        var fields: [JournalField] = []
        fields.reserveCapacity(selection.isAll ? head.itemCount : 8)
        var checked = false
        for i in 0..<head.itemCount {
            // DATA objects are written before the entry that uses them: an item past the entry
            // is not one of its own.
            guard let dataOffset = itemOffset(entry: head.offset, index: i), dataOffset < head.offset else {
                if itemsEndOnce(head, at: i, checked: &checked) { noteForeignItems(head, from: i); break }
                health.itemsDropped += 1
                health.note(head.offset, "entry item \(i) points past the entry itself")
                continue
            }
            if let cached = dataCache.get(dataOffset) {
                switch cached {
                case .field(let f): fields.append(f)
                case .skip: break
                case .bad:
                    if itemsEndOnce(head, at: i, checked: &checked) { noteForeignItems(head, from: i); return entry(head, fields, fileIndex) }
                    health.itemsDropped += 1
                }
                continue
            }
            let resolved = resolve(dataOffset, selection: selection, selected: selected)
            if case .field(let f) = resolved {
                if dataCacheBytes + f.value.count > Self.dataCacheLimit {
                    // Emptied before, not after: the value just read stays shared by the entries after.
                    dataCache.removeAll()
                    dataCacheBytes = 0
                }
                dataCacheBytes += f.value.count
            }
            dataCache.set(dataOffset, resolved)
            switch resolved {
            case .field(let f): fields.append(f)
            case .skip: break
            case .bad(let reason):
                if itemsEndOnce(head, at: i, checked: &checked) { noteForeignItems(head, from: i); return entry(head, fields, fileIndex) }
                health.itemsDropped += 1
                health.note(dataOffset, "entry at 0x\(hex(head.offset)) item \(i): \(reason)")
            }
        }
        return entry(head, fields, fileIndex)
    }

    private func entry(_ head: EntryHead, _ fields: [JournalField], _ fileIndex: Int) -> JournalEntry {
        JournalEntry(seqnum: head.seqnum, seqnumID: header.seqnumID, realtime: head.realtime,
                     monotonic: head.monotonic, bootID: head.bootID, xorHash: head.xorHash, fields: fields,
                     location: EntryLocation(file: fileIndex, offset: head.offset))
    }

    private func resolve(_ dataOffset: Int, selection: FieldSelection, selected: SelectedNames) -> CachedData {
        let only = !selection.isAll
        // Reading the field name of an uncompressed object needs no copy: check it first.
        if let raw = inPlacePayload(at: dataOffset) {
            guard let eq = Self.fieldNameEnd(raw) else { return .bad("DATA payload has no valid field name") }
            if only {
                guard let name = raw.slice(0, eq), let slot = selected.slot(name) else { return .skip }
                verifyHashOnce(dataAt: dataOffset, payload: raw)
                return .field(JournalField(name: selected.names[slot], value: [UInt8](raw[(eq + 1)...]), slot: slot))
            }
            verifyHashOnce(dataAt: dataOffset, payload: raw)
            return .field(JournalField(name: String(decoding: raw[..<eq], as: UTF8.self), value: [UInt8](raw[(eq + 1)...])))
        }
        switch dataPayload(at: dataOffset) {
        case .failure(let e): return .bad(e.detail)
        case .success(let payload):
            return payload.withUnsafeBytes { raw -> CachedData in
                guard let eq = Self.fieldNameEnd(raw) else { return .bad("DATA payload has no valid field name") }
                if only {
                    guard let slot = raw.slice(0, eq).flatMap({ selected.slot($0) }) else { return .skip }
                    verifyHashOnce(dataAt: dataOffset, payload: raw)
                    return .field(JournalField(name: selected.names[slot], value: Array(payload[(eq + 1)...]), slot: slot))
                }
                verifyHashOnce(dataAt: dataOffset, payload: raw)
                return .field(JournalField(name: String(decoding: raw[..<eq], as: UTF8.self), value: Array(payload[(eq + 1)...])))
            }
        }
    }

    /// Forgets cached DATA objects and tells the kernel the pages can go: called when a
    /// file has been read to the end, so memory does not grow with the number of files.
    func finishedReading() {
        dataCache = OffsetTable()
        dataCacheBytes = 0
        noteShrinking()
        storage.adviseDone()
    }

    func startedReading() { storage.adviseSequential(within: objectsRead) }

    /// The part of the file a scan reads: past the hash tables (journald makes them a tenth of
    /// a file, and a scan never looks them up) and up to the end of the tail object (an archived
    /// file is allocated in whole chunks, its end often unused). The whole file when the header
    /// does not say this plainly; only a hint to the kernel, so a wrong range costs time, not data.
    private var objectsRead: Range<Int> {
        func end(_ offset: UInt64, _ size: UInt64) -> Int? {
            let (e, overflow) = offset.addingReportingOverflow(size)
            return overflow ? nil : Int(exactly: e)
        }
        let all = 0..<bytes.count
        guard let data = end(header.dataHashTableOffset, header.dataHashTableSize),
              let field = end(header.fieldHashTableOffset, header.fieldHashTableSize) else { return all }
        let lower = max(data, field, header.headerSize)
        var upper = bytes.count
        if let tail = tailObject, tail.lowerBound >= lower { upper = tail.upperBound }
        return lower < upper ? lower..<upper : all
    }

    /// The header's tail object, when it lies inside the file.
    private var tailObject: Range<Int>? {
        guard let tail = Int(exactly: header.tailObjectOffset), tail >= 0,
              let size = bytes.u64(tail &+ 8).flatMap({ Int(exactly: $0) }), size <= bytes.count &- tail else { return nil }
        return tail..<(tail + size)
    }

    /// Where the look for entries past the last linked one stops. journald archives a file
    /// (sets `ARCHIVED` in its header) only after writing and syncing everything in it, so the
    /// header's tail object ends its objects there: the megabytes of zeros journald allocated
    /// past it are not read. Any other file (left online by a crash, offline, or unknown) is
    /// searched to its end, where a crash may have left objects the header never counted.
    var tailScanEnd: Int {
        guard header.state == .archived, let end = tailObject?.upperBound else { return bytes.count }
        let (aligned, overflow) = end.addingReportingOverflow(7)
        return overflow ? bytes.count : min(bytes.count, aligned & ~7)
    }

    /// Says once, in the file's health, that the file was cut short while it was read.
    func noteShrinking() {
        guard !health.cutShortNoted, let at = storage.shrunkAt else { return }
        health.cutShortNoted = true
        health.note(at, "the file was cut short while it was read (another program truncated or rewrote it): "
                    + "its bytes from here were read as zeros, and what they held is lost")
    }
}

enum CachedData {
    case field(JournalField)
    case skip
    case bad(String)
}

extension FieldSelection {
    var isAll: Bool {
        if case .all = self { return true }
        return false
    }
}
