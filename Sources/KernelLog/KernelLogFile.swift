/// Why a kernel log could not be read at all (bad lines inside a readable file are
/// `SkippedLines`, not errors).
public struct KernelLogError: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let cannotOpen = Code(name: "cannotOpen")
        public static let cannotRead = Code(name: "cannotRead")
        public static let tooLarge = Code(name: "tooLarge")
        public static let decompression = Code(name: "decompression")
        public static let permissionDenied = Code(name: "permissionDenied")
        /// A FIFO, socket or device: never opened for reading.
        public static let notRegular = Code(name: "notRegular")
        public var description: String { name }
    }

    public var code: Code
    public var path: String
    public var detail: String

    public init(code: Code, path: String, detail: String) {
        self.code = code
        self.path = path
        self.detail = detail
    }

    /// What went wrong, without the path.
    public var reason: String {
        switch code {
        case .permissionDenied: return "permission denied (\(detail)); run as root or make it readable"
        case .notRegular: return detail
        case .cannotOpen: return "cannot open: \(detail)"
        case .cannotRead: return "cannot read: \(detail)"
        case .tooLarge: return "too large: \(detail)"
        case .decompression: return "cannot decompress: \(detail)"
        default: return "\(code): \(detail)"
        }
    }

    public var description: String { "\(path): \(reason)" }
}

/// Lines of a file that did not become kernel records, for the report.
public struct SkippedLines: Sendable, Hashable {
    /// One skipped line: where, and why.
    public struct Sample: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Lines that could not be read as messages (malformed, binary, torn).
    public var count: Int = 0
    /// The first few of them.
    public var samples: [Sample] = []
    /// syslog lines from programs other than the kernel (expected in /var/log/messages).
    public var otherPrograms: Int = 0
    /// Metadata lines before the log proper (a syzkaller report's `TITLE:` … header).
    public var headerLines: Int = 0
    /// journalctl's `-- Boot …` / `-- No entries --` / catalog lines, pstore part headers,
    /// ramoops `====` headers and printk's replay notices.
    public var markerLines: Int = 0
    /// Empty lines.
    public var blankLines: Int = 0
    /// Lines joined to the record before them (journalctl's indented multi-line messages).
    public var continuationLines: Int = 0
    /// A syzkaller report's `REPORT:` section: an unstamped copy of the report printed above
    /// it, not counted again.
    public var reportCopyLines: Int = 0

    public static let maxSamples = 8
    /// Why a line that is no log line of any kind known was skipped.
    public static let unrecognised = "no recognised timestamp or prefix"

    /// Whether no line was read and every skipped one was of no known kind: a text that is no
    /// log (`journalctl -o cat`, which keeps the messages alone, or a program's own output).
    public func wholeFileUnrecognised(read: Int) -> Bool {
        read == 0 && count > 0 && samples.allSatisfy { $0.reason == Self.unrecognised }
    }

    public init() {}

    mutating func add(line: Int, reason: String) {
        count += 1
        if samples.count < Self.maxSamples { samples.append(Sample(line: line, reason: reason)) }
    }

    /// `12 lines skipped (line 3: binary data; …)`, or nil when nothing was skipped.
    public func summary(path: String) -> String? {
        guard count > 0 else { return nil }
        let shown = samples.map(\.description).joined(separator: "; ")
        return "\(path): \(count) line\(count == 1 ? "" : "s") skipped (\(shown)\(count > samples.count ? "; …" : ""))"
    }
}

/// One boot inside a text log: the kernel restarted (stamps back to `[    0.000000]`,
/// a new `Linux version` banner, or journalctl's `-- Boot` line).
public struct TextBoot: Sendable, Hashable {
    /// 0-based, in file order.
    public var index: Int
    /// Indices into `KernelLogFile.records`.
    public var records: Range<Int>
    /// 1-based line of the first record.
    public var firstLine: Int
    /// `4.4.0-142-generic` from the `Linux version …` banner.
    public var kernelVersion: String?
    /// The whole banner text.
    public var banner: String?
    /// From `Command line:` / `Kernel command line:`.
    public var commandLine: String?
    public var firstWallclockUSec: Int64?
    public var lastWallclockUSec: Int64?
    /// The kernel stamps of the boot's first and last stamped records.
    public var firstMonotonicUSec: UInt64?
    public var lastMonotonicUSec: UInt64?
    /// journalctl text names its boots (`-- Boot 2dbe99dd… --`).
    public var journalBootID: String?
}

/// A line of another program than the kernel, kept from a text log (see `KernelLogFile.messages`).
public struct TextMessage: Sendable, Hashable {
    /// The syslog tag as printed (`systemd`, `systemd-journald`; `init.scope` in journalctl `with-unit`).
    public var identifier: String
    public var pid: Int?
    /// Text, times, host, boot index and source line, as for a kernel record.
    public var record: KernelRecord

    public init(identifier: String, pid: Int?, record: KernelRecord) {
        self.identifier = identifier
        self.pid = pid
        self.record = record
    }
}

/// pstore part headers found in a file (`Panic#1 Part1`).
public struct PstoreInfo: Sendable, Hashable {
    /// `Panic`, `Oops`, `Emergency`, `Shutdown`, …
    public var reason: String
    /// The dump counter after `#`.
    public var count: Int
    /// Part numbers in the order they were read (Part1 is the newest chunk).
    public var parts: [Int]
}

/// A parsed kernel log.
public struct KernelLogFile: Sendable {
    public var path: String
    /// The dominant format of its lines.
    public var format: KernelLogFormat
    /// Kernel records in file order (wall-clock times provisional until `KernelClock.place`).
    public var records: [KernelRecord]
    public var boots: [TextBoot]
    public var skipped: SkippedLines
    /// The file's modification time, µs since the epoch (anchors RFC 3164 years).
    public var modificationTimeUSec: Int64?
    /// When the record was written, when the file says (ramoops `====` header, pstore time).
    public var recordTimeUSec: Int64?
    public var pstore: PstoreInfo?
    /// What the reader noticed about the file's times and lines, for the report.
    public var notes: [String]
    /// No line carries a time, wall clock or kernel stamp (journalctl's `-o cat`): a text log
    /// read in file order. Crash records (pstore, kdump), placed by their file, are not counted.
    public var hasNoTimes: Bool {
        !format.keepsABootsEnd && !records.isEmpty && records.allSatisfy { $0.wallclockUSec == nil && $0.monotonicUSec == nil }
    }
    /// The years the reader gave RFC 3164 stamps (which have none): provisional until kernel
    /// lines also in the journal confirm or move them (`KernelClock.place`).
    public var yearGuess: YearGuess?
    /// systemd's own lines (PID 1, journald, logind, systemd-shutdown, …) in a syslog or journalctl
    /// text file, in file order, on the same clock and boots as `records`: the analysis reads unit
    /// events and shutdown markers from them as from journal entries.
    public var messages: [TextMessage] = []
    /// The host names the file's lines carry, in order of first appearance (at most 16).
    public var hostnames: [String] = []

    public init(path: String, format: KernelLogFormat, records: [KernelRecord], boots: [TextBoot], skipped: SkippedLines,
                modificationTimeUSec: Int64? = nil, recordTimeUSec: Int64? = nil, pstore: PstoreInfo? = nil,
                notes: [String] = []) {
        self.path = path
        self.format = format
        self.records = records
        self.boots = boots
        self.skipped = skipped
        self.modificationTimeUSec = modificationTimeUSec
        self.recordTimeUSec = recordTimeUSec
        self.pstore = pstore
        self.notes = notes
    }
}

/// The years a file's RFC 3164 stamps were given, and from what.
public struct YearGuess: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case journalctlHeader, modificationTime, currentDate
    }
    public var firstYear: Int
    public var lastYear: Int
    public var source: Source
    /// New Years seen as the stamps jump back by months.
    public var rollovers: Int

    /// The note the report carries when nothing better placed the year.
    func note(path: String) -> String {
        let from = switch source {
        case .journalctlHeader: "journalctl's header"
        case .modificationTime: "file's modification time"
        case .currentDate: "current date"
        }
        return "\(path): syslog stamps carry no year; inferred \(firstYear == lastYear ? "\(lastYear)" : "\(firstYear)–\(lastYear)") "
            + "from the \(from)" + (rollovers > 0 ? " and \(rollovers) New Year rollover\(rollovers == 1 ? "" : "s")" : "")
    }
}
