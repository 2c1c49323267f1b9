/// Why a compressed payload could not be expanded.
public struct CompressionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The codec that failed: `zstd`, `xz`, `lz4` or `gzip`.
    public var algorithm: String
    /// What the library said, or which limit was hit.
    public var detail: String

    public init(algorithm: String, detail: String) {
        self.algorithm = algorithm
        self.detail = detail
    }

    public var description: String { "\(algorithm): \(detail)" }
}

/// The compressed formats postmortem reads, inside journal objects and as whole files.
public enum CompressionAlgorithm: String, Sendable, CaseIterable {
    case zstd, xz, lz4, gzip

    /// Guesses the format of a whole file from its magic bytes (`nil` when it is not compressed).
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> CompressionAlgorithm? {
        func starts(_ magic: [UInt8]) -> Bool {
            guard bytes.count >= magic.count else { return false }
            for (i, b) in magic.enumerated() where bytes[i] != b { return false }
            return true
        }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if starts([0x1F, 0x8B]) { return .gzip }
        return nil
    }

    /// Expands as much of a stream as can be read: a cut or damaged file (a copy that
    /// stopped short) still yields the bytes before the damage, with the reason.
    public func decompressKeepingPartial(_ input: UnsafeRawBufferPointer, limit: Int) -> PartialOutput {
        switch self {
        case .zstd: return Zstd.decode(input, limit: limit)
        case .xz: return XZ.decode(input, limit: limit)
        case .gzip: return Gzip.decode(input, limit: limit)
        case .lz4:
            do { return PartialOutput(try LZ4.decompressJournalPayload(input, limit: limit), nil) } catch {
                return PartialOutput([], error)
            }
        }
    }

    /// Expands a whole stream of this format, refusing to produce more than `limit` bytes.
    public func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(CompressionError) -> [UInt8] {
        switch self {
        case .zstd: return try Zstd.decompress(input, limit: limit)
        case .xz: return try XZ.decompress(input, limit: limit)
        case .gzip: return try Gzip.decompress(input, limit: limit)
        case .lz4: return try LZ4.decompressJournalPayload(input, limit: limit)
        }
    }
}

/// What a decoder produced, and why it stopped early if it did.
public struct PartialOutput: Sendable {
    /// Everything expanded up to the end or to the damage.
    public var bytes: [UInt8]
    /// `nil` when the whole stream was read.
    public var problem: CompressionError?

    public init(_ bytes: [UInt8], _ problem: CompressionError?) {
        self.bytes = bytes
        self.problem = problem
    }

    /// Trims a decoder's working buffer to what it filled.
    init(_ buffer: [UInt8], _ filled: Int, _ problem: CompressionError?) {
        var b = buffer
        if filled < b.count { b.removeSubrange(max(0, filled)...) }
        self.init(b, problem)
    }
}

extension Array where Element == UInt8 {
    /// Grows the array for a streaming decoder, never past `limit`.
    mutating func growForDecoder(filled: Int, limit: Int, algorithm: String) throws(CompressionError) {
        guard count < limit else {
            throw CompressionError(algorithm: algorithm, detail: "output exceeds the limit of \(limit) bytes")
        }
        let wanted = Swift.min(limit, Swift.max(4096, count &* 2))
        append(contentsOf: repeatElement(0, count: wanted - count))
        _ = filled
    }
}
