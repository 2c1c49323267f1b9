import Analysis
import Events
import Foundation

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
    /// Where the boot was last seen: its last entry, or `endOfLife` when that is later (its
    /// journal file's header records entries past the last one read, a kernel line).
    var lastSeen: (phrase: String, time: Timestamp?) {
        if let life = endOfLife, let last = lastEntry, life > last { return ("last sign of life", life) }
        return ("last entry", lastEntry)
    }

    /// The last sign of life in any source; the last entry when nothing outlived it.
    var endOfLife: Timestamp? { report.end?.lastSignOfLife ?? lastEntry }

    /// When the next boot began: its kernel's start, else its first entry.
    var nextBootBegins: Timestamp? { report.end?.nextBootStart ?? report.end?.nextBootFirst }

    /// The silence between the last sign of life and the next boot, in seconds.
    var gapSeconds: Double? {
        if let gap = report.end?.gapSeconds { return gap }
        if report.end?.lastSignOfLife == nil, let last = report.end?.lastEntry, let next = report.end?.nextBootFirst {
            return Timestamp.seconds(from: last, to: next)
        }
        return nil
    }

    /// `Boot 3f2a9c1e7b40… ended UNCLEANLY at 2024-07-19 13:01:40 UTC; silent for 4 min 12 s until the next boot`.
    var headline: String {
        guard let boot = report.analyzedBoot else {
            let n = report.boots.count
            if n == 0, let untimed = report.untimedBoots, untimed.analysed == nil {
                return "No such boot: the kernel logs hold \(untimed.count) boots without wall-clock times (told apart by their kernel clocks); "
                    + "--boot 1…\(untimed.count) chooses one"
            }
            if n == 0, let untimed = report.untimedBoots, untimed.count == 1, untimed.analysed == 1 {
                return "No journal and no wall-clock time in the input: one boot, from its kernel's \"Linux version\" line on, read from "
                    + "\(untimed.paths.joined(separator: ", ")) (its times are the kernel's, since that boot began)"
            }
            if n == 0, let untimed = report.untimedBoots, let analysed = untimed.analysed {
                return "No journal and no wall-clock time in the input: boot \(analysed) of the \(untimed.count) its kernel logs hold "
                    + "(told apart by their kernel clocks), read from \(untimed.paths.joined(separator: ", ")); --boot 1…\(untimed.count) chooses another"
            }
            if n == 0, report.notes.contains(where: { if case .noTimesInText = $0 { true } else { false } }) {
                return "No time in the input: none of its lines carries one (journalctl -o cat drops them), "
                    + "so its lines were read in file order as one boot"
            }
            if n == 0, hasKernelEvidence || report.end?.kind == .clean {
                return "No boot's start in the input: its kernel lines were read as one boot (no journal, and no \"Linux version\" line to begin a boot)"
            }
            return n == 0 ? "No boot found in the input" : "All \(n) boot\(n == 1 ? "" : "s") analysed together (--boot all): see the boots below"
        }
        let subject = "Boot " + HumanFormat.shortID(boot)
        let at = endOfLife.map { " at " + clock.labelled($0) } ?? ""
        let silence: String
        if let gap = gapSeconds, report.end?.nextBootFirst != nil {
            silence = "; silent for \(HumanFormat.duration(seconds: gap)) until the next boot"
        } else if report.end?.nextBootFirst != nil {
            silence = "; the clocks do not say how long the silence lasted"
        } else {
            silence = "; no later boot in the input"
        }
        switch endKind {
        case .unclean: return subject + " ended UNCLEANLY" + at + lifeSource + silence
        case .clean: return subject + " ended cleanly" + at + (requester.map { ", " + $0 } ?? "")
            + (report.end?.nextBootFirst == nil ? "" : silence)
        case .ongoing: return subject + " was still running at its " + lastSeen.phrase + (lastSeen.time.map { ", " + clock.labelled($0) } ?? "")
        case .unknown, nil: return subject + ": how it ended is unknown (" + lastSeen.phrase + (lastSeen.time.map { " at " + clock.labelled($0) } ?? "") + ")"
        }
    }

    /// The window the report covers, said plainly, and whether it held anything:
    /// `window 2024-02-11 09:45:00 UTC → 09:50:00 UTC: 1,234 entries of the boot`.
    var windowStatement: String? {
        guard let w = report.window else { return nil }
        let from = w.since.map { clock.labelled($0) } ?? "the boot's start"
        let to = w.until.map { clock.labelled($0) } ?? "its end"
        let span = "window \(from) → \(to)"
        if w.entries == 0 {
            return span + ": no entries of the boot fall in it, so units, kernel events and the timeline are empty; "
                + "how the boot ended is still decided from the whole boot"
        }
        return span + ": \(HumanFormat.count(w.entries)) entr\(w.entries == 1 ? "y" : "ies") of the boot; "
            + "how the boot ended is decided from the whole boot"
    }

    /// What the report is: a planned, clean shutdown gets a reboot report, anything else an incident report.
    var documentTitle: String { endKind == .clean ? "Reboot report" : "Incident report" }

    /// `shut down at the request of deploy (sudo /usr/sbin/reboot at 09:54:32)`: who or what asked.
    var requester: String? {
        guard let r = report.end?.requestedBy else { return nil }
        switch r.kind {
        case .sudoCommand:
            let who = r.user.map { "of " + $0 + " " } ?? ""
            return "shut down at the request \(who)(sudo \(r.command ?? "?") at \(clock.time(r.time)))"
        case .powerKey:
            return "shut down after the power key was pressed at \(clock.time(r.time))"
        case .scheduled:
            return "shut down as scheduled at \(clock.time(r.time)) (\(r.text))"
        }
    }

    /// ` (last sign of life: pstore; the journal's last entry 09:52:00)` when a source outlived the journal.
    private var lifeSource: String {
        guard let source = report.end?.lastSignSource, source != .journal, analyzedBootSummary?.textOnly != true,
              let last = lastEntry else { return "" }
        return " (last sign of life in \(FactSourceText.signOfLife(source)); the journal's last entry \(clock.time(last)))"
    }

    /// How long `boot` ran: its monotonic clock when known, else first to last entry.
    static func ran(_ boot: BootSummary) -> Double {
        boot.uptimeSeconds ?? Timestamp.seconds(from: boot.first, to: boot.last)
    }

    /// Sentences on the analysed boot's life: its start and run time, how much of it the journal
    /// kept, wall-clock steps, the shutdown markers that did not count, evidence that conflicts.
    var bootFacts: [String] {
        var out: [String] = []
        if let boot = analyzedBootSummary {
            if let start = boot.start {
                let source = switch boot.startSource {
                case .journalClock?: "realtime − monotonic of its entries"
                case .kernelBanner?: "the kernel's Linux version line"
                case .dmesgUptime?: "a kernel log's uptime stamps"
                case nil: "its clock"
                }
                var line = "boot began \(clock.labelled(start)) (kernel start, from \(source)), "
                    + "ran \(HumanFormat.duration(seconds: Verdict.ran(boot)))"
                if boot.beginningLost(), let into = boot.firstEntryUptimeSeconds {
                    line += boot.textOnly == true
                        ? "; the logs kept begin \(clock.labelled(boot.first)), \(HumanFormat.duration(seconds: into)) "
                            + "into the boot: the rest was rotated away or not collected"
                        : "; the kept journal begins \(clock.labelled(boot.first)), \(HumanFormat.duration(seconds: into)) "
                            + "into the boot: the rest was rotated or vacuumed away"
                }
                out.append(line)
            }
            for jump in boot.clockJumps.prefix(3) {
                let by = HumanFormat.duration(seconds: abs(jump.seconds))
                out.append("clock: the wall clock stepped \(jump.seconds >= 0 ? "forward" : "back") by \(by), "
                           + "\(HumanFormat.duration(seconds: jump.uptimeSeconds)) into the boot (NTP, no RTC, or a suspend); "
                           + "durations use the monotonic clock")
            }
            if boot.clockJumps.count > 3 { out.append("clock: \(boot.clockJumps.count - 3) more wall-clock steps") }
            if boot.clockBehind == true {
                out.append("clock: this boot's wall clock was never set (it runs behind the boots before it): "
                           + "its times are the board's made-up ones")
            }
        }
        for marker in (report.end?.ignoredMarkers ?? []).suffix(3) {
            let why = switch marker.reason {
            case .initrd: "the initrd's, at switch-root"
            case .journaldRestarted: "journald was restarted after it"
            case .farFromEnd: "the boot went on long after it"
            case .announcedOnly: "announced, but PID 1 never logged the shutdown"
            }
            let into = marker.uptimeSeconds.map { ", \(HumanFormat.duration(seconds: $0)) into the boot" } ?? ""
            out.append("not the end: \"\(marker.text)\" at \(clock.time(marker.time))\(into) (\(why))")
        }
        if report.end?.conflicting == true {
            out.append(endKind == .clean
                       ? "conflict: the shutdown reached its last stage, yet the storage was left unclean (power cut during the final sync?)"
                       : "conflict: the shutdown had begun, yet the machine died before it finished")
        }
        return out
    }

    /// What happened at the end, in a few words: `kernel panic (softlockup: hung tasks)`,
    /// `hung (soft lockup on CPU#0)`, `stopped without shutting down` (or while a user manager
    /// was stopping); `nil` unless the end was unclean.
    var whatHappened: String? {
        guard endKind == .unclean else { return nil }
        if let distress = kernelDistress { return distress }
        if report.oomKills.contains(where: { $0.kind == .global }) { return "stopped after running out of memory" }
        // With a window, the end may lie outside it: say nothing rather than guess.
        guard report.window == nil else { return nil }
        if report.end?.evidence.contains(where: { if case .userManagerStopping = $0 { true } else { false } }) == true {
            return "stopped while its user manager was stopping (a logout, or a shutdown whose system lines were lost)"
        }
        return "stopped without shutting down"
    }

    /// Kernel lines read without a boot (a console log pasted without its start) that say
    /// something went wrong: the verdict is about them.
    private var hasKernelEvidence: Bool { !report.kernelEvents.isEmpty || !report.rootCauses.isEmpty || !report.oomKills.isEmpty }

    /// A panic or a stall the kernel reported, the last of them.
    private var kernelDistress: String? {
        if let panic = report.kernelEvents.last(where: { $0.kind == .panic }) {
            return panic.reason.map { "kernel panic (\(TextLayout.terminalSafe(String($0.prefix(80)))))" } ?? "kernel panic"
        }
        let stalls = report.kernelEvents.filter { [.softLockup, .hardLockup, .rcuStall, .hungTask].contains($0.kind) }
        if let last = stalls.last {
            let kind = switch last.kind {
            case .softLockup: "a soft lockup"
            case .hardLockup: "a hard lockup"
            case .rcuStall: "an RCU stall"
            default: "hung tasks"
            }
            return "hung (\(kind))"
        }
        return nil
    }

    /// The verdict on one line, led by the host: what happened and when, the primary cause and
    /// the others found. `polybox crashed at 09:52:23 UTC: kernel panic (…); cause: crash-loop of polyscan.service; also: …`.
    var verdictLine: String {
        let at = endOfLife.map { clock.labelled($0) }
        var line: String
        switch endKind {
        case _ where report.analyzedBoot == nil:
            // No boot, but kernel lines that say what went wrong: those, and the causes below.
            guard report.boots.isEmpty, hasKernelEvidence || report.end?.kind == .clean else {
                // Kernel lines of one boot told apart by their clocks, saying nothing went wrong:
                // the headline after it says which boot was read.
                if report.boots.isEmpty, report.untimedBoots?.analysed != nil {
                    return hostLabel + ": how the boot ended is unknown; no cause found in the logs"
                }
                return hostLabel + ": " + headline
            }
            if report.end?.kind == .clean {
                line = hostLabel + " shut down cleanly (the kernel stopped the machine in order)"
            } else {
                line = hostLabel + ": " + (kernelDistress ?? "kernel lines without a boot")
            }
        case .unclean:
            line = hostLabel + " crashed" + (at.map { " at " + $0 } ?? "") + (whatHappened.map { ": " + $0 } ?? "")
        case .clean:
            line = hostLabel + " shut down cleanly" + (at.map { " at " + $0 } ?? "")
            if let r = report.end?.requestedBy {
                switch r.kind {
                case .sudoCommand: line += ", at the request of " + (r.user ?? "a user") + " (sudo " + (r.command ?? "?") + ")"
                case .powerKey: line += ", after the power key was pressed"
                case .scheduled: line += ", as scheduled"
                }
            }
        case .ongoing: line = hostLabel + " was still running at its " + lastSeen.phrase + (lastSeen.time.map { " (" + clock.labelled($0) + ")" } ?? "")
        case .unknown, nil: line = hostLabel + ": how the boot ended is unknown" + (at.map { " (last sign of life " + $0 + ")" } ?? "")
        }
        let causes = rankedCauses
        // The primary cause and the contributing ones; consequences are the chain, unrelated
        // findings stay out of the verdict.
        if let top = causes.first {
            let name = { (c: RootCause) in "\(c.kind.rawValue) of \(c.subject.name)" }
            line += "; \(top.role == .primary ? "cause" : CauseText.roleName(top.role)): " + name(top)
            let contributing = causes.filter { $0.role == .contributing && $0.id != top.id }
            if !contributing.isEmpty {
                line += "; contributing: " + contributing.prefix(3).map(name).joined(separator: ", ")
                    + (contributing.count > 3 ? " and \(contributing.count - 3) more" : "")
            }
        } else if report.window?.entries == 0 {
            line += "; nothing in the window asked for"
        } else if endKind != .clean {
            line += "; no cause found in the logs"
        }
        return line
    }

    /// The headline and the top cause on one line, for a log:
    /// `polybox: Boot 3f2a9c1e7b40… ended UNCLEANLY at …; primary cause: memory-exhaustion video-pipeline.service, 4 more`.
    var oneLine: String {
        var line = hostLabel + ": " + headline
        if let top = rankedCauses.first {
            line += "; \(CauseText.roleName(top.role)): \(top.kind.rawValue) \(top.subject.name)"
            let more = report.rootCauses.count - 1
            if more > 0 { line += ", \(more) more" }
        } else if report.analyzedBoot != nil {
            line += "; no root cause found"
        }
        return line
    }

    /// What the root causes say when none was found. Failed units are named: a unit systemd
    /// gave up restarting is down, even when nothing it did ended the boot.
    var noCauseSentence: String {
        let failed = report.units.filter { $0.startLimitHit || !$0.results.isEmpty }
        guard !failed.isEmpty else {
            return endKind == .clean ? "It was a planned shutdown; nothing in the logs points at a failure."
                : "Nothing in the logs points at a failure."
        }
        let named = failed.prefix(3).map { u in
            // The result it ended with most often; of two as common, the first by name.
            let result = u.results.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
            return u.startLimitHit ? "\(u.unit) (start-limit-hit: systemd gave up restarting it)"
                : "\(u.unit) (\(result ?? "failed"))"
        }
        let more = failed.count > 3 ? " and \(failed.count - 3) more" : ""
        return "Nothing in the logs points at what ended the boot; \(failed.count) unit\(failed.count == 1 ? "" : "s") failed: "
            + named.joined(separator: ", ") + more + "."
    }

    /// The causes by rank (rank 1 first), whatever order the analysis stored them in.
    var rankedCauses: [RootCause] {
        report.rootCauses.sorted { ($0.rank, $0.id) < ($1.rank, $1.id) }
    }

    /// The figures that back a cause, read from the rest of the report: a crash loop's restart
    /// counter and peak rate, an OOM kill's victim and size, the fork rate.
    func keyFigures(for cause: RootCause) -> [String] {
        var figures: [String] = []
        let unit = report.units.first { $0.unit == cause.subject.name }
        // Restart figures back a crash loop; for other causes about a unit they are noise.
        if let unit, unit.crashLoop || cause.kind == .crashLoop {
            if let counter = unit.restartCounterMax { figures.append("restart counter \(HumanFormat.count(counter))") }
            if unit.restartsObserved > 0 { figures.append("\(HumanFormat.count(unit.restartsObserved)) restarts observed") }
            if unit.peakRestartsPerMinute > 0 { figures.append("peak \(HumanFormat.count(unit.peakRestartsPerMinute))/min") }
            if let median = unit.medianRestartIntervalSeconds {
                figures.append("median interval \(HumanFormat.duration(seconds: median))")
            }
            if let first = unit.firstRestart, let last = unit.lastRestart {
                figures.append("restarting \(clock.time(first))–\(clock.time(last))")
            }
            if let estimate = unit.loopStartEstimate {
                figures.append("looping since about \(clock.labelled(estimate.start)) (estimate from the restart counter"
                               + (estimate.boundedByBootStart ? ", capped at the boot's start)" : ")"))
            }
            if unit.startLimitHit { figures.append("start limit hit") }
        }
        let kills = report.oomKills.filter { $0.comm == cause.subject.name || $0.unit == cause.subject.name }
        if let kill = kills.first {
            // Said of whom when others were killed too: the summary counts every kill of the finding.
            let ofSubject = kills.count < report.oomKills.count ? " of \(cause.subject.name)" : ""
            if kills.count > 1 { figures.append("\(HumanFormat.count(kills.count)) OOM kills" + ofSubject) }
            var text = "\(kills.count > 1 ? "first: " : "")\(kill.kind.rawValue) OOM kill of \(kill.comm ?? "?")"
            if let pid = kill.pid { text += " (pid \(pid))" }
            if let t = kill.time { text += " at \(clock.time(t))" }
            if let rss = kill.anonRSSKB { text += ", anon-rss \(HumanFormat.kibibytes(rss))" }
            figures.append(text)
        } else if let unit, unit.oomKills > 0 {
            figures.append("\(HumanFormat.count(unit.oomKills)) OOM kill\(unit.oomKills == 1 ? "" : "s")")
        }
        if cause.kind == .forkBomb, let rate = report.forkRate {
            var text = "peak \(HumanFormat.rate(rate.peakPerSecond))\(rate.lowerBound ? "+" : "") forks/s"
            if let at = rate.peakAt { text += " at \(clock.time(at))" }
            figures.append(text)
            if rate.forkFailures > 0 { figures.append("\(HumanFormat.count(rate.forkFailures)) fork failures") }
        }
        return figures
    }

    /// The last component of an input's path, where the path itself is said nearby.
    static func fileName(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }

    /// An input's problems without the path each starts with, for a place that names the input already.
    static func problems(of input: InputSummary) -> [String] {
        let prefix = input.path + ": "
        return input.health.problems.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
    }

    /// One line on the inputs: how many, how many entries, which are not `ok`.
    var inputsLine: String {
        let inputs = report.inputs
        guard !inputs.isEmpty else { return "Inputs: none recorded" }
        let entries = inputs.reduce(0) { $0 + max($1.entries, 0) }
        var byStatus: [String: Int] = [:]
        for input in inputs { byStatus[input.health.status.rawValue, default: 0] += 1 }
        let statuses = byStatus.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var line = "Inputs: \(HumanFormat.count(inputs.count)) (\(statuses)), \(HumanFormat.count(entries)) entries"
        let troubled = inputs.filter { $0.health.status != .ok }
        for input in troubled.prefix(5) {
            let name = Verdict.fileName(input.path)
            let problems = input.health.problems.count
            line += "; \(name) \(input.health.status.rawValue)"
            if problems > 0 { line += " (\(HumanFormat.count(problems)) problem\(problems == 1 ? "" : "s"))" }
        }
        if troubled.count > 5 { line += "; \(troubled.count - 5) more not ok" }
        return line
    }
}
