import Events
import Journal

/// Everything one analysis found, in the shape of the versioned JSON report
/// (`postmortem.report/2`, schema in `docs/report.schema.json`). The analysis fills it;
/// the renderers in `Report` only read it.
public struct PostmortemReport: Codable, Sendable {
    public static let schemaName = "postmortem.report/2"

    public var schema: String = PostmortemReport.schemaName
    /// The postmortem version that wrote this report.
    public var generator: String = "postmortem"
    public var inputs: [InputSummary] = []
    public var host: HostInfo = HostInfo()
    public var boots: [BootSummary] = []
    /// The boot this report is about (32 hex digits), `nil` when the input had no boot at all.
    public var analyzedBoot: String?
    public var end: BootEnd?
    public var units: [UnitSummary] = []
    public var oomKills: [OOMKillSummary] = []
    public var forkRate: ForkRate?
    /// The analysed boot's journal entries of priority err or worse, per minute (each minute's
    /// start); `nil` when it has no journal entries to count (text logs carry no priorities).
    public var journalErrorsPerMinute: [SeriesPoint]?
    public var kernelEvents: [KernelEventSummary] = []
    public var rootCauses: [RootCause] = []
    public var timeline: [TimelineRow] = []
    /// What monitoring would have caught, and when (filled by the `Detection` library).
    public var detection: DetectionSummary?
    /// Things the reader of the report should know about the data (lost entries, clock guesses).
    public var notes: [ReportNote] = []
    /// The time window asked for (`--since`/`--until`); `nil` when the whole boot was analysed.
    public var window: TimeWindow?
    /// Kernel logs alone and without wall-clock times that hold several boots: which one this
    /// report is about. `nil` for one boot, or when boots have times.
    public var untimedBoots: UntimedBoots?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case schema, generator, inputs, host, boots
        case analyzedBoot = "analyzed_boot"
        case end, units
        case oomKills = "oom_kills"
        case forkRate = "fork_rate"
        case journalErrorsPerMinute = "journal_errors_per_minute"
        case kernelEvents = "kernel_events"
        case rootCauses = "root_causes"
        case timeline, notes, detection, window
        case untimedBoots = "untimed_boots"
    }
}

/// Boots told apart in kernel logs that have no wall-clock time (a `Linux version` line, or a
/// file whose kernel clock starts again, begins each), in the files' order.
public struct UntimedBoots: Codable, Sendable, Hashable {
    /// How many boots the kernel logs hold.
    public var count: Int
    /// Which one was analysed, 1 being the first in the files' order (`--boot N` chooses it);
    /// nil when the boot asked for is not among them (and nothing was analysed).
    public var analysed: Int?
    /// The files the analysed boot was read from.
    public var paths: [String]

    public init(count: Int, analysed: Int?, paths: [String]) {
        self.count = count
        self.analysed = analysed
        self.paths = paths
    }
}

/// The part of the boot a report covers: units, OOM kills, kernel events and the timeline come
/// from it; how the boot ended is decided from the whole boot.
public struct TimeWindow: Codable, Sendable, Hashable {
    public var since: Timestamp?
    public var until: Timestamp?
    /// Entries of the analysed boot inside the window.
    public var entries: Int

    public init(since: Timestamp?, until: Timestamp?, entries: Int) {
        self.since = since
        self.until = until
        self.entries = entries
    }
}

/// One input file or directory and how well it could be read.
public struct InputSummary: Codable, Sendable, Hashable {
    public var path: String
    public var kind: SourceKind
    public var entries: Int
    public var health: InputHealth

    public init(path: String, kind: SourceKind, entries: Int, health: InputHealth) {
        self.path = path
        self.kind = kind
        self.entries = entries
        self.health = health
    }
}

/// How well an input could be read.
public enum InputStatus: String, Codable, Sendable, CaseIterable {
    case ok
    /// Read in part: the problems say what was lost.
    case damaged
    case unreadable
}

/// How an input fared, with the problems found.
public struct InputHealth: Codable, Sendable, Hashable {
    public var status: InputStatus
    /// The journal header's state, for a journal file.
    public var state: JournalState?
    public var entriesLinked: Int?
    public var entriesRecovered: Int?
    public var problems: [String]

    public init(status: InputStatus, state: JournalState? = nil, entriesLinked: Int? = nil, entriesRecovered: Int? = nil,
                problems: [String] = []) {
        self.status = status
        self.state = state
        self.entriesLinked = entriesLinked
        self.entriesRecovered = entriesRecovered
        self.problems = problems
    }

    enum CodingKeys: String, CodingKey {
        case status, state, problems
        case entriesLinked = "entries_linked"
        case entriesRecovered = "entries_recovered"
    }
}

public struct HostInfo: Codable, Sendable, Hashable {
    public var hostname: String?
    public var machineID: String?
    /// OS, kernel, panic settings, memory, CPUs, virtualisation and uptime (see `HostFacts`).
    public var facts: HostFacts?

    public init(hostname: String? = nil, machineID: String? = nil) {
        self.hostname = hostname
        self.machineID = machineID
    }

    enum CodingKeys: String, CodingKey {
        case hostname, facts
        case machineID = "machine_id"
    }
}

/// How a boot ended.
public enum BootEndKind: String, Codable, Sendable, CaseIterable {
    case clean, unclean, ongoing, unknown
}

/// Where a boot's start (the kernel's start) was read.
public enum BootStartSource: String, Codable, Sendable, CaseIterable {
    /// realtime − monotonic of the boot's journal entries, on the newest wall clock the boot had.
    case journalClock = "journal-clock"
    /// A text log's `Linux version` line with its kernel stamp.
    case kernelBanner = "kernel-banner"
    /// A text log's time minus its dmesg uptime stamp (`[ 46318.123456]`).
    case dmesgUptime = "dmesg-uptime"
}

/// A step of the wall clock against the monotonic one inside a boot: NTP setting the clock of
/// a board without an RTC, a manual `date -s`, or a suspend (the monotonic clock stops then).
public struct ClockJump: Codable, Sendable, Hashable {
    /// Seconds since the kernel's start (monotonic) at the first entry after the step.
    public var uptimeSeconds: Double
    /// The wall clock the entry would have had without the step, and the one it had.
    public var from: Timestamp
    public var to: Timestamp

    public init(uptimeSeconds: Double, from: Timestamp, to: Timestamp) {
        self.uptimeSeconds = uptimeSeconds
        self.from = from
        self.to = to
    }

    /// Positive when the clock moved forward.
    public var seconds: Double { Double(to.microseconds &- from.microseconds) / 1_000_000 }

    enum CodingKeys: String, CodingKey {
        case from, to
        case uptimeSeconds = "uptime_seconds"
    }
}

/// One boot, in the machine's own order (seqnums, journal files, monotonic clock; wall-clock
/// time only between journald runs that share nothing else).
public struct BootSummary: Codable, Sendable, Hashable {
    public var bootID: String
    /// The first and last entry kept, by wall clock.
    public var first: Timestamp
    public var last: Timestamp
    public var entries: Int
    public var end: BootEndKind
    public var endEvidence: [BootEndEvidence]
    /// The kernel's start, on the boot's newest wall clock.
    public var start: Timestamp?
    public var startSource: BootStartSource?
    /// Monotonic seconds from the kernel's start to the last entry: how long the boot ran.
    public var uptimeSeconds: Double?
    /// Monotonic seconds from the kernel's start to the first entry kept: above a minute or two,
    /// the boot's beginning was rotated or vacuumed away.
    public var firstEntryUptimeSeconds: Double?
    public var clockJumps: [ClockJump] = []
    /// True when the boot's wall clock ran behind the boots before it (it ended "before" an
    /// earlier boot did): it was never set, so its times and the silence around it are unknown.
    public var clockBehind: Bool?
    /// True when only text logs (kern.log, messages, a console log) hold the boot, no journal.
    public var textOnly: Bool?

    public init(bootID: String, first: Timestamp, last: Timestamp, entries: Int, end: BootEndKind, endEvidence: [BootEndEvidence]) {
        self.bootID = bootID
        self.first = first
        self.last = last
        self.entries = entries
        self.end = end
        self.endEvidence = endEvidence
    }

    /// Whether the journal lost the boot's beginning: its first entry kept comes more than
    /// `threshold` seconds after the kernel started.
    public func beginningLost(threshold: Double = 120) -> Bool { (firstEntryUptimeSeconds ?? 0) > threshold }

    enum CodingKeys: String, CodingKey {
        case first, last, entries, end, start
        case bootID = "boot_id"
        case endEvidence = "end_evidence"
        case startSource = "start_source"
        case uptimeSeconds = "uptime_seconds"
        case firstEntryUptimeSeconds = "first_entry_uptime_seconds"
        case clockJumps = "clock_jumps"
        case clockBehind = "clock_behind"
        case textOnly = "text_only"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        bootID = try c.decode(String.self, forKey: .bootID)
        first = try c.decode(Timestamp.self, forKey: .first)
        last = try c.decode(Timestamp.self, forKey: .last)
        entries = try c.decode(Int.self, forKey: .entries)
        end = try c.decode(BootEndKind.self, forKey: .end)
        endEvidence = try c.decode([BootEndEvidence].self, forKey: .endEvidence)
        start = try c.decodeIfPresent(Timestamp.self, forKey: .start)
        startSource = try c.decodeIfPresent(BootStartSource.self, forKey: .startSource)
        uptimeSeconds = try c.decodeIfPresent(Double.self, forKey: .uptimeSeconds)
        firstEntryUptimeSeconds = try c.decodeIfPresent(Double.self, forKey: .firstEntryUptimeSeconds)
        clockJumps = try c.decodeIfPresent([ClockJump].self, forKey: .clockJumps) ?? []
        clockBehind = try c.decodeIfPresent(Bool.self, forKey: .clockBehind)
        textOnly = try c.decodeIfPresent(Bool.self, forKey: .textOnly)
    }
}

/// Why a shutdown marker was not taken as the end of the boot.
public enum IgnoredMarkerReason: String, Codable, Sendable, CaseIterable {
    /// Logged by the initrd, before or at PID 1's last `Switching root.`.
    case initrd
    /// journald stopped, but started again later in the same boot (`systemctl restart systemd-journald`).
    case journaldRestarted = "journald-restarted"
    /// Long before the boot's last entry: the machine went on running after it.
    case farFromEnd = "far-from-end"
    /// logind announced a shutdown (`System is rebooting.`) that PID 1 never logged carrying out.
    case announcedOnly = "announced-only"
}

/// A shutdown marker that did not count, and why.
public struct IgnoredShutdownMarker: Codable, Sendable, Hashable {
    public var time: Timestamp
    public var text: String
    public var reason: IgnoredMarkerReason
    /// Monotonic seconds since the kernel's start.
    public var uptimeSeconds: Double?

    public init(time: Timestamp, text: String, reason: IgnoredMarkerReason, uptimeSeconds: Double? = nil) {
        self.time = time
        self.text = text
        self.reason = reason
        self.uptimeSeconds = uptimeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case time, text, reason
        case uptimeSeconds = "uptime_seconds"
    }
}

/// The kind of source evidence came from: an input, or where a boot's last sign of life was.
public enum SourceKind: String, Codable, Sendable, CaseIterable {
    case journal
    /// A text kernel log (kern.log, messages, dmesg) kept lines after the journal's last entry.
    case kernelLog = "kernel-log"
    case pstore, kdump
}

/// How the analysed boot ended and the silence that followed.
public struct BootEnd: Codable, Sendable, Hashable {
    public var kind: BootEndKind
    /// The journal's last entry of the boot.
    public var lastEntry: Timestamp?
    public var nextBootFirst: Timestamp?
    /// Seconds of silence: from the last sign of life (else the last entry) to the next boot's
    /// start (else its first entry).
    public var gapSeconds: Double?
    public var evidence: [BootEndEvidence]
    /// The last sign of life in any source (journal, kernel log, pstore, kdump).
    public var lastSignOfLife: Timestamp?
    public var lastSignSource: SourceKind?
    /// The next boot's kernel start.
    public var nextBootStart: Timestamp?
    /// Shutdown markers seen in the boot that did not count, and why.
    public var ignoredMarkers: [IgnoredShutdownMarker] = []
    /// True when the boot's tail has shutdown markers and signs of an unclean end as well. A
    /// shutdown that reached systemd-shutdown or journald's final stop with only its storage left
    /// dirty is `clean`; one that did not get that far, or a kernel crash, is `unclean`.
    public var conflicting: Bool = false
    /// Who or what asked for the shutdown (clean ends only).
    public var requestedBy: ShutdownInitiator?

    public init(kind: BootEndKind, lastEntry: Timestamp?, nextBootFirst: Timestamp?, gapSeconds: Double?, evidence: [BootEndEvidence]) {
        self.kind = kind
        self.lastEntry = lastEntry
        self.nextBootFirst = nextBootFirst
        self.gapSeconds = gapSeconds
        self.evidence = evidence
    }

    enum CodingKeys: String, CodingKey {
        case kind, evidence, conflicting
        case lastEntry = "last_entry"
        case nextBootFirst = "next_boot_first"
        case gapSeconds = "gap_seconds"
        case lastSignOfLife = "last_sign_of_life"
        case lastSignSource = "last_sign_source"
        case nextBootStart = "next_boot_start"
        case ignoredMarkers = "ignored_markers"
        case requestedBy = "requested_by"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(BootEndKind.self, forKey: .kind)
        evidence = try c.decode([BootEndEvidence].self, forKey: .evidence)
        lastEntry = try c.decodeIfPresent(Timestamp.self, forKey: .lastEntry)
        nextBootFirst = try c.decodeIfPresent(Timestamp.self, forKey: .nextBootFirst)
        gapSeconds = try c.decodeIfPresent(Double.self, forKey: .gapSeconds)
        lastSignOfLife = try c.decodeIfPresent(Timestamp.self, forKey: .lastSignOfLife)
        lastSignSource = try c.decodeIfPresent(SourceKind.self, forKey: .lastSignSource)
        nextBootStart = try c.decodeIfPresent(Timestamp.self, forKey: .nextBootStart)
        ignoredMarkers = try c.decodeIfPresent([IgnoredShutdownMarker].self, forKey: .ignoredMarkers) ?? []
        conflicting = try c.decodeIfPresent(Bool.self, forKey: .conflicting) ?? false
        requestedBy = try c.decodeIfPresent(ShutdownInitiator.self, forKey: .requestedBy)
    }
}

/// Who or what asked for a shutdown: a command run with sudo, the power key, a scheduled shutdown.
public struct ShutdownInitiator: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case sudoCommand = "sudo-command"
        case powerKey = "power-key"
        case scheduled
    }
    public var kind: Kind
    public var time: Timestamp
    /// The user who ran the command.
    public var user: String?
    /// The command as logged (`/usr/sbin/reboot`).
    public var command: String?
    /// The message as logged.
    public var text: String
    /// The journal cursor of the entry.
    public var source: String

    public init(kind: Kind, time: Timestamp, user: String?, command: String?, text: String, source: String) {
        self.kind = kind
        self.time = time
        self.user = user
        self.command = command
        self.text = text
        self.source = source
    }
}

/// When a unit that was already crash-looping at the oldest entry kept most likely began,
/// extrapolated back from its restart counter at that entry and the restart rate seen since.
/// An estimate, and labelled so wherever it is shown.
public struct LoopStartEstimate: Codable, Sendable, Hashable {
    public var start: Timestamp
    /// Restarts the counter says happened before the first one kept.
    public var restartsBefore: Int
    /// Mean seconds between the restarts kept.
    public var meanIntervalSeconds: Double
    /// True when the extrapolation reached back past the boot's start and was cut there.
    public var boundedByBootStart: Bool

    public init(start: Timestamp, restartsBefore: Int, meanIntervalSeconds: Double, boundedByBootStart: Bool) {
        self.start = start
        self.restartsBefore = restartsBefore
        self.meanIntervalSeconds = meanIntervalSeconds
        self.boundedByBootStart = boundedByBootStart
    }

    enum CodingKeys: String, CodingKey {
        case start
        case restartsBefore = "restarts_before"
        case meanIntervalSeconds = "mean_interval_seconds"
        case boundedByBootStart = "bounded_by_boot_start"
    }
}

/// One systemd unit's life in the analysed boot.
public struct UnitSummary: Codable, Sendable, Hashable {
    public var unit: String
    public var starts: Int = 0
    public var restartsObserved: Int = 0
    public var restartCounterMax: Int?
    /// The lowest restart counter seen: above 1, the loop had been running before the oldest entry kept.
    public var restartCounterMin: Int?
    public var firstRestart: Timestamp?
    public var lastRestart: Timestamp?
    public var peakRestartsPerMinute: Int = 0
    /// `"1/FAILURE": n`: main-process exits by status.
    public var exitStatuses: [String: Int] = [:]
    /// `"exit-code": n`: failures by `UNIT_RESULT`.
    public var results: [String: Int] = [:]
    /// `"dependency": n`: start jobs that did not complete, by `JOB_RESULT` (a unit whose
    /// dependency failed never ran, so it has no unit result).
    public var jobFailures: [String: Int] = [:]
    public var startLimitHit: Bool = false
    public var oomKills: Int = 0
    public var crashLoop: Bool = false
    /// Median seconds between a restart being scheduled and the next one.
    public var medianRestartIntervalSeconds: Double?
    /// What the observed behaviour says the unit's settings must be (`Restart=always`, …).
    public var impliedSettings: [ImpliedSetting] = []
    /// Lines quoted from the unit file and its drop-ins, as `path:line: text`.
    public var unitFileLines: [String] = []
    /// The unit's processes' most frequent messages at warning priority or worse, normalised, with counts.
    public var ownWords: [UnitMessage] = []
    /// Where the unit comes from: its files, settings, package and the targets that want it.
    public var provenance: UnitProvenance?
    /// Restarts per minute, for charts: minute start → count.
    public var restartsPerMinute: [SeriesPoint] = []
    /// For a loop already running at the oldest entry kept: when it most likely began (an estimate).
    public var loopStartEstimate: LoopStartEstimate?

    public init(unit: String) { self.unit = unit }

    enum CodingKeys: String, CodingKey {
        case unit, starts, results
        case restartsObserved = "restarts_observed"
        case restartCounterMax = "restart_counter_max"
        case restartCounterMin = "restart_counter_min"
        case firstRestart = "first_restart"
        case lastRestart = "last_restart"
        case peakRestartsPerMinute = "peak_restarts_per_minute"
        case exitStatuses = "exit_statuses"
        case jobFailures = "job_failures"
        case startLimitHit = "start_limit_hit"
        case oomKills = "oom_kills"
        case crashLoop = "crash_loop"
        case medianRestartIntervalSeconds = "median_restart_interval_seconds"
        case impliedSettings = "implied_settings"
        case unitFileLines = "unit_file_lines"
        case ownWords = "own_words"
        case provenance
        case restartsPerMinute = "restarts_per_minute"
        case loopStartEstimate = "loop_start_estimate"
    }
}

/// A value at the start of a one-minute (or other) bucket.
public struct SeriesPoint: Codable, Sendable, Hashable {
    public var start: Timestamp
    public var value: Double

    public init(start: Timestamp, value: Double) {
        self.start = start
        self.value = value
    }
}

/// `global` (kernel, whole machine), `memcg` (kernel, a memory cgroup's limit) or `oomd` (systemd-oomd).
public enum OOMKind: String, Codable, Sendable {
    case global, memcg, oomd
}

public struct OOMKillSummary: Codable, Sendable, Hashable {
    public var time: Timestamp?
    public var kind: OOMKind
    public var pid: Int?
    public var comm: String?
    public var uid: Int?
    public var anonRSSKB: Int?
    public var totalVMKB: Int?
    public var constraint: String?
    public var taskMemcg: String?
    public var oomMemcg: String?
    public var unit: String?
    /// For a memory-cgroup OOM: the limit that was hit, from the kernel's `memory: usage …, limit …kB` line.
    public var memcgLimitKB: Int?
    public var invokedBy: String?
    /// The biggest tasks from the kernel's task dump, largest first, as `comm (pid): rss kB`.
    public var biggestTasks: [String] = []
    /// Where the kill was read (`cursor` or `file:line`).
    public var evidence: [String] = []
    /// For a kill without a wall-clock time (a console log's): the kernel's own stamp, seconds
    /// since it started.
    public var uptimeSeconds: Double?

    public init(time: Timestamp?, kind: OOMKind) {
        self.time = time
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey {
        case time, kind, pid, comm, uid, constraint, unit, evidence
        case uptimeSeconds = "uptime_seconds"
        case anonRSSKB = "anon_rss_kb"
        case totalVMKB = "total_vm_kb"
        case taskMemcg = "task_memcg"
        case oomMemcg = "oom_memcg"
        case memcgLimitKB = "memcg_limit_kb"
        case invokedBy = "invoked_by"
        case biggestTasks = "biggest_tasks"
    }
}

public struct ForkRatePoint: Codable, Sendable, Hashable {
    public var start: Timestamp
    public var perSecond: Double

    public init(start: Timestamp, perSecond: Double) {
        self.start = start
        self.perSecond = perSecond
    }

    enum CodingKeys: String, CodingKey {
        case start
        case perSecond = "per_second"
    }
}

/// Processes and threads created per second, estimated from how `_PID` values advance.
public struct ForkRate: Codable, Sendable, Hashable {
    /// How the figure was obtained, e.g. `pid-advance`.
    public var method: String
    public var pidMax: Int?
    public var pidMaxSource: PIDMaxSource?
    /// One point per minute.
    public var series: [ForkRatePoint]
    /// The highest one-minute average.
    public var peakPerSecond: Double
    public var peakAt: Timestamp?
    /// True when PIDs may have wrapped more than once between observations: the figure is then a lower bound.
    public var lowerBound: Bool
    public var wraps: Int
    /// pids-controller rejections, spawn failures with EAGAIN, TasksMax hits.
    public var forkFailures: Int

    public init(method: String, pidMax: Int?, pidMaxSource: PIDMaxSource?, series: [ForkRatePoint], peakPerSecond: Double,
                peakAt: Timestamp?, lowerBound: Bool, wraps: Int, forkFailures: Int) {
        self.method = method
        self.pidMax = pidMax
        self.pidMaxSource = pidMaxSource
        self.series = series
        self.peakPerSecond = peakPerSecond
        self.peakAt = peakAt
        self.lowerBound = lowerBound
        self.wraps = wraps
        self.forkFailures = forkFailures
    }

    enum CodingKeys: String, CodingKey {
        case method, series, wraps
        case pidMax = "pid_max"
        case pidMaxSource = "pid_max_source"
        case peakPerSecond = "peak_per_second"
        case peakAt = "peak_at"
        case lowerBound = "lower_bound"
        case forkFailures = "fork_failures"
    }
}

public struct KernelEventSummary: Codable, Sendable, Hashable {
    public var time: Timestamp?
    /// What kind of distress (`hung_task`, `soft_lockup`, `panic`, … in JSON).
    public var kind: KernelDistressKind
    public var text: String
    /// Where it was read: `journal` cursor, or `path:line`.
    public var source: String
    /// True when only a text log, pstore or kdump kept it (after the journal's last entry).
    public var lastWords: Bool
    /// For a panic: what the kernel said it panicked on (`softlockup: hung tasks`).
    public var reason: String?
    /// For an event without a wall-clock time (a console log's): the kernel's own stamp,
    /// seconds since it started.
    public var uptimeSeconds: Double?

    public init(time: Timestamp?, kind: KernelDistressKind, text: String, source: String, lastWords: Bool = false,
                reason: String? = nil, uptimeSeconds: Double? = nil) {
        self.time = time
        self.kind = kind
        self.text = text
        self.source = source
        self.lastWords = lastWords
        self.reason = reason
        self.uptimeSeconds = time == nil ? uptimeSeconds : nil
    }

    enum CodingKeys: String, CodingKey {
        case time, kind, text, source, reason
        case lastWords = "last_words"
        case uptimeSeconds = "uptime_seconds"
    }
}

/// One finding about why the boot went wrong, placed by the mechanisms of `docs/causes.md`:
/// its role (primary, contributing, consequence, unrelated), what it led to and on which rule,
/// and the lines that show it. No scores: strength is said in observable terms (persisted to
/// the end, how many consequences are linked).
public struct RootCause: Sendable, Hashable {
    /// 1 for the primary, then its chain, contributing factors, other consequences, unrelated findings.
    public var rank: Int
    /// Stable within a report (`storage-io:sdb`); links name findings by it.
    public var id: String
    public var kind: CauseKind
    public var subject: CauseSubject
    public var role: CauseRole
    /// The first and last sign of it.
    public var start: Timestamp?
    public var end: Timestamp?
    /// True when it was still going on at the boot's last sign of life.
    public var persistedToEnd: Bool
    /// What was seen, as facts (the renderers word them, and the remediation).
    public var facts: CauseFacts
    /// The 1–3 most telling lines.
    public var evidence: [EvidenceLine]
    /// Links drawn from this finding, with the rule and the conditions that held.
    public var ledTo: [CauseLink]
    /// The findings that led to this one (their `id`s).
    public var causedBy: [String]
    /// For the primary: the findings its consequences run through, in time order, then `end`
    /// when they reach the end of the boot. Empty for the others.
    public var chain: [String]

    public init(rank: Int, id: String, kind: CauseKind, subject: CauseSubject, role: CauseRole = .unrelated,
                start: Timestamp? = nil, end: Timestamp? = nil, persistedToEnd: Bool = false, facts: CauseFacts,
                evidence: [EvidenceLine] = [], ledTo: [CauseLink] = [], causedBy: [String] = [], chain: [String] = []) {
        self.rank = rank
        self.id = id
        self.kind = kind
        self.subject = subject
        self.role = role
        self.start = start
        self.end = end
        self.persistedToEnd = persistedToEnd
        self.facts = facts
        self.evidence = evidence
        self.ledTo = ledTo
        self.causedBy = causedBy
        self.chain = chain
    }

    enum CodingKeys: String, CodingKey {
        case rank, id, kind, subject, role, start, end, summary, evidence, remediation, chain
        case persistedToEnd = "persisted_to_end"
        case ledTo = "led_to"
        case causedBy = "caused_by"
    }
}

/// The JSON holds the finding's summary and remediation as the other formats word them
/// (`CauseFacts.Writer`); read back, they are that text.
extension RootCause: Codable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        guard let key = CauseFacts.writerKey, let writer = encoder.userInfo[key] as? CauseFacts.Writer else {
            throw EncodingError.invalidValue(self, .init(codingPath: c.codingPath,
                                                         debugDescription: "no writer for a finding's facts in the encoder's userInfo"))
        }
        let words = writer(facts)
        try c.encode(rank, forKey: .rank)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(subject, forKey: .subject)
        try c.encode(role, forKey: .role)
        try c.encodeIfPresent(start, forKey: .start)
        try c.encodeIfPresent(end, forKey: .end)
        try c.encode(persistedToEnd, forKey: .persistedToEnd)
        try c.encode(words.summary, forKey: .summary)
        try c.encode(evidence, forKey: .evidence)
        try c.encode(ledTo, forKey: .ledTo)
        try c.encode(causedBy, forKey: .causedBy)
        try c.encode(chain, forKey: .chain)
        try c.encode(words.remediation, forKey: .remediation)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(rank: try c.decode(Int.self, forKey: .rank), id: try c.decode(String.self, forKey: .id),
                  kind: try c.decode(CauseKind.self, forKey: .kind), subject: try c.decode(CauseSubject.self, forKey: .subject),
                  role: try c.decode(CauseRole.self, forKey: .role),
                  start: try c.decodeIfPresent(Timestamp.self, forKey: .start), end: try c.decodeIfPresent(Timestamp.self, forKey: .end),
                  persistedToEnd: try c.decode(Bool.self, forKey: .persistedToEnd),
                  facts: .text(summary: try c.decode(String.self, forKey: .summary),
                               remediation: try c.decode([String].self, forKey: .remediation)),
                  evidence: try c.decode([EvidenceLine].self, forKey: .evidence), ledTo: try c.decode([CauseLink].self, forKey: .ledTo),
                  causedBy: try c.decode([String].self, forKey: .causedBy), chain: try c.decode([String].self, forKey: .chain))
    }
}

/// What a timeline row is. JSON, CSV and the tables write it by `name`: hyphenated words for
/// the analysis's own rows, and a kernel distress report by the kind its kernel event has.
public enum TimelineKind: Sendable, Hashable {
    /// The boot begins: the kernel's start, else the boot's first entry.
    case boot
    /// The journal kept begins well into the boot: what came before was rotated or vacuumed away.
    case journalKept
    /// The wall clock stepped (NTP, a board without an RTC, a suspend): rows before it are on
    /// the old clock, rows after it on the new one.
    case clockStep
    /// A shutdown marker of systemd or the kernel.
    case shutdown
    /// When a crash loop began, estimated from the restart counter, before the oldest entry kept.
    case loopStart
    /// A unit restarted fast and often enough to be a crash loop (`UnitSummary.crashLoop`).
    case crashLoop
    /// A unit restarted three times or more, not fast enough to be a crash loop.
    case restarts
    /// One restart of a unit that restarted less than three times.
    case restart
    case unitFailed
    case startLimitHit
    case oomKill
    /// An OOM report that killed nothing (`MemoryExhaustionFacts.unkilled`).
    case outOfMemory
    case forkFailure
    /// The peak rate of process creation, when it was high.
    case forkRate
    /// A burst of kernel distress reports of one kind.
    case kernel(KernelDistressKind)
    /// How the boot ended, at its last sign of life.
    case bootEnd
    /// The newest messages of the boot, and what only kernel logs or crash dumps kept.
    case lastWords

    /// Every kind, the kernel's in `KernelDistressKind`'s order.
    public static let allCases: [TimelineKind] =
        [.boot, .journalKept, .clockStep, .shutdown, .loopStart, .crashLoop, .restarts, .restart, .unitFailed, .startLimitHit,
         .oomKill, .outOfMemory, .forkFailure, .forkRate]
        + KernelDistressKind.allCases.filter { $0 != .oomKill }.map(TimelineKind.kernel) + [.bootEnd, .lastWords]

    /// The kind as JSON, CSV and the tables write it.
    public var name: String {
        switch self {
        case .boot: "boot"
        case .journalKept: "journal-kept"
        case .clockStep: "clock-step"
        case .shutdown: "shutdown"
        case .loopStart: "loop-start"
        case .crashLoop: "crash-loop"
        case .restarts: "restarts"
        case .restart: "restart"
        case .unitFailed: "unit-failed"
        case .startLimitHit: "start-limit-hit"
        case .oomKill: "oom-kill"
        case .outOfMemory: "out-of-memory"
        case .forkFailure: "fork-failure"
        case .forkRate: "fork-rate"
        case .kernel(let k): k.rawValue
        case .bootEnd: "boot-end"
        case .lastWords: "last-words"
        }
    }

    /// The kind `name` names, or `nil`.
    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }
}

extension TimelineKind: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let name = try c.decode(String.self)
        guard let kind = TimelineKind(name: name) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "unknown timeline kind \(name)")
        }
        self = kind
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }
}

/// What a timeline row says, as facts: `Report` writes the sentence, in every format and as the
/// JSON `detail`.
public enum TimelineDetail: Sendable, Hashable {
    /// A log's own line as it was: a shutdown marker, a last word, a kernel report, a fork failure.
    case text(String)
    /// A kernel report a text log, pstore or kdump kept, with the call trace and register lines
    /// that followed its headline folded in.
    case kernelReport(headline: String, furtherLines: Int)
    /// The boot begins; of a boot only text logs hold (`textOnly`), whose kernel start is not
    /// in them (`startKnown` false), only its logs do.
    case bootBegins(bootID: String, entries: Int, textOnly: Bool, startKnown: Bool)
    /// The journal kept (or a text-only boot's logs) begins this far into the boot: what came
    /// before was rotated or vacuumed away, or not collected.
    case journalKeptFrom(secondsIntoBoot: Double, textOnly: Bool)
    /// The wall clock moved by `seconds` (negative: back) against the monotonic one,
    /// `uptimeSeconds` into the boot.
    case clockStep(seconds: Double, uptimeSeconds: Double)
    /// When a crash loop began, estimated from its restart counter (`LoopStartEstimate`).
    case loopStartEstimate(unit: String, restartsBefore: Int, meanIntervalSeconds: Double, cappedAtBootStart: Bool)
    /// A unit's restarts folded into one row; its commonest main-process exit with its count.
    case restarts(unit: String, count: Int, peakPerMinute: Int, counterMax: Int?, commonestExit: String?, commonestExitCount: Int)
    case restartScheduled(unit: String)
    /// A unit's failures folded into one row, with the first one's result.
    case failures(unit: String, count: Int, firstResult: String)
    case failed(unit: String, result: String)
    case startLimitHit(unit: String)
    /// OOM kills of one kind and unit in a row, folded; up to four victims' names.
    case oomKills(kind: OOMKind, count: Int, victims: [String])
    case oomKill(kind: OOMKind, victim: String?, pid: Int?, anonRSSKB: Int?, unit: String?, invokedBy: String?)
    /// The kernel ran out of memory (`invokedBy` invoked the OOM killer) and killed nothing.
    case outOfMemory(invokedBy: String, unkilled: MemoryExhaustionFacts.UnkilledReason)
    /// Fork failures folded into one row, with the first one's line.
    case forkFailures(count: Int, first: String)
    /// The peak one-minute average rate of process creation; a lower bound when PIDs wrapped
    /// between the entries kept.
    case forkRate(perSecond: Double, lowerBound: Bool)
    /// Kernel reports of one kind less than ten minutes apart, with the first one's line.
    case kernelBurst(kind: KernelDistressKind, count: Int, first: String)
    /// How the boot ended; when a kernel log, pstore or kdump outlived the journal, which and by
    /// how long; the silence until the next boot, when there is one.
    case bootEnd(kind: BootEndKind, lastSign: SourceKind?, lastSignAfterJournalSeconds: Double?, silenceSeconds: Double?)
}

/// One row of the incident timeline; repetitions are folded into one row with a count.
public struct TimelineRow: Codable, Sendable, Hashable {
    public var time: Timestamp?
    public var endTime: Timestamp?
    public var kind: TimelineKind
    public var subject: String
    public var detail: TimelineDetail
    public var count: Int
    public var lastWords: Bool
    /// For a row without a wall-clock time (a console log's line): the kernel's own stamp,
    /// seconds since it started.
    public var uptimeSeconds: Double?

    public init(time: Timestamp?, endTime: Timestamp?, kind: TimelineKind, subject: String, detail: TimelineDetail,
                count: Int, lastWords: Bool = false, uptimeSeconds: Double? = nil) {
        self.time = time
        self.endTime = endTime
        self.kind = kind
        self.subject = subject
        self.detail = detail
        self.count = count
        self.lastWords = lastWords
        self.uptimeSeconds = time == nil ? uptimeSeconds : nil
    }

    enum CodingKeys: String, CodingKey {
        case time, kind, subject, detail, count
        case endTime = "end_time"
        case lastWords = "last_words"
        case uptimeSeconds = "uptime_seconds"
    }

    /// Writes a row's detail as a sentence; `Report` puts its own in the encoder's `userInfo`
    /// under `detailWriterKey`, so that the JSON `detail` reads as the other formats do.
    public typealias DetailWriter = @Sendable (TimelineDetail) -> String
    /// (`CodingUserInfoKey` is made by a failable initialiser, though it fails for no name.)
    public static let detailWriterKey = CodingUserInfoKey(rawValue: "postmortem.timeline-detail-writer")

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(time, forKey: .time)
        try c.encodeIfPresent(endTime, forKey: .endTime)
        try c.encode(kind, forKey: .kind)
        try c.encode(subject, forKey: .subject)
        guard let key = Self.detailWriterKey, let writer = encoder.userInfo[key] as? DetailWriter else {
            throw EncodingError.invalidValue(detail, .init(codingPath: c.codingPath + [CodingKeys.detail],
                                                           debugDescription: "no writer for timeline details in the encoder's userInfo"))
        }
        try c.encode(writer(detail), forKey: .detail)
        try c.encode(count, forKey: .count)
        try c.encode(lastWords, forKey: .lastWords)
        try c.encodeIfPresent(uptimeSeconds, forKey: .uptimeSeconds)
    }

    /// A row read back from JSON has its detail as the sentence it was written as.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        time = try c.decodeIfPresent(Timestamp.self, forKey: .time)
        endTime = try c.decodeIfPresent(Timestamp.self, forKey: .endTime)
        kind = try c.decode(TimelineKind.self, forKey: .kind)
        subject = try c.decode(String.self, forKey: .subject)
        detail = .text(try c.decode(String.self, forKey: .detail))
        count = try c.decode(Int.self, forKey: .count)
        lastWords = try c.decode(Bool.self, forKey: .lastWords)
        uptimeSeconds = try c.decodeIfPresent(Double.self, forKey: .uptimeSeconds)
    }
}
