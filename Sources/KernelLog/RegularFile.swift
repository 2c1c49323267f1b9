#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way postmortem reads a file's bytes: only regular files, never blocking.
///
/// The file is opened with `O_NONBLOCK` and checked with `fstat` before a byte is read, so a
/// FIFO, socket or device (even behind a symbolic link, even named on the command line) is
/// refused at once instead of waiting forever for a writer, and a character device such as
/// `/dev/zero` cannot feed an endless stream. Reads are bounded by the size `fstat` gave and
/// by `limit`.
public enum RegularFile {
    /// What a path is once links are followed, for messages: `"a FIFO"`, `"a socket"`, …
    public static func describe(mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a directory"
        default: return "not a regular file"
        }
    }

    /// Opens `path` read-only and non-blocking; the descriptor and its `stat` when it is a
    /// regular file.
    static func open(_ path: String) throws(KernelLogError) -> (fd: Int32, stat: stat) {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            let code: KernelLogError.Code = errno == EACCES || errno == EPERM ? .permissionDenied : .cannotOpen
            throw KernelLogError(code: code, path: path, detail: String(cString: strerror(errno)))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let detail = String(cString: strerror(errno))
            close(fd)
            throw KernelLogError(code: .cannotRead, path: path, detail: detail)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw KernelLogError(code: .notRegular, path: path, detail: describe(mode: st.st_mode) + ", not a regular file; skipped")
        }
        return (fd, st)
    }

    /// The whole file and its modification time (µs since the epoch), refusing more than `limit` bytes.
    public static func read(path: String, limit: Int) throws(KernelLogError) -> ([UInt8], Int64?) {
        let (fd, st) = try open(path)
        defer { close(fd) }
        #if canImport(Darwin)
        let mtime = Int64(st.st_mtimespec.tv_sec) * 1_000_000 + Int64(st.st_mtimespec.tv_nsec / 1000)
        #else
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000 + Int64(st.st_mtim.tv_nsec / 1000)
        #endif
        let size = Int(st.st_size)
        guard size >= 0, size <= limit else {
            throw KernelLogError(code: .tooLarge, path: path, detail: "\(size) bytes is over the limit of \(limit)")
        }
        return (try readUpTo(fd, size, path: path), mtime)
    }

    /// The last `count` bytes of the file (all of it when it is smaller).
    public static func tail(path: String, count: Int) throws(KernelLogError) -> [UInt8] {
        let (fd, st) = try open(path)
        defer { close(fd) }
        let size = Int(max(st.st_size, 0))
        let start = max(0, size - max(count, 0))
        guard lseek(fd, off_t(start), SEEK_SET) == off_t(start) else {
            throw KernelLogError(code: .cannotRead, path: path, detail: String(cString: strerror(errno)))
        }
        return try readUpTo(fd, size - start, path: path)
    }

    /// The lines that end in the first `count` bytes of the file (its newlines), read a chunk
    /// at a time: where the part of a big log read from its end begins. `nil` when it cannot be read.
    public static func newlines(path: String, inFirst count: Int) -> Int? {
        guard let (fd, _) = try? open(path) else { return nil }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var left = max(count, 0)
        var lines = 0
        while left > 0 {
            let n = chunk.withUnsafeMutableBytes { buf in Glibc.read(fd, buf.baseAddress, min(left, buf.count)) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            lines += chunk.withUnsafeBytes { ByteSearch.newlines(in: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            left -= n
        }
        return lines
    }

    /// The size of the regular file at `path` (links followed), without opening it; `nil`
    /// for anything else or when it cannot be looked at.
    public static func size(path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    /// Up to `count` bytes from the start of the file; `[]` for anything that is not a
    /// readable regular file.
    public static func head(path: String, count: Int) -> [UInt8] {
        guard let (fd, st) = try? open(path) else { return [] }
        defer { close(fd) }
        return (try? readUpTo(fd, min(max(count, 0), Int(max(st.st_size, 0))), path: path)) ?? []
    }

    /// Reads at most `size` bytes (a file that shrank gives fewer; one that grew is cut at `size`).
    private static func readUpTo(_ fd: Int32, _ size: Int, path: String) throws(KernelLogError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        var rounds = 0
        while filled < size && rounds < 1 << 20 {
            rounds += 1
            let n = bytes.withUnsafeMutableBytes { buf in
                Glibc.read(fd, buf.baseAddress.map { $0 + filled }, size - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw KernelLogError(code: .cannotRead, path: path, detail: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            filled += n
        }
        if filled < size { bytes.removeSubrange(filled...) }
        return bytes
    }
}
