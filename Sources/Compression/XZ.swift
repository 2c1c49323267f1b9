import CLZMA

/// `.xz` streams, as journald writes them into DATA objects (`COMPRESSED_XZ`) and as
/// logrotate writes `.xz` files. The only file that touches liblzma.
public enum XZ {
    /// Expands `input` (concatenated streams allowed); fails on corrupt data or past `limit`.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(CompressionError) -> [UInt8] {
        try PartialOutput(decode(input, limit: limit, as: [UInt8].self)).whole()
    }

    /// The decoder, writing into any `DecoderOutput`; on a cut or damaged stream, what came
    /// before the damage and the reason.
    static func decode<Output: DecoderOutput>(_ input: UnsafeRawBufferPointer, limit: Int,
                                              as: Output.Type) -> (output: Output, produced: Int, problem: CompressionError?) {
        var stream = lzma_stream()
        let flags: UInt32 = 0x08  // LZMA_CONCATENATED, a macro Swift cannot import
        guard lzma_stream_decoder(&stream, UInt64.max, flags) == LZMA_OK else {
            return (Output(decoderCapacity: 0), 0, CompressionError(algorithm: "xz", detail: "cannot allocate a decoder"))
        }
        defer { lzma_end(&stream) }
        var output = Output(decoderCapacity: Swift.min(limit, Swift.max(4096, input.count &* 4)))
        var produced = 0
        stream.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_in = input.count
        while true {
            let ret: lzma_ret = output.withUnsafeMutableBytes { out in
                stream.next_out = out.baseAddress?.assumingMemoryBound(to: UInt8.self).advanced(by: produced)
                stream.avail_out = out.count - produced
                let action = stream.avail_in == 0 ? LZMA_FINISH : LZMA_RUN
                let r = lzma_code(&stream, action)
                produced = out.count - stream.avail_out
                return r
            }
            if ret == LZMA_STREAM_END { break }
            guard ret == LZMA_OK || ret == LZMA_BUF_ERROR && produced == output.count else {
                return (output, produced, CompressionError(algorithm: "xz", detail: Self.describe(ret)))
            }
            if produced == output.count {
                do { try output.growForDecoder(filled: produced, limit: limit, algorithm: "xz") } catch {
                    return (output, produced, error)
                }
            } else if stream.avail_in == 0 && ret == LZMA_OK {
                continue
            }
        }
        return (output, produced, nil)
    }

    private static func describe(_ ret: lzma_ret) -> String {
        switch ret {
        case LZMA_FORMAT_ERROR: return "not an xz stream"
        case LZMA_DATA_ERROR: return "corrupt data"
        case LZMA_BUF_ERROR: return "stream is truncated"
        case LZMA_MEM_ERROR: return "out of memory"
        case LZMA_OPTIONS_ERROR: return "unsupported options"
        default: return "liblzma error \(ret.rawValue)"
        }
    }
}
