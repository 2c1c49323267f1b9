#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// libsystemd asserts on some damaged files (systemd's own fuzz-found journals abort
/// `sd_journal_next`), and an assertion ends the process. So the libsystemd backend runs in
/// a child process: what the child writes comes back through a pipe, and a child killed by
/// a signal becomes a typed error that names the files, while this process goes on.
public enum SDJournalIsolation {
    /// The child running libsystemd did not finish.
    public struct Crash: Error, Sendable, Equatable, CustomStringConvertible {
        /// The files or directories libsystemd was reading.
        public var paths: [String]
        /// The signal that ended the child (6, SIGABRT, for an assertion), or `nil` when it
        /// exited with an unexpected status (`status`).
        public var signal: Int32?
        public var status: Int32?
        /// The last line libsystemd printed before it ended, e.g. `Assertion '…' failed at …`.
        public var lastWords: String

        public var description: String {
            let what = signal.map { $0 == SIGABRT ? "aborted (SIGABRT: an assertion in libsystemd)" : "was killed by signal \($0)" }
                ?? "exited with status \(status ?? -1)"
            let said = lastWords.isEmpty ? "" : ": \(lastWords)"
            return "libsystemd \(what) while reading \(paths.joined(separator: ", "))\(said); "
                + "the entries before it were written; the native reader (--reader native) reads damaged files"
        }
    }

    /// Runs `work` in a child process. Bytes it hands to its `emit` reach `sink` here, and
    /// the lines it returns are returned; a crash of the child is thrown as `Crash`.
    /// Call from a single-threaded process (the `export` command): a child of a process
    /// with other threads running could inherit a lock one of them held.
    public static func run(paths: [String], sink: (UnsafeRawBufferPointer) -> Void,
                           _ work: (_ emit: (UnsafeRawBufferPointer) -> Void) -> [String]) throws(Crash) -> [String] {
        var data: [Int32] = [-1, -1], report: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        guard pipe(&data) == 0, pipe(&report) == 0, pipe(&errors) == 0 else {
            // No pipes: run here, as before (an assertion would then end the process).
            return withoutActuallyEscaping(sink) { work($0) }
        }
        let child = fork()
        if child == 0 {
            close(data[0]); close(report[0]); close(errors[0])
            _ = dup2(errors[1], 2)
            // The default actions: a fatal signal ends the child at once, without the Swift
            // runtime's crash handler (which would try to print a backtrace of C frames).
            // Nor blocked (a parent may have blocked them for its threads).
            var fatal = sigset_t()
            sigemptyset(&fatal)
            for s in [SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGQUIT] {
                _ = signal(s, SIG_DFL)
                sigaddset(&fatal, s)
            }
            _ = sigprocmask(SIG_UNBLOCK, &fatal, nil)
            let lines = work { writeAll(data[1], $0) }
            for line in lines {
                var text = line + "\n"
                text.withUTF8 { writeAll(report[1], UnsafeRawBufferPointer($0)) }
            }
            _exit(0)
        }
        close(data[1]); close(report[1]); close(errors[1])
        defer { close(data[0]); close(report[0]); close(errors[0]) }
        guard child > 0 else { return withoutActuallyEscaping(sink) { work($0) } }
        var reported: [UInt8] = [], stderr: [UInt8] = []
        var fds = [pollfd(fd: data[0], events: Int16(POLLIN), revents: 0),
                   pollfd(fd: report[0], events: Int16(POLLIN), revents: 0),
                   pollfd(fd: errors[0], events: Int16(POLLIN), revents: 0)]
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
        defer { buffer.deallocate() }
        while fds.contains(where: { $0.fd >= 0 }) {
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 else {
                if errno == EINTR { continue }
                break
            }
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = read(fds[i].fd, buffer.baseAddress, buffer.count)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { fds[i].fd = -1; continue }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                switch i {
                case 0: sink(chunk)
                case 1: reported.append(contentsOf: chunk)
                default:
                    // Only the end matters: the assertion is the last thing printed.
                    stderr.append(contentsOf: chunk)
                    if stderr.count > 1 << 16 { stderr.removeFirst(stderr.count - 4096) }
                }
            }
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let lines = String(decoding: reported, as: UTF8.self).split(separator: "\n").map(String.init)
        let termination = status & 0x7f
        let lastWords = String(decoding: stderr, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        if termination != 0 {
            throw Crash(paths: paths, signal: termination, status: nil, lastWords: lastWords)
        }
        let code = (status >> 8) & 0xff
        if code != 0 { throw Crash(paths: paths, signal: nil, status: code, lastWords: lastWords) }
        return lines
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = write(fd, p, left)
            if n < 0 { if errno == EINTR { continue }; _exit(4) }
            left -= n
            p += n
        }
    }
}
