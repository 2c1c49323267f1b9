import CBzip2

/// bzip2 streams: `.tar.bz2`/`.tbz` archives (older supportconfig and sosreport runs, `tar cjf`)
/// and logs rotated with `compresscmd bzip2`. The only file that touches libbz2.
public enum Bzip2 {
    /// Expands every bzip2 stream in `input`; fails on corrupt or truncated data or past `limit`.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(CompressionError) -> [UInt8] {
        try PartialOutput(decode(input, limit: limit, as: [UInt8].self)).whole()
    }

    /// The decoder, writing into any `DecoderOutput`; on a cut or damaged stream, what came
    /// before the damage and the reason.
    static func decode<Output: DecoderOutput>(_ input: UnsafeRawBufferPointer, limit: Int,
                                              as: Output.Type) -> (output: Output, produced: Int, problem: CompressionError?) {
        var output = Output(decoderCapacity: Swift.min(limit, Swift.max(4096, input.count &* 5)))
        var produced = 0
        var consumed = 0
        // Concatenated streams (pbzip2 writes one per block, `cat a.bz2 b.bz2`) are legal bzip2:
        // restart the decoder on each.
        while consumed < input.count {
            var stream = bz_stream()
            guard BZ2_bzDecompressInit(&stream, 0, 0) == BZ_OK else {
                return (output, produced, CompressionError(algorithm: "bzip2", detail: "cannot allocate a decoder"))
            }
            defer { BZ2_bzDecompressEnd(&stream) }
            let remaining = input.count - consumed
            guard remaining <= Int(UInt32.max) else {
                return (output, produced, CompressionError(algorithm: "bzip2", detail: "input too large"))
            }
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.advanced(by: consumed).assumingMemoryBound(to: CChar.self))
            stream.avail_in = UInt32(remaining)
            var status = BZ_OK
            while status != BZ_STREAM_END {
                if produced == output.count {
                    do { try output.growForDecoder(filled: produced, limit: limit, algorithm: "bzip2") } catch {
                        return (output, produced, error)
                    }
                }
                status = output.withUnsafeMutableBytes { out in
                    let room = Swift.min(out.count - produced, Int(UInt32.max))
                    stream.next_out = out.baseAddress?.advanced(by: produced).assumingMemoryBound(to: CChar.self)
                    stream.avail_out = UInt32(room)
                    let r = BZ2_bzDecompress(&stream)
                    produced += room - Int(stream.avail_out)
                    return r
                }
                guard status == BZ_OK || status == BZ_STREAM_END else {
                    return (output, produced, CompressionError(algorithm: "bzip2", detail: Self.describe(status)))
                }
                // Room left for output and no input left, yet not at the stream's end: it was cut.
                if status == BZ_OK, stream.avail_in == 0, stream.avail_out > 0 {
                    return (output, produced, CompressionError(algorithm: "bzip2", detail: "stream is truncated"))
                }
            }
            consumed = input.count - Int(stream.avail_in)
            // Trailing zero padding after the last stream is common on tape-like copies.
            if input[consumed...].allSatisfy({ $0 == 0 }) { break }
        }
        return (output, produced, nil)
    }

    private static func describe(_ status: Int32) -> String {
        switch status {
        case BZ_DATA_ERROR: return "corrupt data"
        case BZ_DATA_ERROR_MAGIC: return "not a bzip2 stream"
        case BZ_MEM_ERROR: return "out of memory"
        case BZ_PARAM_ERROR: return "bad decoder parameters"
        default: return "libbz2 error \(status)"
        }
    }
}
