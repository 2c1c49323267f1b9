import KernelLog
import Events

/// What one unit did in one boot, kept as counts and running figures, not entries.
struct UnitAccumulator {
    let unit: String
    var starts = 0
    var restarts = RestartStats()
    var counterMin: Int?
    var counterMax: Int?
    var exitStatuses: [String: Int] = [:]
    var results: [String: Int] = [:]
    var startLimitHit = false
    var startLimitTime: Int64?
    var startLimitCursor: EntryRef?
    var oomKills = 0
    var oomKillTimes: [Int64] = []
    var oomdKills = 0
    var startFailures = 0
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
    var peakCPUNSec: UInt64?

    init(unit: String) { self.unit = unit }

    mutating func add(_ e: UnitEvent) {
        if firstCursor == nil { firstCursor = e.ref }
        switch e.kind {
        case .started:
            starts += 1
        case .mainExited(let code, let status):
            exitStatuses[status, default: 0] += 1
            let clean = code == "exited" && (status == "0" || status.hasPrefix("0/"))
            noteExit(e.time, clean: clean)
        case .failed(let result):
            results[result, default: 0] += 1
            failureCount += 1
            lastFailureTime = e.time
            if failures.count < 200 { failures.append((e.time, result, e.ref)) }
            if result == "start-limit-hit" { markStartLimit(e) }
            if lastExit == nil || (lastExit.map { timeDistance(e.time, $0.time) > 5_000_000 } ?? true) { noteExit(e.time, clean: false) }
            else if result != "success" { lastExit = (lastExit?.time ?? e.time, false) }
        case .restartScheduled(let counter):
            // Versions that log both "hold-off time over" and "Scheduled restart job" for one
            // restart: count it once, keeping the counter. The pair is one line with a counter
            // and one without, with no exit between them; counter-less lines alone (systemd
            // < 236) each count, however fast they come.
            if let last = restarts.last, timeDistance(e.time, last) < 1_000_000, lastExit == nil,
               (counter != nil) != lastRestartHadCounter {
                if let c = counter {
                    lastRestartHadCounter = true
                    counterMin = min(counterMin ?? c, c)
                    counterMax = max(counterMax ?? c, c)
                }
                return
            }
            lastRestartHadCounter = counter != nil
            restarts.add(e.time)
            lastRestartCursor = e.ref
            if let c = counter {
                counterMin = min(counterMin ?? c, c)
                counterMax = max(counterMax ?? c, c)
            }
            if let x = lastExit {
                let delay = (Double(e.time) - Double(x.time)) / 1e6
                if delay >= 0 { exitToRestart.add(delay) }
                if x.clean { restartsAfterSuccess += 1 } else { restartsAfterFailure += 1 }
            }
            lastExit = nil
        case .startLimitHit:
            markStartLimit(e)
        case .oomKilled:
            oomKills += 1
            if oomKillTimes.count < 10_000 { oomKillTimes.append(e.time) }
        case .oomdKilled:
            oomdKills += 1
        case .deactivated:
            if lastExit == nil { noteExit(e.time, clean: true) }
        case .resources(let cpu, _):
            if let cpu { peakCPUNSec = max(peakCPUNSec ?? 0, cpu) }
        case .startFailed:
            startFailures += 1
        case .starting, .stopping, .stopped:
            break
        }
    }

    private mutating func noteExit(_ t: Int64, clean: Bool) {
        lastExit = (t, clean)
    }

    private mutating func markStartLimit(_ e: UnitEvent) {
        if !startLimitHit {
            startLimitTime = e.time
            startLimitCursor = e.ref
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

enum Stats {
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        let mid = s.count / 2
        return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
    }
}
