import Foundation
import TestSupport
import Compression

/// Rewrites the uncompressed DATA objects of a journal file (over 64 bytes of payload)
/// as XZ or LZ4 objects in place, the way older journald wrote them, so the reader's
/// XZ and LZ4 paths meet real files that journalctl also reads. The object keeps its
/// offset; only its payload shrinks (its size field is reduced), so every link stays valid.
enum Recompressor {
    static func rewrite(_ source: String, to destination: String, algorithm: String) throws -> Int {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        func u64(_ o: Int) -> UInt64 { bytes[o..<o + 8].enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) } }
        func put64(_ o: Int, _ v: UInt64) { for i in 0..<8 { bytes[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) } }
        let headerSize = Int(u64(88))
        let compact = (bytes[12] & 16) != 0
        let payloadAt = compact ? 72 : 64
        var offset = headerSize
        var changed = 0
        let flag: UInt8 = algorithm == "xz" ? 1 : 2
        while offset + 16 <= bytes.count {
            let type = bytes[offset]
            let size = Int(u64(offset + 8))
            if type == 0 || size < 16 { break }
            if type == 1, bytes[offset + 1] == 0, size - payloadAt > 64 {
                let payload = Array(bytes[(offset + payloadAt)..<(offset + size)])
                let packed = try compress(payload, algorithm)
                if packed.count < payload.count {
                    bytes.replaceSubrange((offset + payloadAt)..<(offset + payloadAt + packed.count), with: packed)
                    bytes[offset + 1] = flag
                    put64(offset + 8, UInt64(payloadAt + packed.count))
                    changed += 1
                    offset += (size + 7) & ~7
                    continue
                }
            }
            offset += (size + 7) & ~7
        }
        bytes[12] |= flag  // COMPRESSED_XZ = 1, COMPRESSED_LZ4 = 2 in the header too
        try Data(bytes).write(to: URL(fileURLWithPath: destination))
        return changed
    }

    private static func compress(_ payload: [UInt8], _ algorithm: String) throws -> [UInt8] {
        if algorithm == "lz4" { return LZ4.compressJournalPayload(payload) }
        let dir = TestPaths.scratch("xz")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(payload).write(to: URL(fileURLWithPath: dir + "/p"))
        let r = try Command.shell("xz -c --check=crc64 \(dir)/p")
        guard r.status == 0 else { throw TestSupportError("xz failed: \(r.stderrText)") }
        return r.stdout
    }
}
