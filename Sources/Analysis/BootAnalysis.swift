import Events
import Journal
import KernelLog

/// Turns the aggregates of the selected boot(s) into the report's sections.
struct BootAnalysis {
    let options: AnalysisOptions
    var boots: [BootState] = []
    var units: [String: UnitAccumulator] = [:]
    var kernelLines: [KernelLine] = []
    var forkFailures: [ForkFailure] = []
    var forkFailureCount = 0
    var oomd: [OOMDKill] = []
    var lastWords: [KeptMessage] = []
    var textOnly = false
    var fork: ForkRateEstimator?
    /// The kernel's start of the (last) boot added, where its clock says it.
    var bootStart: Int64?
    /// Places journal entries in their files, for the commands that show evidence in context.
    var locator = JournalFileLocator()
    /// Enablement links and unit-file packages from the host tree.
    var unitLinks: [(target: String, unit: String)] = []
    var unitPackages: [String: String] = [:]
    /// Each unit's own warning-or-worse messages, counted by normalised pattern.
    var ownWords: [String: UnitWords] = [:]
    /// Lines systemd logged about units (restart, failure), for evidence.
    var unitLines: [String: [EvidenceLine]] = [:]
    /// Journal entries of priority err or worse, by minute; `nil` while no boot added comes
    /// from the journal (text logs carry no priorities).
    var errorsPerMinute: PerMinuteCounts?

    init(options: AnalysisOptions) { self.options = options }

    mutating func add(_ b: BootState, textRecords: [KernelRecord], textOnly: Bool = false) {
        self.textOnly = textOnly
        boots.append(b)
        if let start = b.startOffset, Analyzer.plausible(start) { bootStart = start }
        for (name, u) in b.units {
            if units[name] == nil { units[name] = u } else { units[name] = merge(units[name], u) }
        }
        for (name, w) in b.ownWords { ownWords[name, default: UnitWords()].merge(w) }
        for (name, lines) in b.unitLines {
            unitLines[name, default: []] += lines.map { l in
                EvidenceLine(time: Timestamp(microseconds: l.time),
                             source: locator.source(of: l.ref, cursor: l.ref.cursor), text: l.text)
            }
        }
        forkFailures += b.forkFailures
        forkFailureCount += b.forkFailureCount
        if !b.textOnly {
            var errors = errorsPerMinute ?? PerMinuteCounts()
            errors.merge(b.errorsPerMinute)
            errorsPerMinute = errors
        }
        oomd += b.oomd
        lastWords = b.lastWords
        if fork == nil || b.fork.observations > (fork?.observations ?? 0) { fork = b.fork }
        let since = options.since?.microseconds, until = options.until?.microseconds
        func inWindow(_ t: Int64?) -> Bool {
            guard let t else { return true }
            return (since.map { t >= $0 } ?? true) && (until.map { t <= $0 } ?? true)
        }
        // Journal kernel lines, then text-log lines the journal does not have.
        var seen: [String: [UInt64]] = [:]
        for (i, r) in b.kernel.enumerated() where inWindow(r.wallclockUSec) {
            let ref = i < b.kernelCursors.count ? b.kernelCursors[i] : nil
            let cursor = ref?.cursor ?? "journal"
            kernelLines.append(KernelLine(text: r.text, time: r.wallclockUSec, source: cursor, lastWords: false,
                                          origin: .journal(file: nil, cursor: cursor), ref: ref))
            seen[r.text, default: []].append(r.monotonicUSec ?? 0)
        }
        var text: [KernelLine] = []
        for r in textRecords where inWindow(r.wallclockUSec) {
            if r.sources.contains(where: { $0.format == .journal }) { continue }
            if let monos = seen[r.text], let m = r.monotonicUSec,
               monos.contains(where: { ($0 > m ? $0 - m : m - $0) < 2_000 }) { continue }
            if let monos = seen[r.text], r.monotonicUSec == nil, !monos.isEmpty, !r.isLastWords { continue }
            // Only a text log has it, and it is not before the journal's end (within the
            // record's own time uncertainty: syslog stamps have whole seconds).
            let slack = Int64(clamping: max(r.uncertaintyUSec, r.clock == .syslog || r.clock == .syslogInferredYear ? 1_000_000 : 0))
            let after = (r.wallclockUSec.map { $0 &+ slack } ?? .min) > b.last && !textOnly
            text.append(KernelLine(text: r.text, time: r.wallclockUSec,
                                   source: r.sources.first?.description ?? "kernel log",
                                   lastWords: r.isLastWords || after,
                                   origin: .file(path: r.sources.first?.path ?? "kernel log",
                                                 line: r.sources.first.flatMap { $0.line > 0 ? $0.line : nil }),
                                   uptime: r.wallclockUSec == nil ? r.monotonicUSec : nil))
        }
        kernelLines += text
        kernelLines.sort { ($0.time ?? .max) < ($1.time ?? .max) }
    }

    private func merge(_ a: UnitAccumulator?, _ b: UnitAccumulator) -> UnitAccumulator {
        guard var a else { return b }
        a.starts += b.starts
        a.restarts.merge(b.restarts)
        a.counterMax = [a.counterMax, b.counterMax].compactMap { $0 }.max()
        a.counterMin = [a.counterMin, b.counterMin].compactMap { $0 }.min()
        a.exitStatusCounts.merge(b.exitStatusCounts)
        a.resultCounts.merge(b.resultCounts)
        a.startLimitHit = a.startLimitHit || b.startLimitHit
        a.oomKills += b.oomKills
        a.oomKillTimes += b.oomKillTimes
        a.failureCount += b.failureCount
        a.failures += b.failures
        a.exitToRestart.merge(b.exitToRestart)
        a.restartsAfterFailure += b.restartsAfterFailure
        a.restartsAfterSuccess += b.restartsAfterSuccess
        return a
    }

    func finish(unitFiles: [(path: String, text: String)], into report: inout PostmortemReport) {
        let kernel = KernelFindings(lines: kernelLines)
        var oomKills = kernel.oomKills
        let unitSummaries = summarizeUnits(unitFiles: unitFiles)
        joinSystemdOOM(into: &oomKills)
        for k in oomd {
            var s = OOMKillSummary(time: Timestamp(microseconds: k.time), kind: .oomd)
            s.taskMemcg = k.cgroup
            s.unit = OOMAssembler.unit(fromCgroup: k.cgroup)
            s.evidence = [k.cursor]
            oomKills.append(s)
        }
        oomKills.sort { ($0.time?.microseconds ?? .max) < ($1.time?.microseconds ?? .max) }
        if options.unit != nil { oomKills = oomKills.filter { $0.unit.map(options.unitMatches) ?? true } }
        report.units = unitSummaries
        report.oomKills = oomKills
        report.kernelEvents = kernel.events
        report.forkRate = forkRate(kernel: kernel)
        report.journalErrorsPerMinute = errorsPerMinute?.series
        if kernel.eventsDropped > 0 {
            report.notes.append(.kernelEventsNotListed(count: kernel.eventsDropped))
        }
        var causes = RootCauseRanker(units: unitSummaries, accumulators: units, oomKills: oomKills, kernel: kernel,
                                     forkRate: report.forkRate, forkFailures: forkFailures, end: report.end)
        causes.unitLines = unitLines
        causes.locator = locator
        for (name, w) in ownWords {
            guard let top = w.topExample else { continue }
            causes.ownWordLines[name] = EvidenceLine(time: Timestamp(microseconds: top.time),
                                                     source: locator.source(of: top.ref, cursor: top.ref.cursor),
                                                     text: top.example)
        }
        for (u, n) in fork?.advanceByUnit ?? [:] { causes.forkByUnit[String(decoding: u, as: UTF8.self)] = n }
        report.rootCauses = causes.rank()
        report.timeline = TimelineBuilder(units: units, summaries: unitSummaries, oomKills: oomKills, kernel: kernel,
                                          forkFailures: forkFailures, forkFailureCount: forkFailureCount,
                                          boots: boots, lastWords: textOnly ? [] : lastWords,
                                          end: report.end, forkRate: report.forkRate).build()
            .filter { row in
                // The window applies to the timeline too: a row is shown when it overlaps it.
                guard let start = row.time?.microseconds else { return true }
                let end = row.endTime?.microseconds ?? start
                return (options.since.map { end >= $0.microseconds } ?? true) && (options.until.map { start <= $0.microseconds } ?? true)
            }
    }

    /// Units with anything worth reporting, most restarts first.
    func summarizeUnits(unitFiles: [(path: String, text: String)]) -> [UnitSummary] {
        var out: [UnitSummary] = []
        for (name, u) in units {
            guard options.unitMatches(name) else { continue }
            let nonzeroExits = u.exitStatuses.filter { !($0.key == "0" || $0.key.hasPrefix("0/")) }.values.reduce(0, +)
            let interesting = u.restartsObserved > 0 || u.failureCount > 0 || nonzeroExits > 0 || u.oomKills > 0
                || u.startLimitHit || !u.jobFailureCounts.counts.isEmpty || u.oomdKills > 0 || (options.unit != nil && options.unitMatches(name))
            guard interesting else { continue }
            var s = UnitSummary(unit: name)
            s.starts = u.starts
            s.restartsObserved = u.restartsObserved
            s.restartCounterMax = u.counterMax
            s.restartCounterMin = u.counterMin
            s.firstRestart = u.restarts.first.map(Timestamp.init(microseconds:))
            s.lastRestart = u.restarts.last.map(Timestamp.init(microseconds:))
            s.peakRestartsPerMinute = u.restarts.peakPerMinute
            s.restartsPerMinute = u.restarts.perMinuteCounts.series
            s.exitStatuses = u.exitStatuses
            s.results = u.results
            s.jobFailures = u.jobFailureCounts.counts
            s.startLimitHit = u.startLimitHit
            s.oomKills = u.oomKills
            s.crashLoop = u.isCrashLoop
            s.medianRestartIntervalSeconds = u.medianInterval
            s.impliedSettings = impliedSettings(u)
            s.unitFileLines = UnitFileQuoter.lines(for: name, in: unitFiles)
            s.ownWords = ownWords[name]?.top(3) ?? []
            s.provenance = UnitFileQuoter.provenance(for: name, in: unitFiles, links: unitLinks, packages: unitPackages)
            s.loopStartEstimate = loopStart(s)
            out.append(s)
        }
        return out.sorted {
            ($0.restartsObserved, $0.results.values.reduce(0, +), $0.oomKills) > ($1.restartsObserved, $1.results.values.reduce(0, +), $1.oomKills)
                || (($0.restartsObserved, $0.results.values.reduce(0, +), $0.oomKills) == ($1.restartsObserved, $1.results.values.reduce(0, +), $1.oomKills) && $0.unit < $1.unit)
        }
    }

    /// A loop already running at the oldest entry kept (its restart counter was above 1 there):
    /// when it began, extrapolated from the counter and the mean interval of the restarts kept,
    /// never before the boot's start.
    func loopStart(_ s: UnitSummary) -> LoopStartEstimate? {
        guard s.crashLoop, let counter = s.restartCounterMin, counter > 1, s.restartsObserved >= 2,
              let first = s.firstRestart, let last = s.lastRestart, last > first else { return nil }
        let mean = Double(last.microseconds &- first.microseconds) / 1e6 / Double(s.restartsObserved - 1)
        guard mean.isFinite, mean > 0 else { return nil }
        // Restart k comes about k intervals after the loop began.
        let back = Double(counter) * mean * 1e6
        guard back < 1e15 else { return nil }
        var start = first.microseconds &- Int64(back)
        var bounded = false
        if let boot = bootStart, start < boot {
            start = boot
            bounded = true
        }
        return LoopStartEstimate(start: Timestamp(microseconds: start), restartsBefore: counter - 1,
                                 meanIntervalSeconds: mean, boundedByBootStart: bounded)
    }

    func impliedSettings(_ u: UnitAccumulator) -> [ImpliedSetting] {
        guard u.restartsObserved > 0 else { return [] }
        var out: [ImpliedSetting] = []
        if u.restartsAfterSuccess > 0 {
            out.append(.restartAlways(afterCleanExits: u.restartsAfterSuccess))
        } else if u.restartsAfterFailure > 0 {
            out.append(.restartOnFailure(afterFailures: u.restartsAfterFailure))
        }
        if let delay = u.exitToRestart.median { out.append(.restartDelay(seconds: delay)) }
        let burst = u.restarts.maxPer10s
        if !u.startLimitHit, burst > 5 {
            out.append(.startLimitRaised(restartsWithin10s: burst))
        } else if !u.startLimitHit, u.restartsObserved > 5, let m = u.medianInterval, m < 2 {
            out.append(.startLimitOff(medianIntervalSeconds: m))
        }
        return out
    }

    /// systemd's "killed by the OOM killer" messages name the unit; give it to the kernel kill
    /// next to it, or record a kill the kernel log lost.
    func joinSystemdOOM(into kills: inout [OOMKillSummary]) {
        for (name, u) in units {
            for t in u.oomKillTimes {
                let near = kills.indices.filter { i in
                    guard let kt = kills[i].time?.microseconds else { return false }
                    return timeDistance(kt, t) <= 10_000_000 && kills[i].kind != .oomd
                }
                if let i = near.first(where: { kills[$0].unit == name }) ?? near.first(where: { kills[$0].unit == nil }) {
                    if kills[i].unit == nil { kills[i].unit = name }
                    continue
                }
                if near.isEmpty {
                    var s = OOMKillSummary(time: Timestamp(microseconds: t), kind: .memcg)
                    s.unit = name
                    s.evidence = ["systemd: \(name): A process of this unit has been killed by the OOM killer."]
                    kills.append(s)
                }
            }
        }
    }

    func forkRate(kernel: KernelFindings) -> ForkRate? {
        guard let f = fork, f.observations > 0 else { return nil }
        let perMinute = ForkRateEstimator.bucketUSec > 0 ? 60_000_000 / ForkRateEstimator.bucketUSec : 12
        var minutes: [Int64: Double] = [:]
        // In time order: sums of doubles depend on their order, and a report should not change
        // from one run to the next.
        for (b, n) in f.buckets.sorted(by: { $0.key < $1.key }) {
            minutes[ForkRateEstimator.floorDiv(b, perMinute), default: 0] += n
        }
        let sortedMinutes = minutes.sorted { $0.key < $1.key }
        var series: [ForkRatePoint] = []
        if let first = sortedMinutes.first?.key, let last = sortedMinutes.last?.key, last - first <= 20_000 {
            var m = first
            while m <= last {
                series.append(ForkRatePoint(start: Timestamp(microseconds: m * 60_000_000), perSecond: (minutes[m] ?? 0) / 60))
                m += 1
            }
        } else {
            series = sortedMinutes.map { ForkRatePoint(start: Timestamp(microseconds: $0.key * 60_000_000), perSecond: $0.value / 60) }
        }
        // The peak is the best sliding one-minute window over the 5-second buckets.
        let keys = f.buckets.keys.sorted()
        var best = 0.0, bestStart: Int64?
        var lo = 0, sum = 0.0
        for hi in keys.indices {
            sum += f.buckets[keys[hi]] ?? 0
            while keys[hi] - keys[lo] >= perMinute {
                sum -= f.buckets[keys[lo]] ?? 0
                lo += 1
            }
            if sum > best {
                best = sum
                bestStart = keys[lo]
            }
        }
        let peak = bestStart.map { ForkRatePoint(start: Timestamp(microseconds: $0 * ForkRateEstimator.bucketUSec), perSecond: best / 60) }
        let lower = f.ambiguous || (f.wraps > 0 && f.pidMax <= 65536 && (peak?.perSecond ?? 0) * 60 > Double(f.pidMax))
        let failures = forkFailureCount + kernel.counts[.forkRejected, default: 0]
        return ForkRate(method: "pid-advance", pidMax: f.pidMax, pidMaxSource: f.pidMaxSource, series: series,
                        peakPerSecond: peak?.perSecond ?? 0, peakAt: peak?.start, lowerBound: lower, wraps: f.wraps,
                        forkFailures: failures)
    }
}

/// The kernel's distress events and OOM kills.
struct KernelFindings {
    var events: [KernelEventSummary] = []
    var counts: [KernelDistressKind: Int] = [:]
    var oomKills: [OOMKillSummary] = []
    var eventsDropped = 0
    var panicReason: String?
    var hungTasks: [String] = []
    var lockupTexts: [String] = []
    /// Block devices named by I/O errors, and filesystems' devices named by their errors.
    var ioDevices: [String: Int] = [:]
    var fsDevices: [String: Int] = [:]
    var pidsCgroups: [String: Int] = [:]
    var lastWordsLines: [KernelLine] = []
    /// The last OOM report when it killed nothing (`OOMAssembler.unkilled`); `unkilledOOM(end:)`
    /// says whether it tells anything.
    var lastUnkilledReport: UnkilledOOM?
    /// The newest kernel stamp read (µs since the kernel started): where a log without a wall
    /// clock ends.
    var lastUptime: UInt64?

    static let perKindListed = 5000

    /// For each listed event: where it was read, and the lines of its report that followed it
    /// (call trace, `RIP:`), up to `reportLinesKept`, for the rules that read stacks.
    var origins: [EvidenceSource] = []
    var refs: [EntryRef?] = []
    var reports: [[String]] = []
    static let reportLinesKept = 64

    init(lines: [KernelLine]) {
        var oom = OOMAssembler()
        /// The event whose report the following lines belong to, and when it was printed.
        var open: (index: Int, time: Int64?, kind: KernelDistressKind)?
        /// Since 4.19 each kill prints one `oom-kill:constraint=` summary, which is its event;
        /// older kernels' kills are one event at their `Killed process` line instead.
        var killSummarised = false
        for l in lines {
            oom.add(l)
            if let u = l.uptime { lastUptime = max(lastUptime ?? u, u) }
            if l.lastWords, lastWordsLines.count < 5000 { lastWordsLines.append(l) }
            let message = KernelMessage.classify(l.text)
            switch message {
            case .oomInvoked?: killSummarised = false
            case .oomSummary?: killSummarised = true
            default: break
            }
            let preSummaryKill = message == .oomKill && !killSummarised
            guard var kind = message.flatMap({ KernelDistress.kind(of: $0, l.text) }) ?? (preSummaryKill ? .oomKill : nil) else {
                if let o = open, o.index < reports.count, reports[o.index].count < Self.reportLinesKept,
                   (l.time.flatMap { t in o.time.map { timeDistance(t, $0) <= 2_000_000 } } ?? true) {
                    reports[o.index].append(l.text)
                }
                continue
            }
            // One bug report is one event: the `Oops:` line that follows `BUG: unable to handle`,
            // a general protection fault or a KASAN report belongs to it.
            if let o = open, kind == .oops || kind == .bug, o.kind == .oops || o.kind == .bug,
               l.text.hasPrefix("Oops:") || l.text.hasPrefix("Oops "),
               (l.time.flatMap { t in o.time.map { timeDistance(t, $0) <= 2_000_000 } } ?? true) {
                if o.index < reports.count, reports[o.index].count < Self.reportLinesKept { reports[o.index].append(l.text) }
                continue
            }
            if kind == .bug, l.text.hasPrefix("general protection fault") || l.text.hasPrefix("BUG: KASAN") { kind = .oops }
            counts[kind, default: 0] += 1
            if counts[kind, default: 0] <= Self.perKindListed {
                events.append(KernelEventSummary(time: l.time.map(Timestamp.init(microseconds:)), kind: kind,
                                                 text: l.text, source: l.source, lastWords: l.lastWords,
                                                 reason: kind == .panic ? KernelMessage.panicReason(l.text) : nil,
                                                 uptimeSeconds: l.uptime.map { Double($0) / 1e6 }))
                origins.append(l.origin)
                refs.append(l.ref)
                reports.append([])
                open = (events.count - 1, l.time, kind)
            } else {
                eventsDropped += 1
                open = nil
            }
            switch kind {
            case .panic:
                if panicReason == nil { panicReason = KernelMessage.panicReason(l.text) ?? l.text }
            case .hungTask:
                if hungTasks.count < 100, let r = l.text.firstRange(of: "INFO: task ") {
                    let rest = l.text[r.upperBound...]
                    if let sp = rest.firstRange(of: " blocked") { hungTasks.append(String(rest[..<sp.lowerBound])) }
                }
            case .softLockup, .hardLockup, .rcuStall:
                if lockupTexts.count < 20 { lockupTexts.append(l.text) }
            case .ioError:
                if let d = KernelDistress.device(l.text) { ioDevices[d, default: 0] += 1 }
            case .fsError:
                if let d = KernelDistress.device(l.text) { fsDevices[d, default: 0] += 1 }
            case .forkRejected:
                if let r = l.text.firstRange(of: "pids controller in ") {
                    pidsCgroups[String(l.text[r.upperBound...]).trimmingCharacters(in: " \n"), default: 0] += 1
                }
            default: break
            }
        }
        oomKills = oom.kills
        lastUnkilledReport = oom.unkilled
    }
}

extension KernelFindings {
    /// The last machine-wide OOM report when it killed nothing and that tells something: the
    /// killer found nothing to kill, the kernel panicked for memory instead (`panic_on_oom`), or
    /// the logs end inside the report (it began within `CausalRules.persistedWindowUSec` of the
    /// boot's last sign of life, or of the last kernel line in a log without a wall clock). One
    /// that the logs go on long after is left alone (lines were lost, not the machine), and so is
    /// one that a panic of another kind cut short.
    func unkilledOOM(end: BootEnd?) -> (oom: UnkilledOOM, reason: MemoryExhaustionFacts.UnkilledReason)? {
        guard let u = lastUnkilledReport else { return nil }
        let panics = events.filter { $0.kind == .panic }
        if !panics.isEmpty {
            guard panics.contains(where: { p in CausalRules.memoryPanicWords.contains { p.text.contains($0) } }) else { return nil }
            return (u, u.noKillable ? .noKillableProcess : .panicked)
        }
        if u.noKillable { return (u, .noKillableProcess) }
        let window = UInt64(CausalRules.persistedWindowUSec)
        if let t = u.invocation.time, let e = (end?.lastSignOfLife ?? end?.lastEntry)?.microseconds {
            return e >= t && UInt64(e &- t) <= window ? (u, .logsEnd) : nil
        }
        if u.invocation.time == nil, let up = u.invocation.uptime, let last = lastUptime {
            return last >= up && last - up <= window ? (u, .logsEnd) : nil
        }
        return nil
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
