/// The typed findings of the causal model (issue 11): what went wrong, about what, when,
/// on which evidence, and how the findings are linked by the mechanisms of `docs/causes.md`.
/// Analysis fills these with facts; Report renders every sentence and every time.

/// What a finding is.
public enum CauseKind: String, Codable, Sendable, CaseIterable {
    /// A unit restarted over and over after failing exits.
    case crashLoop = "crash-loop"
    /// The kernel's global OOM killer ran: the machine ran out of memory.
    case memoryExhaustion = "memory-exhaustion"
    /// A memory cgroup hit its limit (`oom_memcg`).
    case memcgOOM = "memcg-oom"
    /// systemd-oomd killed a cgroup for memory pressure.
    case oomdKill = "oomd-kill"
    /// The PID space or a pids controller's limit was exhausted (a fork bomb).
    case forkBomb = "fork-bomb"
    /// A block device failed requests.
    case storageIO = "storage-io"
    /// A CPU stuck (soft or hard lockup, RCU stall).
    case lockup
    /// Tasks blocked in uninterruptible sleep past the hung-task timeout.
    case hungTasks = "hung-tasks"
    /// The kernel panicked.
    case kernelPanic = "kernel-panic"
    /// A kernel bug report: Oops, BUG, general protection fault, KASAN.
    case kernelBug = "kernel-bug"
    /// A machine-check exception (hardware error).
    case hardwareError = "hardware-error"
}

/// What a finding is about.
public enum CauseSubject: Codable, Sendable, Hashable, CustomStringConvertible {
    case unit(String)
    case cgroup(String)
    /// A block device (`sda`) or filesystem device (`sda1`).
    case device(String)
    /// A CPU, by number when the kernel named it.
    case cpu(Int?)
    /// A process by name, with its PID when known.
    case process(comm: String, pid: Int?)
    /// The machine as a whole.
    case system

    /// The subject's name as the logs spell it (`polyscan.service`, `sda`, `CPU#0`).
    public var name: String {
        switch self {
        case .unit(let u): return u
        case .cgroup(let c): return c
        case .device(let d): return d
        case .cpu(let n): return n.map { "CPU#\($0)" } ?? "CPU"
        case .process(let comm, _): return comm
        case .system: return "system"
        }
    }

    public var description: String { name }

    /// `unit`, `cgroup`, `device`, `cpu`, `process` or `system`.
    public var type: String {
        switch self {
        case .unit: return "unit"
        case .cgroup: return "cgroup"
        case .device: return "device"
        case .cpu: return "cpu"
        case .process: return "process"
        case .system: return "system"
        }
    }

    enum CodingKeys: String, CodingKey { case type, name, cpu, pid }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        let name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        switch type {
        case "unit": self = .unit(name)
        case "cgroup": self = .cgroup(name)
        case "device": self = .device(name)
        case "cpu": self = .cpu(try c.decodeIfPresent(Int.self, forKey: .cpu))
        case "process": self = .process(comm: name, pid: try c.decodeIfPresent(Int.self, forKey: .pid))
        case "system": self = .system
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown subject type \(type)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(name, forKey: .name)
        if case .cpu(let n?) = self { try c.encode(n, forKey: .cpu) }
        if case .process(_, let pid?) = self { try c.encode(pid, forKey: .pid) }
    }
}

/// A finding's place in the story of the boot.
public enum CauseRole: String, Codable, Sendable, CaseIterable, Comparable {
    /// The one cause the chain to the end starts from.
    case primary
    /// A finding that fed into the primary's chain through a mechanism.
    case contributing
    /// A finding some other finding caused.
    case consequence
    /// A finding no mechanism links to the primary's chain.
    case unrelated

    private var order: Int {
        switch self {
        case .primary: return 0
        case .contributing: return 1
        case .consequence: return 2
        case .unrelated: return 3
        }
    }

    public static func < (a: CauseRole, b: CauseRole) -> Bool { a.order < b.order }
}

/// Where an evidence line was read.
public enum EvidenceSource: Codable, Sendable, Hashable {
    /// A journal entry: its file (when the entry could be placed in one) and cursor.
    case journal(file: String?, cursor: String)
    /// A line of a text file (kern.log, a pstore record, vmcore-dmesg.txt, a unit file).
    case file(path: String, line: Int?)
    /// A journal entry read from journalctl's `-o export` or `-o json` output at `path`: its
    /// cursor is on the entry's line there.
    case journalText(path: String, cursor: String)

    /// The command that shows the line in its context: `journalctl --file F --cursor C -n 20`,
    /// or `path:line` for a text file.
    public var command: String {
        switch self {
        case .journal(let file, let cursor):
            let where_ = file.map { "--file \(Self.shellQuoted($0))" } ?? "--merge"
            return "journalctl \(where_) --cursor \(Self.shellQuoted(cursor)) -n 20"
        case .file(let path, let line):
            return line.map { "\(path):\($0)" } ?? path
        case .journalText(let path, let cursor):
            return "grep -n -a -F -e \(Self.shellQuoted(cursor)) \(Self.shellQuoted(path))"
        }
    }

    /// Single-quoted for a POSIX shell when it holds anything but plain path characters.
    static func shellQuoted(_ s: String) -> String {
        let plain = s.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || "/._-@~+,:".unicodeScalars.contains(c)
        }
        if plain, !s.isEmpty { return s }
        return "'" + s.replacing("'", with: "'\\''") + "'"
    }

    enum CodingKeys: String, CodingKey { case type, file, cursor, path, line }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "journal":
            self = .journal(file: try c.decodeIfPresent(String.self, forKey: .file),
                            cursor: try c.decode(String.self, forKey: .cursor))
        case "journal-text":
            self = .journalText(path: try c.decode(String.self, forKey: .path), cursor: try c.decode(String.self, forKey: .cursor))
        default:
            self = .file(path: try c.decode(String.self, forKey: .path), line: try c.decodeIfPresent(Int.self, forKey: .line))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .journal(let file, let cursor):
            try c.encode("journal", forKey: .type)
            try c.encodeIfPresent(file, forKey: .file)
            try c.encode(cursor, forKey: .cursor)
        case .file(let path, let line):
            try c.encode("file", forKey: .type)
            try c.encode(path, forKey: .path)
            try c.encodeIfPresent(line, forKey: .line)
        case .journalText(let path, let cursor):
            try c.encode("journal-text", forKey: .type)
            try c.encode(path, forKey: .path)
            try c.encode(cursor, forKey: .cursor)
        }
    }
}

/// One line quoted as evidence: when, where, what it said.
public struct EvidenceLine: Codable, Sendable, Hashable {
    public var time: Timestamp?
    public var source: EvidenceSource
    public var text: String

    public init(time: Timestamp?, source: EvidenceSource, text: String) {
        self.time = time
        self.source = source
        self.text = text
    }

    /// The command that shows the line in context (see `EvidenceSource.command`).
    public var command: String { source.command }

    enum CodingKeys: String, CodingKey { case time, source, text, command }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        time = try c.decodeIfPresent(Timestamp.self, forKey: .time)
        source = try c.decode(EvidenceSource.self, forKey: .source)
        text = try c.decode(String.self, forKey: .text)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(time, forKey: .time)
        try c.encode(source, forKey: .source)
        try c.encode(text, forKey: .text)
        try c.encode(command, forKey: .command)
    }
}

/// The mechanisms a link can rest on; each has a section in `docs/causes.md`.
public enum MechanismRule: String, Codable, Sendable, CaseIterable {
    /// Memory exhaustion → reclaim stalls (kswapd / direct reclaim in a lockup's or hung task's stack).
    case memoryReclaimStall = "memory-reclaim-stall"
    /// Memory exhaustion → tasks hung while it lasted.
    case memoryHungTasks = "memory-hung-tasks"
    /// Memory exhaustion → `panic_on_oom` / no killable process / deadlocked on memory.
    case memoryPanic = "memory-panic"
    /// I/O errors on a device → tasks blocked on that device.
    case storageHungTasks = "storage-hung-tasks"
    /// I/O errors on a device → the journal's end (its filesystem went read-only or stalled).
    case storageEnd = "storage-end"
    /// Soft/hard lockup → `softlockup_panic` / NMI watchdog panic.
    case lockupPanic = "lockup-panic"
    /// Hung tasks → `hung_task_panic`.
    case hungTaskPanic = "hung-task-panic"
    /// Kernel bug or machine check → `Fatal exception` / `Fatal machine check` panic.
    case kernelBugPanic = "kernel-bug-panic"
    /// Task exhaustion in a cgroup → its units fail to fork.
    case taskExhaustion = "task-exhaustion"
    /// A crash loop of unit U → memory exhaustion with U's processes the victims.
    case crashLoopMemory = "crash-loop-memory"
    /// A crash loop of unit U → fork pressure from U's own cgroup.
    case crashLoopForks = "crash-loop-forks"
    /// A memory-cgroup OOM of unit U → U restarting in a loop.
    case memcgOOMLoop = "memcg-oom-loop"
    /// A panic → the end of the boot.
    case panicEnd = "panic-end"
}

/// What held in the evidence for a link to be drawn.
public enum LinkCondition: Codable, Sendable, Hashable {
    /// Both are about the same unit, cgroup, device or process.
    case sameSubject(String)
    /// B's stack or text names A's resource (a function, a device, a process).
    case namesResource(String)
    /// B began within `seconds` of A, while A was still active.
    case withinWindow(seconds: Double)
    /// The panic's own message says why (`softlockup: hung tasks`).
    case panicMessage(String)

    enum CodingKeys: String, CodingKey { case type, value, seconds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let value = try c.decodeIfPresent(String.self, forKey: .value) ?? ""
        switch try c.decode(String.self, forKey: .type) {
        case "same-subject": self = .sameSubject(value)
        case "names-resource": self = .namesResource(value)
        case "within-window": self = .withinWindow(seconds: try c.decodeIfPresent(Double.self, forKey: .seconds) ?? 0)
        default: self = .panicMessage(value)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .sameSubject(let v):
            try c.encode("same-subject", forKey: .type)
            try c.encode(v, forKey: .value)
        case .namesResource(let v):
            try c.encode("names-resource", forKey: .type)
            try c.encode(v, forKey: .value)
        case .withinWindow(let s):
            try c.encode("within-window", forKey: .type)
            try c.encode(s.isFinite ? s : 0, forKey: .seconds)
        case .panicMessage(let v):
            try c.encode("panic-message", forKey: .type)
            try c.encode(v, forKey: .value)
        }
    }
}

/// A drawn link A → B: the rule and the conditions that held.
public struct CauseLink: Codable, Sendable, Hashable {
    /// The finding led to (its `id`), or `end` for the end of the boot.
    public var to: String
    public var rule: MechanismRule
    public var conditions: [LinkCondition]

    public static let endOfBoot = "end"

    public init(to: String, rule: MechanismRule, conditions: [LinkCondition]) {
        self.to = to
        self.rule = rule
        self.conditions = conditions
    }
}

/// Settings and provenance of a unit, with where each was read.
public struct UnitProvenance: Codable, Sendable, Hashable {
    /// The unit file, then its drop-ins, in the order systemd applies them.
    public var files: [String] = []
    /// `path:line: Key=value` for ExecStart=, User= and the Restart/StartLimit/Memory/Tasks settings.
    public var settings: [String] = []
    /// The Debian package whose file list holds the unit file (`var/lib/dpkg/info/*.list`).
    public var package: String?
    /// Targets whose `.wants` folder links the unit (it is enabled there).
    public var wantedBy: [String] = []
    /// The first boot (of those the journal kept) in which systemd logged about the unit.
    public var firstBoot: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case files, settings, package
        case wantedBy = "wanted_by"
        case firstBoot = "first_boot"
    }
}

/// One of a unit's own messages, numbers and hex normalised, with how often it came.
public struct UnitMessage: Codable, Sendable, Hashable {
    /// The normalised text (`#` for numbers, `0x#` for hex).
    public var pattern: String
    /// One message as logged.
    public var example: String
    public var count: Int
    /// The syslog priority (0–4).
    public var priority: Int

    public init(pattern: String, example: String, count: Int, priority: Int) {
        self.pattern = pattern
        self.example = example
        self.count = count
        self.priority = priority
    }
}
