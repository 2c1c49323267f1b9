/// The text formats kernel messages arrive in.
public enum KernelLogFormat: String, Sendable, Codable, CaseIterable {
    /// A journal entry with `_TRANSPORT=kernel`.
    case journal
    /// rsyslog traditional (RFC 3164): `Feb 19 12:58:01 host kernel: …`, no year.
    case syslog
    /// RFC 5424: `<6>1 2024-02-19T12:58:01.123456+00:00 host kernel - - - …`.
    case syslog5424
    /// rsyslog high-precision: `2024-02-19T12:58:01.123456+00:00 host kernel: …`.
    case syslogISO
    /// Raw `dmesg` / console: `[  123.456789] …`, optionally `[ T123]` and `<4>`.
    case dmesg
    /// `dmesg -T`: `[Mon Feb 11 19:22:56 2019] …`.
    case dmesgT
    /// journalctl short / short-precise / short-iso text.
    case journalctlText
    /// pstore records (`dmesg-ramoops-N`, `dmesg-efi-N`, `dmesg-efi_pstore-N`).
    case pstore
    /// kdump's `vmcore-dmesg.txt`.
    case kdump
    /// pstore's copy of the previous boot's console (`console-ramoops-N`): the end of that
    /// boot's kernel log, kept after every warm reboot, clean or not. Not a crash record.
    case pstoreConsole = "pstore-console"

    /// What the kernel kept of a boot's end (pstore, kdump, the previous boot's console): part
    /// of the boot it ended, never a boot of its own.
    public var keepsABootsEnd: Bool { self == .pstore || self == .kdump || self == .pstoreConsole }

    /// A record the kernel wrote because it crashed (pstore's dumps, kdump): a sign the boot did
    /// not end cleanly.
    public var isCrashDump: Bool { self == .pstore || self == .kdump }
}

/// Where a record was read.
public struct RecordSource: Sendable, Hashable, Codable, CustomStringConvertible {
    public var path: String
    /// 1-based line number in the (decompressed) file; 0 for journal entries.
    public var line: Int
    public var format: KernelLogFormat

    public init(path: String, line: Int, format: KernelLogFormat) {
        self.path = path
        self.line = line
        self.format = format
    }

    public var description: String { line > 0 ? "\(path):\(line)" : path }
}

/// How a record's wall-clock time was obtained.
public enum ClockSource: String, Sendable, Codable {
    /// The journal's own realtime stamp.
    case journal
    /// A syslog timestamp with a year (RFC 5424, ISO).
    case syslog
    /// An RFC 3164 timestamp whose year was inferred.
    case syslogInferredYear
    /// Monotonic seconds mapped through a journal boot's realtime/monotonic anchor.
    case bootAnchor
    /// `dmesg -T`'s own rendering (drifts with suspend).
    case dmesgT
    /// No wall-clock time could be given.
    case none
}

/// One kernel message, from any source, placed on the common clock.
public struct KernelRecord: Sendable, Hashable {
    /// The message text without timestamp, host, `kernel:` or priority prefixes.
    public var text: String
    /// The kernel's own stamp (`[  123.456789]`), in microseconds since boot.
    public var monotonicUSec: UInt64?
    /// Wall-clock time in microseconds since the epoch, UTC.
    public var wallclockUSec: Int64?
    public var clock: ClockSource
    /// How far off `wallclockUSec` may be, in microseconds.
    public var uncertaintyUSec: UInt64
    /// syslog priority 0…7 where known.
    public var priority: Int?
    public var facility: Int?
    public var hostname: String?
    /// The journal boot this record belongs to (32 hex digits), when it could be matched.
    public var bootID: String?
    /// Index of the text boot inside its file (0-based), when the source is a text log.
    public var textBoot: Int?
    /// Where it was read; more than one after deduplication (journal and kern.log).
    public var sources: [RecordSource]
    /// True when the record comes after the last journal entry of its boot: only a text
    /// log, pstore or kdump kept it.
    public var isLastWords: Bool
    /// The printk caller id (`T1234` for a task, `C1` for a CPU context) when the log had one.
    public var callerID: String?

    public init(text: String, monotonicUSec: UInt64? = nil, wallclockUSec: Int64? = nil, clock: ClockSource = .none,
                uncertaintyUSec: UInt64 = 0, priority: Int? = nil, facility: Int? = nil, hostname: String? = nil,
                bootID: String? = nil, textBoot: Int? = nil, sources: [RecordSource], isLastWords: Bool = false,
                callerID: String? = nil) {
        self.text = text
        self.monotonicUSec = monotonicUSec
        self.wallclockUSec = wallclockUSec
        self.clock = clock
        self.uncertaintyUSec = uncertaintyUSec
        self.priority = priority
        self.facility = facility
        self.hostname = hostname
        self.bootID = bootID
        self.textBoot = textBoot
        self.sources = sources
        self.isLastWords = isLastWords
        self.callerID = callerID
    }
}

/// What the journal knows about one boot, handed to the kernel-log module so that text
/// logs can be matched to boots and put on the journal's clock.
public struct JournalBootAnchor: Sendable, Hashable {
    /// 32 hex digits.
    public var bootID: String
    /// First and last entry, realtime µs.
    public var firstRealtime: Int64
    public var lastRealtime: Int64
    /// A few (realtime µs, monotonic µs) pairs from entries of this boot, in time order.
    public var anchors: [(realtime: Int64, monotonic: UInt64)]
    /// Kernel messages the journal holds for this boot (for matching and deduplication).
    public var kernelRecords: [KernelRecord]

    public init(bootID: String, firstRealtime: Int64, lastRealtime: Int64,
                anchors: [(realtime: Int64, monotonic: UInt64)], kernelRecords: [KernelRecord]) {
        self.bootID = bootID
        self.firstRealtime = firstRealtime
        self.lastRealtime = lastRealtime
        self.anchors = anchors
        self.kernelRecords = kernelRecords
    }

    public static func == (a: JournalBootAnchor, b: JournalBootAnchor) -> Bool {
        a.bootID == b.bootID && a.firstRealtime == b.firstRealtime && a.lastRealtime == b.lastRealtime
    }

    public func hash(into h: inout Hasher) { h.combine(bootID) }
}
