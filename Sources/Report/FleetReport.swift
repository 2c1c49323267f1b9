import Analysis

/// `fleet.md` and `fleet.html`: the fleet's top causes, then one row per host, most severe
/// first, each linking to that host's reports. Built from `FleetRow`s alone, so that
/// `postmortem fleet merge` of shards renders the same bytes as one unsharded `batch`.
public enum FleetReport {
    /// One root cause kind across the fleet: how many hosts it is the top cause of, and which.
    public struct CauseTally: Sendable, Hashable {
        public var kind: String
        public var hosts: [String]
    }

    /// Causes by the number of hosts they top, most first (then by kind); hosts that could not be
    /// read or have no cause are not counted.
    public static func topCauses(_ rows: [FleetSummary.FleetRow]) -> [CauseTally] {
        var byKind: [String: [String]] = [:]
        for row in rows where row.error == nil {
            guard let kind = row.rootCauseKind else { continue }
            byKind[kind, default: []].append(row.reports ?? row.host)
        }
        return byKind.map { CauseTally(kind: $0.key, hosts: $0.value.sorted()) }
            .sorted { ($0.hosts.count, $1.kind) > ($1.hosts.count, $0.kind) }
    }

    /// Counts of hosts per severity, for the one-line summary.
    static func summaryLine(_ rows: [FleetSummary.FleetRow]) -> String {
        let unclean = rows.filter { $0.error == nil && $0.end == .unclean }.count
        let failed = rows.filter { $0.error != nil }.count
        var parts = ["\(HumanFormat.count(rows.count)) host\(rows.count == 1 ? "" : "s")",
                     "\(HumanFormat.count(unclean)) ended uncleanly"]
        if failed > 0 { parts.append("\(HumanFormat.count(failed)) could not be read") }
        return parts.joined(separator: ", ") + "."
    }

    static func endText(_ row: FleetSummary.FleetRow) -> String {
        row.error == nil ? row.end?.rawValue ?? "-" : "not read"
    }

    static func causeText(_ row: FleetSummary.FleetRow) -> String {
        if let error = row.error { return error }
        guard let kind = row.rootCauseKind else { return "none found" }
        return row.rootCauseSubject.map { "\(kind): \($0)" } ?? kind
    }

    /// The fleet as a CommonMark document.
    public static func markdown(_ rows: [FleetSummary.FleetRow], options: RenderOptions = RenderOptions()) -> String {
        let clock = ZonedClock(zone: options.timeZone)
        let zone = options.timeZone.name(at: rows.compactMap(\.lastEntry).first)
        var out = ["# Fleet report", "", Markdown.text(summaryLine(rows)), "", "## Top causes", ""]
        let causes = topCauses(rows)
        if causes.isEmpty {
            out.append("No root cause was found on any host.")
        } else {
            out.append("| Cause | Hosts | Which |")
            out.append("|---|---:|---|")
            for cause in causes {
                out.append("| \(Markdown.cell(cause.kind)) | \(cause.hosts.count) | \(Markdown.cell(cause.hosts.joined(separator: ", "))) |")
            }
        }
        out += ["", "## Hosts, most severe first", "",
                "| Host | End | Last entry (\(Markdown.cell(zone))) | Cause | Looping | OOM | Kernel | Source | Report |",
                "|---|---|---|---|---:|---:|---:|---|---|"]
        for row in rows {
            let link = row.reports.map { "[report](\($0)/report.md)" } ?? "-"
            out.append("| \(Markdown.cell(row.host)) | \(endText(row)) | \(row.lastEntry.map(clock.dateTime) ?? "-") | "
                       + "\(Markdown.cell(causeText(row))) | \(row.crashLoopingUnits) | \(row.oomKills) | \(row.kernelEvents) | "
                       + "\(Markdown.cell(row.source ?? "-")) | \(link) |")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The fleet as one self-contained HTML page.
    public static func html(_ rows: [FleetSummary.FleetRow], options: RenderOptions = RenderOptions()) -> String {
        let e = HTML.escape
        let clock = ZonedClock(zone: options.timeZone)
        let zone = options.timeZone.name(at: rows.compactMap(\.lastEntry).first)
        var out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                   "<title>Fleet report</title>",
                   "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse}"
                   + "td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;overflow-wrap:anywhere}"
                   + ".unclean td:nth-child(2),.error td:nth-child(2){color:#b00;font-weight:bold}</style>",
                   "</head><body>", "<h1>Fleet report</h1>", "<p>\(e(summaryLine(rows)))</p>", "<h2>Top causes</h2>"]
        let causes = topCauses(rows)
        if causes.isEmpty {
            out.append("<p>No root cause was found on any host.</p>")
        } else {
            out.append("<table><tr><th>Cause</th><th>Hosts</th><th>Which</th></tr>")
            for cause in causes {
                out.append("<tr><td>\(e(cause.kind))</td><td>\(cause.hosts.count)</td><td>\(e(cause.hosts.joined(separator: ", ")))</td></tr>")
            }
            out.append("</table>")
        }
        out.append("<h2>Hosts, most severe first</h2>")
        out.append("<table><tr><th>Host</th><th>End</th><th>Last entry (\(e(zone)))</th><th>Cause</th><th>Looping</th>"
                   + "<th>OOM</th><th>Kernel</th><th>Source</th><th>Report</th></tr>")
        for row in rows {
            let css = row.error != nil ? "error" : row.end?.rawValue ?? "none"
            let link = row.reports.map { "<a href=\"\(e($0))/report.html\">report</a>" } ?? "-"
            out.append("<tr class=\"\(css)\"><td>\(e(row.host))</td><td>\(e(endText(row)))</td>"
                       + "<td>\(e(row.lastEntry.map(clock.dateTime) ?? "-"))</td><td>\(e(causeText(row)))</td>"
                       + "<td>\(row.crashLoopingUnits)</td><td>\(row.oomKills)</td><td>\(row.kernelEvents)</td>"
                       + "<td>\(e(row.source ?? "-"))</td><td>\(link)</td></tr>")
        }
        out += ["</table>", "</body></html>"]
        return out.joined(separator: "\n") + "\n"
    }
}
