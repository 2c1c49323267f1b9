#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one journal file: memory-mapped from disk (never copied), or held in
/// memory for archive members. The only place the reader owns raw memory.
final class MappedFile: @unchecked Sendable {
    /// The whole file. Immutable for the object's lifetime.
    let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?
    private let mappedLength: Int
    private let owned: UnsafeMutableRawBufferPointer?

    /// Maps `path` read-only. An empty file maps to an empty buffer.
    init(path: String) throws(JournalError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw JournalError(.cannotOpen, path: path, detail: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw JournalError(.cannotOpen, path: path, detail: String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw JournalError(.cannotOpen, path: path, detail: "not a regular file")
        }
        let size = Int(st.st_size)
        owned = nil
        guard size > 0 else {
            mapping = nil
            mappedLength = 0
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw JournalError(.cannotOpen, path: path, detail: "mmap: " + String(cString: strerror(errno)))
        }
        mapping = p
        mappedLength = size
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    /// Wraps bytes already in memory.
    init(bytes array: [UInt8]) {
        // One copy into memory we own, so the buffer cannot move while entries point into it.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(array.count, 1), alignment: 8)
        array.withUnsafeBytes { src in buffer.copyMemory(from: src) }
        owned = buffer
        mapping = nil
        mappedLength = 0
        bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: array.count)
    }

    /// Tells the kernel the mapping will be read front to back (and drops it when done).
    func adviseSequential() {
        // MADV_POPULATE_READ (Linux 5.14+) maps the whole file in one call instead of taking
        // thousands of page faults; older kernels refuse it and fall back to faulting.
        if let mapping, madvise(mapping, mappedLength, 22) != 0 {
            _ = madvise(mapping, mappedLength, MADV_SEQUENTIAL)
        }
    }

    func adviseDone() {
        if let mapping { _ = madvise(mapping, mappedLength, MADV_DONTNEED) }
    }

    deinit {
        if let mapping { munmap(mapping, mappedLength) }
        owned?.deallocate()
    }
}

extension UnsafeRawBufferPointer {
    /// A little-endian `UInt64` at `offset`, or `nil` when it does not fit.
    @inline(__always)
    func u64(_ offset: Int) -> UInt64? {
        guard offset >= 0, offset <= count &- 8 else { return nil }
        return UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    func u32(_ offset: Int) -> UInt32? {
        guard offset >= 0, offset <= count &- 4 else { return nil }
        return UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func u8(_ offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return self[offset]
    }

    /// The sub-buffer `offset ..< offset + length`, or `nil` when it does not fit.
    @inline(__always)
    func slice(_ offset: Int, _ length: Int) -> UnsafeRawBufferPointer? {
        guard offset >= 0, length >= 0, offset <= count, length <= count &- offset, let base = baseAddress else {
            return length == 0 && offset >= 0 && offset <= count ? UnsafeRawBufferPointer(start: nil, count: 0) : nil
        }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }
}

/// Converts an on-disk 64-bit value to an offset, `nil` when it cannot be one.
@inline(__always)
func offset(_ v: UInt64) -> Int? { Int(exactly: v) }
