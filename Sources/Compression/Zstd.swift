import CZstd

/// zstd frames, as journald writes them into DATA objects (`COMPRESSED_ZSTD`) and as
/// logrotate writes `.zst` files. The only file that touches libzstd.
public enum Zstd {
    /// Expands every frame in `input`; fails on corrupt data or when the output would pass `limit`.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(CompressionError) -> [UInt8] {
        let result = decode(input, limit: limit)
        if let error = result.problem { throw error }
        return result.bytes
    }

    /// Expands what can be expanded: on a cut or damaged stream, the bytes before the damage and the reason.
    static func decode(_ input: UnsafeRawBufferPointer, limit: Int) -> PartialOutput {
        guard let stream = ZSTD_createDStream() else {
            return PartialOutput([], 0, CompressionError(algorithm: "zstd", detail: "cannot allocate a decoder"))
        }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        var output = [UInt8](repeating: 0, count: Swift.min(limit, Swift.max(4096, input.count &* 4)))
        var produced = 0
        var consumed = 0
        var lastResult = 0
        while true {
            let (result, inPos, outPos): (Int, Int, Int) = output.withUnsafeMutableBytes { out in
                var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: consumed)
                var outBuf = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: produced)
                let r = ZSTD_decompressStream(stream, &outBuf, &inBuf)
                return (r, inBuf.pos, outBuf.pos)
            }
            if ZSTD_isError(result) != 0 {
                let name = String(cString: ZSTD_getErrorName(result))
                return PartialOutput(output, produced, CompressionError(algorithm: "zstd", detail: name))
            }
            consumed = inPos
            produced = outPos
            lastResult = result
            if consumed >= input.count && produced < output.count { break }
            if produced == output.count {
                do { try output.growForDecoder(filled: produced, limit: limit, algorithm: "zstd") } catch {
                    return PartialOutput(output, produced, error)
                }
            } else if consumed >= input.count {
                break
            }
        }
        if lastResult != 0 {
            return PartialOutput(output, produced, CompressionError(algorithm: "zstd", detail: "frame is truncated"))
        }
        return PartialOutput(output, produced, nil)
    }
}
