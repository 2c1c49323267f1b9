#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way postmortem writes its files (reports, fleet files, alert rules): with the
/// system's own reason when it cannot (`Not a directory`, `No space left on device`), never
/// a Foundation error dump.
public enum FileOutput {
    /// A folder or file that could not be written, and why (`strerror`).
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }

        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Creates `dir` and each missing folder above it, as `mkdir -p` does.
    public static func makeFolder(_ dir: String) throws(Failure) {
        var current = dir.hasPrefix("/") ? "" : "."
        for part in dir.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw Failure(path: current, reason: String(cString: strerror(errno)))
            }
        }
        // EEXIST also comes for a file of that name: say what is in the way.
        var st = stat()
        if stat(dir, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR {
            throw Failure(path: dir, reason: String(cString: strerror(ENOTDIR)))
        }
    }

    /// Writes `text` to `path`. With `atomically`, into a temporary file beside it that is then
    /// renamed over it, so that a crash or a full disk leaves the old file or the new one.
    public static func write(_ text: String, to path: String, atomically: Bool = false) throws(Failure) {
        let target = atomically ? path + ".tmp-\(getpid())" : path
        let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        var failure: String?
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                break
            }
            bytes = bytes.dropFirst(n)
        }
        if close(fd) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil, atomically, rename(target, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            if atomically { unlink(target) }
            throw Failure(path: path, reason: failure)
        }
    }
}

/// `write(2)`, named apart from `FileOutput.write`.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
