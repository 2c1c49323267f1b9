/// The export fast path: each DATA object is rendered to its export-format bytes once and
/// reused by every entry that references it, and the entry header is written digit by
/// digit, so that `postmortem export` does no per-field work after the first sighting.
extension JournalFile {
    /// The rendered items of one file, owned by the export loop (not the file) so that the
    /// hot path works on a local value: no exclusivity checks or retains per item. An item's
    /// rendering is a span of `arena` in `cache` (`ValueSpan.skipped` for the boot ID, which
    /// the entry header prints, and `.broken` for a lost one).
    struct ExportState {
        var cache = SpanTable(capacity: 1 << 12)
        var arena: [UInt8] = []

        /// Empties the state for another file, keeping the memory.
        mutating func reset() {
            cache.removeAll()
            arena.removeAll(keepingCapacity: true)
        }
    }

    func appendExport(_ head: EntryHead, state: inout ExportState, into out: inout [UInt8], bootHex: inout (ID128, [UInt8])) {
        if bootHex.0 != head.bootID || bootHex.1.isEmpty { bootHex = (head.bootID, Array(head.bootID.description.utf8)) }
        out.append(contentsOf: Self.cursorPrefix)
        out.append(contentsOf: seqnumHexBytes)
        out.append(contentsOf: Self.iPart); appendHex(head.seqnum, &out)
        out.append(contentsOf: Self.bPart); out.append(contentsOf: bootHex.1)
        out.append(contentsOf: Self.mPart); appendHex(head.monotonic, &out)
        out.append(contentsOf: Self.tPart); appendHex(head.realtime, &out)
        out.append(contentsOf: Self.xPart); appendHex(head.xorHash, &out)
        out.append(contentsOf: Self.realtimePrefix); appendDecimal(head.realtime, &out)
        out.append(contentsOf: Self.monotonicPrefix); appendDecimal(head.monotonic, &out)
        out.append(contentsOf: Self.bootPrefix); out.append(contentsOf: bootHex.1); out.append(10)
        var checked = false
        items: for i in 0..<head.itemCount {
            // DATA objects precede the entries that use them; anything else is not this entry's.
            guard let d = itemOffset(entry: head.offset, index: i), d < head.offset else {
                if itemsEndOnce(head, at: i, checked: &checked) { noteForeignItems(head, from: i); break }
                health.itemsDropped += 1
                health.note(head.offset, "entry item \(i) points past the entry itself")
                continue
            }
            if let cached = state.cache.get(d) {
                if cached.slot >= 0 {
                    state.arena.withUnsafeBytes { arena in
                        if let r = arena.slice(cached.start, cached.count) { out.append(contentsOf: r) }
                    }
                } else if cached.slot == ValueSpan.bad {
                    if itemsEndOnce(head, at: i, checked: &checked) { noteForeignItems(head, from: i); break }
                    health.itemsDropped += 1
                }
                continue
            }
            // Only values many entries share are rendered once and kept; the others go straight
            // from the file to the output. An unreadable one is always kept, so that it is
            // reported once.
            guard worthCaching(dataAt: d, compressed: (bytes.u8(d + 1) ?? 0) & 7 != 0) else {
                if renderExportItem(d, entry: head.offset, index: i, into: &out) == nil {
                    state.cache.set(d, .broken)
                    if itemsEndOnce(head, at: i, checked: &checked) { noteForeignItems(head, from: i); break }
                    health.itemsDropped += 1
                }
                continue
            }
            if state.arena.count > 64 << 20 {
                // Bound the memory: start the cache afresh.
                state.arena.removeAll(keepingCapacity: state.arena.capacity <= 128 << 20)
                state.cache.removeAll()
            }
            let start = state.arena.count
            switch renderExportItem(d, entry: head.offset, index: i, into: &state.arena) {
            case true?:
                let count = state.arena.count - start
                state.cache.set(d, ValueSpan(start: start, count: count, slot: 0, inflated: false))
                state.arena.withUnsafeBytes { arena in
                    if let r = arena.slice(start, count) { out.append(contentsOf: r) }
                }
            case false?:
                state.cache.set(d, .skipped)
            case nil:
                state.cache.set(d, .broken)
                if itemsEndOnce(head, at: i, checked: &checked) { noteForeignItems(head, from: i); break items }
                health.itemsDropped += 1
            }
        }
        out.append(10)
    }

    /// Appends the export form of the DATA object at `d` (`NAME=value\n`, or the binary form)
    /// to `out`. True when written, false for the boot ID (printed with the header), `nil`
    /// when the object is unreadable (noted in `health`).
    private func renderExportItem(_ d: Int, entry: Int, index: Int, into out: inout [UInt8]) -> Bool? {
        func bad(_ reason: String) -> Bool? {
            health.note(d, "entry at 0x\(hex(entry)) item \(index): \(reason)")
            return nil
        }
        // An uncompressed value is rendered from where it lies; a compressed one is inflated first.
        if let raw = inPlacePayload(at: d) {
            guard let written = Self.render(raw, into: &out) else { return bad("DATA payload has no valid field name") }
            if written { verifyHashOnce(dataAt: d, payload: raw) }
            return written
        }
        switch dataPayload(at: d) {
        case .failure(let e): return bad(e.detail)
        case .success(let payload):
            return payload.withUnsafeBytes { raw in
                guard let written = Self.render(raw, into: &out) else { return bad("DATA payload has no valid field name") }
                if written { verifyHashOnce(dataAt: d, payload: raw) }
                return written
            }
        }
    }

    /// `FIELD=value` as export format prints it; `nil` when there is no field name.
    private static func render(_ payload: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool? {
        guard let eq = fieldNameEnd(payload) else { return nil }
        if payload.count >= bootField.count, bootField.indices.allSatisfy({ payload[$0] == bootField[$0] }) { return false }
        if ExportFormat.isPrintable(payload, allowNewline: false) {
            out.append(contentsOf: payload)
        } else {
            out.append(contentsOf: payload[..<eq])
            out.append(10)
            withUnsafeBytes(of: UInt64(payload.count - eq - 1).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: payload[(eq + 1)...])
        }
        out.append(10)
        return true
    }


    static let cursorPrefix = Array("__CURSOR=s=".utf8)
    static let iPart = Array(";i=".utf8)
    static let bPart = Array(";b=".utf8)
    static let mPart = Array(";m=".utf8)
    static let tPart = Array(";t=".utf8)
    static let xPart = Array(";x=".utf8)
    static let realtimePrefix = Array("\n__REALTIME_TIMESTAMP=".utf8)
    static let monotonicPrefix = Array("\n__MONOTONIC_TIMESTAMP=".utf8)
    static let bootPrefix = Array("\n_BOOT_ID=".utf8)
    static let bootField = Array("_BOOT_ID=".utf8)
}

private let hexDigits = Array("0123456789abcdef".utf8)

@inline(__always)
func appendHex(_ v: UInt64, _ out: inout [UInt8]) {
    if v == 0 { out.append(UInt8(ascii: "0")); return }
    var shift = (63 - v.leadingZeroBitCount) / 4 * 4
    while shift >= 0 {
        out.append(hexDigits[Int((v >> UInt64(shift)) & 0xF)])
        shift -= 4
    }
}

@inline(__always)
func appendDecimal(_ v: UInt64, _ out: inout [UInt8]) {
    if v == 0 { out.append(UInt8(ascii: "0")); return }
    var digits: (UInt64, Int) = (1, 0)
    while digits.0 <= v / 10 { digits.0 *= 10; digits.1 += 1 }
    var rest = v
    var p = digits.0
    while p > 0 {
        out.append(UInt8(ascii: "0") + UInt8(rest / p))
        rest %= p
        p /= 10
    }
}
