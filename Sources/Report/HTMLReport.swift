import Analysis

/// One self-contained HTML page: no scripts, fonts, stylesheets or images from anywhere else (a
/// Content-Security-Policy says so to the browser too), so it can be mailed or attached to a ticket.
struct HTMLReport {
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

    private static let style = """
        :root { color-scheme: light; }
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0;
               color: #1d1d1f; background: #ffffff; line-height: 1.45; }
        main { max-width: 1140px; margin: 0 auto; padding: 18px 24px 40px; }
        h1 { font-size: 1.5rem; margin: 0 0 6px; }
        h2 { font-size: 1.2rem; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
        h3 { font-size: 1.05rem; margin: 14px 0 4px; }
        .verdict { font-size: 1.15rem; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 8px 0; }
        .verdict.unclean { background: #fdecea; border-left: 6px solid #c0392b; }
        .verdict.clean { background: #e9f7ef; border-left: 6px solid #1e8449; }
        .verdict.other { background: #fef5e7; border-left: 6px solid #b9770e; }
        .muted { color: #666; font-size: 0.9rem; }
        .chart { display: block; max-width: 100%; height: auto; }
        .chart text { font-size: 12px; fill: #333; }
        .chart .panel-title { font-size: 13px; font-weight: 600; }
        .chart .axis-title { font-size: 12px; fill: #555; }
        .chart .outage-label { font-size: 12px; fill: #a93226; font-weight: 600; }
        .legend { list-style: none; padding: 0; margin: 4px 0 0; display: flex; flex-wrap: wrap; gap: 6px 18px;
                  font-size: 0.9rem; }
        .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px;
                  border-radius: 2px; }
        ol.causes { padding-left: 0; list-style: none; }
        ol.causes > li { border: 1px solid #e2e2e2; border-radius: 6px; padding: 4px 14px 10px; margin: 10px 0; }
        .role { font-weight: 400; color: #555; }
        .figures { font-size: 0.92rem; }
        code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.88em; }
        table { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
        th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
        th { background: #f5f5f7; }
        td.num, th.num { text-align: right; white-space: nowrap; }
        td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
        tr.last-words td { background: #fff4e5; }
        td.detail { word-break: break-word; }
        .banner { margin: 8px 0 4px; }
        .banner .verdict { font-size: 1.3rem; }
        .banner .headline { margin: 4px 0; }
        ol.chain { list-style: none; display: flex; flex-wrap: wrap; align-items: center; gap: 6px 0; padding: 0; margin: 10px 0; }
        ol.chain li { border: 1px solid #bbb; border-radius: 6px; padding: 4px 10px; background: #fafafa; font-size: 0.9rem; }
        ol.chain li + li { margin-left: 30px; position: relative; }
        ol.chain li + li::before { content: "→"; position: absolute; left: -24px; top: 50%; transform: translateY(-50%);
                                   font-size: 1.1rem; color: #555; }
        ol.chain li.role-primary { border: 2px solid #c0392b; background: #fdecea; }
        ol.chain li.end { background: #333; color: #fff; border-color: #333; }
        .window { font-size: 0.95rem; }
        table.inputs td:first-child { word-break: break-all; }
        table.inputs td.problems { font-size: 0.85rem; }
        pre { white-space: pre-wrap; word-break: break-word; background: #f7f7f9; padding: 8px 10px; border-radius: 4px; }
        code { overflow-wrap: anywhere; }
        @media print {
          main { max-width: none; padding: 0; }
          details { display: block; }
          details > summary { list-style: none; }
          ol.causes > li, .chart, table tr { break-inside: avoid; }
          h2 { break-after: avoid; }
          .verdict { border: 1px solid #999; }
          a { color: inherit; text-decoration: none; }
        }
        """

    func render() -> String {
        let e = HTML.escape
        let title = "\(verdict.documentTitle): \(verdict.verdictLine)"
        var out: [String] = []
        out.append("<!DOCTYPE html>")
        out.append("<html lang=\"en\">")
        out.append("<head>")
        out.append("<meta charset=\"utf-8\">")
        out.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">")
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        out.append("<title>\(e(title))</title>")
        out.append("<style>\n\(Self.style)\n</style>")
        out.append("</head>")
        out.append("<body>")
        out.append("<main>")
        out.append("<h1>\(verdict.documentTitle): \(e(verdict.hostLabel))</h1>")
        let verdictClass = switch verdict.endKind {
        case .unclean: "unclean"
        case .clean: "clean"
        default: "other"
        }
        // The banner: the verdict first, then how the boot ended and the window asked for.
        out.append("<header class=\"banner\">")
        out.append("<p class=\"verdict \(verdictClass)\">\(e(verdict.verdictLine)).</p>")
        out.append("<p class=\"headline\">\(e(verdict.headline)).</p>")
        if let window = verdict.windowStatement { out.append("<p class=\"window muted\">\(e(window)).</p>") }
        out += chainDiagram()
        out.append("</header>")
        let facts = verdict.bootFacts
        if !facts.isEmpty { out.append("<ul class=\"boot-facts\">" + facts.map { "<li>\(e($0))</li>" }.joined() + "</ul>") }
        if let evidence = report.end?.evidence, !evidence.isEmpty {
            out.append("<details class=\"muted\"><summary>How this end was decided (\(HumanFormat.count(evidence.count)) "
                       + "piece\(evidence.count == 1 ? "" : "s") of evidence)</summary><ul>")
            out += evidence.map { "<li><code>\(e(BootEndText.sentence($0, time: clock.time)))</code></li>" }
            out.append("</ul></details>")
        }
        out += chart()
        out += causes()
        out += detection()
        out += timeline()
        out += HostFactsRendering.html(report.host.facts)
        out += appendix()
        var footer = "Written by \(e(report.generator)) (\(e(report.schema))). Times in "
            + "\(e(options.timeZone.name(at: verdict.lastEntry)))."
        if let at = options.generatedAt { footer += " Generated \(e(clock.labelled(at)))." }
        if let command = options.commandLine { footer += " Command: <code>\(e(command))</code>." }
        out.append("<p class=\"muted\">\(footer)</p>")
        out.append("</main>")
        out.append("</body>")
        out.append("</html>")
        return out.joined(separator: "\n") + "\n"
    }

    /// The causal chain as boxes and arrows: the primary cause, each consequence the rules link
    /// to it, the end of the boot; contributing factors feed into the first box.
    private func chainDiagram() -> [String] {
        let e = HTML.escape
        guard let primary = verdict.rankedCauses.first(where: { $0.role == .primary }) else { return [] }
        let ct = CauseText(cause: primary, report: report, clock: clock)
        var out = ["<ol class=\"chain\" aria-label=\"causal chain\">"]
        for id in [primary.id] + primary.chain {
            if id == CauseLink.endOfBoot {
                out.append("<li class=\"end\">\(verdict.endKind == .clean ? "shutdown" : "end of the boot")</li>")
            } else if let c = report.rootCauses.first(where: { $0.id == id }) {
                out.append("<li class=\"role-\(c.role.rawValue)\"><strong>\(e(c.kind.rawValue))</strong><br><code>\(e(c.subject.name))</code></li>")
            } else {
                out.append("<li>\(e(ct.label(id)))</li>")
            }
        }
        out.append("</ol>")
        let contributing = verdict.rankedCauses.filter { $0.role == .contributing }
        if !contributing.isEmpty {
            out.append("<p class=\"muted\">Contributing: " + contributing.map { "<code>\(e($0.kind.rawValue)) \(e($0.subject.name))</code>" }
                .joined(separator: ", ") + "</p>")
        }
        return out
    }

    /// What monitoring could have detected: the back-test of the default alert rules, and the drop-ins.
    private func detection() -> [String] {
        guard let summary = report.detection else { return [] }
        let e = HTML.escape
        let text = DetectionText(summary, report: report, clock: clock)
        var out = ["<section id=\"detection\">", "<h2>What monitoring could have detected</h2>", "<p>\(e(text.headline))</p>",
                   "<ul>"]
        for rule in summary.rules {
            let (head, body) = text.line(rule)
            out.append("<li\(rule.firedAt != nil ? " class=\"fired\"" : "")><code>\(e(head))</code>: \(e(body))</li>")
        }
        out.append("</ul>")
        for d in summary.dropIns {
            out.append("<p>Guard rails for <code>\(e(d.unit))</code>, as <code>\(e(d.path))</code>:</p>")
            out.append("<pre><code>\(e(d.text))</code></pre>")
        }
        out.append("<p class=\"muted\">\(text.context.isEmpty ? "" : e(text.context) + " ")<code>postmortem alerts</code> writes "
                   + e(text.alertsWrites) + ".</p>")
        out.append("</section>")
        return out
    }

    private func chart() -> [String] {
        let chart = ActivityChart(report: report, clock: clock)
        var out = ["<section id=\"activity\">", "<h2>Activity over time</h2>"]
        let zoom = chart.isEmpty ? nil : chart.domain()
        if let overview = BootOverview(report: report, verdict: verdict, clock: clock, zoom: zoom).svg() {
            out.append(overview)
        }
        if let svg = chart.svg() {
            out.append(svg)
            out.append("<ul class=\"legend\">")
            for (label, color) in chart.legend() {
                out.append("<li><span class=\"swatch\" style=\"background:\(color)\"></span>\(HTML.escape(label))</li>")
            }
            out.append("</ul>")
        } else {
            out.append("<p class=\"muted\">No time series or timed events to chart.</p>")
        }
        out.append("</section>")
        return out
    }

    private func causes() -> [String] {
        var out = ["<section id=\"root-causes\">", "<h2>Root causes</h2>"]
        let causes = verdict.rankedCauses
        guard !causes.isEmpty else {
            return out + ["<p>None found. \(HTML.escape(verdict.noCauseSentence))</p>", "</section>"]
        }
        out.append("<ol class=\"causes\">")
        for cause in causes {
            out += CauseHTML.item(cause, report: report, clock: clock, figures: verdict.keyFigures(for: cause))
        }
        out.append("</ol>")
        out.append("</section>")
        return out
    }

    private func timeline() -> [String] {
        let e = HTML.escape
        let rows = report.timeline
        let times = rows.flatMap { [$0.time, $0.endTime].compactMap { $0 } }
        let oneDay = clock.sameDay(times)
        var out = ["<section id=\"timeline\">", "<h2>Timeline</h2>"]
        guard !rows.isEmpty else { return out + ["<p>No events.</p>", "</section>"] }
        let untimed = times.isEmpty && rows.contains { $0.uptimeSeconds != nil }
        var caption = untimed ? "Times are " + e(ZonedClock.uptimeCaption) : "Times in \(e(options.timeZone.name(at: times.first)))"
        if oneDay, let first = times.first { caption += " on \(clock.date(first))" }
        out.append("<p class=\"muted\">\(caption). Highlighted rows are the last words: the final messages before the machine went silent.</p>")
        func stamp(_ t: Timestamp?, uptime: Double? = nil) -> String {
            guard let t else { return uptime.map(ZonedClock.uptime) ?? "?" }
            return oneDay ? clock.time(t) : clock.dateTime(t)
        }
        out.append("<table class=\"timeline\">")
        out.append("<thead><tr><th>Time</th><th>Until</th><th class=\"num\">Count</th><th>Kind</th><th>Subject</th>"
                   + "<th>Detail</th></tr></thead>")
        out.append("<tbody>")
        for row in rows {
            out.append("<tr\(row.lastWords ? " class=\"last-words\"" : "")><td class=\"time\">\(stamp(row.time, uptime: row.uptimeSeconds))</td>"
                       + "<td class=\"time\">\(row.endTime.map { stamp($0) } ?? "")</td>"
                       + "<td class=\"num\">\(HumanFormat.count(row.count))</td><td>\(e(row.kind.name))</td>"
                       + "<td><code>\(e(row.subject))</code></td><td class=\"detail\">\(e(TimelineText.detail(row.detail)))</td></tr>")
        }
        out.append("</tbody>")
        out.append("</table>")
        out.append("</section>")
        return out
    }

    /// The folder every path is in (with its trailing `/`), or "" when they share none.
    static func commonFolder(_ paths: [String]) -> String {
        guard var common = paths.first?.split(separator: "/", omittingEmptySubsequences: false).dropLast() else { return "" }
        for path in paths.dropFirst() {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            var n = 0
            while n < common.count, n < parts.count, common[common.startIndex + n] == parts[parts.startIndex + n] { n += 1 }
            common = common.prefix(n)
        }
        let joined = common.joined(separator: "/")
        return joined.isEmpty ? "" : joined + "/"
    }

    private func appendix() -> [String] {
        let e = HTML.escape
        var out = ["<section id=\"inputs\">", "<h2>Inputs and their health</h2>", "<p>\(e(verdict.inputsLine)).</p>"]
        if !report.inputs.isEmpty {
            // Compact: paths relative to the folder they share (named once), problems folded away.
            let root = Self.commonFolder(report.inputs.map(\.path))
            if !root.isEmpty { out.append("<p class=\"muted\">Paths below are relative to <code>\(e(root))</code>.</p>") }
            out.append("<table class=\"inputs\"><thead><tr><th>Input</th><th>Kind</th><th class=\"num\">Entries</th><th>Health</th>"
                       + "<th>Journal state</th><th>Problems</th></tr></thead><tbody>")
            for input in report.inputs {
                let shown = root.isEmpty ? input.path : String(input.path.dropFirst(root.count))
                let problems = Verdict.problems(of: input)
                let cell = problems.isEmpty ? "" : "<details><summary>\(HumanFormat.count(problems.count))</summary>"
                    + problems.prefix(20).map(e).joined(separator: "<br>")
                    + (problems.count > 20 ? "<br>… and \(HumanFormat.count(problems.count - 20)) more (see the JSON report)" : "")
                    + "</details>"
                out.append("<tr><td><code>\(e(shown))</code></td><td>\(e(input.kind.rawValue))</td>"
                           + "<td class=\"num\">\(HumanFormat.count(input.entries))</td><td>\(e(input.health.status.rawValue))</td>"
                           + "<td>\(e(input.health.state?.rawValue ?? ""))</td><td class=\"problems\">\(cell)</td></tr>")
            }
            out.append("</tbody></table>")
        }
        if !report.notes.isEmpty {
            out.append("<h3>Notes on the data</h3><ul>")
            out += report.notes.map { "<li>\(e(NoteText.sentence($0)))</li>" }
            out.append("</ul>")
        }
        out.append("</section>")
        out.append("<section id=\"boots\">")
        out.append("<h2>Boots</h2>")
        if report.boots.isEmpty {
            out.append("<p>No boots found.</p>")
        } else {
            out.append("<table><thead><tr><th></th><th>Boot ID</th><th>First entry</th><th>Last entry</th>"
                       + "<th class=\"num\">Ran for</th><th class=\"num\">Entries</th><th>End</th></tr></thead><tbody>")
            // In the machine's own order, as the analysis gives them (not by wall clock).
            for boot in report.boots {
                let ran = HumanFormat.duration(seconds: Verdict.ran(boot))
                out.append("<tr><td>\(boot.bootID == report.analyzedBoot ? "<strong>analysed</strong>" : "")</td>"
                           + "<td><code>\(e(boot.bootID))</code></td><td class=\"time\">\(clock.dateTime(boot.first))</td>"
                           + "<td class=\"time\">\(clock.dateTime(boot.last))</td><td class=\"num\">\(ran)</td>"
                           + "<td class=\"num\">\(HumanFormat.count(boot.entries))</td><td>\(boot.end.rawValue)</td></tr>")
            }
            out.append("</tbody></table>")
        }
        out.append("</section>")
        return out
    }
}
