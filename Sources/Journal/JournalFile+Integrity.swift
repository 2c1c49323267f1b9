/// The checks that keep the reader from inventing data: a DATA payload against its stored
/// hash, field names against journald's rules, an entry's items against the entry's own
/// `xor_hash`, and the header's layout flag against the objects it describes.
extension JournalFile {
    /// The index of the `=` that ends a valid field name at the start of `payload`, or
    /// `nil` when there is none or the name breaks journald's rules (`journal_field_valid`:
    /// 1…64 characters of `A-Z`, `0-9` and `_`, not starting with a digit). journald and
    /// journal-remote refuse such names, so one in a file means the bytes are not a payload
    /// (a wrong layout, or an offset into the middle of an object).
    @inline(__always)
    static func fieldNameEnd(_ payload: UnsafeRawBufferPointer) -> Int? {
        let n = min(payload.count, 65)
        var i = 0
        while i < n {
            let c = payload[i]
            if c == UInt8(ascii: "=") { return i > 0 ? i : nil }
            let upper = c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")
            let digit = c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
            guard upper || c == UInt8(ascii: "_") || (digit && i > 0) else { return nil }
            i += 1
        }
        return nil
    }

    /// Checks, once per DATA object, that `payload` (decompressed) hashes to the value the
    /// writer stored with it. A mismatch is counted and noted; the value is kept, because
    /// journalctl (252) prints it unchanged (two corpus files hold such objects).
    @inline(__always)
    func verifyHashOnce(dataAt offset: Int, payload: UnsafeRawBufferPointer) {
        guard verified.insert(offset) else { return }
        guard let stored = bytes.u64(offset + ObjectLayout.dataHash) else { return }
        if hash(payload) != stored {
            health.hashMismatches += 1
            health.note(offset, "DATA payload does not match its stored hash (kept, as journalctl keeps it)")
        }
    }

    /// Whether item `index` of the entry is where its own items end: called at the first item
    /// that points at no usable DATA object. An ENTRY whose size field was enlarged reads the
    /// objects after it as further items; the entry's `xor_hash` (the XOR of the Jenkins
    /// hashes of its payloads, always Jenkins) tells: when the items before this one already
    /// give it, the rest are not the entry's. Reading is bounded: payloads past `budget`
    /// bytes are not decompressed again for this check (then it answers false, and the bad
    /// item is skipped as journalctl skips it).
    func itemsEnd(_ head: EntryHead, at index: Int, budget: Int = 1 << 20) -> Bool {
        // Asked once per damaged entry (callers see to that), and within a budget per file:
        // a file of many damaged entries with large items cannot make this a CPU bomb.
        guard index > 0, xorCheckBytesLeft > 0 else { return false }
        var x: UInt64 = 0
        var spent = 0
        for i in 0..<index {
            guard let d = itemOffset(entry: head.offset, index: i), d < head.offset,
                  let size = objectSize(at: d, type: .data) else { continue }
            if !header.isKeyedHash {
                // Without KEYED_HASH the stored hash is the Jenkins hash the writer XORed.
                guard let stored = bytes.u64(d + ObjectLayout.dataHash) else { return false }
                x ^= stored
                continue
            }
            spent += size
            xorCheckBytesLeft -= size
            guard spent <= budget else { return false }
            if let raw = inPlacePayload(at: d) {
                x ^= JournalHash.jenkins64(raw)
            } else if case .success(let payload) = dataPayload(at: d) {
                spent += payload.count
                xorCheckBytesLeft -= payload.count
                guard spent <= budget else { return false }
                x ^= payload.withUnsafeBytes { JournalHash.jenkins64($0) }
            }
        }
        return x == head.xorHash
    }

    /// `itemsEnd` once per entry: at the first bad item only, so that an entry of many bad
    /// items costs one check, not one per item.
    @inline(__always)
    func itemsEndOnce(_ head: EntryHead, at index: Int, checked: inout Bool) -> Bool {
        if checked { return false }
        checked = true
        return itemsEnd(head, at: index)
    }

    /// Notes the items an entry's size claims past its own (see `itemsEnd`).
    func noteForeignItems(_ head: EntryHead, from index: Int) {
        health.entriesOversized += 1
        health.note(head.offset, "entry's size claims \(head.itemCount) items but its hash covers the first \(index): "
                    + "the rest are bytes of the objects after it, not read")
    }

    /// Checks the header's COMPACT flag against the objects: the field hash table's FIELD
    /// objects (the same in both layouts) name the first DATA object of their field, whose
    /// payload must begin with `NAME=` where the layout puts it. When it never does there
    /// but does at the other layout's place, the flag is wrong and reading would rename
    /// every field (`SYSLOG_FACILITY` as `ACILITY`): the file is refused, as journalctl
    /// fails on it.
    func checkLayout() throws(JournalError) {
        guard let start = Int(exactly: header.fieldHashTableOffset), let size = Int(exactly: header.fieldHashTableSize),
              start >= header.headerSize, start & 7 == 0, size >= 16, size <= bytes.count &- start else { return }
        let other = isCompact ? ObjectLayout.dataPayloadRegular : ObjectLayout.dataPayloadCompact
        var declaredFits = 0, otherFits = 0, probed = 0
        var bucket = 0
        // A few FIELD objects suffice; the walk is bounded by buckets and by probes.
        while bucket < size / 16, probed < 16, bucket < 1 << 16 {
            defer { bucket += 1 }
            guard let f = bytes.u64(start + bucket * 16).flatMap(offset), f != 0,
                  let fsize = objectSize(at: f, type: .field), fsize > ObjectLayout.fieldPayload,
                  let name = bytes.slice(f + ObjectLayout.fieldPayload, fsize - ObjectLayout.fieldPayload),
                  let d = bytes.u64(f + ObjectLayout.fieldHeadData).flatMap(offset),
                  let dsize = objectSize(at: d, type: .data), bytes.u8(d + 1).map({ $0 & 7 == 0 }) == true else { continue }
            probed += 1
            func fits(_ payloadOffset: Int) -> Bool {
                guard dsize > payloadOffset + name.count,
                      let p = bytes.slice(d + payloadOffset, name.count + 1) else { return false }
                return p.prefix(name.count).elementsEqual(name) && p[name.count] == UInt8(ascii: "=")
            }
            if fits(dataPayloadOffset) {
                // The declared layout holds: nothing left to decide (each probe is a page fault,
                // and a journal of hundreds of files pays them all before reading an entry).
                declaredFits += 1
                break
            }
            if fits(other) { otherFits += 1 }
        }
        if declaredFits == 0 && otherFits > 0 {
            let says = isCompact ? "sets COMPACT" : "does not set COMPACT"
            let layout = isCompact ? "regular" : "compact"
            throw JournalError(.badHeader, path: path, offset: 12,
                               detail: "the header \(says), but its DATA objects are in the \(layout) layout "
                                   + "(\(otherFits) of \(probed) probed): the flag is damaged, so fields would be misread; not read")
        }
    }
}

/// A set of object offsets (multiples of 8) as one bit each: which DATA objects have had
/// their hash checked. The bits come in pages of 4 KiB (256 KiB of file each), allocated when
/// first used: reading only a boot's edges in each of 178 files must not zero a bitmap of
/// 1/64 of every file (90 MB for a 5.6 GB journal).
struct OffsetBits {
    private var pages: [[UInt64]] = []
    private let limit: Int
    private static var wordsPerPage: Int { 512 }

    init(fileSize: Int) { limit = fileSize }

    /// Adds `offset`; false when it was already there.
    @inline(__always)
    mutating func insert(_ offset: Int) -> Bool {
        guard offset >= 0, offset < limit else { return false }
        let bit = offset >> 3
        let w = bit >> 6
        let page = w / Self.wordsPerPage, word = w % Self.wordsPerPage
        if pages.isEmpty { pages = Array(repeating: [], count: (limit >> 9) / Self.wordsPerPage + 1) }
        guard page < pages.count else { return false }
        if pages[page].isEmpty { pages[page] = Array(repeating: 0, count: Self.wordsPerPage) }
        let mask: UInt64 = 1 << UInt64(bit & 63)
        if pages[page][word] & mask != 0 { return false }
        pages[page][word] |= mask
        return true
    }

    mutating func removeAll() { pages = [] }
}
