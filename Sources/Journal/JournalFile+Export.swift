/// The export fast path: each DATA object is rendered to its export-format bytes once and
/// reused by every entry that references it, and the entry header is written digit by
/// digit, so that `postmortem export` does no per-field work after the first sighting.
extension JournalFile {
    /// Where an item's rendered bytes sit in `exportArena`; a negative count means
    /// "print nothing" (-1, the boot ID) or "lost" (-2). Plain integers, so a cache hit
    /// costs no reference counting.
    struct RenderedItem {
        var start: Int
        var count: Int
        static let skip = RenderedItem(start: 0, count: -1)
        static let bad = RenderedItem(start: 0, count: -2)
    }

    /// The rendered items of one file, owned by the export loop (not the file) so that the
    /// hot path works on a local value: no exclusivity checks or retains per item.
    struct ExportState {
        var cache = OffsetTable<RenderedItem>()
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
        for i in 0..<head.itemCount {
            guard let d = itemOffset(entry: head.offset, index: i) else { continue }
            var item: RenderedItem
            if let cached = state.cache.get(d) {
                item = cached
            } else {
                if state.arena.count > 64 << 20 {
                    // Bound the memory: start the cache afresh.
                    state.arena.removeAll(keepingCapacity: true)
                    state.cache.removeAll()
                }
                item = renderExportItem(d, entry: head.offset, index: i, arena: &state.arena)
                state.cache.set(d, item)
            }
            if item.count >= 0 {
                state.arena.withUnsafeBufferPointer { arena in
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: arena[item.start..<(item.start + item.count)]))
                }
            } else if item.count == RenderedItem.bad.count {
                health.itemsDropped += 1
            }
        }
        out.append(10)
    }

    private func renderExportItem(_ d: Int, entry: Int, index: Int, arena exportArena: inout [UInt8]) -> RenderedItem {
        switch dataPayload(at: d) {
        case .failure(let e):
            health.note(d, "entry at 0x\(String(entry, radix: 16)) item \(index): \(e.detail)")
            return .bad
        case .success(let payload):
            guard let eq = payload.firstIndex(of: UInt8(ascii: "=")), eq > 0 else {
                health.note(d, "entry at 0x\(String(entry, radix: 16)) item \(index): DATA payload has no field name")
                return .bad
            }
            if payload.starts(with: Self.bootField) { return .skip }
            let start = exportArena.count
            if ExportFormat.isPrintable(payload, allowNewline: false) {
                exportArena.append(contentsOf: payload)
            } else {
                exportArena.append(contentsOf: payload[..<eq])
                exportArena.append(10)
                withUnsafeBytes(of: UInt64(payload.count - eq - 1).littleEndian) { exportArena.append(contentsOf: $0) }
                exportArena.append(contentsOf: payload[(eq + 1)...])
            }
            exportArena.append(10)
            return RenderedItem(start: start, count: exportArena.count - start)
        }
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
