import Events

/// What one unit did in one boot, kept as counts and restart times, not entries.
struct UnitAccumulator {
    let unit: String
    var starts = 0
    var restartTimes: [Int64] = []
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
    var exitToRestart: [Double] = []
    /// Seconds from a restart being scheduled to the unit being started again.
    var restartToStart: [Double] = []
    var restartsAfterFailure = 0
    var restartsAfterSuccess = 0
    var lastExit: (time: Int64, clean: Bool)?
    var pendingRestart: Int64?
    var lastRestartHadCounter = false
    var failures: [(time: Int64, result: String, cursor: EntryRef)] = []
    var failureCount = 0
    var lastFailureTime: Int64?
    /// How long the unit stayed up: from `started` to the next exit.
    var upSeconds: [Double] = []
    var lastStart: Int64?
    var peakCPUNSec: UInt64?

    init(unit: String) { self.unit = unit }

    mutating func add(_ e: UnitEvent) {
        if firstCursor == nil { firstCursor = e.ref }
        switch e.kind {
        case .started:
            starts += 1
            if let p = pendingRestart { restartToStart.append(Double(e.time - p) / 1e6); pendingRestart = nil }
            lastStart = e.time
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
            // restart: count it once, keeping the counter.
            if let last = restartTimes.last, timeDistance(e.time, last) < 1_000_000, counter == nil || !lastRestartHadCounter {
                if let c = counter {
                    lastRestartHadCounter = true
                    counterMin = min(counterMin ?? c, c)
                    counterMax = max(counterMax ?? c, c)
                }
                return
            }
            lastRestartHadCounter = counter != nil
            restartTimes.append(e.time)
            lastRestartCursor = e.ref
            if let c = counter {
                counterMin = min(counterMin ?? c, c)
                counterMax = max(counterMax ?? c, c)
            }
            if let x = lastExit {
                exitToRestart.append(Double(e.time - x.time) / 1e6)
                if x.clean { restartsAfterSuccess += 1 } else { restartsAfterFailure += 1 }
            }
            lastExit = nil
            pendingRestart = e.time
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
        if let s = lastStart { upSeconds.append(Double(t - s) / 1e6); lastStart = nil }
    }

    private mutating func markStartLimit(_ e: UnitEvent) {
        if !startLimitHit {
            startLimitTime = e.time
            startLimitCursor = e.ref
        }
        startLimitHit = true
    }

    var restartsObserved: Int { restartTimes.count }

    /// Median seconds between consecutive restarts.
    var medianInterval: Double? {
        guard restartTimes.count >= 2 else { return nil }
        var d: [Double] = []
        d.reserveCapacity(restartTimes.count - 1)
        for i in 1..<restartTimes.count { d.append(Double(restartTimes[i] - restartTimes[i - 1]) / 1e6) }
        return Stats.median(d)
    }

    /// Restarts per minute bucket.
    var perMinute: [(minute: Int64, count: Int)] {
        var b: [Int64: Int] = [:]
        for t in restartTimes { b[ForkRateEstimator.floorDiv(t, 60_000_000), default: 0] += 1 }
        return b.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The most restarts inside any 10-second window (the default StartLimitIntervalSec).
    var maxRestartsPer10s: Int { maxRestarts(within: 10_000_000) }

    /// The most restarts inside any sliding minute.
    var peakPerMinute: Int { maxRestarts(within: 60_000_000) }

    func maxRestarts(within window: Int64) -> Int {
        var best = 0
        var lo = 0
        for hi in 0..<restartTimes.count {
            while restartTimes[hi] - restartTimes[lo] >= window { lo += 1 }
            best = max(best, hi - lo + 1)
        }
        return best
    }

    /// Restarted repeatedly without staying up: at least five restarts a median minute or
    /// less apart, or (when most of the journal is gone) a restart counter in the hundreds
    /// with the few restarts seen close together.
    var isCrashLoop: Bool {
        let n = restartsObserved
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
