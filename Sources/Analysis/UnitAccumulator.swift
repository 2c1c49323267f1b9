import KernelLog
import Events

/// What one unit did in one boot, kept as counts and running figures, not entries.
struct UnitAccumulator {
    let unit: String
    var starts = 0
    var restarts = RestartStats()
    var counterMin: Int?
    var counterMax: Int?
    /// Main-process exits by status (`1/FAILURE`), and failures by result (`exit-code`).
    var exitStatusCounts = TextCounts()
    var resultCounts = TextCounts()
    var exitStatuses: [String: Int] { exitStatusCounts.counts }
    var results: [String: Int] { resultCounts.counts }
    var startLimitHit = false
    var startLimitTime: Int64?
    var startLimitCursor: EntryRef?
    var oomKills = 0
    var oomKillTimes: [Int64] = []
    var oomdKills = 0
    /// Start jobs that did not complete, by `JOB_RESULT` (`dependency`: a unit it requires failed).
    var jobFailureCounts = TextCounts()
    var firstCursor: EntryRef?
    var lastRestartCursor: EntryRef?
    /// Seconds from a main-process exit (or failure) to the restart being scheduled.
    var exitToRestart = MedianEstimator()
    var restartsAfterFailure = 0
    var restartsAfterSuccess = 0
    var lastExit: (time: Int64, clean: Bool)?
    var lastRestartHadCounter = false
    var failures: [(time: Int64, result: String, cursor: EntryRef)] = []
    var failureCount = 0
    var lastFailureTime: Int64?
    private var lastFailureResult: String?
    /// Whether the last failure already took its second line (`add(_:time:ref:)`).
    private var lastFailurePaired = false
    var peakCPUNSec: UInt64?

    init(unit: String) { self.unit = unit }

    mutating func add(_ e: UnitEvent) { add(e, time: e.time, ref: e.ref) }

    /// Adds `e` as if it had been read at `time` from the entry `ref` (the scan's re-timed
    /// crash-loop lines).
    mutating func add(_ e: borrowing UnitEvent, time: Int64, ref: EntryRef) {
        if firstCursor == nil { firstCursor = ref }
        switch e.kind {
        case .started:
            starts += 1
        case .mainExited(let code, let status):
            exitStatusCounts.add(status)
            let clean = code == "exited" && (status == "0" || status.hasPrefix("0/"))
            noteExit(time, clean: clean)
        case .failed(let result):
            // systemd v220–v235 log one failure twice, "Unit entered failed state." (no result)
            // and "Failed with result 'x'." in the same breath: one failure, with its result.
            // The pair is one line with a result and one without; two of a kind each count.
            if let last = lastFailureTime, !lastFailurePaired, timeDistance(time, last) < 1_000_000,
               (result == UnitEventKind.unknownResult) != (lastFailureResult == UnitEventKind.unknownResult) {
                lastFailurePaired = true
                if result != UnitEventKind.unknownResult {
                    resultCounts.remove(UnitEventKind.unknownResult)
                    resultCounts.add(result)
                    lastFailureResult = result
                    if let i = failures.indices.last, failures[i].time == last { failures[i].result = result }
                    if result == "start-limit-hit" { markStartLimit(time: time, ref: ref) }
                }
                return
            }
            lastFailurePaired = false
            lastFailureResult = result
            resultCounts.add(result)
            failureCount += 1
            lastFailureTime = time
            if failures.count < 200 { failures.append((time, result, ref)) }
            if result == "start-limit-hit" { markStartLimit(time: time, ref: ref) }
            if lastExit == nil || (lastExit.map { timeDistance(time, $0.time) > 5_000_000 } ?? true) { noteExit(time, clean: false) }
            else if result != "success" { lastExit = (lastExit?.time ?? time, false) }
        case .restartScheduled(let counter):
            // Versions that log both "hold-off time over" and "Scheduled restart job" for one
            // restart: count it once, keeping the counter. The pair is one line with a counter
            // and one without, with no exit between them; counter-less lines alone (systemd
            // < 236) each count, however fast they come.
            if let last = restarts.last, timeDistance(time, last) < 1_000_000, lastExit == nil,
               (counter != nil) != lastRestartHadCounter {
                if let c = counter {
                    lastRestartHadCounter = true
                    counterMin = min(counterMin ?? c, c)
                    counterMax = max(counterMax ?? c, c)
                }
                return
            }
            lastRestartHadCounter = counter != nil
            restarts.add(time)
            lastRestartCursor = ref
            if let c = counter {
                counterMin = min(counterMin ?? c, c)
                counterMax = max(counterMax ?? c, c)
            }
            if let x = lastExit {
                let delay = (Double(time) - Double(x.time)) / 1e6
                if delay >= 0 { exitToRestart.add(delay) }
                if x.clean { restartsAfterSuccess += 1 } else { restartsAfterFailure += 1 }
            }
            lastExit = nil
        case .startLimitHit:
            markStartLimit(time: time, ref: ref)
        case .oomKilled:
            oomKills += 1
            if oomKillTimes.count < 10_000 { oomKillTimes.append(time) }
        case .oomdKilled:
            oomdKills += 1
        case .deactivated:
            if lastExit == nil { noteExit(time, clean: true) }
        case .resources(let cpu, _):
            if let cpu { peakCPUNSec = max(peakCPUNSec ?? 0, cpu) }
        case .startFailed(let jobResult):
            jobFailureCounts.add(jobResult)
        case .starting, .stopping, .stopped:
            break
        }
    }

    private mutating func noteExit(_ t: Int64, clean: Bool) {
        lastExit = (t, clean)
    }

    private mutating func markStartLimit(time: Int64, ref: EntryRef) {
        if !startLimitHit {
            startLimitTime = time
            startLimitCursor = ref
        }
        startLimitHit = true
    }

    var restartsObserved: Int { restarts.count }

    /// Median seconds between consecutive restarts.
    var medianInterval: Double? { restarts.intervals.median }

    /// Restarted repeatedly without staying up: at least five restarts a median minute or
    /// less apart, or (when most of the journal is gone) a restart counter in the hundreds
    /// with the few restarts seen close together.
    var isCrashLoop: Bool {
        let n = restartsObserved
        // A loop needs failing exits: a `Restart=always` service that exits 0 and is started
        // again is doing its job (a poller), not crashing.
        let cleanExits = exitStatuses.filter { $0.key == "0" || $0.key.hasPrefix("0/") }.values.reduce(0, +)
        let failingExits = exitStatuses.values.reduce(0, +) - cleanExits + results.filter { $0.key != "success" }.values.reduce(0, +)
        if failingExits == 0, cleanExits > 0 || restartsAfterSuccess > 0 { return false }
        if restartsAfterSuccess > restartsAfterFailure { return false }
        guard let m = medianInterval, m <= 60 else { return false }
        if n >= 5 { return true }
        if let c = counterMax, c >= 100, n >= 2 { return true }
        return false
    }
}

/// Counts by text, for the few texts a unit's lines repeat (exit statuses, results). A crash
/// loop exits the same way every time: the count of the text counted last is found again
/// by comparing it, not by hashing it.
struct TextCounts {
    private(set) var counts: [String: Int] = [:]
    /// Where the text counted last is; valid while no text is added (which may move every entry).
    private var last: Dictionary<String, Int>.Index?

    mutating func add(_ key: String) {
        if let i = last, counts.keys[i] == key {
            counts.values[i] += 1
            return
        }
        if let i = counts.index(forKey: key) {
            counts.values[i] += 1
            last = i
            return
        }
        counts[key] = 1
        last = nil
    }

    /// Takes one count of `key` back (a line found to repeat another's failure).
    mutating func remove(_ key: String) {
        guard let n = counts[key] else { return }
        counts[key] = n > 1 ? n - 1 : nil
        last = nil
    }

    mutating func merge(_ other: TextCounts) {
        counts.merge(other.counts, uniquingKeysWith: +)
        last = nil
    }
}

enum Stats {
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        let mid = s.count / 2
        return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
    }
}
