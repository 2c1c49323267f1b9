import Compression

/// journalctl's outputs that keep whole entries: `-o export` (every field, binary-safe),
/// `-o json` / `json-seq` / `json-pretty` / `json-sse` (every field up to 4096 bytes unless `--all`) and
/// `-o verbose` (every field journalctl can print as text).
/// An incident often arrives as one of these attached to a ticket rather than as journal files.
public enum JournalTextFormat: String, Sendable, Hashable {
    case export
    case json
    /// `-o verbose`: a line with the time and the cursor, then every field indented.
    case verbose

    /// Whether `head` (a file's first few hundred bytes) may start one of these: a cheap look
    /// before the file is read to tell (`sniff`).
    public static func mayStart(_ head: [UInt8]) -> Bool {
        let start = content(head)
        if start.first == UInt8(ascii: "{") || start.starts(with: [UInt8(ascii: "_"), UInt8(ascii: "_")])
            || start.starts(with: JSONTextParser.eventPrefix) { return true }
        // `-o verbose`: a cursor in brackets ends its first lines.
        return String(decoding: start, as: UTF8.self).contains(" [s=")
    }

    /// The format `head` (a file's first bytes) starts with, if it is one of these.
    public static func sniff(_ head: [UInt8]) -> JournalTextFormat? {
        let text = String(decoding: content(head).prefix(4096), as: UTF8.self)
        if text.hasPrefix("__CURSOR=") || text.hasPrefix("__REALTIME_TIMESTAMP=") { return .export }
        if text.hasPrefix("{") || text.hasPrefix("data: {"), text.contains("\"__REALTIME_TIMESTAMP\"") { return .json }
        // `Sun 2024-02-11 09:44:35.000000 UTC [s=…;i=…;b=…;m=…;t=…;x=…]`, perhaps after a `-- … --` line.
        let first = text.split(separator: "\n", maxSplits: 2).first { !$0.hasPrefix("-- ") } ?? ""
        let line = Array(first.utf8)
        if line.withUnsafeBytes({ VerboseTextParser.cursor(of: $0) }) != nil { return .verbose }
        return nil
    }

    /// `head` without the blank space and record separators (`json-seq`) before the text.
    private static func content(_ head: [UInt8]) -> ArraySlice<UInt8> {
        head.drop { $0 == 0x1E || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
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
    /// Files past this many (runs of a sequence-number ID, restarts of their numbering, and
    /// files full at `fileSizeLimit`) are not made: the rest of the text is not read.
    public static let fileLimit = 1024
    /// An entry of more fields than this is skipped: journald keeps at most 1024 (`ENTRY_FIELD_COUNT_MAX`).
    public static let fieldLimit = 1024
    /// A JSON object larger than this is skipped: its parse would take several times its size.
    public static let objectLimit = 16 << 20
    /// A made file is closed at this size, as journald closes its own (at most 128 MiB, less on
    /// smaller disks): the reader maps a whole file's objects at once, one file at a time.
    public static let fileSizeLimit = 32 << 20

    /// Converts `text` (the whole text) read from `path`. A mapped text's pages are let go as
    /// the parser moves past them, so the text does not stay resident as it is read.
    /// `valueTable` bounds the memory each file's table of values may take; every
    /// `releaseStep` bytes read (and written) the pages behind are let go.
    public static func convert(_ text: SharedBytes, format: JournalTextFormat, path: String, valueTable: Int = 64 << 20,
                               releaseStep: Int = 64 << 20) -> Result {
        let bytes = text.unsafeBytes
        // Hash tables sized for what one file holds (an entry and its new values take some 300
        // bytes), not for the whole text: a table is part of every file made.
        var builder = Builder(path: path, text: text, expectedEntries: max(min(bytes.count, fileSizeLimit) / 300, 1),
                              valueTable: valueTable, releaseStep: releaseStep)
        switch format {
        case .export: ExportTextParser(bytes: bytes).forEach(into: &builder)
        case .json: JSONTextParser(bytes: bytes).forEach(into: &builder)
        case .verbose: VerboseTextParser(bytes: bytes).forEach(into: &builder)
        }
        return builder.finish()
    }

    /// An item's `NAME=value` bytes: a line of the text where they lie there whole, else
    /// bytes of the entry's own.
    enum Item {
        case input(Range<Int>)
        case owned(Range<Int>)
    }

    /// One entry as the text gave it.
    struct Entry {
        var realtime: UInt64?
        var monotonic: UInt64?
        var bootID: ID128?
        var seqnum: UInt64?
        var seqnumID: ID128?
        var items: [Item] = []
        /// The bytes of the `.owned` items.
        var owned: [UInt8] = []
        var machineID: ID128?

        mutating func own(_ parts: [UInt8]...) {
            let start = owned.count
            for p in parts { owned += p }
            items.append(.owned(start..<owned.count))
        }

        /// The fields journalctl prints from the entry's header or the file rather than its
        /// items; `_BOOT_ID` is both.
        mutating func meta(_ name: some Collection<UInt8>, _ value: some Collection<UInt8>) -> Bool {
            func named(_ s: String) -> Bool { name.elementsEqual(s.utf8) }
            if named("__CURSOR") {
                let cursor = Cursor(value)
                seqnumID = seqnumID ?? cursor.seqnumID
                seqnum = seqnum ?? cursor.seqnum
            } else if named("__REALTIME_TIMESTAMP") {
                realtime = JournalTextImport.number(value, radix: 10)
            } else if named("__MONOTONIC_TIMESTAMP") {
                monotonic = JournalTextImport.number(value, radix: 10)
            } else if named("__SEQNUM") {
                seqnum = JournalTextImport.number(value, radix: 10)
            } else if named("__SEQNUM_ID") {
                seqnumID = ID128(hexDigits: value)
            } else if named("_BOOT_ID") {
                bootID = ID128(hexDigits: value)
                return false
            } else if named("_MACHINE_ID") {
                machineID = machineID ?? ID128(hexDigits: value)
                return false
            } else {
                return name.starts(with: [UInt8(ascii: "_"), UInt8(ascii: "_")])
            }
            return true
        }
    }

    /// Names `Entry.meta` reads: journalctl's own (`__…`), and the boot and machine IDs.
    static func isMetaName(_ name: some Collection<UInt8>) -> Bool {
        if name.starts(with: [UInt8(ascii: "_"), UInt8(ascii: "_")]) { return true }
        return name.elementsEqual("_BOOT_ID".utf8) || name.elementsEqual("_MACHINE_ID".utf8)
    }

    /// A number in `radix` (10 or 16), digits only; nil on anything else or past 64 bits.
    static func number(_ digits: some Collection<UInt8>, radix: UInt64) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        var n: UInt64 = 0
        for c in digits {
            let d: UInt64
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt64(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: d = UInt64(c - UInt8(ascii: "a") + 10)
            default: return nil
            }
            let (m, o1) = n.multipliedReportingOverflow(by: radix)
            let (a, o2) = m.addingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            n = a
        }
        return n
    }

    /// A cursor's parts: `s=<seqnum ID>;i=<seqnum>;b=<boot ID>;m=<monotonic>;t=<realtime>;x=…`,
    /// numbers in hex.
    struct Cursor {
        var seqnumID: ID128?
        var seqnum: UInt64?
        var bootID: ID128?
        var monotonic: UInt64?
        var realtime: UInt64?

        init(_ text: some Collection<UInt8>) {
            for part in text.split(separator: UInt8(ascii: ";")) where part.count > 2 && part.dropFirst().first == UInt8(ascii: "=") {
                let value = part.dropFirst(2)
                switch part.first {
                case UInt8(ascii: "s"): seqnumID = ID128(hexDigits: value)
                case UInt8(ascii: "i"): seqnum = JournalTextImport.number(value, radix: 16)
                case UInt8(ascii: "b"): bootID = ID128(hexDigits: value)
                case UInt8(ascii: "m"): monotonic = JournalTextImport.number(value, radix: 16)
                case UInt8(ascii: "t"): realtime = JournalTextImport.number(value, radix: 16)
                default: break
                }
            }
        }

        /// Every part an entry's position needs is there.
        var isWhole: Bool { seqnumID != nil && seqnum != nil && bootID != nil && monotonic != nil && realtime != nil }
    }

    /// The end of the line that begins at `start`: its newline, or the end of the text.
    static func lineEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard start < bytes.count else { return bytes.count }
        return UnsafeRawBufferPointer(rebasing: bytes[start...]).firstIndex(ofByte: 10).map { start + $0 } ?? bytes.count
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
        /// The text the entries' `.input` items lie in.
        let text: SharedBytes
        /// Where the text's pages were last let go.
        var released = 0
        let valueTable: Int
        let releaseStep: Int

        init(path: String, text: SharedBytes, expectedEntries: Int, valueTable: Int, releaseStep: Int) {
            self.path = path
            self.text = text
            self.expectedEntries = expectedEntries
            self.valueTable = valueTable
            self.releaseStep = max(releaseStep, 1 << 20)
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
            guard e.items.count <= JournalTextImport.fieldLimit else {
                return skip("entries of more than \(JournalTextImport.fieldLimit) fields (journald's own limit)", at: place)
            }
            // A text without sequence numbers (json without __CURSOR) is one run, numbered here.
            let id = e.seqnumID ?? ID128(high: 0x706f_7374_6d6f_7274, low: 0x656d_2d74_6578_7421)
            // Taken out of the table while it is appended to, so that its writer's tables are
            // held once and grow in place (a second holder would make every change a copy).
            var run = open.removeValue(forKey: id)
            let seqnum = e.seqnum ?? (run.map { $0.last &+ 1 } ?? 1)
            if var r = run, seqnum <= r.last {
                r.writer.putAside()
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
                                     expectedEntries: expectedEntries, valueTable: valueTable, releaseStep: releaseStep), made, 0)
                made += 1
            }
            guard var r = run.take() else { return }
            if machines[r.index] == nil, let m = e.machineID { machines[r.index] = m }
            let input = text.unsafeBytes
            let ok = e.owned.withUnsafeBytes { owned in
                let payloads = e.items.map { item -> UnsafeRawBufferPointer in
                    switch item {
                    case .input(let r): UnsafeRawBufferPointer(rebasing: input[r])
                    case .owned(let r): UnsafeRawBufferPointer(rebasing: owned[r])
                    }
                }
                return r.writer.append(seqnum: seqnum, realtime: realtime, monotonic: e.monotonic ?? 0, bootID: bootID, items: payloads)
            }
            // The text before this entry is done with: a step at a time, its pages are let go.
            if place - released > releaseStep {
                text.releasePages(before: place)
                released = place
            }
            r.last = seqnum
            if !ok {
                problems.append("the journal file made from it could not grow (\(r.writer.failure ?? "no space")); the rest is not read")
                stopped = true
            }
            // A full file is put aside, as journald rotates one: the next entry of the run
            // starts another. The reader then maps and lets go one file at a time.
            if r.writer.size >= JournalTextImport.fileSizeLimit {
                r.writer.putAside()
                done.append((r.index, r.writer))
            } else {
                open[id] = r
            }
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
