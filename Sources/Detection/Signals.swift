import Analysis
import Events

/// The time series a Prometheus server scraping the machine would have held, rebuilt from the
/// report's facts on a regular grid (one sample per `step`, from the first whole step after the
/// boot's oldest entry kept — or the last before it, when the machine had been up for minutes
/// by then and was being scraped — to the last sign of life).
public struct Signals: Sendable {
    public var step: Int
    public var start: Timestamp
    /// How many samples each series has.
    public var count: Int
    public var series: [SignalSeries]
    /// Per metric, the first event that came after the last sample (seen by nobody: the machine froze).
    public var lateEvents: [String: Timestamp]
    public var firstSymptom: Timestamp?
    public var lastSignOfLife: Timestamp?
    /// Metrics of the default rules the logs read cannot give (text logs carry no priorities,
    /// so no journal error count): their rules are not evaluated.
    public var unavailable: Set<String> = []
    /// False when nothing in the report has a wall-clock time (kernel logs stamped only with
    /// uptime, no journal): no scrape can be placed, and there are no samples.
    public var hasClock: Bool

    /// The longest grid kept: a week of one-minute samples. Older samples are dropped, newest kept.
    public static let maxSamples = 10_080

    public static let restartMetric = "node_systemd_service_restart_total"
    public static let oomMetric = "node_vmstat_oom_kill"
    public static let unitStateMetric = "node_systemd_unit_state"
    public static let hungTaskMetric = "postmortem_kernel_hung_tasks_total"
    public static let lockupMetric = "postmortem_kernel_lockups_total"
    public static let journalErrorMetric = "postmortem_journal_errors_total"

    /// Kernel reports that count as a symptom (harm done), not as mere noise.
    static let symptomKinds: Set<KernelDistressKind> = [.hungTask, .softLockup, .hardLockup, .rcuStall, .panic, .oops, .bug,
                                                        .ioError, .fsError, .forkRejected, .mce]
    static let lockupKinds: Set<KernelDistressKind> = [.softLockup, .hardLockup, .rcuStall]

    public init(report: PostmortemReport, step: Int = 60) {
        self.step = min(max(1, step), 86_400)
        let stepUS = Int64(self.step) * 1_000_000
        let analysed = report.boots.first { $0.bootID == report.analyzedBoot }
        let bootFirst = analysed?.first ?? report.timeline.compactMap(\.time).min()
        lastSignOfLife = Self.lastSignOfLife(report)
        firstSymptom = Self.firstSymptom(report)
        hasClock = bootFirst != nil || lastSignOfLife != nil
        let first = bootFirst ?? lastSignOfLife ?? Timestamp(microseconds: 0)
        // The first whole step at or after the oldest entry kept: before it the machine may not
        // have been up. When the kept journal begins well into the boot, the step before it was
        // scraped too, with none of the events kept yet: without it, what happened in the first
        // minute kept would already be in the first sample, and no increase would show it.
        let (q, r) = first.microseconds.quotientAndRemainder(dividingBy: stepUS)
        let upBefore = analysed?.beginningLost() == true
        var startUS = (r > 0 && !upBefore ? q + 1 : q) &* stepUS
        let endUS = lastSignOfLife?.microseconds ?? startUS
        // Times come from the input: the span is computed without trapping, and only the newest samples kept.
        var n = 0
        if hasClock, endUS >= startUS {
            let (span, overflow) = endUS.subtractingReportingOverflow(startUS)
            if overflow || span / stepUS >= Int64(Self.maxSamples) {
                startUS = (endUS / stepUS) &* stepUS &- Int64(Self.maxSamples - 1) &* stepUS
                n = Self.maxSamples
            } else {
                n = Int(span / stepUS) + 1
            }
        }
        start = Timestamp(microseconds: startUS)
        count = n
        let times = (0..<n).map { startUS &+ Int64($0) &* stepUS }
        let lastSample = times.last ?? Int64.min
        var series: [SignalSeries] = []
        var late: [String: Timestamp] = [:]

        func noteLate(_ metric: String, _ events: [Timestamp]) {
            if let t = events.filter({ $0.microseconds > lastSample }).min() {
                late[metric] = min(late[metric] ?? t, t)
            }
        }
        /// A counter of `events`: at each sample, how many happened at or before it, plus `base`.
        func counter(_ events: [Timestamp], base: Double = 0) -> [Double?] {
            let sorted = events.map(\.microseconds).sorted()
            var i = 0
            return times.map { t in
                while i < sorted.count, sorted[i] <= t { i += 1 }
                return base + Double(i)
            }
        }

        /// A counter of events known by the minute (`perMinute`): a minute's events count once
        /// the minute is over, plus `base`.
        func minuteCounter(_ perMinute: [SeriesPoint], base: Double = 0) -> (values: [Double?], late: [SeriesPoint]) {
            let buckets = perMinute.sorted { $0.start < $1.start }
            var values: [Double?] = []
            var j = 0
            var total = base
            for t in times {
                while j < buckets.count, buckets[j].start.microseconds &+ 60_000_000 <= t {
                    total += max(0, buckets[j].value.isFinite ? buckets[j].value : 0)
                    j += 1
                }
                values.append(total)
            }
            // The minutes not over at the last sample, with an event in them.
            return (values, buckets.filter { $0.start.microseconds &+ 60_000_000 > lastSample && $0.value > 0 })
        }

        // Restart counters (node_exporter, systemd collector with --collector.systemd.enable-restarts-metrics):
        // systemd's NRestarts. A minute's restarts are counted once the minute is over.
        for unit in report.units where !unit.restartsPerMinute.isEmpty {
            let base = Double(max(0, (unit.restartCounterMin ?? 1) - 1))
            let (values, lateBuckets) = minuteCounter(unit.restartsPerMinute, base: base)
            // Restarts of the minute that was not over at the last sample: the last of them is known to the second.
            if !lateBuckets.isEmpty, let t = unit.lastRestart ?? lateBuckets.first?.start {
                late[Self.restartMetric] = min(late[Self.restartMetric] ?? t, t)
            }
            series.append(SignalSeries(metric: Self.restartMetric, labels: ["name": unit.unit], exporter: .nodeExporter,
                                       values: values))
        }

        // The kernel's OOM kill count (/proc/vmstat oom_kill: global and memory-cgroup kills, not systemd-oomd's).
        let kernelKills = report.oomKills.filter { $0.kind != .oomd }.compactMap(\.time)
        series.append(SignalSeries(metric: Self.oomMetric, labels: [:], exporter: .nodeExporter, values: counter(kernelKills)))
        noteLate(Self.oomMetric, kernelKills)

        // Unit failed states: failed from a failure until the unit's next restart.
        var failures: [String: [Timestamp]] = [:]
        var recoveries: [String: [Timestamp]] = [:]
        for row in report.timeline {
            guard let t = row.time else { continue }
            switch row.kind {
            case .unitFailed:
                failures[row.subject, default: []].append(t)
                if let e = row.endTime { failures[row.subject, default: []].append(e) }
            case .restart, .restarts, .crashLoop:
                recoveries[row.subject, default: []].append(t)
            case .boot, .journalKept, .clockStep, .shutdown, .loopStart, .startLimitHit, .oomKill, .outOfMemory, .forkFailure, .forkRate,
                 .kernel, .bootEnd, .lastWords:
                break
            }
        }
        for unit in failures.keys.sorted() {
            let f = (failures[unit] ?? []).map(\.microseconds).sorted()
            let r = (recoveries[unit] ?? []).map(\.microseconds).sorted()
            let values: [Double?] = times.map { t in
                guard let lastFail = f.last(where: { $0 <= t }) else { return 0 }
                let lastRecovery = r.last(where: { $0 <= t }) ?? Int64.min
                return lastFail > lastRecovery ? 1 : 0
            }
            series.append(SignalSeries(metric: Self.unitStateMetric, labels: ["name": unit, "state": "failed"],
                                       exporter: .nodeExporter, values: values))
            noteLate(Self.unitStateMetric, f.map(Timestamp.init(microseconds:)))
        }

        // Hung tasks and lockups: no exporter counts them; ours, as a log-based exporter would.
        let hung = report.kernelEvents.filter { $0.kind == .hungTask }.compactMap(\.time)
        let lockups = report.kernelEvents.filter { Self.lockupKinds.contains($0.kind) }.compactMap(\.time)
        series.append(SignalSeries(metric: Self.hungTaskMetric, labels: [:], exporter: .postmortem, values: counter(hung)))
        series.append(SignalSeries(metric: Self.lockupMetric, labels: [:], exporter: .postmortem, values: counter(lockups)))
        noteLate(Self.hungTaskMetric, hung)
        noteLate(Self.lockupMetric, lockups)

        // Journal entries of priority err or worse: no exporter counts them; ours, as a
        // log-based exporter reading the journal would. Text logs carry no priorities.
        if let errors = report.journalErrorsPerMinute {
            let (values, lateBuckets) = minuteCounter(errors)
            // Only a minute that began after the last sample is known to have come after it
            // (with no sample at all, the rule was not evaluated: no scrape fell in the logs).
            if n > 0, let t = lateBuckets.first(where: { $0.start.microseconds > lastSample })?.start { late[Self.journalErrorMetric] = t }
            series.append(SignalSeries(metric: Self.journalErrorMetric, labels: [:], exporter: .postmortem, values: values))
        } else {
            unavailable.insert(Self.journalErrorMetric)
        }

        self.series = series
        self.lateEvents = late
    }

    /// The time of sample `index`.
    public func time(at index: Int) -> Timestamp {
        Timestamp(microseconds: start.microseconds &+ Int64(index) &* Int64(step) &* 1_000_000)
    }

    static func lastSignOfLife(_ report: PostmortemReport) -> Timestamp? {
        var times: [Timestamp] = []
        if let t = report.end?.lastEntry { times.append(t) }
        if let b = report.boots.first(where: { $0.bootID == report.analyzedBoot }) { times.append(b.last) }
        times += report.kernelEvents.compactMap(\.time)
        // Rows of the next boot do not count.
        let next = report.end?.nextBootFirst
        times += report.timeline.filter { $0.kind != .bootEnd }.flatMap { [$0.time, $0.endTime] }.compactMap { $0 }
        return times.filter { t in next.map { t < $0 } ?? true }.max()
    }

    static func firstSymptom(_ report: PostmortemReport) -> Timestamp? {
        var times = report.oomKills.compactMap(\.time)
        times += report.kernelEvents.filter { symptomKinds.contains($0.kind) }.compactMap(\.time)
        times += report.timeline.filter { $0.kind == .unitFailed || $0.kind == .startLimitHit }.compactMap(\.time)
        return times.min()
    }
}
