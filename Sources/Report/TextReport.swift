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
            out += TextLayout.hanging(safe(BootEndText.sentence(evidence, time: verdict.clock.time)), first: "  evidence: ", rest: String(repeating: " ", count: 12),
                                      width: width).map { style.apply(.dim, $0) }
        }
        for fact in verdict.bootFacts {
            out += TextLayout.hanging(safe(fact), first: "  ", rest: "    ", width: width)
        }
        out.append("")

        out.append(style.apply(.bold, "Root causes"))
        let causes = verdict.rankedCauses
        if causes.isEmpty {
            out += TextLayout.hanging(safe("None found. " + verdict.noCauseSentence), first: "  ", rest: "  ", width: width)
        }
        for cause in causes {
            let ct = CauseText(cause: cause, report: report, clock: verdict.clock)
            out += TextLayout.hanging(safe(ct.heading), first: " ", rest: "    ", width: width).map { style.apply(.boldYellow, $0) }
            let indent = "    "
            func field(_ name: String, _ value: String) {
                let room = width - indent.count - name.count
                out += TextLayout.hanging(CauseLayout.fitting(safe(value), width: room), first: indent + name,
                                          rest: indent + String(repeating: " ", count: name.count), width: width)
            }
            field("", ct.strength + ".")
            out += TextLayout.hanging(safe(cause.summary), first: indent, rest: indent, width: width)
            if let chain = ct.chain { field("chain: ", chain) }
            if let by = ct.causedBy { field("caused by: ", by) }
            for link in ct.links { field("led to: ", link) }
            let figures = verdict.keyFigures(for: cause)
            if !figures.isEmpty { field("figures: ", figures.joined(separator: " · ")) }
            for words in ct.ownWords { field("it said: ", words) }
            for line in ct.provenance { field("unit: ", line) }
            for e in cause.evidence {
                field("evidence: ", ct.evidence(e))
                out += TextLayout.hanging(CauseLayout.fitting(safe(e.command), width: width - indent.count - 7),
                                          first: indent + "  see: ", rest: indent + "       ", width: width)
                    .map { style.apply(.dim, $0) }
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
            if !text.context.isEmpty {
                out += TextLayout.hanging(safe(text.context), first: "  ", rest: "  ", width: width).map { style.apply(.dim, $0) }
            }
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
                out += TextLayout.hanging(safe(NoteText.sentence(note)), first: "  - ", rest: "    ", width: width)
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
