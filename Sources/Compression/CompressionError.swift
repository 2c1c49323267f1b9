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
        case .zstd: return PartialOutput(Zstd.decode(input, limit: limit, as: [UInt8].self))
        case .xz: return PartialOutput(XZ.decode(input, limit: limit, as: [UInt8].self))
        case .gzip: return PartialOutput(Gzip.decode(input, limit: limit, as: [UInt8].self))
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

    init(_ r: (output: [UInt8], produced: Int, problem: CompressionError?)) {
        self.init(r.output, r.produced, r.problem)
    }

    /// The bytes, when the whole stream was read.
    func whole() throws(CompressionError) -> [UInt8] {
        if let problem { throw problem }
        return bytes
    }
}

/// Where a streaming decoder writes: an array (small payloads), or `ExpandedBytes` (whole
/// archives, which must not be zero-filled, copied on every growth, then copied again).
protocol DecoderOutput {
    var count: Int { get }
    init(decoderCapacity: Int)
    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R
    mutating func growForDecoder(filled: Int, limit: Int, algorithm: String) throws(CompressionError)
}

extension Array: DecoderOutput where Element == UInt8 {
    init(decoderCapacity: Int) { self.init(repeating: 0, count: decoderCapacity) }
}

/// Expanded bytes in memory of their own, never zero-filled, handed on without a copy (the
/// journal reader reads archive members straight from them).
public final class ExpandedBytes: @unchecked Sendable {
    private var storage: UnsafeMutableRawBufferPointer
    /// How many bytes the decoder wrote.
    public internal(set) var filled = 0

    init(capacity: Int) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(capacity, 1), alignment: 16)
    }

    deinit { storage.deallocate() }

    var capacity: Int { storage.count }

    /// The bytes written; valid for as long as this object lives.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[..<filled]) }

    func grow(to wanted: Int, keeping: Int) {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: wanted, alignment: 16)
        if keeping > 0 { bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[..<keeping])) }
        storage.deallocate()
        storage = bigger
    }

    func withStorage<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R { try body(storage) }
}

/// `ExpandedBytes` as a decoder's output.
struct ExpandedOutput: DecoderOutput {
    let box: ExpandedBytes
    init(decoderCapacity: Int) { box = ExpandedBytes(capacity: decoderCapacity) }
    var count: Int { box.capacity }
    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try box.withStorage(body)
    }
    mutating func growForDecoder(filled: Int, limit: Int, algorithm: String) throws(CompressionError) {
        box.grow(to: try decoderGrowth(from: count, limit: limit, algorithm: algorithm), keeping: filled)
    }
}

extension CompressionAlgorithm {
    /// Like `decompressKeepingPartial`, into memory of its own that is never zero-filled and
    /// can be shared without a copy (whole archives).
    public func expandKeepingPartial(_ input: UnsafeRawBufferPointer, limit: Int) -> (ExpandedBytes, CompressionError?) {
        switch self {
        case .zstd: return Self.finish(Zstd.decode(input, limit: limit, as: ExpandedOutput.self))
        case .xz: return Self.finish(XZ.decode(input, limit: limit, as: ExpandedOutput.self))
        case .gzip: return Self.finish(Gzip.decode(input, limit: limit, as: ExpandedOutput.self))
        case .lz4:
            let out = decompressKeepingPartial(input, limit: limit)
            let box = ExpandedBytes(capacity: out.bytes.count)
            box.withStorage { s in out.bytes.withUnsafeBytes { s.copyMemory(from: $0) } }
            box.filled = out.bytes.count
            return (box, out.problem)
        }
    }

    private static func finish(_ r: (output: ExpandedOutput, produced: Int, problem: CompressionError?)) -> (ExpandedBytes, CompressionError?) {
        r.output.box.filled = Swift.min(r.produced, r.output.box.capacity)
        return (r.output.box, r.problem)
    }
}

/// A decoder's next buffer size: doubled, never past `limit` (then it fails).
func decoderGrowth(from count: Int, limit: Int, algorithm: String) throws(CompressionError) -> Int {
    guard count < limit else {
        throw CompressionError(algorithm: algorithm, detail: "output exceeds the limit of \(limit) bytes")
    }
    return Swift.min(limit, Swift.max(4096, count &* 2))
}

extension Array where Element == UInt8 {
    /// Grows the array for a streaming decoder, never past `limit`.
    mutating func growForDecoder(filled: Int, limit: Int, algorithm: String) throws(CompressionError) {
        let wanted = try decoderGrowth(from: count, limit: limit, algorithm: algorithm)
        append(contentsOf: repeatElement(0, count: wanted - count))
    }
}
