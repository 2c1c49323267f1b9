import KernelLog
import Events

/// Merges everything into one time-ordered table, folding repetitions into one row with a
/// count and a time range, and ending with the boot's last words.
struct TimelineBuilder {
    var units: [String: UnitAccumulator]
    var summaries: [UnitSummary]
    var oomKills: [OOMKillSummary]
    var kernel: KernelFindings
    var forkFailures: [ForkFailure]
    var forkFailureCount: Int
    var boots: [BootState]
    var lastWords: [KeptMessage]
    var end: BootEnd?
    var forkRate: ForkRate?

    func build() -> [TimelineRow] {
        var rows: [TimelineRow] = []
        func ts(_ us: Int64?) -> Timestamp? { us.map(Timestamp.init(microseconds:)) }
        for b in boots where !b.id.isEmpty {
            // The boot begins when the kernel starts; the journal may keep only its later part.
            let start = b.startOffset.flatMap { Analyzer.plausible($0) ? $0 : nil }
            let lost = b.firstMonotonic != .max && b.firstMonotonic > 120_000_000
            // Rows keep their entries' own wall time: where the clock stepped forward, the boot's
            // first rows are on the old clock, and its start on that clock comes before them.
            var onFirstClock: Int64?
            if let first = b.firstOffset, let start, Analyzer.plausible(first), start &- first > BootState.clockJumpThreshold {
                onFirstClock = first
            }
            rows.append(TimelineRow(time: ts(onFirstClock ?? start ?? b.first), endTime: nil, kind: .boot, subject: String(b.id.prefix(12)),
                                    detail: .bootBegins(bootID: b.id, entries: b.entries, textOnly: b.textOnly,
                                                        startKnown: start != nil || b.monotonicIsUptime),
                                    count: 1))
            if lost, start != nil {
                let into = Double(b.firstMonotonic) / 1e6
                rows.append(TimelineRow(time: ts(b.first), endTime: nil, kind: .journalKept, subject: String(b.id.prefix(12)),
                                        detail: .journalKeptFrom(secondsIntoBoot: into, textOnly: b.textOnly), count: 1))
            }
            // Where the wall clock stepped: the rows around it are on two clocks.
            for j in b.clockJumps {
                let step = Double(j.to &- j.from) / 1e6
                rows.append(TimelineRow(time: ts(j.to), endTime: nil, kind: .clockStep, subject: String(b.id.prefix(12)),
                                        detail: .clockStep(seconds: step, uptimeSeconds: Double(j.monotonic) / 1e6), count: 1))
            }
            for m in BootEndClassifier.markers(of: b).counted.suffix(2) {
                rows.append(TimelineRow(time: ts(m.time), endTime: nil, kind: .shutdown, subject: "system", detail: .text(m.text), count: 1))
            }
        }
        for s in summaries {
            guard let u = units[s.unit] else { continue }
            if let e = s.loopStartEstimate {
                rows.append(TimelineRow(time: e.start, endTime: s.firstRestart, kind: .loopStart, subject: s.unit,
                                        detail: .loopStartEstimate(unit: s.unit, restartsBefore: e.restartsBefore,
                                                                   meanIntervalSeconds: e.meanIntervalSeconds,
                                                                   cappedAtBootStart: e.boundedByBootStart),
                                        count: e.restartsBefore))
            }
            let n = s.restartsObserved
            if n >= 3, let a = s.firstRestart, let b = s.lastRestart {
                // The commonest exit; of two as common, the first by name, so that the row is the same every run.
                let top = s.exitStatuses.max { ($0.value, $1.key) < ($1.value, $0.key) }
                rows.append(TimelineRow(time: a, endTime: b, kind: s.crashLoop ? .crashLoop : .restarts, subject: s.unit,
                                        detail: .restarts(unit: s.unit, count: n, peakPerMinute: s.peakRestartsPerMinute,
                                                          counterMax: s.restartCounterMax, commonestExit: top?.key,
                                                          commonestExitCount: top?.value ?? 0),
                                        count: n))
            } else {
                for t in u.restarts.earliest {
                    rows.append(TimelineRow(time: ts(t), endTime: nil, kind: .restart, subject: s.unit,
                                            detail: .restartScheduled(unit: s.unit), count: 1))
                }
                // Failures not part of a restart run.
                let fails = u.failures
                if fails.count > 3, let a = fails.first, let b = fails.last {
                    rows.append(TimelineRow(time: ts(a.time), endTime: ts(b.time), kind: .unitFailed, subject: s.unit,
                                            detail: .failures(unit: s.unit, count: u.failureCount, firstResult: a.result),
                                            count: u.failureCount))
                } else {
                    for f in fails {
                        rows.append(TimelineRow(time: ts(f.time), endTime: nil, kind: .unitFailed, subject: s.unit,
                                                detail: .failed(unit: s.unit, result: f.result), count: 1))
                    }
                }
            }
            if s.startLimitHit, let t = u.startLimitTime {
                rows.append(TimelineRow(time: ts(t), endTime: nil, kind: .startLimitHit, subject: s.unit,
                                        detail: .startLimitHit(unit: s.unit), count: 1))
            }
        }
        rows += foldOOM()
        if let (u, reason) = kernel.unkilledOOM(end: end) {
            rows.append(TimelineRow(time: u.invocation.time.map(Timestamp.init(microseconds:)), endTime: nil, kind: .outOfMemory,
                                    subject: CauseSubject.system.name, detail: .outOfMemory(invokedBy: u.invokedBy, unkilled: reason),
                                    count: 1, uptimeSeconds: u.invocation.time == nil ? u.invocation.uptime.map { Double($0) / 1e6 } : nil))
        }
        rows += foldKernel()
        if forkFailureCount > 0, let a = forkFailures.first, let b = forkFailures.last {
            rows.append(TimelineRow(time: ts(a.time), endTime: forkFailureCount > 1 ? ts(b.time) : nil, kind: .forkFailure,
                                    subject: a.reporter,
                                    detail: forkFailureCount > 1 ? .forkFailures(count: forkFailureCount, first: a.text) : .text(a.text),
                                    count: forkFailureCount))
        }
        if let f = forkRate, f.peakPerSecond >= 50, let peak = f.peakAt {
            // The peak minute is counted in whole seconds; none of it comes before the boot began.
            let begins = rows.filter { $0.kind == .boot }.compactMap(\.time).min()
            let at = begins.map { max($0, peak) } ?? peak
            rows.append(TimelineRow(time: at, endTime: Timestamp(microseconds: peak.microseconds &+ 60_000_000), kind: .forkRate,
                                    subject: "system",
                                    detail: .forkRate(perSecond: f.peakPerSecond, lowerBound: f.lowerBound),
                                    count: Int(min(f.peakPerSecond * 60, 1e12))))
        }
        rows.sort { ($0.time?.microseconds ?? .max) < ($1.time?.microseconds ?? .max) }

        if let e = end {
            // At the journal's end, before the last words that outlived it; the silence runs from
            // the last sign of life in any source to the next boot's kernel start.
            var outlived: (source: SourceKind, seconds: Double)?
            if let life = e.lastSignOfLife, let last = e.lastEntry, life > last {
                outlived = (e.lastSignSource ?? .kernelLog, Double(life.microseconds &- last.microseconds) / 1e6)
            }
            let next = e.nextBootStart ?? e.nextBootFirst
            let d = TimelineDetail.bootEnd(kind: e.kind, lastSign: outlived?.source, lastSignAfterJournalSeconds: outlived?.seconds,
                                           silenceSeconds: next == nil ? nil : e.gapSeconds)
            // The boot ends at its last sign of life, which a kernel log or crash dump may place
            // after the journal's last entry.
            rows.append(TimelineRow(time: e.lastSignOfLife ?? e.lastEntry, endTime: e.gapSeconds == nil ? nil : next,
                                    kind: .bootEnd, subject: "system", detail: d, count: 1))
        }
        // Last words without noise: a message that could not be read back says nothing, and a
        // message repeated (a crash loop's last rounds) is one row with a count.
        var words: [TimelineRow] = []
        for m in lastWords where !m.text.isEmpty {
            let who = String(decoding: m.who, as: UTF8.self)
            let subject = who.isEmpty ? "?" : who
            let detail = TimelineDetail.text(String(decoding: m.text.prefix(500), as: UTF8.self))
            if let i = words.firstIndex(where: { $0.subject == subject && $0.detail == detail }) {
                words[i].count += 1
                words[i].endTime = ts(m.time)
            } else {
                words.append(TimelineRow(time: ts(m.time), endTime: nil, kind: .lastWords, subject: subject, detail: detail,
                                         count: 1, lastWords: true))
            }
        }
        // An end within the same second says nothing a reader can see.
        for i in words.indices {
            if let a = words[i].time?.microseconds, let b = words[i].endTime?.microseconds, b &- a < 1_000_000 { words[i].endTime = nil }
        }
        rows += words
        rows += kernelLastWords()
        // In time order in every format; rows of one instant keep the order they were added in
        // (a boot before its first loop, a boot's end after its last words).
        let endRank = { (r: TimelineRow) in r.kind == .bootEnd ? 1 : 0 }
        return rows.enumerated().sorted { a, b in
            let (ta, tb) = (a.element.time?.microseconds ?? .max, b.element.time?.microseconds ?? .max)
            if ta != tb { return ta < tb }
            if endRank(a.element) != endRank(b.element) { return endRank(a.element) < endRank(b.element) }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// What only kern.log, pstore or kdump kept: one row per kernel report (its headline,
    /// with the call trace and register lines that follow folded into the count).
    func kernelLastWords() -> [TimelineRow] {
        var groups: [[KernelLine]] = []
        for l in kernel.lastWordsLines {
            let headline = KernelDistress.classify(l.text) != nil
            var gap = false
            if let prev = groups.last?.last?.time, let t = l.time { gap = timeDistance(t, prev) > 1_000_000 }
            if headline || gap || groups.isEmpty {
                groups.append([l])
            } else {
                groups[groups.count - 1].append(l)
            }
        }
        return groups.suffix(40).compactMap { g in
            guard let first = g.first else { return nil }
            // One report is one row and counts once: its call trace is in the detail, and an end
            // time is shown only when the report took time to print.
            let end = g.last?.time.flatMap { t in first.time.map { timeDistance(t, $0) >= 1_000_000 } == true ? t : nil }
            return TimelineRow(time: first.time.map(Timestamp.init(microseconds:)),
                               endTime: end.map(Timestamp.init(microseconds:)),
                               kind: .lastWords, subject: "kernel",
                               detail: .kernelReport(headline: String(first.text.prefix(500)), furtherLines: g.count - 1),
                               count: 1, lastWords: true, uptimeSeconds: first.uptime.map { Double($0) / 1e6 })
        }
    }

    func foldOOM() -> [TimelineRow] {
        var rows: [TimelineRow] = []
        var i = 0
        while i < oomKills.count {
            let k = oomKills[i]
            var j = i + 1
            while j < oomKills.count, oomKills[j].kind == k.kind, oomKills[j].unit == k.unit { j += 1 }
            let run = oomKills[i..<j]
            if run.count > 3 {
                let comms = Array(Set(run.compactMap(\.comm)).sorted().prefix(4))
                rows.append(TimelineRow(time: k.time, endTime: run.last?.time, kind: .oomKill, subject: k.unit ?? k.comm ?? "?",
                                        detail: .oomKills(kind: k.kind, count: run.count, victims: comms), count: run.count,
                                        uptimeSeconds: k.uptimeSeconds))
            } else {
                for x in run {
                    let d = TimelineDetail.oomKill(kind: x.kind, victim: x.comm, pid: x.pid, anonRSSKB: x.anonRSSKB, unit: x.unit,
                                                   invokedBy: x.invokedBy)
                    rows.append(TimelineRow(time: x.time, endTime: nil, kind: .oomKill, subject: x.unit ?? x.comm ?? "?", detail: d, count: 1,
                                            uptimeSeconds: x.uptimeSeconds))
                }
            }
            i = j
        }
        return rows
    }

    /// One row per kind and burst: events of one kind less than ten minutes apart are folded,
    /// whatever else happened in between.
    func foldKernel() -> [TimelineRow] {
        var rows: [TimelineRow] = []
        let events = kernel.events.filter { !$0.lastWords && $0.kind != .oomKill }
        var order: [KernelDistressKind] = []
        var byKind: [KernelDistressKind: [KernelEventSummary]] = [:]
        for e in events {
            if byKind[e.kind] == nil { order.append(e.kind) }
            byKind[e.kind, default: []].append(e)
        }
        for kind in order {
            let list = byKind[kind] ?? []
            var i = 0
            while i < list.count {
                var j = i + 1
                while j < list.count,
                      timeDistance(list[j].time?.microseconds ?? 0, list[j - 1].time?.microseconds ?? 0) < 600_000_000 { j += 1 }
                let e = list[i]
                let n = j - i
                rows.append(TimelineRow(time: e.time, endTime: n > 1 ? list[j - 1].time : nil, kind: .kernel(e.kind), subject: "kernel",
                                        detail: n > 1 ? .kernelBurst(kind: e.kind, count: n, first: e.text) : .text(e.text), count: n,
                                        uptimeSeconds: e.uptimeSeconds))
                i = j
            }
        }
        return rows
    }
}
