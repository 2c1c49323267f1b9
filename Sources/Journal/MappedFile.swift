import Compression
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
    /// For bytes owned elsewhere (a range of another mapping, an expanded archive): keeps
    /// their owner alive.
    private let owner: AnyObject?
    /// The pages `advise…` talks about: the mapping, or the pages of a slice of one. Never
    /// memory we own: dropping anonymous pages would zero them.
    private let advice: (start: UnsafeMutableRawPointer, length: Int)?
    /// This mapping's place in `ShrinkGuard` (a file cut short while mapped reads as zeros),
    /// or, for a slice, its parent's.
    private var guardSlot: Int?
    /// Whether `guardSlot` is this object's own registration, given back when it goes.
    private var ownsGuardSlot = false

    /// Maps `path` read-only. An empty file maps to an empty buffer.
    init(path: String) throws(JournalError) {
        // O_NONBLOCK: a FIFO named as a journal must be refused by the check below, not wait for a writer.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
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
        owner = nil
        guard size > 0 else {
            mapping = nil
            mappedLength = 0
            advice = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw JournalError(.cannotOpen, path: path, detail: "mmap: " + String(cString: strerror(errno)))
        }
        mapping = p
        mappedLength = size
        advice = (p, size)
        bytes = UnsafeRawBufferPointer(start: p, count: size)
        guardSlot = ShrinkGuard.register(p, length: size)
        ownsGuardSlot = guardSlot != nil
    }

    /// Where the file was found cut short while it was read (its bytes from there read as
    /// zeros), if it was: another program truncated or rewrote it.
    var shrunkAt: Int? {
        guard let guardSlot, let base = bytes.baseAddress, bytes.count > 0,
              let at = ShrinkGuard.firstFault(slot: guardSlot, in: base, length: bytes.count) else { return nil }
        return Int(at - UInt(bitPattern: base))
    }

    /// Wraps bytes already in memory.
    init(bytes array: [UInt8]) {
        // One copy into memory we own, so the buffer cannot move while entries point into it.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(array.count, 1), alignment: 8)
        array.withUnsafeBytes { src in buffer.copyMemory(from: src) }
        owned = buffer
        owner = nil
        mapping = nil
        mappedLength = 0
        advice = nil
        bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: array.count)
    }

    /// Bytes that `owner` keeps (expanded in memory of their own), without a copy.
    init(expanded: ExpandedBytes) {
        bytes = expanded.bytes
        owner = expanded
        owned = nil
        mapping = nil
        mappedLength = 0
        // A spilled expansion is a shared file mapping: dropped pages are read again from
        // the file, so it may be advised like a mapped journal (never heap memory).
        if expanded.isFileBacked, let base = expanded.bytes.baseAddress, expanded.bytes.count > 0 {
            advice = (UnsafeMutableRawPointer(mutating: base), expanded.bytes.count)
        } else {
            advice = nil
        }
    }

    /// `range` of `whole`, without a copy; `nil` when the range does not lie inside it.
    init?(slice whole: MappedFile, range: Range<Int>) {
        guard let b = whole.bytes.slice(range.lowerBound, range.count) else { return nil }
        bytes = b
        owner = whole
        guardSlot = whole.guardSlot
        owned = nil
        mapping = nil
        mappedLength = 0
        if let (start, length) = whole.advice, let base = b.baseAddress, b.count > 0 {
            // Whole pages around the slice, inside the parent mapping (a page shared with a
            // neighbouring member is simply read again from the file).
            let first = Int(bitPattern: base) & ~(Self.pageSize - 1)
            let lower = max(first, Int(bitPattern: start))
            let upper = min(Int(bitPattern: base) + b.count, Int(bitPattern: start) + length)
            advice = UnsafeMutableRawPointer(bitPattern: lower).map { ($0, upper - lower) }
        } else {
            advice = nil
        }
    }

    /// Tells the kernel that `range` of the bytes will be read front to back (and drops the
    /// mapping when done).
    func adviseSequential(within range: Range<Int>) {
        guard let (start, length) = advice, let base = bytes.baseAddress else { return }
        // Whole pages, inside the part of the mapping that may be advised.
        let lower = max((Int(bitPattern: base) + max(range.lowerBound, 0)) & ~(Self.pageSize - 1), Int(bitPattern: start))
        let upper = min(Int(bitPattern: base) + min(range.upperBound, bytes.count), Int(bitPattern: start) + length)
        guard lower < upper, let from = UnsafeMutableRawPointer(bitPattern: lower) else { return }
        // MADV_POPULATE_READ (Linux 5.14+) maps the range in one call instead of taking
        // thousands of page faults; older kernels refuse it and fall back to faulting.
        if madvise(from, upper - lower, 22) != 0 {
            _ = madvise(from, upper - lower, MADV_SEQUENTIAL)
        }
    }

    private static let pageSize = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)

    /// Lets the kernel drop the pages wholly before `offset` (a file mapping only: they are
    /// read again from the file if touched).
    func adviseDone(before offset: Int) {
        guard let (start, length) = advice, let base = bytes.baseAddress else { return }
        let upper = min(Int(bitPattern: base) + min(max(offset, 0), bytes.count), Int(bitPattern: start) + length) & ~(Self.pageSize - 1)
        let lower = Int(bitPattern: start)
        guard lower < upper else { return }
        _ = madvise(start, upper - lower, MADV_DONTNEED)
    }

    func adviseDone() {
        if let (start, length) = advice { _ = madvise(start, length, MADV_DONTNEED) }
    }

    deinit {
        if ownsGuardSlot, let guardSlot { ShrinkGuard.unregister(guardSlot) }
        // A slice owns nothing: `owner` goes with it.
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

    /// The index of the first `byte`, or `nil`: the C library's vectorised search, as a field
    /// name is looked for in every value an entry carries.
    @inline(__always)
    func firstIndex(ofByte byte: UInt8) -> Int? {
        guard let base = baseAddress, count > 0, let hit = memchr(base, Int32(byte), count) else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    /// The first 8-byte word at or after `offset` (stepping by 8) that is not zero, or the
    /// first offset past the last whole word. Compares a page at a time with the C library's
    /// vectorised `memcmp`: journald allocates files in chunks, and the megabytes of zeros past
    /// the last object are stepped over at memory speed, not word by word.
    func firstNonzeroWord(from offset: Int) -> Int {
        guard let base = baseAddress, offset >= 0 else { return offset }
        var p = offset
        let page = ZeroPage.size
        while p <= count &- page, memcmp(base + p, ZeroPage.bytes, page) == 0 { p += page }
        while p <= count &- 8, u64(p) == 0 { p += 8 }
        return p
    }

    /// The sub-buffer `offset ..< offset + length`, or `nil` when it does not fit. Inlinable:
    /// `EntryView.value`, inlined into the analysis, reads every value through it.
    @inlinable @inline(__always)
    func slice(_ offset: Int, _ length: Int) -> UnsafeRawBufferPointer? {
        guard offset >= 0, length >= 0, offset <= count, length <= count &- offset, let base = baseAddress else {
            return length == 0 && offset >= 0 && offset <= count ? UnsafeRawBufferPointer(start: nil, count: 0) : nil
        }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }
}

/// A page of zeros to compare with.
private enum ZeroPage {
    static let size = 4096
    nonisolated(unsafe) static let bytes: UnsafeRawPointer = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        .initializeMemory(as: UInt8.self, repeating: 0, count: size))
}

/// Converts an on-disk 64-bit value to an offset, `nil` when it cannot be one.
@inline(__always)
func offset(_ v: UInt64) -> Int? { Int(exactly: v) }

/// Immutable bytes that several readers share: a file mapped read-only (an uncompressed
/// tar archive), or memory filled once (an expanded one). Journal files inside are read in
/// place (`JournalFile(name:shared:range:)`), so an archive's members are never copied.
public final class SharedBytes: @unchecked Sendable, Hashable {
    let file: MappedFile

    /// Maps `path`.
    public init(mapping path: String) throws(JournalError) {
        file = try MappedFile(path: path)
    }

    /// Holds a copy of `bytes`.
    public init(bytes: [UInt8]) {
        file = MappedFile(bytes: bytes)
    }

    /// Takes over expanded bytes, without a copy.
    public init(adopting expanded: ExpandedBytes) {
        file = MappedFile(expanded: expanded)
    }

    public var count: Int { file.bytes.count }

    /// The bytes; valid for as long as this object lives.
    public var unsafeBytes: UnsafeRawBufferPointer { file.bytes }

    /// Lets the pages before `offset` go from memory when the bytes are a file mapping (a
    /// text read once from start to end); bytes held in memory are kept.
    public func releasePages(before offset: Int) { file.adviseDone(before: offset) }

    /// A copy of `range`, clamped to the bytes there are.
    public func copy(_ range: Range<Int>) -> [UInt8] {
        let lower = min(max(range.lowerBound, 0), count)
        let upper = min(max(range.upperBound, lower), count)
        return Array(file.bytes[lower..<upper])
    }

    public static func == (a: SharedBytes, b: SharedBytes) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
