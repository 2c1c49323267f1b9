import Analysis
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `postmortem alerts` writes: the rules, their promtool tests and the drop-ins.
public enum AlertsExport {
    /// A file or folder could not be written.
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Writes `dir/alerts.rules.yml`, `dir/alerts.test.yml` and `dir/dropins/<unit>.d/50-postmortem.conf`;
    /// returns the paths written.
    @discardableResult
    public static func write(_ report: PostmortemReport, source: String, to dir: String) throws -> [String] {
        let backtest = Backtest(signals: Signals(report: report))
        var files: [(String, String)] = [
            (dir + "/" + PrometheusFiles.rulesFileName, PrometheusFiles.rules(backtest, source: source)),
            (dir + "/" + PrometheusFiles.testFileName, PrometheusFiles.tests(backtest, source: source)),
        ]
        for d in GuardRails.dropIns(for: report) { files.append((dir + "/dropins/" + d.path, d.text)) }
        for (path, text) in files {
            try makeFolders(for: path)
            try writeFile(path, text)
        }
        return files.map(\.0)
    }

    /// Creates each missing folder above `path`, as `mkdir -p` does, with the system's reason on failure.
    static func makeFolders(for path: String) throws {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        var current = path.hasPrefix("/") ? "" : "."
        for part in parts where !part.isEmpty {
            current += "/" + part
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw WriteError(path: current, reason: String(cString: strerror(errno)))
            }
        }
    }

    static func writeFile(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
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
        if let failure { throw WriteError(path: path, reason: failure) }
    }
}

/// `write(2)`, named apart from `AlertsExport.write`.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
