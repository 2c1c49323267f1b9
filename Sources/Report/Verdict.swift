import Analysis

/// The facts every format leads with, worded once: the headline, each cause's key figures, the
/// outage window and a one-line account of the inputs.
struct Verdict {
    let report: PostmortemReport
    let clock: ZonedClock

    init(_ report: PostmortemReport, zone: DisplayZone) {
        self.report = report
        self.clock = ZonedClock(zone: zone)
    }

    /// The host's name, else its machine ID, else a placeholder.
    var hostLabel: String {
        if let name = report.host.hostname, !name.isEmpty { return name }
        if let id = report.host.machineID, !id.isEmpty { return "machine " + HumanFormat.shortID(id) }
        return "unknown host"
    }

    var analyzedBootSummary: BootSummary? {
        guard let id = report.analyzedBoot else { return nil }
        return report.boots.first { $0.bootID == id }
    }

    /// How the analysed boot ended; the summary's `end` when the report has no `end` section.
    var endKind: BootEndKind? { report.end?.kind ?? analyzedBootSummary?.end }

    /// The analysed boot's last entry.
    var lastEntry: Timestamp? { report.end?.lastEntry ?? analyzedBootSummary?.last }

    /// The silence between the last entry and the next boot, in seconds.
    var gapSeconds: Double? {
        if let gap = report.end?.gapSeconds { return gap }
        if let last = report.end?.lastEntry, let next = report.end?.nextBootFirst {
            return Timestamp.seconds(from: last, to: next)
        }
        return nil
    }

    /// `Boot 3f2a9c1e7b40… ended UNCLEANLY at 2024-07-19 13:01:40 UTC; silent for 4 min 12 s until the next boot`.
    var headline: String {
        guard let boot = report.analyzedBoot else {
            let n = report.boots.count
            return n == 0 ? "No boot found in the input" : "All \(n) boot\(n == 1 ? "" : "s") analysed together (--boot all): see the boots below"
        }
        let subject = "Boot " + HumanFormat.shortID(boot)
        let at = lastEntry.map { " at " + clock.labelled($0) } ?? ""
        let silence: String
        if let gap = gapSeconds, report.end?.nextBootFirst != nil {
            silence = "; silent for \(HumanFormat.duration(seconds: gap)) until the next boot"
        } else {
            silence = "; no later boot in the input"
        }
        switch endKind {
        case .unclean: return subject + " ended UNCLEANLY" + at + silence
        case .clean: return subject + " ended cleanly" + at + (report.end?.nextBootFirst == nil ? "" : silence)
        case .ongoing: return subject + " was still running at its last entry" + (lastEntry.map { ", " + clock.labelled($0) } ?? "")
        case .unknown, nil: return subject + ": how it ended is unknown (last entry" + at + ")"
        }
    }

    /// The causes by rank (rank 1 first), whatever order the analysis stored them in.
    var rankedCauses: [RootCause] {
        report.rootCauses.sorted { ($0.rank, $0.kind, $0.subject) < ($1.rank, $1.kind, $1.subject) }
    }

    /// The figures that back a cause, read from the rest of the report: a crash loop's restart
    /// counter and peak rate, an OOM kill's victim and size, the fork rate.
    func keyFigures(for cause: RootCause) -> [String] {
        var figures: [String] = []
        let unit = report.units.first { $0.unit == cause.subject }
        // Restart figures back a crash loop; for other causes about a unit they are noise.
        if let unit, unit.crashLoop || cause.kind.contains("loop") {
            if let counter = unit.restartCounterMax { figures.append("restart counter \(HumanFormat.count(counter))") }
            if unit.restartsObserved > 0 { figures.append("\(HumanFormat.count(unit.restartsObserved)) restarts observed") }
            if unit.peakRestartsPerMinute > 0 { figures.append("peak \(HumanFormat.count(unit.peakRestartsPerMinute))/min") }
            if let median = unit.medianRestartIntervalSeconds {
                figures.append("median interval \(HumanFormat.duration(seconds: median))")
            }
            if let first = unit.firstRestart, let last = unit.lastRestart {
                figures.append("restarting \(clock.time(first))–\(clock.time(last))")
            }
            if unit.startLimitHit { figures.append("start limit hit") }
        }
        let kills = report.oomKills.filter { $0.comm == cause.subject || $0.unit == cause.subject }
        if let kill = kills.first {
            if kills.count > 1 { figures.append("\(HumanFormat.count(kills.count)) OOM kills") }
            var text = "\(kills.count > 1 ? "first: " : "")\(kill.kind.rawValue) OOM kill of \(kill.comm ?? "?")"
            if let pid = kill.pid { text += " (pid \(pid))" }
            if let t = kill.time { text += " at \(clock.time(t))" }
            if let rss = kill.anonRSSKB { text += ", anon-rss \(HumanFormat.kibibytes(rss))" }
            figures.append(text)
        } else if let unit, unit.oomKills > 0 {
            figures.append("\(HumanFormat.count(unit.oomKills)) OOM kill\(unit.oomKills == 1 ? "" : "s")")
        }
        if cause.kind.contains("fork"), let rate = report.forkRate {
            var text = "peak \(HumanFormat.number(rate.peakPerSecond))\(rate.lowerBound ? "+" : "") forks/s"
            if let at = rate.peakAt { text += " at \(clock.time(at))" }
            figures.append(text)
            if rate.forkFailures > 0 { figures.append("\(HumanFormat.count(rate.forkFailures)) fork failures") }
        }
        return figures
    }

    /// One line on the inputs: how many, how many entries, which are not `ok`.
    var inputsLine: String {
        let inputs = report.inputs
        guard !inputs.isEmpty else { return "Inputs: none recorded" }
        let entries = inputs.reduce(0) { $0 + max($1.entries, 0) }
        var byStatus: [String: Int] = [:]
        for input in inputs { byStatus[input.health.status, default: 0] += 1 }
        let statuses = byStatus.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var line = "Inputs: \(HumanFormat.count(inputs.count)) (\(statuses)), \(HumanFormat.count(entries)) entries"
        let troubled = inputs.filter { $0.health.status != "ok" }
        for input in troubled.prefix(5) {
            let name = input.path.split(separator: "/").last.map(String.init) ?? input.path
            let problems = input.health.problems.count
            line += "; \(name) \(input.health.status)"
            if problems > 0 { line += " (\(HumanFormat.count(problems)) problem\(problems == 1 ? "" : "s"))" }
        }
        if troubled.count > 5 { line += "; \(troubled.count - 5) more not ok" }
        return line
    }
}
