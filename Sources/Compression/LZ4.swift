import CLZ4

/// LZ4 blocks as journald stores them (`COMPRESSED_LZ4`): an 8-byte little-endian
/// uncompressed size, then one raw LZ4 block. The only file that touches liblz4.
public enum LZ4 {
    /// Expands a journald LZ4 payload; fails when the size prefix passes `limit` or the block is corrupt.
    public static func decompressJournalPayload(_ input: UnsafeRawBufferPointer, limit: Int) throws(CompressionError) -> [UInt8] {
        guard input.count >= 8 else {
            throw CompressionError(algorithm: "lz4", detail: "payload shorter than its 8-byte size prefix")
        }
        let declared = input.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        guard declared <= UInt64(Swift.min(limit, Int(Int32.max))) else {
            throw CompressionError(algorithm: "lz4", detail: "declared size \(declared) exceeds the limit of \(limit) bytes")
        }
        let size = Int(declared)
        guard input.count - 8 <= Int(Int32.max) else {
            throw CompressionError(algorithm: "lz4", detail: "block too large")
        }
        var output = [UInt8](repeating: 0, count: size)
        let written: Int32 = output.withUnsafeMutableBytes { out in
            guard let src = input.baseAddress?.advanced(by: 8), let dst = out.baseAddress else { return size == 0 ? 0 : -1 }
            return LZ4_decompress_safe(src.assumingMemoryBound(to: CChar.self),
                                       dst.assumingMemoryBound(to: CChar.self),
                                       Int32(input.count - 8), Int32(size))
        }
        guard written >= 0, Int(written) == size else {
            throw CompressionError(algorithm: "lz4", detail: "corrupt block")
        }
        return output
    }

    /// Compresses `input` into journald's LZ4 payload layout (used to build test objects).
    public static func compressJournalPayload(_ input: [UInt8]) -> [UInt8] {
        let bound = Int(LZ4_compressBound(Int32(input.count)))
        var output = [UInt8](repeating: 0, count: 8 + bound)
        withUnsafeBytes(of: UInt64(input.count).littleEndian) { sizeBytes in
            for i in 0..<8 { output[i] = sizeBytes[i] }
        }
        let n: Int32 = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { src in
                LZ4_compress_default(src.baseAddress?.assumingMemoryBound(to: CChar.self),
                                     out.baseAddress?.advanced(by: 8).assumingMemoryBound(to: CChar.self),
                                     Int32(input.count), Int32(bound))
            }
        }
        output.removeSubrange((8 + Int(Swift.max(0, n)))...)
        return output
    }
}
