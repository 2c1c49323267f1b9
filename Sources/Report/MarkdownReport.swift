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
        out.append("# Incident report: \(md(verdict.hostLabel)) — \(md(verdict.headline))")
        out.append("")
        var byline = "_Draft written by \(md(report.generator)) from the machine's logs. Times are in \(md(zoneName))."
        if let at = options.generatedAt { byline += " Generated \(md(clock.labelled(at)))." }
        out.append(byline + "_")
        if let command = options.commandLine {
            out.append("")
            out.append("_Command:_ " + Markdown.code(Markdown.oneLine(command)))
        }
        out.append("")

        out += executiveSummary()
        out += timeline()
        out += rootCauses()
        out += impact()
        out += detection()
        out += remediation()
        out += inputsAppendix()
        out += bootsAppendix()
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n") + "\n"
    }

    private func executiveSummary() -> [String] {
        let md = Markdown.text
        var out = ["## Executive summary", "", md(verdict.headline) + "."]
        let causes = verdict.rankedCauses
        if let top = causes.first {
            out.append("")
            out.append("Most likely cause: **\(md(top.kind))** of \(Markdown.code(top.subject)) "
                       + "(\(HumanFormat.percent(top.confidence)) confidence). \(md(top.summary))")
            if causes.count > 1 {
                out.append("")
                out.append("Also found:")
                out.append("")
                for cause in causes.dropFirst() {
                    out.append("- Rank \(cause.rank): **\(md(cause.kind))** of \(Markdown.code(cause.subject)) "
                               + "(\(HumanFormat.percent(cause.confidence))): \(md(cause.summary))")
                }
            }
        } else {
            out.append("")
            out.append("No root cause found: nothing in the logs points at a failure.")
        }
        let lastWords = report.kernelEvents.filter(\.lastWords)
        if !lastWords.isEmpty {
            out.append("")
            out.append("The kernel's last words (\(HumanFormat.count(lastWords.count)) event\(lastWords.count == 1 ? "" : "s") "
                       + "after the journal's last entry) survived only in a kernel log, pstore or kdump.")
        }
        out.append("")
        return out
    }

    private func timeline() -> [String] {
        let md = Markdown.cell
        let rows = report.timeline
        let times = rows.flatMap { [$0.time, $0.endTime].compactMap { $0 } }
        let oneDay = clock.sameDay(times)
        var out = ["## Timeline", ""]
        guard !rows.isEmpty else { return out + ["No events.", ""] }
        var caption = "Times in \(Markdown.text(options.timeZone.name(at: times.first)))"
        if oneDay, let first = times.first { caption += " on \(clock.date(first))" }
        out.append(caption + ". Repeated events are folded into one row with a count.")
        out.append("")
        func stamp(_ t: Timestamp?) -> String {
            guard let t else { return "?" }
            return oneDay ? clock.time(t) : clock.dateTime(t)
        }
        out.append("| Time | Until | Count | Kind | Subject | Detail |")
        out.append("|---|---|--:|---|---|---|")
        for row in rows {
            let detail = (row.lastWords ? "**last words:** " : "") + md(row.detail)
            out.append("| \(stamp(row.time)) | \(row.endTime.map(stamp) ?? "") | \(HumanFormat.count(row.count)) "
                       + "| \(md(row.kind)) | \(md(row.subject)) | \(detail) |")
        }
        out.append("")
        return out
    }

    private func rootCauses() -> [String] {
        let md = Markdown.text
        var out = ["## Root-cause analysis", ""]
        let causes = verdict.rankedCauses
        if causes.isEmpty { return out + ["No cause was identified.", ""] }
        for cause in causes {
            out.append("### \(cause.rank). \(md(cause.kind)): \(Markdown.code(cause.subject)) "
                       + "(\(HumanFormat.percent(cause.confidence)) confidence)")
            out.append("")
            out.append(md(cause.summary))
            out.append("")
            let figures = verdict.keyFigures(for: cause)
            if !figures.isEmpty {
                out.append("**Key figures:** " + figures.map(md).joined(separator: "; ") + ".")
                out.append("")
            }
            if !cause.contributedTo.isEmpty {
                out.append("**Led to:** " + cause.contributedTo.map(Markdown.code).joined(separator: ", ") + ".")
                out.append("")
            }
            out.append("**Evidence:**")
            out.append("")
            if cause.evidence.isEmpty { out.append("- (none recorded)") }
            for line in cause.evidence { out.append("- " + Markdown.code(line)) }
            out.append("")
        }
        return out
    }

    private func impact() -> [String] {
        let md = Markdown.text
        var out = ["## Impact", ""]
        if let last = verdict.endOfLife, let next = verdict.nextBootBegins {
            let gap = verdict.gapSeconds.map { HumanFormat.duration(seconds: $0) } ?? "unknown"
            let lastLabel = report.end?.lastSignOfLife == nil ? "last entry" : "last sign of life"
            let nextLabel = report.end?.nextBootStart == nil ? "next boot's first entry" : "next boot's kernel start"
            out.append("- **Outage window:** \(clock.labelled(last)) (\(lastLabel)) → \(clock.labelled(next)) "
                       + "(\(nextLabel)): **\(gap)** without logs.")
        } else if let last = verdict.lastEntry {
            out.append("- **Outage window:** from \(clock.labelled(last)) (last entry); no later boot in the input.")
        } else {
            out.append("- **Outage window:** unknown (no entries in the analysed boot).")
        }
        if let kind = verdict.endKind { out.append("- **How the boot ended:** \(kind.rawValue).") }
        if let boot = verdict.analyzedBootSummary {
            let up = Verdict.ran(boot)
            out.append("- **Boot ran:** \(HumanFormat.duration(seconds: up)) (\(clock.labelled(boot.start ?? boot.first)) → "
                       + "\(clock.labelled(boot.last))), \(HumanFormat.count(boot.entries)) entries.")
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
                    + (kill.time.map { ", \(clock.time($0))" } ?? "") + ")"
            }
            let more = report.oomKills.count > 5 ? ", …" : ""
            out.append("- **OOM kills:** \(HumanFormat.count(report.oomKills.count)): " + list.joined(separator: ", ") + more + ".")
        }
        if !report.kernelEvents.isEmpty {
            var byKind: [String: Int] = [:]
            for event in report.kernelEvents { byKind[event.kind, default: 0] += 1 }
            let list = byKind.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\(md($0.key)) ×\($0.value)" }
            out.append("- **Kernel events:** \(HumanFormat.count(report.kernelEvents.count)) ("
                       + list.joined(separator: ", ") + ").")
        }
        if let rate = report.forkRate, rate.peakPerSecond > 0 {
            var line = "- **Fork rate:** peak \(HumanFormat.number(rate.peakPerSecond)) per second"
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
        var out = ["## What monitoring could have detected", "", md(text.headline), ""]
        for rule in summary.rules {
            let (_, body) = text.line(rule)
            let forText = rule.forSeconds > 0 ? " for \(HumanFormat.duration(seconds: Double(rule.forSeconds)))" : ""
            out.append("- **\(md(rule.alert))** \(Markdown.code(rule.expression))\(forText): \(md(body))")
        }
        out += ["", "_\(md(text.context)) `postmortem alerts` writes these rules, their promtool tests and systemd drop-ins (see docs/detection.md)._", ""]
        return out
    }

    private func remediation() -> [String] {
        let md = Markdown.text
        var out = ["## Remediation", ""]
        let causes = verdict.rankedCauses.filter { !$0.remediation.isEmpty }
        if causes.isEmpty { return out + ["Nothing to fix was identified.", ""] }
        for cause in causes {
            for step in cause.remediation {
                out.append("- [ ] \(md(step)) _(cause \(cause.rank): \(md(cause.kind)) of \(Markdown.code(cause.subject)))_")
            }
        }
        out.append("")
        for d in report.detection?.dropIns ?? [] {
            out += ["Guard rails for \(Markdown.code(d.unit)), as \(Markdown.code(d.path)) (written by `postmortem alerts`):", "",
                    Markdown.fence(d.text, info: "ini"), ""]
        }
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
                out.append("| \(Markdown.code(input.path, inTable: true)) | \(cell(input.kind)) | "
                           + "\(HumanFormat.count(input.entries)) | \(cell(input.health.status)) | "
                           + "\(cell(input.health.state ?? "")) | \(HumanFormat.count(input.health.problems.count)) |")
            }
            let troubled = report.inputs.filter { !$0.health.problems.isEmpty }
            for input in troubled {
                out.append("")
                out.append("Problems in \(Markdown.code(input.path)):")
                out.append("")
                for problem in input.health.problems { out.append("- " + Markdown.text(problem)) }
            }
        }
        if !report.notes.isEmpty {
            out.append("")
            out.append("Notes on the data:")
            out.append("")
            for note in report.notes { out.append("- " + Markdown.text(note)) }
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
