import Events

/// Estimates how fast processes were created from how the `_PID` values of log entries
/// advance: the kernel hands out PIDs sequentially modulo `pid_max`, so the newest PID seen
/// so far (the frontier) moves forward by the number of PIDs allocated in between.
///
/// Old processes that log late, or PIDs from other namespaces, sit behind the frontier and
/// are ignored; a PID seen before is a known process unless the frontier has gone around
/// since. A wrap (the frontier jumping from near `pid_max` to a low PID) is only accepted
/// when further new PIDs confirm it, so that one long-lived daemon logging for the first
/// time does not look like a wrap.
struct ForkRateEstimator {
    /// `pid_max` from the kernel command line, when it was logged.
    var pidMaxFromCommandLine: Int?
    /// Where `pidMaxFromCommandLine` came from when not the command line (a sysctl file's line).
    var pidMaxSetBy: PIDMaxSource?
    private(set) var maxPID = 0
    private(set) var wraps = 0
    /// Set when a single advance was so large that a wrap could hide inside it.
    private(set) var ambiguous = false
    /// Forks per 5-second bucket (bucket index since the epoch): fine enough for a sliding
    /// one-minute peak, coarse enough to stay small over a long boot.
    private(set) var buckets: [Int64: Double] = [:]
    static let bucketUSec: Int64 = 5_000_000
    /// PID advance attributed to each unit of the new processes.
    var advanceByUnit: [[UInt8]: Double] {
        var all = advanceByEarlierUnits
        if let u = runUnit { all[u, default: 0] += runAdvance }
        return all
    }
    private var advanceByEarlierUnits: [[UInt8]: Double] = [:]
    /// The unit of the current run of advances and their sum: consecutive new processes
    /// mostly belong to one unit, so the dictionary is touched only when the unit changes.
    private var runUnit: [UInt8]?
    private var runAdvance: Double = 0
    private var frontier: Int?
    private var frontierTime: Int64 = 0
    private var cumulative: Int64 = 0
    private var lastSeen = PIDTable()
    private var wrapCandidate: (pid: Int, time: Int64, confirmations: Int)?
    private(set) var observations = 0
    private var counting = false

    /// The PID space assumed: the command line's value; else 4194304 once a PID above 32768
    /// was seen (systemd raises the default on 64-bit), else the kernel default 32768.
    var pidMax: Int {
        if let p = pidMaxFromCommandLine, p > 300 { return p }
        return maxPID > 32768 ? 4_194_304 : 32768
    }

    var pidMaxSource: PIDMaxSource {
        if pidMaxFromCommandLine != nil { return pidMaxSetBy ?? .commandLine }
        return .assumed(largestPIDSeen: maxPID, pidMax: pidMax)
    }

    /// Starts the frontier at PID 1 at the moment the kernel booted, when the journal reaches
    /// back to the start of the boot: the kernel threads and early services then count.
    mutating func seedAtBoot(time: Int64) {
        guard frontier == nil else { return }
        frontier = 1
        frontierTime = time
        counting = true
    }

    mutating func observe(pid: Int, time: Int64, unit: UnsafeRawBufferPointer?) {
        guard pid > 1, pid < 1 << 30 else { return }
        observations += 1
        if pid > maxPID { maxPID = pid }
        let space = pidMax
        if let seen = lastSeen.swap(pid, cumulative), cumulative - seen < Int64(space / 2) { return }
        guard let f = frontier else {
            frontier = pid
            frontierTime = time
            return
        }
        if pid > f {
            let d = pid - f
            guard d < space / 2 else { return }
            wrapCandidate = nil
            advance(by: d, to: pid, at: time, unit: unit)
            return
        }
        // Behind the frontier: an old process, or the PIDs wrapped around.
        let wrapDistance = pid + space - f
        guard wrapDistance < space / 2, f > space / 2 else { return }
        if var c = wrapCandidate {
            if pid > c.pid && pid - c.pid < space / 4 {
                c.confirmations += 1
                if c.confirmations >= 2 {
                    wrapCandidate = nil
                    wraps += 1
                    advance(by: c.pid + space - f, to: c.pid, at: c.time, unit: unit)
                    advance(by: pid - c.pid, to: pid, at: time, unit: unit)
                } else {
                    wrapCandidate = c
                }
            }
        } else {
            wrapCandidate = (pid, time, 0)
        }
    }

    private mutating func advance(by d: Int, to pid: Int, at time: Int64, unit: UnsafeRawBufferPointer?) {
        // The first PIDs seen may be daemons from long before the journal starts (a rotated
        // or vacuumed file), and a jump faster than any machine forks is a resync, not forks:
        // move the frontier without counting.
        let seconds = max((Double(time) - Double(frontierTime)) / 1e6, 0.001)
        if (!counting && d > 1000) || (d > 20_000 && Double(d) / seconds > 50_000) {
            counting = true
            frontier = pid
            frontierTime = max(frontierTime, time)
            return
        }
        counting = true
        if d > pidMax / 4 { ambiguous = true }
        cumulative += Int64(d)
        if let unit {
            if let r = runUnit, TextScan.equal(unit, r) {
                runAdvance += Double(d)
            } else {
                if let r = runUnit { advanceByEarlierUnits[r, default: 0] += runAdvance }
                runUnit = Array(unit)
                runAdvance = Double(d)
            }
        }
        spread(Double(d), from: frontierTime, to: time)
        frontier = pid
        frontierTime = max(frontierTime, time)
    }

    /// Puts `count` forks evenly over the minutes between two observations.
    private mutating func spread(_ count: Double, from start: Int64, to end: Int64) {
        let minute = Self.bucketUSec
        guard end > start else {
            buckets[Self.floorDiv(end, minute), default: 0] += count
            return
        }
        // A gap of hours (or a clock step) says nothing about a peak: leave it out rather than
        // walk millions of buckets.
        guard end &- start <= 6 * 3_600_000_000, end &- start > 0 else { return }
        let span = Double(end - start)
        var t = start
        while t < end {
            let m = Self.floorDiv(t, minute)
            let bucketEnd = min(end, (m + 1) * minute)
            buckets[m, default: 0] += count * Double(bucketEnd - t) / span
            t = bucketEnd
        }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
}

/// The cumulative fork count at which each PID was last seen: a flat array for the PIDs a
/// kernel hands out (up to 2^22), a dictionary beyond, since this is asked for every entry.
struct PIDTable {
    private var flat: [Int64] = []
    private var sparse: [Int: Int64] = [:]
    static let flatLimit = 1 << 22
    private static let never = Int64.min

    /// Records `value` for `pid`; returns the value it had.
    mutating func swap(_ pid: Int, _ value: Int64) -> Int64? {
        guard pid >= 0, pid < Self.flatLimit else {
            defer { sparse[pid] = value }
            return sparse[pid]
        }
        if pid >= flat.count {
            flat.append(contentsOf: repeatElement(Self.never, count: max(pid + 1, min(flat.count * 2, Self.flatLimit)) - flat.count))
        }
        let old = flat[pid]
        flat[pid] = value
        return old == Self.never ? nil : old
    }
}
