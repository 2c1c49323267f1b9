import Analysis

/// The one-screen verdict for a terminal: headline, ranked causes, timeline, inputs and notes.
struct TextReport {
    let report: PostmortemReport
    let options: RenderOptions
    let verdict: Verdict
    let style: Styler
    let width: Int

    init(_ report: PostmortemReport, options: RenderOptions) {
        self.report = report
        self.options = options
        self.verdict = Verdict(report, zone: options.timeZone)
        self.style = Styler(enabled: options.color)
        self.width = options.effectiveWidth
    }

    func render() -> String {
        var out: [String] = []
        let safe = TextLayout.terminalSafe
        // The verdict first: host, what happened and when, the causes; then how the boot ended.
        let headlineStyle: Styler.Style = switch verdict.endKind {
        case .unclean: .boldRed
        case .clean: .boldGreen
        default: .boldYellow
        }
        out += TextLayout.wrap(safe(verdict.verdictLine) + ".", width: width).map { style.apply(headlineStyle, $0) }
        if let window = verdict.windowStatement {
            out += TextLayout.hanging(safe(window) + ".", first: "  ", rest: "    ", width: width)
        }
        out += TextLayout.wrap(safe(verdict.headline) + ".", width: width)
        for evidence in (report.end?.evidence ?? []).prefix(3) {
            out += TextLayout.hanging(safe(evidence), first: "  evidence: ", rest: String(repeating: " ", count: 12),
                                      width: width).map { style.apply(.dim, $0) }
        }
        for fact in verdict.bootFacts {
            out += TextLayout.hanging(safe(fact), first: "  ", rest: "    ", width: width)
        }
        out.append("")

        out.append(style.apply(.bold, "Root causes"))
        let causes = verdict.rankedCauses
        if causes.isEmpty {
            out += TextLayout.wrap("  None found: nothing in the logs points at a failure.", width: width)
        }
        for cause in causes {
            let head = "\(cause.rank). \(safe(cause.kind)): \(safe(cause.subject)), \(HumanFormat.percent(cause.confidence)) confidence"
            out += TextLayout.hanging(head, first: " ", rest: "    ", width: width).map { style.apply(.boldYellow, $0) }
            let indent = "    "
            out += TextLayout.hanging(safe(cause.summary), first: indent, rest: indent, width: width)
            let figures = verdict.keyFigures(for: cause)
            if !figures.isEmpty {
                out += TextLayout.hanging(figures.map(safe).joined(separator: " · "), first: indent + "figures: ",
                                          rest: indent + "         ", width: width)
            }
            if !cause.contributedTo.isEmpty {
                out += TextLayout.hanging(cause.contributedTo.map(safe).joined(separator: ", "),
                                          first: indent + "led to: ", rest: indent + "        ", width: width)
            }
            for step in cause.remediation {
                out += TextLayout.hanging(safe(step), first: indent + "- ", rest: indent + "  ", width: width)
                    .map { style.apply(.cyan, $0) }
            }
        }
        out.append("")

        if let detection = report.detection {
            let text = DetectionText(detection, report: report, clock: ZonedClock(zone: options.timeZone))
            out.append(style.apply(.bold, "Detection"))
            out += TextLayout.hanging(safe(text.headline), first: "  ", rest: "  ", width: width)
            for rule in detection.rules {
                let (head, body) = text.line(rule)
                out += TextLayout.hanging(safe(head) + ": " + safe(body), first: "  - ", rest: "    ", width: width)
                    .map { rule.firedAt != nil ? style.apply(.boldYellow, $0) : $0 }
            }
            for d in detection.dropIns {
                out += TextLayout.hanging("guard rail for \(safe(d.unit)): " + d.settings.map(safe).joined(separator: ", "),
                                          first: "  - ", rest: "    ", width: width).map { style.apply(.cyan, $0) }
            }
            out += TextLayout.hanging(safe(text.context), first: "  ", rest: "  ", width: width).map { style.apply(.dim, $0) }
            out.append("")
        }

        out += TextSections(report, options: options).all()
        out += HostFactsRendering.text(report.host.facts, width: width, style: style)

        out.append(style.apply(.bold, "Timeline"))
        out += TimelineTable(rows: report.timeline, options: options).lines()
        out.append("")

        out += TextLayout.wrap(safe(verdict.inputsLine), width: width).map { style.apply(.dim, $0) }
        if !report.notes.isEmpty {
            out.append("Notes:")
            for note in report.notes {
                out += TextLayout.hanging(safe(note), first: "  - ", rest: "    ", width: width)
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
