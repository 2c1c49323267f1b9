import Compression
import Foundation

/// journalctl's outputs that keep whole entries: `-o export` (every field, binary-safe) and
/// `-o json` / `json-seq` / `json-pretty` (every field up to 4096 bytes unless `--all`).
/// An incident often arrives as one of these attached to a ticket rather than as journal files.
public enum JournalTextFormat: String, Sendable, Hashable {
    case export
    case json

    /// The format `head` (a file's first bytes) starts with, if it is one of these.
    public static func sniff(_ head: [UInt8]) -> JournalTextFormat? {
        var start = head[...]
        while let first = start.first, first == 0x1E || first == UInt8(ascii: " ") || first == UInt8(ascii: "\n") {
            start = start.dropFirst()
        }
        let text = String(decoding: start.prefix(4096), as: UTF8.self)
        if text.hasPrefix("__CURSOR=") || text.hasPrefix("__REALTIME_TIMESTAMP=") { return .export }
        if text.hasPrefix("{"), text.contains("\"__REALTIME_TIMESTAMP\"") { return .json }
        return nil
    }
}

/// The journalctl text a journal file was made from.
public struct JournalTextOrigin: Sendable, Hashable {
    /// The text's path (or `archive:member`).
    public var path: String
    public var format: JournalTextFormat

    public init(path: String, format: JournalTextFormat) {
        self.path = path
        self.format = format
    }
}

/// Turns journalctl's `-o export` or `-o json` text back into journal files (`JournalWriter`),
/// one per run of entries of one sequence-number ID, so the reader reads them like the files
/// they came from: an export's cursors are the original files' cursors.
public enum JournalTextImport {
    /// One journal file made from the text: `name` is the text's path (with `[n]` when the
    /// text held several files' entries).
    public struct Made: Sendable {
        public var name: String
        public var bytes: SharedBytes
        public var entries: Int
        /// The `_MACHINE_ID` of its first entry that carried one.
        public var machineID: ID128?
    }

    /// What was made, and what could not be used (each problem one sentence, without the path).
    public struct Result: Sendable {
        public var files: [Made] = []
        public var problems: [String] = []
    }

    /// A value longer than this is refused: journald itself keeps fields far smaller, and the
    /// reader's own cap is 256 MiB.
    public static let valueLimit = 64 << 20
    /// Runs of entries (sequence-number IDs, and restarts of their numbering) past this many
    /// are not made into files of their own.
    public static let fileLimit = 256

    /// Converts `bytes` (the whole text) read from `path`.
    public static func convert(_ bytes: UnsafeRawBufferPointer, format: JournalTextFormat, path: String) -> Result {
        var builder = Builder(path: path, expectedEntries: max(bytes.count / 600, 1))
        switch format {
        case .export: ExportTextParser(bytes: bytes).forEach(into: &builder)
        case .json: JSONTextParser(bytes: bytes).forEach(into: &builder)
        }
        return builder.finish()
    }

    /// One entry as the text gave it.
    struct Entry {
        var realtime: UInt64?
        var monotonic: UInt64?
        var bootID: ID128?
        var seqnum: UInt64?
        var seqnumID: ID128?
        var items: [[UInt8]] = []
        var machineID: ID128?

        /// The fields journalctl prints from the entry's header or the file rather than its
        /// items; `_BOOT_ID` is both.
        mutating func meta(_ name: Substring, _ value: Substring) -> Bool {
            switch name {
            case "__CURSOR":
                for part in value.split(separator: ";") {
                    let kv = part.split(separator: "=", maxSplits: 1)
                    guard kv.count == 2 else { continue }
                    switch kv[0] {
                    case "s": seqnumID = seqnumID ?? ID128(hex: kv[1])
                    case "i": seqnum = seqnum ?? UInt64(kv[1], radix: 16)
                    default: break
                    }
                }
            case "__REALTIME_TIMESTAMP": realtime = UInt64(value)
            case "__MONOTONIC_TIMESTAMP": monotonic = UInt64(value)
            case "__SEQNUM": seqnum = UInt64(value)
            case "__SEQNUM_ID": seqnumID = ID128(hex: value)
            case "_BOOT_ID":
                bootID = ID128(hex: value)
                return false
            case "_MACHINE_ID":
                machineID = machineID ?? ID128(hex: value)
                return false
            default:
                return name.hasPrefix("__")
            }
            return true
        }
    }

    /// Field names journald accepts: upper-case letters, digits and `_`, not starting with a digit.
    static func isFieldName(_ name: some Collection<UInt8>) -> Bool {
        guard let first = name.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), name.count <= 64 else { return false }
        return name.allSatisfy { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") }
    }

    /// Groups entries into files by sequence-number ID, a new file where the numbering goes back.
    struct Builder {
        let path: String
        let expectedEntries: Int
        var open: [ID128: (writer: JournalWriter, index: Int, last: UInt64)] = [:]
        var done: [(index: Int, writer: JournalWriter)] = []
        var machines: [Int: ID128] = [:]
        var made = 0
        var problems: [String] = []
        var skipped: [String: (count: Int, first: Int)] = [:]
        var stopped = false

        init(path: String, expectedEntries: Int) {
            self.path = path
            self.expectedEntries = expectedEntries
        }

        /// Counts an entry or line that was not used, named once with where it first happened.
        mutating func skip(_ reason: String, at place: Int) {
            if let s = skipped[reason] { skipped[reason] = (s.count + 1, s.first) } else { skipped[reason] = (1, place) }
        }

        mutating func add(_ e: Entry, at place: Int) {
            guard !stopped else { return }
            guard let realtime = e.realtime else { return skip("entries without __REALTIME_TIMESTAMP", at: place) }
            guard let bootID = e.bootID else { return skip("entries without _BOOT_ID", at: place) }
            guard !e.items.isEmpty else { return skip("entries without fields", at: place) }
            // A text without sequence numbers (json without __CURSOR) is one run, numbered here.
            let id = e.seqnumID ?? ID128(high: 0x706f_7374_6d6f_7274, low: 0x656d_2d74_6578_7421)
            var run = open[id]
            let seqnum = e.seqnum ?? (run.map { $0.last &+ 1 } ?? 1)
            if let r = run, seqnum <= r.last {
                done.append((r.index, r.writer))
                run = nil
            }
            if run == nil {
                guard made < JournalTextImport.fileLimit else {
                    problems.append("more than \(JournalTextImport.fileLimit) runs of entries (sequence-number IDs, or restarts of their numbering); the rest is not read")
                    stopped = true
                    return
                }
                let file = ID128(high: id.high ^ UInt64(made &+ 1), low: id.low ^ 0x9e37_79b9_7f4a_7c15)
                run = (JournalWriter(seqnumID: id, machineID: e.machineID ?? ID128(high: 0, low: 0), fileID: file,
                                     expectedEntries: expectedEntries), made, 0)
                made += 1
            }
            guard var r = run else { return }
            if machines[r.index] == nil, let m = e.machineID { machines[r.index] = m }
            open[id] = nil  // the writer is moved out while it is appended to, so it is not copied
            let ok = r.writer.append(seqnum: seqnum, realtime: realtime, monotonic: e.monotonic ?? 0, bootID: bootID, items: e.items)
            r.last = seqnum
            if !ok {
                problems.append("the journal file made from it could not grow (\(r.writer.failure ?? "no space")); the rest is not read")
                stopped = true
            }
            open[id] = r
        }

        consuming func finish() -> Result {
            var result = Result()
            for (reason, s) in skipped.sorted(by: { $0.value.first < $1.value.first }) {
                result.problems.append("\(s.count) \(reason) skipped (the first at byte \(s.first))")
            }
            result.problems += problems
            var all = done
            for (_, r) in open { all.append((r.index, r.writer)) }
            all.sort { $0.index < $1.index }
            let several = all.count > 1
            for (i, w) in all.enumerated() where w.writer.entryCount > 0 {
                let entries = w.writer.entryCount
                result.files.append(Made(name: several ? "\(path)[\(i + 1)]" : path, bytes: w.writer.finish(), entries: entries,
                                         machineID: machines[w.index]))
            }
            return result
        }
    }
}

/// `journalctl -o export`: `NAME=value` lines, or a name line then a 64-bit little-endian size,
/// the value's bytes and a newline; a blank line ends an entry.
struct ExportTextParser {
    let bytes: UnsafeRawBufferPointer

    func forEach(into builder: inout JournalTextImport.Builder) {
        var entry = JournalTextImport.Entry()
        var entryStart = 0
        var i = 0
        let n = bytes.count
        func flush(_ at: Int) {
            if entry.realtime != nil || !entry.items.isEmpty { builder.add(entry, at: entryStart) }
            entry = JournalTextImport.Entry()
            entryStart = at
        }
        while i < n && !builder.stopped {
            let lineEnd = newline(from: i) ?? n
            if lineEnd == i {
                i += 1
                flush(i)
                continue
            }
            let line = UnsafeRawBufferPointer(rebasing: bytes[i..<lineEnd])
            if let eq = line.firstIndex(of: UInt8(ascii: "=")) {
                let name = line[..<eq]
                let value = Array(line[(eq + 1)...])
                guard JournalTextImport.isFieldName(name) else {
                    builder.skip("lines that are not fields", at: i)
                    i = lineEnd + 1
                    continue
                }
                let nameText = String(decoding: name, as: UTF8.self)
                // A cursor where an entry has begun starts the next one (texts pasted together
                // without their blank line).
                if nameText == "__CURSOR", entry.realtime != nil || !entry.items.isEmpty { flush(i) }
                if !entry.meta(Substring(nameText), Substring(String(decoding: value, as: UTF8.self))) {
                    entry.items.append(Array(line))
                }
                i = lineEnd + 1
            } else {
                // A binary field: the size follows the name's newline.
                let name = Array(line)
                let sizeAt = lineEnd + 1
                guard JournalTextImport.isFieldName(name), sizeAt <= n - 8 else {
                    builder.skip(sizeAt > n - 8 ? "fields cut by the end of the text" : "lines that are not fields", at: i)
                    i = lineEnd + 1
                    continue
                }
                let size = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: sizeAt, as: UInt64.self))
                let valueAt = sizeAt + 8
                guard size <= UInt64(JournalTextImport.valueLimit) else {
                    builder.problems.append("a binary field \(String(decoding: name, as: UTF8.self)) at byte \(i) says it is \(size) bytes, over the limit of \(JournalTextImport.valueLimit); the rest is not read")
                    entry = JournalTextImport.Entry()
                    break
                }
                let count = Int(size)
                guard count <= n - valueAt else {
                    builder.problems.append("the text ends inside a binary field \(String(decoding: name, as: UTF8.self)) at byte \(i); the entries before it are read")
                    entry = JournalTextImport.Entry()
                    break
                }
                entry.items.append(name + [UInt8(ascii: "=")] + Array(bytes[valueAt..<(valueAt + count)]))
                i = valueAt + count
                if i < n && bytes[i] == 10 { i += 1 }
            }
        }
        flush(n)
    }

    private func newline(from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let p = memchr(base + start, 10, bytes.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(p))
    }
}

/// `journalctl -o json` (one object per line), `json-seq` (each line after an RS byte) and
/// `json-pretty` (objects over several lines). Values are strings, arrays of byte values
/// (binary), arrays of those (a field given several times), or null (longer than 4096 bytes
/// without `--all`: not in the text).
struct JSONTextParser {
    let bytes: UnsafeRawBufferPointer

    func forEach(into builder: inout JournalTextImport.Builder) {
        var objectStart = 0
        var depthZeroStart: Int?
        var i = 0
        let n = bytes.count
        var inString = false, escaped = false, depth = 0
        // Objects are found by their braces (outside strings), so one parser reads every layout.
        while i < n && !builder.stopped {
            let c = bytes[i]
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") {
                if depth == 0 { objectStart = i; depthZeroStart = i }
                depth += 1
                if depth > 4 {
                    builder.skip("objects nested deeper than journalctl writes", at: objectStart)
                    depth = 0; depthZeroStart = nil
                    i = skipLine(from: i)
                    continue
                }
            } else if c == UInt8(ascii: "}"), depth > 0 {
                depth -= 1
                if depth == 0, let start = depthZeroStart {
                    parse(UnsafeRawBufferPointer(rebasing: bytes[start...i]), at: start, into: &builder)
                    depthZeroStart = nil
                }
            } else if depth == 0, c != 10, c != 13, c != 0x1E, c != UInt8(ascii: " "), c != UInt8(ascii: "\t") {
                builder.skip("lines that are not JSON objects", at: i)
                i = skipLine(from: i)
                continue
            }
            i += 1
        }
        if depthZeroStart != nil { builder.problems.append("the text ends inside an object at byte \(objectStart); the entries before it are read") }
    }

    private func skipLine(from start: Int) -> Int {
        var i = start
        while i < bytes.count && bytes[i] != 10 { i += 1 }
        return i + 1
    }

    private func parse(_ object: UnsafeRawBufferPointer, at place: Int, into builder: inout JournalTextImport.Builder) {
        guard let any = try? JSONSerialization.jsonObject(with: Data(object)), let dict = any as? [String: Any] else {
            return builder.skip("objects that are not valid JSON", at: place)
        }
        var entry = JournalTextImport.Entry()
        var nulls = 0
        for key in dict.keys.sorted() {
            guard let value = dict[key] else { continue }
            let name = Array(key.utf8)
            guard JournalTextImport.isFieldName(name) else { continue }
            var values: [[UInt8]] = []
            if value is NSNull {
                nulls += 1
                continue
            } else if let text = value as? String {
                values = [Array(text.utf8)]
            } else if let list = value as? [Any] {
                if let binary = Self.byteArray(list) {
                    values = [binary]
                } else {
                    for v in list {
                        if let text = v as? String { values.append(Array(text.utf8)) } else if let l = v as? [Any], let b = Self.byteArray(l) { values.append(b) }
                    }
                }
            }
            for v in values {
                if let text = String(validating: v, as: UTF8.self), entry.meta(Substring(key), Substring(text)) { continue }
                if key == "__CURSOR" || key.hasPrefix("__") { continue }
                entry.items.append(name + [UInt8(ascii: "=")] + v)
            }
        }
        if nulls > 0 { builder.skip("fields longer than 4096 bytes left out by journalctl (its --all keeps them)", at: place) }
        builder.add(entry, at: place)
    }

    /// `[72, 101, …]`: a binary value, when every element is a byte.
    static func byteArray(_ list: [Any]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(list.count)
        for v in list {
            guard !(v is String), let n = v as? NSNumber, let b = UInt8(exactly: n.doubleValue) else { return nil }
            out.append(b)
        }
        return list.isEmpty ? nil : out
    }
}
