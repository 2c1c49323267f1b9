/// What a finding saw, as facts: `Report` writes its summary and remediation from them, in
/// every format and as the JSON `summary` and `remediation`.
public enum CauseFacts: Sendable, Hashable {
    /// A summary and remediation as they were written (a report read back from JSON).
    case text(summary: String, remediation: [String])
    case crashLoop(CrashLoopFacts)
    /// The kernel's global OOM killer fired `kills` times.
    case memoryExhaustion(MemoryExhaustionFacts)
    /// A cgroup's memory limit was hit: the kernel killed in it.
    case memcgOOM(MemcgOOMFacts)
    /// systemd-oomd killed `subject` for memory pressure.
    case oomdKill(subject: String, kills: Int)
    case forkBomb(ForkBombFacts)
    /// I/O and filesystem errors on one device; `first` is the first one's line.
    case storageIO(device: String, ioErrors: Int, fsErrors: Int, first: String?)
    /// CPU lockup or RCU stall reports of one CPU; `first` is the first one's line.
    case lockup(reports: Int, first: String)
    /// Hung-task reports: the tasks they name (`comm:pid`), in order, repeats included.
    case hungTasks(reports: Int, tasks: [String])
    /// A kernel oops or BUG; `function` is the one its RIP line names.
    case kernelBug(text: String, function: String?)
    /// Machine-check errors; `first` is the first one's line.
    case hardwareError(first: String)
    /// A kernel panic; `lastWordsOnly` when only a kernel log or crash dump kept it.
    case kernelPanic(text: String, lastWordsOnly: Bool)

    /// A name and how many times it was seen (an exit status, a unit result).
    public struct Tally: Sendable, Hashable {
        public var name: String
        public var count: Int

        public init(name: String, count: Int) {
            (self.name, self.count) = (name, count)
        }

        /// The `limit` most frequent of `counts`, ties by name.
        static func top(_ counts: [String: Int], _ limit: Int) -> [Tally] {
            counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit)
                .map { Tally(name: $0.key, count: $0.value) }
        }

        /// The `limit` most frequent of `names`, ties by name.
        static func top(_ names: [String], _ limit: Int) -> [Tally] {
            var n: [String: Int] = [:]
            for x in names { n[x, default: 0] += 1 }
            return top(n, limit)
        }
    }
}

public struct CrashLoopFacts: Sendable, Hashable {
    public var unit: String
    public var restarts: Int
    /// The restart counter: its lowest value seen when above 1 (the loop ran before the oldest
    /// entry kept), and its highest.
    public var counterFrom: Int?
    public var counterTo: Int?
    public var peakPerMinute: Int
    public var medianIntervalSeconds: Double?
    /// The main process's most frequent exits and the unit's most frequent failure results.
    public var exits: [CauseFacts.Tally]
    public var failures: [CauseFacts.Tally]
    public var startLimitHit: Bool
    /// The start-limit setting the unit's behaviour implies (`StartLimitBurst=0`).
    public var impliedStartLimit: ImpliedSetting?
    /// The unit's most frequent message of its own, which says why it exits.
    public var ownWords: String?

    public init(unit: String, restarts: Int, counterFrom: Int? = nil, counterTo: Int? = nil, peakPerMinute: Int,
                medianIntervalSeconds: Double? = nil, exits: [CauseFacts.Tally] = [], failures: [CauseFacts.Tally] = [],
                startLimitHit: Bool = false, impliedStartLimit: ImpliedSetting? = nil, ownWords: String? = nil) {
        self.unit = unit
        self.restarts = restarts
        self.counterFrom = counterFrom
        self.counterTo = counterTo
        self.peakPerMinute = peakPerMinute
        self.medianIntervalSeconds = medianIntervalSeconds
        self.exits = exits
        self.failures = failures
        self.startLimitHit = startLimitHit
        self.impliedStartLimit = impliedStartLimit
        self.ownWords = ownWords
    }
}

public struct MemoryExhaustionFacts: Sendable, Hashable {
    /// The unit (or process) most often killed: the one to cap.
    public var subject: String
    public var kills: Int
    /// The most frequent victims (`comm (unit)`).
    public var victims: [CauseFacts.Tally]
    public var invokedBy: String?
    /// The biggest task of the first kill's dump.
    public var biggestTask: String?
    /// The last OOM report killed nothing, and why.
    public var unkilled: UnkilledReason?

    /// Why an OOM report killed nothing.
    public enum UnkilledReason: Sendable, Hashable {
        /// The logs end inside the report, before its kill: the machine stopped while out of memory.
        case logsEnd
        /// `Out of memory and no killable processes...`.
        case noKillableProcess
        /// The kernel panicked for memory rather than kill (`vm.panic_on_oom`).
        case panicked
    }

    public init(subject: String, kills: Int, victims: [CauseFacts.Tally], invokedBy: String? = nil, biggestTask: String? = nil,
                unkilled: UnkilledReason? = nil) {
        (self.subject, self.kills, self.victims, self.invokedBy, self.biggestTask) = (subject, kills, victims, invokedBy, biggestTask)
        self.unkilled = unkilled
    }
}

public struct MemcgOOMFacts: Sendable, Hashable {
    /// The cgroup whose limit was hit (its unit when it has one).
    public var subject: String
    public var kills: Int
    /// The most frequent victims' process names.
    public var victims: [CauseFacts.Tally]
    /// The limit as the kernel reports it.
    public var limitKB: Int?
    /// How often the unit was restarted in the boot (0 when never).
    public var restarts: Int
    /// The unit file's line setting the limit (`MemoryMax=512M`).
    public var limitLine: String?

    public init(subject: String, kills: Int, victims: [CauseFacts.Tally], limitKB: Int? = nil, restarts: Int = 0, limitLine: String? = nil) {
        (self.subject, self.kills, self.victims, self.limitKB, self.restarts, self.limitLine) =
            (subject, kills, victims, limitKB, restarts, limitLine)
    }
}

public struct ForkBombFacts: Sendable, Hashable {
    /// The unit or cgroup most new PIDs came from, when one is known.
    public var subject: String?
    /// Where the pids controller rejected forks, when it did.
    public var rejectedIn: String?
    public var eagainFailures: Int
    /// Unit failures with result `resources`.
    public var resourceFailures: Int
    /// Hung tasks blocked in process creation.
    public var hungInFork: Int
    public var rate: Rate?

    /// How fast PIDs advanced, against the boot's own median.
    public struct Rate: Sendable, Hashable {
        public var peakPerSecond: Double
        /// PIDs wrapped between the entries kept: the peak is a lower bound.
        public var lowerBound: Bool
        public var medianPerSecond: Double
        public var pidMax: Int?
        /// Where `pidMax` was read.
        public var pidMaxSource: PIDMaxSource?

        public init(peakPerSecond: Double, lowerBound: Bool, medianPerSecond: Double, pidMax: Int?, pidMaxSource: PIDMaxSource?) {
            (self.peakPerSecond, self.lowerBound, self.medianPerSecond, self.pidMax, self.pidMaxSource) =
                (peakPerSecond, lowerBound, medianPerSecond, pidMax, pidMaxSource)
        }
    }

    public init(subject: String?, rejectedIn: String?, eagainFailures: Int, resourceFailures: Int, hungInFork: Int, rate: Rate?) {
        (self.subject, self.rejectedIn, self.eagainFailures, self.resourceFailures, self.hungInFork, self.rate) =
            (subject, rejectedIn, eagainFailures, resourceFailures, hungInFork, rate)
    }
}

extension CauseFacts {
    /// Writes a finding's summary and remediation; `Report` puts its own in the encoder's
    /// `userInfo` under `writerKey`, so that the JSON reads as the other formats do.
    public typealias Writer = @Sendable (CauseFacts) -> (summary: String, remediation: [String])
    /// (`CodingUserInfoKey` is made by a failable initialiser, though it fails for no name.)
    public static let writerKey = CodingUserInfoKey(rawValue: "postmortem.cause-facts-writer")
}
