import CZstd

/// zstd frames, as journald writes them into DATA objects (`COMPRESSED_ZSTD`) and as
/// logrotate writes `.zst` files. The only file that touches libzstd.
public enum Zstd {
    /// Expands every frame in `input`; fails on corrupt data or when the output would pass `limit`.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(CompressionError) -> [UInt8] {
        try PartialOutput(decode(input, limit: limit, as: [UInt8].self)).whole()
    }

    /// The decoder, writing into any `DecoderOutput`; on a cut or damaged stream, what came
    /// before the damage and the reason.
    static func decode<Output: DecoderOutput>(_ input: UnsafeRawBufferPointer, limit: Int,
                                              as: Output.Type) -> (output: Output, produced: Int, problem: CompressionError?) {
        guard let stream = ZSTD_createDStream() else {
            return (Output(decoderCapacity: 0), 0, CompressionError(algorithm: "zstd", detail: "cannot allocate a decoder"))
        }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        // The frame header usually states the expanded size: start there and never grow (each
        // growth zeroes and copies the whole buffer again). A header is not trusted beyond 32
        // times the input, so a tiny hostile frame cannot claim gigabytes up front.
        let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        let plausible = input.count.multipliedReportingOverflow(by: 32)
        let ceiling = plausible.overflow ? limit : Swift.min(limit, plausible.partialValue &+ 65536)
        let guess = declared < UInt64.max - 1 && declared > 0 ? Int(clamping: declared) : input.count &* 4
        var output = Output(decoderCapacity: Swift.min(ceiling, Swift.max(4096, guess)))
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
                return (output, produced, CompressionError(algorithm: "zstd", detail: name))
            }
            let progressed = inPos != consumed || outPos != produced
            consumed = inPos
            produced = outPos
            lastResult = result
            // Every frame ended and all input used: done, even when the output fits exactly.
            if result == 0 && consumed >= input.count { break }
            if produced == output.count {
                do { try output.growForDecoder(filled: produced, limit: limit, algorithm: "zstd") } catch {
                    return (output, produced, error)
                }
                continue
            }
            // Input used up mid-frame (a cut file), or no progress at all: stop here.
            if consumed >= input.count || !progressed { break }
        }
        if lastResult != 0 {
            return (output, produced, CompressionError(algorithm: "zstd", detail: "frame is truncated"))
        }
        return (output, produced, nil)
    }
}
