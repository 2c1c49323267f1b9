import Foundation
import Inputs
import Journal
import Report
import SystemdJournal
#if canImport(Glibc)
import Glibc
#endif

/// Output formats of `postmortem export`.
public enum ExportOutput: String, Sendable, CaseIterable {
    case export, json
}

/// Which reader `export` uses: ours, or libsystemd's `sd_journal` (the oracle).
public enum ReaderBackend: String, Sendable, CaseIterable {
    case native, libsystemd
}

/// `postmortem export`: every entry of the named files and directories, as journalctl prints them.
public enum JournalExport {
    /// Streams through libsystemd instead; directories go through `sd_journal_open_directory`.
    public static func runLibsystemd(paths: [String], format: ExportOutput,
                                     sink: (UnsafeRawBufferPointer) -> Void) -> LibsystemdOutcome {
        var written = 0
        let counted: (UnsafeRawBufferPointer) -> Void = { written += $0.count; sink($0) }
        // In a child process: an assertion in libsystemd is reported, not the end of this one.
        do {
            let problems = try SDJournalIsolation.run(paths: paths, sink: counted) { emit in
                var problems: [String] = []
                var writer = ChunkedWriter(format: format)
                let files = paths.filter { !isDirectory($0) }
                // Each reader with the paths it reads, so that a failure names them.
                var readers: [(SDJournalReader, String)] = []
                var current = files.joined(separator: ", ")
                do {
                    if !files.isEmpty { readers.append((try SDJournalReader(files: files), current)) }
                    for d in paths where isDirectory(d) {
                        current = d
                        readers.append((try SDJournalReader(directory: d), d))
                    }
                    for (r, read) in readers {
                        current = read
                        try r.forEachEntry { writer.add($0, emit) }
                    }
                } catch {
                    problems.append("libsystemd cannot read \(current): \(error)")
                }
                writer.flush(emit)
                return problems
            }
            return LibsystemdOutcome(problems: problems, failed: !problems.isEmpty, bytesWritten: written)
        } catch {
            return LibsystemdOutcome(problems: [error.description], failed: true, bytesWritten: written)
        }
    }

    /// What `export --reader libsystemd` met.
    public struct LibsystemdOutcome: Sendable {
        /// One line each: libsystemd refusing the files or failing partway, or the child
        /// running it ending on a signal (an assertion), naming the files.
        public var problems: [String]
        /// True when libsystemd did not read the files to their end.
        public var failed: Bool
        /// Bytes of entries written before that (0: nothing could be read).
        public var bytesWritten: Int
    }

    private static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// What an export run met: the problems, one line each, and whether any journal file
    /// could be read at all (else the command exits 3).
    public struct Outcome: Sendable {
        public var problems: [String]
        public var filesRead: Int
    }

    /// Streams the entries of every journal found under `paths` to `sink` in chunks. Paths
    /// are found as `analyze` finds them: journal files and folders, host roots, archives
    /// (expanded within `budget`).
    public static func run(paths: [String], format: ExportOutput, budget: MemoryBudget = .standard,
                           sink: (UnsafeRawBufferPointer) -> Void) -> Outcome {
        let hosts = InputDiscovery.discover(paths: paths, root: nil, budget: budget)
        var problems = hosts.flatMap(\.problems).map(\.description)
        var files: [JournalFile] = []
        for source in hosts.flatMap(\.journalFiles) {
            do {
                files.append(try source.open())
            } catch {
                problems.append(error.description)
            }
        }
        // A text log named on the command line is a mistake worth a word; one found inside a
        // host root is simply not what export prints.
        let named = Set(paths.map { URL(fileURLWithPath: $0).standardized.path })
        for text in hosts.flatMap({ $0.kernelLogs + $0.pstore + $0.kdump })
        where named.contains(URL(fileURLWithPath: text.path).standardized.path) {
            problems.append("\(text.path): not a journal file; export reads journal files only (analyze reads kernel logs)")
        }
        guard !files.isEmpty else { return Outcome(problems: problems, filesRead: 0) }
        let reader = JournalReader(files: files)
        if format == .export {
            // The fast path renders each DATA object once, straight from the file.
            reader.writeExport(sink)
        } else {
            var writer = ChunkedWriter(format: format)
            reader.forEachEntry(fields: .all) { writer.add($0, sink) }
            writer.flush(sink)
        }
        problems += reader.unreadable.map(\.description) + reader.health.filter(\.isDamaged).map { "\($0.path): \($0.summary)" }
        return Outcome(problems: problems, filesRead: files.count)
    }

    /// Renders decoded entries and hands them on in chunks of about 1 MiB.
    private struct ChunkedWriter {
        let format: ExportOutput
        var buffer: [UInt8] = []

        mutating func add(_ entry: JournalEntry, _ sink: (UnsafeRawBufferPointer) -> Void) {
            switch format {
            case .export: ExportFormat.appendExport(entry, to: &buffer)
            case .json: ExportFormat.appendJSON(entry, to: &buffer)
            }
            if buffer.count >= 1 << 20 { flush(sink) }
        }

        mutating func flush(_ sink: (UnsafeRawBufferPointer) -> Void) {
            buffer.withUnsafeBytes(sink)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// A sink that writes to standard output.
    public static func standardOutput(_ bytes: UnsafeRawBufferPointer) {
        Console.write(bytes, to: 1)
    }
}

/// Unbuffered writes to standard output and standard error.
///
/// A failed write to standard output (a full disk, `/dev/full`, a closed pipe) is kept, so
/// that the command ends with a clear message and exit status 1 instead of 0 with a cut
/// report. Everything written to standard error is made terminal-safe: messages quote paths,
/// archive member names and log text, which may carry escape sequences or newlines.
public enum Console {
    private final class Latch: @unchecked Sendable {
        private let lock = NSLock()
        private var first: String?
        func set(_ reason: String) { lock.lock(); if first == nil { first = reason }; lock.unlock() }
        var value: String? { lock.lock(); defer { lock.unlock() }; return first }
    }
    private static let outputFailure = Latch()

    /// Why writing to standard output failed, the first time it did; `nil` while all went out.
    public static var writeFailure: String? { outputFailure.value }

    /// Writes all of `bytes` to `fd`; returns the error text when the descriptor refuses them.
    @discardableResult
    public static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> String? {
        guard var p = bytes.baseAddress else { return nil }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                if fd == 1 { outputFailure.set(reason) }
                return reason
            }
            left -= n
            p += n
        }
        return nil
    }

    public static func out(_ text: String) {
        var t = text
        t.withUTF8 { _ = write(UnsafeRawBufferPointer($0), to: 1) }
    }

    /// One message on standard error, made terminal-safe (one line per call).
    public static func error(_ text: String) {
        var t = printable(text.hasSuffix("\n") ? String(text.dropLast()) : text) + "\n"
        t.withUTF8 { _ = write(UnsafeRawBufferPointer($0), to: 2) }
    }

    /// `s` with control characters, newlines and bidirectional overrides shown as escapes.
    public static func printable(_ s: String) -> String { TextLayout.terminalSafe(s) }
}
