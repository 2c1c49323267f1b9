import Journal
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
                                     sink: (UnsafeRawBufferPointer) -> Void) -> [String] {
        var problems: [String] = []
        var writer = ChunkedWriter(format: format)
        let files = paths.filter { !isDirectory($0) }
        var readers: [SDJournalReader] = []
        do {
            if !files.isEmpty { readers.append(try SDJournalReader(files: files)) }
            for d in paths where isDirectory(d) { readers.append(try SDJournalReader(directory: d)) }
            for r in readers {
                try r.forEachEntry { writer.add($0, sink) }
            }
        } catch {
            problems.append("libsystemd: \(error)")
        }
        writer.flush(sink)
        return problems
    }

    private static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Streams the entries to `sink` in chunks; returns the problems met, one line each.
    public static func run(paths: [String], format: ExportOutput, sink: (UnsafeRawBufferPointer) -> Void) -> [String] {
        let reader = JournalReader(paths: paths)
        if format == .export {
            // The fast path renders each DATA object once, straight from the file.
            reader.writeExport(sink)
        } else {
            var writer = ChunkedWriter(format: format)
            reader.forEachEntry(fields: .all) { writer.add($0, sink) }
            writer.flush(sink)
        }
        return reader.unreadable.map(\.description) + reader.health.filter(\.isDamaged).map { "\($0.path): \($0.summary)" }
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
public enum Console {
    public static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32) {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(fd, p, left)
            if n < 0 { if errno == EINTR { continue }; return }
            left -= n
            p += n
        }
    }

    public static func out(_ text: String) {
        var t = text
        t.withUTF8 { write(UnsafeRawBufferPointer($0), to: 1) }
    }

    public static func error(_ text: String) {
        var t = text.hasSuffix("\n") ? text : text + "\n"
        t.withUTF8 { write(UnsafeRawBufferPointer($0), to: 2) }
    }
}
