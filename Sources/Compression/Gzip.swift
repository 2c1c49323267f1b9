import CZlib

/// gzip (and zlib) streams, as logrotate writes `.gz` files. The only file that touches zlib.
public enum Gzip {
    /// Expands every gzip member in `input`; fails on corrupt or truncated data or past `limit`.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(CompressionError) -> [UInt8] {
        try PartialOutput(decode(input, limit: limit, as: [UInt8].self)).whole()
    }

    /// The decoder, writing into any `DecoderOutput`; on a cut or damaged stream, what came
    /// before the damage and the reason.
    static func decode<Output: DecoderOutput>(_ input: UnsafeRawBufferPointer, limit: Int,
                                              as: Output.Type) -> (output: Output, produced: Int, problem: CompressionError?) {
        // A single member's trailer states its size (modulo 4 GiB): start there when it is
        // plausible, so that a whole .tar.gz is expanded without growing.
        var guess = input.count &* 4
        if input.count >= 18, let t = input.baseAddress?.advanced(by: input.count - 4) {
            let isize = Int(t.loadUnaligned(as: UInt32.self).littleEndian)
            if isize >= input.count, isize <= input.count &* 32 { guess = isize + 1 }
        }
        var output = Output(decoderCapacity: Swift.min(limit, Swift.max(4096, guess)))
        var produced = 0
        var consumed = 0
        // Concatenated members (`cat a.gz b.gz`) are legal gzip: restart the inflater on each.
        while consumed < input.count {
            var stream = z_stream()
            guard CZlib_inflateInit2(&stream, 15 + 32) == Z_OK else {
                return (output, produced, CompressionError(algorithm: "gzip", detail: "cannot allocate a decoder"))
            }
            defer { inflateEnd(&stream) }
            let remaining = input.count - consumed
            guard remaining <= Int(UInt32.max) else {
                return (output, produced, CompressionError(algorithm: "gzip", detail: "input too large"))
            }
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.advanced(by: consumed).assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(remaining)
            var status: Int32 = Z_OK
            while status != Z_STREAM_END {
                if produced == output.count {
                    do { try output.growForDecoder(filled: produced, limit: limit, algorithm: "gzip") } catch {
                        return (output, produced, error)
                    }
                }
                status = output.withUnsafeMutableBytes { out in
                    let room = Swift.min(out.count - produced, Int(UInt32.max))
                    stream.next_out = out.baseAddress?.advanced(by: produced).assumingMemoryBound(to: UInt8.self)
                    stream.avail_out = UInt32(room)
                    let r = inflate(&stream, Z_NO_FLUSH)
                    produced += room - Int(stream.avail_out)
                    return r
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    return (output, produced, CompressionError(algorithm: "gzip", detail: "stream is truncated"))
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    return (output, produced, CompressionError(algorithm: "gzip", detail: message))
                }
            }
            consumed = input.count - Int(stream.avail_in)
            // Trailing zero padding after the last member is common on tape-like copies.
            if input[consumed...].allSatisfy({ $0 == 0 }) { break }
        }
        return (output, produced, nil)
    }

    /// Compresses `input` as one gzip member (used to write rotated-log fixtures).
    public static func compress(_ input: [UInt8]) throws(CompressionError) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CompressionError(algorithm: "gzip", detail: "cannot allocate an encoder")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        let status: Int32 = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress?.assumingMemoryBound(to: UInt8.self))
                stream.avail_in = UInt32(src.count)
                stream.next_out = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw CompressionError(algorithm: "gzip", detail: "deflate failed (\(status))")
        }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }
}
