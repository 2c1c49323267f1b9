import Foundation

/// The known answers of a generated incident: `truth.json` as `scripts/gen-incident.py` writes it.
/// The JSON keys are snake_case (`analyzed_boot`); here they are camelCase (`analyzedBoot`).
public struct Truth: Decodable, Sendable {
    /// One boot as its journal entries show it (lost entries of a torn file excluded).
    public struct Boot: Decodable, Sendable {
        public var bootId: String
        /// First and last recoverable entry, ISO 8601 UTC with microseconds (`…T12:34:56.123456Z`).
        public var first: String?
        public var last: String?
        /// Entries a reader can recover: intact files plus what lies before the cut of a torn one.
        public var entries: Int
        /// Entries journald wrote for this boot, including the ones lost in the tear.
        public var entriesWritten: Int?
        /// `clean`, `unclean` or `ongoing`.
        public var end: String
    }

    /// A unit the scenario is about (the culprit, and units that restart for other reasons).
    public struct UnitTruth: Decodable, Sendable {
        public var unit: String
        /// `Scheduled restart job` messages in the recoverable journal of the analysed boot.
        public var restartsObserved: Int
        /// Highest `N_RESTARTS` among them, `nil` without restarts.
        public var restartCounterMax: Int?
        /// At least 5 restarts with a median gap of at most 60 s.
        public var crashLoop: Bool
        public var startLimitHit: Bool
        /// Kernel OOM kills (global or memcg) of processes of this unit.
        public var oomKills: Int
    }

    /// One kernel OOM kill in the analysed boot (from any source: journal, kern.log, pstore).
    public struct OOMKill: Decodable, Sendable {
        /// `global`, `memcg` or `oomd`.
        public var kind: String
        public var pid: Int
        public var comm: String
        public var uid: Int
        public var unit: String?
        public var taskMemcg: String
    }

    public struct Cause: Decodable, Sendable {
        /// `crash-loop`, `memcg-oom`, `fork-bomb`, `storage-io`, `memory-exhaustion`.
        public var kind: String
        /// A unit name or a device (`sda`).
        public var subject: String
    }

    /// Kernel events of the analysed boot counted over journal ∪ kern.log ∪ pstore, each once.
    public struct KernelEvents: Decodable, Sendable {
        /// `INFO: task … blocked for more than … seconds.` reports.
        public var hungTask: Int
        /// `watchdog: BUG: soft lockup - CPU#…` reports.
        public var softLockup: Int
        /// `Kernel panic - not syncing: …` lines.
        public var panic: Int
        /// Block-layer `I/O error, dev …` lines (not `Buffer I/O error`, not ata lines).
        public var ioError: Int
        /// `EXT4-fs error (device …)` lines.
        public var fsError: Int
        /// `cgroup: fork rejected by pids controller in …` lines.
        public var forkRejected: Int
        /// `… Killed process …` lines (global and memcg).
        public var oomKill: Int
    }

    /// One journal file the generator wrote.
    public struct File: Decodable, Sendable {
        /// Relative to the scenario root.
        public var path: String
        /// `archived`, `online` (live, intact) or `torn` (cut inside an ENTRY object, header ONLINE).
        public var state: String
        public var entriesWritten: Int
        public var entriesRecoverable: Int
        public var seqnumFirst: Int
        /// `false` for the torn file: journalctl 252 refuses it ("No data available").
        public var journalctlReads: Bool
    }

    public struct MinuteForks: Decodable, Sendable {
        public var minute: String
        public var forks: Int
    }

    public var scenario: String
    public var hostname: String
    public var machineId: String
    public var boots: [Boot]
    public var analyzedBoot: String
    public var units: [UnitTruth]
    public var oomKills: [OOMKill]
    /// The true peak one-minute average of forks per second in the analysed boot.
    public var forkRatePeakPerSecond: Double
    /// `nil` for a healthy boot.
    public var rootCause: Cause?
    public var kernelEvents: KernelEvents
    /// Entries in all journal files as a reader can recover them (written minus lost).
    public var journalEntries: Int
    public var lostToTear: Int
    /// Kernel texts that exist only in kern.log or pstore (after the journal's last entry).
    public var lastWords: [String]

    // Extras beyond the fixed contract; optional so older truth files still decode.
    public var contributing: [Cause]?
    /// The primary cause under the causal model (issue 11); truth files written before it have
    /// only `rootCause`, which then names a cause that must be found, in whatever role.
    public var primary: Cause?
    public var unrelated: [Cause]?
    public var seed: Int?
    public var pidMax: Int?
    public var pidWraps: Int?
    public var forkRatePerMinute: [MinuteForks]?
    public var files: [File]?
    public var kernLogLines: Int?
    public var pstoreFiles: [String]?

    /// The analysed boot's record.
    public var analyzed: Boot? { boots.first { $0.bootId == analyzedBoot } }

    /// The record of `name` among the scenario's units.
    public func unit(_ name: String) -> UnitTruth? { units.first { $0.unit == name } }
}

/// Runs `scripts/gen-incident.py` to write a scenario's host tree into a fresh scratch directory.
/// Each (name, seed) is generated once per test process; concurrent callers share the result.
public enum Scenarios {
    /// The generator script in this package.
    public static let script = TestPaths.packageRoot + "/scripts/gen-incident.py"

    /// `python3` and `systemd-journal-remote` are both present.
    public static var isAvailable: Bool {
        JournalRemote.isAvailable && python3 != nil && FileManager.default.fileExists(atPath: script)
    }

    /// Generates (or returns the cached) scenario `name`: the host tree's root and its truth.
    public static func generate(_ name: String, seed: Int = 1) throws -> (root: String, truth: Truth) {
        let slot = cache.slot(for: "\(name)#\(seed)")
        return try slot.value {
            guard let python = python3 else { throw TestSupportError("python3 is not installed") }
            guard JournalRemote.isAvailable else { throw TestSupportError("systemd-journal-remote is not installed") }
            let root = TestPaths.scratch("scenario-\(name)-\(seed)")
            let r = try Command.run(python, [script, "--scenario", name, "--out", root, "--seed", String(seed)])
            guard r.status == 0 else {
                throw TestSupportError("gen-incident.py \(name) failed (\(r.status)): \(r.stderrText)")
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: root + "/truth.json"))
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return (root, try decoder.decode(Truth.self, from: data))
        }
    }

    private static let python3: String? = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    private static let cache = Cache()

    /// Per-key slots so that different scenarios generate in parallel while callers of the
    /// same one wait for the first.
    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [String: Slot] = [:]

        func slot(for key: String) -> Slot {
            lock.lock()
            defer { lock.unlock() }
            if let s = slots[key] { return s }
            let s = Slot()
            slots[key] = s
            return s
        }
    }

    private final class Slot: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<(root: String, truth: Truth), any Error>?

        func value(_ make: () throws -> (root: String, truth: Truth)) throws -> (root: String, truth: Truth) {
            lock.lock()
            defer { lock.unlock() }
            if let result { return try result.get() }
            let r = Result { try make() }
            result = r
            return try r.get()
        }
    }
}
