import Analysis

/// An incident-report draft in GitHub-flavoured Markdown, meant to be attached as it is.
struct MarkdownReport {
    let report: PostmortemReport
    let options: RenderOptions
    let verdict: Verdict
    let clock: ZonedClock

    init(_ report: PostmortemReport, options: RenderOptions) {
        self.report = report
        self.options = options
        self.verdict = Verdict(report, zone: options.timeZone)
        self.clock = ZonedClock(zone: options.timeZone)
    }

    func render() -> String {
        var out: [String] = []
        let md = Markdown.text
        let zoneName = options.timeZone.name(at: verdict.lastEntry)
        out.append("# \(verdict.documentTitle): \(md(verdict.hostLabel))")
        out.append("")
        out.append("**" + md(verdict.verdictLine) + ".**")
        out.append("")
        var byline = "_Draft written by postmortem from the machine's logs. Times are in \(md(zoneName))."
        if let window = verdict.windowStatement { byline += " " + md(window.prefix(1).uppercased() + window.dropFirst()) + "." }
        out.append(byline + "_")
        out.append("")

        out += summary()
        out += impact()
        out += keyMoments()
        out += timeline()
        out += rootCauses()
        out += detection()
        out += remediation()
        out += prevention()
        out += lessons()
        out += HostFactsRendering.markdown(report.host.facts)
        out += inputsAppendix()
        out += bootsAppendix()
        out += aboutAppendix()
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n") + "\n"
    }

    /// Three to five plain sentences: how the boot ended, why, what it led to, what was lost.
    private func summary() -> [String] {
        let md = Markdown.text
        var sentences = [verdict.headline + "."]
        let causes = verdict.rankedCauses
        if let top = causes.first {
            let ct = CauseText(cause: top, report: report, clock: clock)
            sentences.append("The \(CauseText.roleName(top.role)) is \(top.kind.rawValue) of \(top.subject.name) (\(ct.strength)): "
                             + firstSentence(top.summary))
            if let chain = ct.chain { sentences.append("Chain: " + chain + ".") }
            let contributing = causes.filter { $0.role == .contributing }.map { "\($0.kind.rawValue) of \($0.subject.name)" }
            if !contributing.isEmpty { sentences.append("Contributing: " + contributing.joined(separator: ", ") + ".") }
            let unrelated = causes.filter { $0.role == .unrelated }.prefix(4).map { "\($0.kind.rawValue) of \($0.subject.name)" }
            if !unrelated.isEmpty { sentences.append("Found but unrelated to the end: " + unrelated.joined(separator: ", ") + ".") }
        } else if report.window?.entries == 0 {
            sentences.append("No entries of the boot fall in the window asked for.")
        } else {
            sentences.append(verdict.noCauseSentence)
        }
        // (A boot told from text logs alone has no journal for them to outlast.)
        let lastWords = report.kernelEvents.filter(\.lastWords)
        if !lastWords.isEmpty, verdict.analyzedBootSummary?.textOnly != true {
            sentences.append("The kernel's last words (\(HumanFormat.count(lastWords.count)) event\(lastWords.count == 1 ? "" : "s") "
                             + "after the journal's last entry) survived only in a kernel log, pstore or kdump.")
        }
        return ["## Summary", "", sentences.map(md).joined(separator: " "), ""]
    }

    private func firstSentence(_ s: String) -> String {
        // A sentence ends at ". ", not at the dot of `polyscan.service`.
        guard let end = s.range(of: ". ") else { return s.hasSuffix(".") ? s : s + "." }
        return String(s[..<end.lowerBound]) + "."
    }

    /// The moments an incident timeline is built on, each from the evidence that gives it.
    private func keyMoments() -> [String] {
        var rows: [(Timestamp, String, String)] = []
        if let boot = verdict.analyzedBootSummary {
            if let start = boot.start {
                // Where the wall clock stepped forward, the boot's first entries (and the events
                // table) are on the old clock: its start is put there too, or it would come after them.
                let step = boot.clockJumps.reduce(Int64(0)) { $0 &+ ($1.to.microseconds &- $1.from.microseconds) }
                if step > 0 {
                    rows.append((Timestamp(microseconds: start.microseconds &- step), "Boot began",
                                 "kernel start, on the clock before it stepped forward by \(HumanFormat.duration(seconds: Double(step) / 1e6))"))
                } else {
                    rows.append((start, "Boot began", "kernel start"))
                }
            }
            if boot.beginningLost() {
                rows.append(boot.textOnly == true ? (boot.first, "Logs kept begin", "older lines were rotated away or not collected")
                                                  : (boot.first, "Kept journal begins", "older entries were rotated or vacuumed away"))
            }
        }
        for unit in report.units where unit.crashLoop {
            if let estimate = unit.loopStartEstimate {
                rows.append((estimate.start, "Crash loop began (estimate)", unit.unit + ", extrapolated from its restart counter"))
            } else if let first = unit.firstRestart {
                rows.append((first, "Crash loop began", unit.unit + ": first restart"))
            }
        }
        if let symptom = report.detection?.firstSymptom { rows.append((symptom, "First symptom", "first OOM kill, failed unit or kernel distress report")) }
        if let first = report.detection?.rules.compactMap(\.firedAt).min() {
            rows.append((first, "First alert would have fired", "default rules back-tested (see Detection)"))
        }
        if let r = report.end?.requestedBy {
            rows.append((r.time, "Shutdown requested", (r.user.map { "by \($0): " } ?? "") + (r.command ?? r.text)))
        }
        if let last = verdict.lastEntry {
            rows.append((last, verdict.analyzedBootSummary?.textOnly == true ? "Last log line" : "Last journal entry", ""))
        }
        if let life = report.end?.lastSignOfLife, life != verdict.lastEntry {
            rows.append((life, "Last sign of life", report.end?.lastSignSource.map { "in " + FactSourceText.signOfLife($0) } ?? ""))
        }
        if let next = verdict.nextBootBegins { rows.append((next, "Next boot began", report.end?.nextBootStart == nil ? "its first entry" : "kernel start")) }
        guard !rows.isEmpty else { return [] }
        rows.sort { $0.0 < $1.0 }
        let oneDay = clock.sameDay(rows.map(\.0))
        var out = ["### Key moments", "", "| Time | Moment | Detail |", "|---|---|---|"]
        for (t, moment, detail) in rows {
            out.append("| \(oneDay ? clock.time(t) : clock.dateTime(t)) | \(moment) | \(Markdown.cell(detail)) |")
        }
        out.append("")
        return ["## Timeline", ""] + out
    }

    private func timeline() -> [String] {
        let md = Markdown.cell
        let rows = report.timeline
        let times = rows.flatMap { [$0.time, $0.endTime].compactMap { $0 } }
        let oneDay = clock.sameDay(times)
        var out = ["### Events", ""]
        guard !rows.isEmpty else { return out + ["No events.", ""] }
        let untimed = times.isEmpty && rows.contains { $0.uptimeSeconds != nil }
        var caption = untimed ? "Times are " + Markdown.text(ZonedClock.uptimeCaption) : "Times in \(Markdown.text(options.timeZone.name(at: times.first)))"
        if oneDay, let first = times.first { caption += " on \(clock.date(first))" }
        out.append(caption + ". Repeated events are folded into one row with a count.")
        out.append("")
        func stamp(_ t: Timestamp?, uptime: Double? = nil) -> String {
            guard let t else { return uptime.map { Markdown.text(ZonedClock.uptime($0)) } ?? "?" }
            return oneDay ? clock.time(t) : clock.dateTime(t)
        }
        out.append("| Time | Until | Count | Kind | Subject | Detail |")
        out.append("|---|---|--:|---|---|---|")
        for row in rows {
            let detail = (row.lastWords ? "**last words:** " : "") + md(TimelineText.detail(row.detail))
            out.append("| \(stamp(row.time, uptime: row.uptimeSeconds)) | \(row.endTime.map { stamp($0) } ?? "") | \(HumanFormat.count(row.count)) "
                       + "| \(md(row.kind.name)) | \(md(row.subject)) | \(detail) |")
        }
        out.append("")
        return out
    }

    private func rootCauses() -> [String] {
        var out = ["## Root cause", ""]
        let causes = verdict.rankedCauses
        if causes.isEmpty { return out + ["No cause was identified.", ""] }
        for cause in causes { out += CauseMarkdown.section(cause, report: report, clock: clock, figures: verdict.keyFigures(for: cause)) }
        return out
    }

    private func impact() -> [String] {
        let md = Markdown.text
        var out = ["## Impact", ""]
        let planned = verdict.endKind == .clean
        // Degraded: trouble that ended the boot, or that was ranked as a cause. A boot still
        // running (or of unknown end) with nothing ranked had a failed unit or a kernel warning,
        // not an hour of degradation.
        let troubled = verdict.endKind == .unclean || !report.rootCauses.isEmpty
        if !planned, troubled, let life = verdict.endOfLife {
            let starts = [report.detection?.firstSymptom] + report.units.filter(\.crashLoop).map { $0.loopStartEstimate?.start ?? $0.firstRestart }
            if let from = starts.compactMap({ $0 }).min(), from < life {
                out.append("- **Degraded:** \(clock.labelled(from)) → \(clock.labelled(life)): "
                           + "**\(HumanFormat.duration(seconds: Timestamp.seconds(from: from, to: life)))** from the first sign of trouble to the last sign of life.")
            }
        }
        let label = planned ? "Planned downtime" : "Outage window"
        if let last = verdict.endOfLife, let next = verdict.nextBootBegins {
            let gap = verdict.gapSeconds.map { HumanFormat.duration(seconds: $0) } ?? "unknown"
            let lastLabel = report.end?.lastSignOfLife == nil ? "last entry" : "last sign of life"
            let nextLabel = report.end?.nextBootStart == nil ? "next boot's first entry" : "next boot's kernel start"
            out.append("- **\(label):** \(clock.labelled(last)) (\(lastLabel)) → \(clock.labelled(next)) "
                       + "(\(nextLabel)): **\(gap)** without logs.")
        } else if verdict.endKind == .ongoing, let seen = verdict.lastSeen.time {
            out.append("- **Outage window:** none known: the boot was still running at its \(verdict.lastSeen.phrase) "
                       + "(\(clock.labelled(seen))); no later boot in the input.")
        } else if let seen = verdict.lastSeen.time {
            out.append("- **Outage window:** from \(clock.labelled(seen)) (\(verdict.lastSeen.phrase)); no later boot in the input.")
        } else if report.untimedBoots != nil || report.kernelEvents.contains(where: { $0.uptimeSeconds != nil }) {
            out.append("- **Outage window:** unknown (the logs carry no wall-clock time).")
        } else {
            out.append("- **Outage window:** unknown (no entries in the analysed boot).")
        }
        if let kind = verdict.endKind { out.append("- **How the boot ended:** \(kind.rawValue).") }
        if let boot = verdict.analyzedBootSummary {
            let up = Verdict.ran(boot)
            // To the last entry, or to the one its file's header records past a cut.
            let end = report.end?.lastSignSource == .journal ? max(boot.last, report.end?.lastSignOfLife ?? boot.last) : boot.last
            out.append("- **Boot ran:** \(HumanFormat.duration(seconds: up)) (\(clock.labelled(boot.start ?? boot.first)) → "
                       + "\(clock.labelled(end))), \(HumanFormat.count(boot.entries)) "
                       + (boot.textOnly == true ? "log line\(boot.entries == 1 ? "" : "s")." : "entr\(boot.entries == 1 ? "y" : "ies")."))
        }
        for fact in verdict.bootFacts { out.append("- " + md(fact) + ".") }
        let loops = report.units.filter(\.crashLoop)
        if !loops.isEmpty {
            let list = loops.map { unit in
                Markdown.code(unit.unit) + (unit.restartCounterMax.map { " (restart counter \(HumanFormat.count($0)))" } ?? "")
            }
            out.append("- **Units crash-looping:** " + list.joined(separator: ", ") + ".")
        }
        if !report.oomKills.isEmpty {
            let list = report.oomKills.prefix(5).map { kill in
                Markdown.code(kill.comm ?? "?") + " (\(kill.kind.rawValue)"
                    + (kill.time.map { ", \(clock.time($0))" } ?? kill.uptimeSeconds.map { ", " + Markdown.text(ZonedClock.uptime($0)) } ?? "") + ")"
            }
            let more = report.oomKills.count > 5 ? ", …" : ""
            out.append("- **OOM kills:** \(HumanFormat.count(report.oomKills.count)): " + list.joined(separator: ", ") + more + ".")
        }
        if !report.kernelEvents.isEmpty {
            var byKind: [String: Int] = [:]
            for event in report.kernelEvents { byKind[event.kind.rawValue, default: 0] += 1 }
            let list = byKind.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\(md($0.key)) ×\($0.value)" }
            out.append("- **Kernel events:** \(HumanFormat.count(report.kernelEvents.count)) ("
                       + list.joined(separator: ", ") + ").")
        }
        out += dataLoss()
        if let rate = report.forkRate, rate.peakPerSecond > 0 {
            var line = "- **Fork rate:** peak \(HumanFormat.rate(rate.peakPerSecond)) per second"
            if let at = rate.peakAt { line += " at \(clock.time(at))" }
            if rate.lowerBound { line += " (a lower bound: PIDs may have wrapped)" }
            out.append(line + ".")
        }
        out.append("")
        return out
    }

    /// What monitoring could have detected: the back-test of the default alert rules.
    private func detection() -> [String] {
        guard let summary = report.detection else { return [] }
        let md = Markdown.text
        let text = DetectionText(summary, report: report, clock: clock)
        var out = ["## Detection", "", "What monitoring could have detected, back-tested on the signals rebuilt from the logs.", "", md(text.headline), ""]
        for rule in summary.rules {
            let (_, body) = text.line(rule)
            let forText = rule.forSeconds > 0 ? " for \(HumanFormat.duration(seconds: Double(rule.forSeconds)))" : ""
            out.append("- **\(md(rule.alert))** \(Markdown.code(rule.expression))\(forText): \(md(body))")
        }
        out += ["", "_\(text.context.isEmpty ? "" : md(text.context) + " ")`postmortem alerts` writes \(text.alertsWrites) (see docs/detection.md)._", ""]
        return out
    }

    /// What to do, by when: stop it happening again now (drop-ins drawn from the evidence),
    /// fix the causes, and make the next one visible and survivable.
    private func remediation() -> [String] {
        let md = Markdown.text
        var out = ["## Remediation", ""]
        let causes = verdict.rankedCauses
        let dropIns = report.detection?.dropIns ?? []
        if causes.isEmpty && dropIns.isEmpty { return out + ["Nothing to fix was identified.", ""] }
        out += ["### Immediate", ""]
        if dropIns.isEmpty {
            out += ["No unit setting would have capped what happened; see the short-term steps.", ""]
        }
        for d in dropIns {
            out += ["- [ ] Cap \(Markdown.code(d.unit)): run " + Markdown.code("sudo systemctl edit --drop-in=50-postmortem \(d.unit)")
                    + ", paste the lines below (each setting is in its section), save, then "
                    + Markdown.code("sudo systemctl restart \(d.unit)") + ".", "",
                    Markdown.fence(d.text, info: "ini"), ""]
        }
        let steps = causes.flatMap { cause in cause.remediation.map { (cause, $0) } }
        if !steps.isEmpty {
            out += ["### Short term", ""]
            for (cause, step) in steps {
                out.append("- [ ] \(md(step)) _(\(md(cause.kind.rawValue)) of \(Markdown.code(cause.subject.name)))_")
            }
            out.append("")
        }
        out += ["### Long term", ""]
        let alerts = Markdown.code("postmortem alerts PATH --out DIR")
        if report.detection?.rules.contains(where: { $0.firedAt != nil }) ?? false {
            out.append("- [ ] Add the alert rules that would have fired to the monitoring (" + alerts
                       + " writes them with their promtool tests).")
        } else {
            // Claiming they would have fired would be untrue: the back-test says none did, or could not run.
            out.append("- [ ] Add alert rules to the monitoring (" + alerts + " writes the default ones with their promtool tests); "
                       + "none of them would have fired on the signals rebuilt here, so also watch what this incident shows.")
        }
        if verdict.endKind == .unclean {
            out.append("- [ ] Make the next crash leave its evidence: kdump or pstore for the kernel's last words, and "
                       + Markdown.code("kernel.panic") + " so the machine reboots by itself instead of hanging.")
            out.append("- [ ] Install " + Markdown.code("postmortem-boot.service") + " so each unclean boot gets its report at the next start.")
        }
        out.append("")
        return out
    }

    /// How to keep this class of incident from recurring: the guard rails and signals above, as standing practice.
    private func prevention() -> [String] {
        var items: [String] = []
        if report.units.contains(where: \.crashLoop) {
            items.append("Every service with " + Markdown.code("Restart=always") + " gets a start limit ("
                         + Markdown.code("StartLimitIntervalSec=") + ", " + Markdown.code("StartLimitBurst=") + ") and a "
                         + Markdown.code("RestartSec=") + "; review units for the absence of both.")
        }
        if !report.oomKills.isEmpty || report.rootCauses.contains(where: { $0.kind == .memoryExhaustion }) {
            items.append("Services that can grow without bound run with " + Markdown.code("MemoryHigh=") + " and "
                         + Markdown.code("MemoryMax=") + " so the kernel reclaims and kills inside their cgroup, not the machine.")
        }
        if report.forkRate?.forkFailures ?? 0 > 0 {
            items.append("Services run with a " + Markdown.code("TasksMax=") + " sized to their need.")
        }
        if let d = report.detection, d.rules.contains(where: { $0.firedAt != nil }) {
            items.append("Alerts on restart rate, OOM kills and kernel distress page someone before the machine freezes.")
        }
        guard !items.isEmpty else { return [] }
        return ["## Prevention", ""] + items.map { "- " + $0 } + [""]
    }

    /// Left for the people who handled the incident: the tool cannot know.
    private func lessons() -> [String] {
        guard verdict.endKind != .clean else { return [] }
        return ["## Lessons learned", "", "_To be filled in by the incident's owners._", "",
                "- What went well:", "- What went wrong:", "- Where we got lucky:", ""]
    }

    /// What may be lost: journal entries that torn files no longer hold, the journal's unwritten
    /// tail before a crash, filesystems the next boot had to recover.
    private func dataLoss() -> [String] {
        var hints: [String] = []
        for input in report.inputs where input.kind == .journal {
            if let linked = input.health.entriesLinked, linked > input.entries {
                hints.append("\(HumanFormat.count(linked - input.entries)) journal entries of \(Markdown.code(Verdict.fileName(input.path))) could not be read")
            }
        }
        if verdict.endKind == .unclean, let last = verdict.lastEntry, let life = report.end?.lastSignOfLife, life > last {
            hints.append("the journal stops \(HumanFormat.duration(seconds: Timestamp.seconds(from: last, to: life))) before the last sign of life: "
                         + "messages of that span were not written (journald syncs non-critical messages every 5 min)")
        }
        for notice in (report.end?.evidence ?? []).compactMap(BootEndText.nextBootNotice)
        where notice.contains("recovery complete") || notice.contains("recovering journal") || notice.contains("not properly unmounted") {
            hints.append("the next boot recovered a filesystem (" + Markdown.text(notice) + ")")
        }
        guard !hints.isEmpty else { return [] }
        return ["- **Data-loss hints:** " + hints.joined(separator: "; ") + "."]
    }


    /// The command line, the tool's version and when the report was written: to run it again.
    private func aboutAppendix() -> [String] {
        var out = ["## Appendix: about this report", ""]
        out.append("- Written by " + Markdown.text(report.generator) + ".")
        if let at = options.generatedAt { out.append("- Generated " + Markdown.text(clock.labelled(at)) + ".") }
        if let command = options.commandLine { out.append("- Command: " + Markdown.code(Markdown.oneLine(command))) }
        out.append("- Report schema: " + Markdown.code(report.schema) + " (JSON with " + Markdown.code("-o json") + ").")
        out.append("")
        return out
    }

    private func inputsAppendix() -> [String] {
        let cell = Markdown.cell
        var out = ["## Appendix: inputs and their health", ""]
        if report.inputs.isEmpty {
            out.append("No inputs recorded.")
        } else {
            out.append("| Input | Kind | Entries | Health | Journal state | Problems |")
            out.append("|---|---|--:|---|---|--:|")
            for input in report.inputs {
                out.append("| \(Markdown.code(input.path, inTable: true)) | \(cell(input.kind.rawValue)) | "
                           + "\(HumanFormat.count(input.entries)) | \(cell(input.health.status.rawValue)) | "
                           + "\(cell(input.health.state?.rawValue ?? "")) | \(HumanFormat.count(input.health.problems.count)) |")
            }
            let troubled = report.inputs.filter { !$0.health.problems.isEmpty }
            for input in troubled {
                out.append("")
                out.append("Problems in \(Markdown.code(Verdict.fileName(input.path))):")
                out.append("")
                // The path is in the heading: each problem without it, the first few only.
                for problem in Verdict.problems(of: input).prefix(3) { out.append("- " + Markdown.text(problem)) }
                if input.health.problems.count > 3 {
                    out.append("- … and \(HumanFormat.count(input.health.problems.count - 3)) more (all of them in " + Markdown.code("-o json") + ")")
                }
            }
        }
        if !report.notes.isEmpty {
            out.append("")
            out.append("Notes on the data:")
            out.append("")
            for note in report.notes { out.append("- " + Markdown.text(NoteText.sentence(note))) }
        }
        out.append("")
        return out
    }

    private func bootsAppendix() -> [String] {
        var out = ["## Appendix: boots", ""]
        if report.boots.isEmpty { return out + ["No boots found.", ""] }
        out.append("| | Boot ID | First entry | Last entry | Ran for | Entries | End |")
        out.append("|---|---|---|---|--:|--:|---|")
        // In the machine's own order, as the analysis gives them (not by wall clock).
        for boot in report.boots {
            let mark = boot.bootID == report.analyzedBoot ? "**analysed**" : ""
            let ran = HumanFormat.duration(seconds: Verdict.ran(boot))
            out.append("| \(mark) | \(Markdown.code(boot.bootID, inTable: true)) | \(clock.dateTime(boot.first)) | "
                       + "\(clock.dateTime(boot.last)) | \(ran) | \(HumanFormat.count(boot.entries)) | \(boot.end.rawValue) |")
        }
        out.append("")
        return out
    }
}

/// Escaping for Markdown: text from logs must not turn into formatting, links, HTML or table columns.
enum Markdown {
    private static let special: Set<Character> = ["\\", "`", "*", "_", "[", "]", "<", ">", "|", "&", "~", "#"]

    /// Inline text with every character CommonMark could read as markup backslash-escaped.
    static func text(_ s: String) -> String {
        var out = ""
        for ch in oneLine(s) {
            if special.contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// Text for a table cell (the same escaping; `|` is already covered).
    static func cell(_ s: String) -> String { text(s) }

    /// A code span that survives backticks inside it; in a table `|` is escaped as GFM requires.
    static func code(_ s: String) -> String { code(s, inTable: false) }

    static func code(_ s: String, inTable: Bool) -> String {
        var body = oneLine(s)
        if inTable { body = body.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|") }
        var longest = 0, run = 0
        for ch in body {
            run = ch == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let padded = body.hasPrefix("`") || body.hasSuffix("`") || body.isEmpty ? " \(body) " : body
        return fence + padded + fence
    }

    /// A fenced code block holding `s` line by line, its fence longer than any backtick run inside.
    static func fence(_ s: String, info: String) -> String {
        let lines = s.split(separator: "\n", omittingEmptySubsequences: false).map { oneLine(String($0)) }
        var longest = 0
        for line in lines {
            var run = 0
            for ch in line {
                run = ch == "`" ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        var body = lines
        while body.last == "" { body.removeLast() }
        return ([fence + info] + body + [fence]).joined(separator: "\n")
    }

    /// Newlines would end a table row or a list item; control characters have no place in a document.
    static func oneLine(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { TextLayout.isControl($0) ? " " : $0 }))
    }
}
