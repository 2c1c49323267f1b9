import Analysis

/// The one entry point from a finished analysis to the text a user reads.
public enum ReportRenderer {
    /// `report` in `format`. `text` honours `options.width` and `options.color`; every format shows
    /// times in `options.timeZone` except `json`, which keeps the report's UTC times as they are.
    public static func render(_ report: PostmortemReport, as format: ReportFormat, options: RenderOptions) -> String {
        switch format {
        case .text: return TextReport(report, options: options).render()
        case .markdown: return MarkdownReport(report, options: options).render()
        case .json: return json(report)
        case .html: return HTMLReport(report, options: options).render()
        }
    }

    /// The verdict on one line (host, how the boot ended, the top cause), in `options.timeZone`:
    /// what the boot unit logs to the journal.
    /// Why `postmortem alerts` wrote no promtool tests: the sentence the report's rules say.
    public static func promtoolTestsOmitted(_ reason: NotFiredReason) -> String {
        "\(DetectionText.noSamples(reason) ?? reason.rawValue), so the rebuilt signals have no samples to test the rules on"
    }

    public static func summaryLine(_ report: PostmortemReport, options: RenderOptions) -> String {
        Verdict(report, zone: options.timeZone).oneLine
    }

    /// The whole report as pretty-printed JSON with sorted keys, in the `postmortem.report/1`
    /// shape that `docs/report.schema.json` describes.
    public static func json(_ report: PostmortemReport) -> String {
        JSONText.encode(report, pretty: true) + "\n"
    }
}
