import Foundation
#if canImport(Glibc)
import Glibc
#endif
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
    case zstd, xz, lz4, gzip, bzip2

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
        // "BZh", the block size (1–9), then the first block's or the stream end's magic: the
        // three letters alone would take text starting "BZh".
        if bytes.count >= 10, starts([0x42, 0x5A, 0x68]), (0x31...0x39).contains(bytes[3]) {
            let next = (4..<10).map { bytes[$0] }
            if next == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59] || next == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90] { return .bzip2 }
        }
        return nil
    }

    /// Expands as much of a stream as can be read: a cut or damaged file (a copy that
    /// stopped short) still yields the bytes before the damage, with the reason.
    public func decompressKeepingPartial(_ input: UnsafeRawBufferPointer, limit: Int) -> PartialOutput {
        switch self {
        case .zstd: return PartialOutput(Zstd.decode(input, limit: limit, as: [UInt8].self))
        case .xz: return PartialOutput(XZ.decode(input, limit: limit, as: [UInt8].self))
        case .gzip: return PartialOutput(Gzip.decode(input, limit: limit, as: [UInt8].self))
        case .bzip2: return PartialOutput(Bzip2.decode(input, limit: limit, as: [UInt8].self))
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
        case .bzip2: return try Bzip2.decompress(input, limit: limit)
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

/// Expanded bytes in storage of their own, never zero-filled, handed on without a copy (the
/// journal reader reads archive members straight from them).
///
/// Whole archives are expanded into an unlinked temporary file on disk, mapped shared
/// (`spilling`): what was written is dropped from the process as the decoder moves on, and
/// the kernel can page the rest out, so a 4 GiB expansion (or an archive bomb) does not
/// become 4 GiB of resident memory. Space is reserved with `posix_fallocate` before it is
/// written, so a full disk is an error, never a SIGBUS.
public final class ExpandedBytes: @unchecked Sendable {
    private var storage: UnsafeMutableRawBufferPointer
    /// The temporary file behind `storage`, or -1 when it is heap memory.
    private var spillFD: Int32
    /// True when the bytes live in a file mapping (its descriptor may be closed since): pages
    /// may be dropped after reading (`MADV_DONTNEED`) and are read again from the file when needed.
    public let isFileBacked: Bool
    /// How many bytes the decoder wrote.
    public internal(set) var filled = 0
    /// Why growing the spill file failed (a full disk), for the decoder's error.
    private(set) var growthFailure: String?

    /// How far a spill file grows at a time: what was written before is released at each step.
    static let spillStep = 64 << 20

    init(capacity: Int) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(capacity, 1), alignment: 16)
        spillFD = -1
        isFileBacked = false
    }

    /// File-backed storage in `directory` (`$POSTMORTEM_SPILL_DIR`, else `$TMPDIR`, else
    /// `/var/tmp`: on disk, where `/tmp` is often memory); `nil` when no file can be made.
    init?(spillingCapacity capacity: Int) {
        let env = ProcessInfo.spillDirectory
        // O_TMPFILE (__O_TMPFILE | O_DIRECTORY; a macro Swift cannot import): a file with no
        // name at all, gone with the process even if it is killed.
        var fd = open(env, 0o20000000 | O_DIRECTORY | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0 {
            var template = Array((env + "/postmortem-XXXXXX").utf8CString)
            fd = template.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return -1 }
                let made = mkstemp(base)
                if made >= 0 { unlink(base); _ = fcntl(made, F_SETFD, FD_CLOEXEC) }
                return made
            }
        }
        guard fd >= 0 else { return nil }
        let size = Swift.max(4096, Swift.min(capacity, Self.spillStep))
        guard posix_fallocate(fd, 0, off_t(size)) == 0,
              let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            close(fd)
            return nil
        }
        storage = UnsafeMutableRawBufferPointer(start: p, count: size)
        spillFD = fd
        isFileBacked = true
    }

    deinit {
        if isFileBacked {
            munmap(storage.baseAddress, storage.count)
            if spillFD >= 0 { close(spillFD) }
        } else {
            storage.deallocate()
        }
    }

    var capacity: Int { storage.count }

    /// The bytes written; valid for as long as this object lives.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[..<filled]) }

    /// Grows to `wanted` bytes keeping the first `keeping`; a spill file grows by at most
    /// `spillStep` and releases what was written. Returns false when the disk is full.
    @discardableResult
    func grow(to wanted: Int, keeping: Int) -> Bool {
        guard isFileBacked else {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: wanted, alignment: 16)
            if keeping > 0 { bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[..<keeping])) }
            storage.deallocate()
            storage = bigger
            return true
        }
        let size = Swift.min(wanted, storage.count &+ Self.spillStep)
        guard spillFD >= 0 else {
            growthFailure = "the temporary file was sealed"
            return false
        }
        let reserved = posix_fallocate(spillFD, 0, off_t(size))
        guard reserved == 0 else {
            growthFailure = "cannot grow the temporary file in \(ProcessInfo.spillDirectory) to \(size) bytes: "
                + String(cString: strerror(reserved))
            return false
        }
        // The file keeps what was written: map it anew, larger (no copy), and leave the old
        // pages to the page cache.
        guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, spillFD, 0), p != MAP_FAILED else {
            growthFailure = "cannot map the temporary file: " + String(cString: strerror(errno))
            return false
        }
        munmap(storage.baseAddress, storage.count)
        storage = UnsafeMutableRawBufferPointer(start: p, count: size)
        let page = Swift.max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
        let written = (keeping / page) * page
        if written > 0 { _ = madvise(p, written, MADV_DONTNEED) }
        return true
    }

    /// The whole storage, written or not (a decoder's or a writer's); valid until it grows.
    public func withMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R { try body(storage) }
}

extension ExpandedBytes {
    /// Storage a writer fills in place (a journal file made from journalctl's text output):
    /// an unlinked temporary file when one can be made, else memory.
    public static func writable(capacity: Int) -> ExpandedBytes {
        ExpandedBytes(spillingCapacity: capacity) ?? ExpandedBytes(capacity: capacity)
    }

    /// Makes room for `count` bytes, keeping those written (`filled`); false when the disk or
    /// memory is full (then `growthFailure` says why).
    public func reserve(_ count: Int) -> Bool {
        while capacity < count {
            let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
            guard !overflow, grow(to: Swift.max(doubled, 4096), keeping: filled) else { return false }
        }
        return true
    }

    /// Lets the pages of a spill file wholly before `offset` go from memory (a text read once
    /// from start to end); heap storage is kept.
    public func releasePages(before offset: Int) {
        guard isFileBacked, let base = storage.baseAddress else { return }
        let page = Swift.max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
        let length = (Swift.min(Swift.max(offset, 0), filled, storage.count) / page) * page
        if length > 0 { _ = madvise(base, length, MADV_DONTNEED) }
    }

    /// Lets the written pages of a spill file go from memory: they are kept in the file (the
    /// page cache) and read back when touched. Heap storage is kept.
    public func releaseWritten() {
        guard isFileBacked, let base = storage.baseAddress else { return }
        let page = Swift.max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
        let length = (Swift.min(filled, storage.count) / page) * page
        if length > 0 { _ = madvise(base, length, MADV_DONTNEED) }
    }

    /// Closes the temporary file's descriptor: the mapping stays, the bytes can no longer grow.
    /// Many files put aside at once (a dump made into hundreds) then hold no descriptor each.
    public func seal() {
        guard spillFD >= 0 else { return }
        close(spillFD)
        spillFD = -1
    }

    /// Why the storage could not grow, when it could not.
    public var failure: String? { growthFailure }

    /// Sets how many bytes are written (at most the capacity).
    public func markFilled(_ count: Int) { filled = Swift.min(Swift.max(count, 0), capacity) }

}

extension ProcessInfo {
    /// Where archives are expanded: `$POSTMORTEM_SPILL_DIR`, else `$TMPDIR`, else `/var/tmp`.
    public static var spillDirectory: String {
        let env = ProcessInfo.processInfo.environment
        return env["POSTMORTEM_SPILL_DIR"] ?? env["TMPDIR"] ?? "/var/tmp"
    }
}

/// `ExpandedBytes` as a decoder's output.
struct ExpandedOutput: DecoderOutput {
    let box: ExpandedBytes
    init(decoderCapacity: Int) { box = ExpandedBytes(capacity: decoderCapacity) }
    init(box: ExpandedBytes) { self.box = box }
    var count: Int { box.capacity }
    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try box.withMutableBytes(body)
    }
    mutating func growForDecoder(filled: Int, limit: Int, algorithm: String) throws(CompressionError) {
        guard box.grow(to: try decoderGrowth(from: count, limit: limit, algorithm: algorithm), keeping: filled) else {
            throw CompressionError(algorithm: algorithm, detail: box.growthFailure ?? "cannot grow the output")
        }
    }
}

/// `ExpandedBytes` spilled to a temporary file, as a decoder's output. The decoders size
/// their first buffer from the stream's own header; a spill file starts at one step instead.
struct SpilledOutput: DecoderOutput {
    var inner: ExpandedOutput
    init(decoderCapacity: Int) {
        inner = ExpandedOutput(box: ExpandedBytes(spillingCapacity: decoderCapacity) ?? ExpandedBytes(capacity: decoderCapacity))
    }
    var count: Int { inner.count }
    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try inner.withUnsafeMutableBytes(body)
    }
    mutating func growForDecoder(filled: Int, limit: Int, algorithm: String) throws(CompressionError) {
        try inner.growForDecoder(filled: filled, limit: limit, algorithm: algorithm)
    }
}

extension CompressionAlgorithm {
    /// Like `decompressKeepingPartial`, into memory of its own that is never zero-filled and
    /// can be shared without a copy (whole archives).
    /// With `spilling`, into an unlinked temporary file (whole archives; see `ExpandedBytes`).
    public func expandKeepingPartial(_ input: UnsafeRawBufferPointer, limit: Int, spilling: Bool = false) -> (ExpandedBytes, CompressionError?) {
        if spilling {
            switch self {
            case .zstd: return Self.finish(Zstd.decode(input, limit: limit, as: SpilledOutput.self))
            case .xz: return Self.finish(XZ.decode(input, limit: limit, as: SpilledOutput.self))
            case .gzip: return Self.finish(Gzip.decode(input, limit: limit, as: SpilledOutput.self))
            case .bzip2: return Self.finish(Bzip2.decode(input, limit: limit, as: SpilledOutput.self))
            case .lz4: break
            }
        }
        switch self {
        case .zstd: return Self.finish(Zstd.decode(input, limit: limit, as: ExpandedOutput.self))
        case .xz: return Self.finish(XZ.decode(input, limit: limit, as: ExpandedOutput.self))
        case .gzip: return Self.finish(Gzip.decode(input, limit: limit, as: ExpandedOutput.self))
        case .bzip2: return Self.finish(Bzip2.decode(input, limit: limit, as: ExpandedOutput.self))
        case .lz4:
            let out = decompressKeepingPartial(input, limit: limit)
            let box = ExpandedBytes(capacity: out.bytes.count)
            box.withMutableBytes { s in out.bytes.withUnsafeBytes { s.copyMemory(from: $0) } }
            box.filled = out.bytes.count
            return (box, out.problem)
        }
    }

    private static func finish(_ r: (output: SpilledOutput, produced: Int, problem: CompressionError?)) -> (ExpandedBytes, CompressionError?) {
        finish((r.output.inner, r.produced, r.problem))
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
        // Zeros made by `Array(repeating:)` (a memset in the standard library): element-wise
        // appending took seconds per 100 MB in debug builds.
        append(contentsOf: [UInt8](repeating: 0, count: wanted - count))
    }
}
