import Foundation

/// Builds journal export format (systemd's `JOURNAL_EXPORT_FORMATS.md`) so that tests can
/// turn made-up entries into real journal files with `systemd-journal-remote`.
public struct ExportBuilder: Sendable {
    public private(set) var bytes: [UInt8] = []
    public private(set) var count = 0

    public init() {}

    /// Appends one entry. `fields` may repeat names; a value with a newline or a non-text
    /// byte is written in the binary form (name, newline, 64-bit LE length, bytes).
    public mutating func add(realtime: UInt64, monotonic: UInt64, bootID: String, fields: [(String, [UInt8])]) {
        append("__REALTIME_TIMESTAMP=\(realtime)\n")
        append("__MONOTONIC_TIMESTAMP=\(monotonic)\n")
        append("_BOOT_ID=\(bootID)\n")
        for (name, value) in fields {
            if value.contains(where: { $0 == 10 || $0 < 9 }) {
                append(name + "\n")
                withUnsafeBytes(of: UInt64(value.count).littleEndian) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: value)
                bytes.append(10)
            } else {
                append(name + "=")
                bytes.append(contentsOf: value)
                bytes.append(10)
            }
        }
        bytes.append(10)
        count += 1
    }

    public mutating func add(realtime: UInt64, monotonic: UInt64, bootID: String, _ fields: [(String, String)]) {
        add(realtime: realtime, monotonic: monotonic, bootID: bootID, fields: fields.map { ($0.0, Array($0.1.utf8)) })
    }

    private mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }
}

/// Runs systemd's own `systemd-journal-remote` to write real journal files.
public enum JournalRemote {
    public static let path = ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    public static var isAvailable: Bool { path != nil }

    /// Writes `export` into the journal file `output` (which must end in `.journal`).
    /// `compact: false` sets `SYSTEMD_JOURNAL_COMPACT=0`; `keyedHash: false` sets
    /// `SYSTEMD_JOURNAL_KEYED_HASH=0`; `compress: false` sets `SYSTEMD_JOURNAL_COMPRESS=0`.
    public static func write(_ export: [UInt8], to output: String, compact: Bool = true, keyedHash: Bool = true,
                             compress: Bool = true) throws {
        guard let tool = path else { throw TestSupportError("systemd-journal-remote is not installed") }
        var env = ProcessInfo.processInfo.environment
        env["SYSTEMD_JOURNAL_COMPACT"] = compact ? "1" : "0"
        env["SYSTEMD_JOURNAL_KEYED_HASH"] = keyedHash ? "1" : "0"
        env["SYSTEMD_JOURNAL_COMPRESS"] = compress ? "1" : "0"
        let dir = TestPaths.scratch("export")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in.export"
        FileManager.default.createFile(atPath: input, contents: Data(export))
        let r = try Command.run(tool, ["--output=" + output, input], environment: env)
        guard r.status == 0 else {
            throw TestSupportError("systemd-journal-remote failed (\(r.status)): \(r.stderrText)")
        }
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
