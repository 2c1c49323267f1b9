import Analysis

/// One line per host for `postmortem batch`: what each machine's analysed boot came to.
public enum FleetSummary {
    /// One host's outcome: the analysed boot, how it ended, the top cause and a few counts, or
    /// why the host could not be analysed.
    public struct FleetRow: Codable, Sendable, Hashable {
        public var host: String
        public var analyzedBoot: String?
        public var end: BootEndKind?
        public var lastEntry: Timestamp?
        public var gapSeconds: Double?
        /// The rank-1 cause's kind and subject.
        public var rootCauseKind: String?
        public var rootCauseSubject: String?
        public var crashLoopingUnits: Int
        public var oomKills: Int
        public var kernelEvents: Int
        /// Set when the host's inputs could not be analysed at all; the counts are then zero.
        public var error: String?
        /// The folder (under the batch's output) holding this host's reports: unique, where
        /// hostnames may repeat (copies of one machine, images of cloned machines).
        public var reports: String?
        /// Where the host was found, relative to the path `batch` was given (`web1`,
        /// `dc2.tar.zst:hosts/web1`): the host's identity for shards and report folder names.
        public var source: String?

        public init(host: String, analyzedBoot: String? = nil, end: BootEndKind? = nil, lastEntry: Timestamp? = nil,
                    gapSeconds: Double? = nil, rootCauseKind: String? = nil, rootCauseSubject: String? = nil,
                    crashLoopingUnits: Int = 0, oomKills: Int = 0, kernelEvents: Int = 0, error: String? = nil) {
            self.host = host
            self.analyzedBoot = analyzedBoot
            self.end = end
            self.lastEntry = lastEntry
            self.gapSeconds = gapSeconds
            self.rootCauseKind = rootCauseKind
            self.rootCauseSubject = rootCauseSubject
            self.crashLoopingUnits = crashLoopingUnits
            self.oomKills = oomKills
            self.kernelEvents = kernelEvents
            self.error = error
        }

        /// The row for one analysed host; `host` names it when the report has no hostname
        /// (the batch's directory name, say).
        public init(report: PostmortemReport, host fallback: String) {
            let verdict = Verdict(report, zone: .utc)
            let top = verdict.rankedCauses.first
            self.init(host: report.host.hostname.flatMap { $0.isEmpty ? nil : $0 } ?? fallback,
                      analyzedBoot: report.analyzedBoot, end: verdict.endKind, lastEntry: verdict.lastEntry,
                      gapSeconds: verdict.gapSeconds, rootCauseKind: top?.kind.rawValue, rootCauseSubject: top?.subject.name,
                      crashLoopingUnits: report.units.filter(\.crashLoop).count, oomKills: report.oomKills.count,
                      kernelEvents: report.kernelEvents.count)
        }

        /// The row for a host whose inputs could not be analysed.
        public init(host: String, failure: String) {
            self.init(host: host, error: failure)
        }

        enum CodingKeys: String, CodingKey {
            case host, end, error
            case analyzedBoot = "analyzed_boot"
            case lastEntry = "last_entry"
            case gapSeconds = "gap_seconds"
            case rootCauseKind = "root_cause_kind"
            case rootCauseSubject = "root_cause_subject"
            case crashLoopingUnits = "crash_looping_units"
            case oomKills = "oom_kills"
            case kernelEvents = "kernel_events"
            case reports, source
        }
    }

    /// How much a row asks for attention, lowest first: an unclean end, a host that could not be
    /// read, an end not known, a running boot, a clean end.
    public static func severity(_ row: FleetRow) -> Int {
        if row.error != nil { return 1 }
        switch row.end {
        case .unclean: return 0
        case .unknown: return 2
        case .ongoing: return 3
        case .clean: return 4
        case nil: return 5
        }
    }

    /// Rows most severe first; within one severity, hosts with a root cause, then more looping
    /// units, OOM kills and kernel events first, then by name and source, so that the order is
    /// the same whatever order the hosts were analysed or sharded in.
    public static func sortedBySeverity(_ rows: [FleetRow]) -> [FleetRow] {
        rows.sorted { a, b in
            let ka = (severity(a), a.rootCauseKind == nil ? 1 : 0, -a.crashLoopingUnits, -a.oomKills, -a.kernelEvents)
            let kb = (severity(b), b.rootCauseKind == nil ? 1 : 0, -b.crashLoopingUnits, -b.oomKills, -b.kernelEvents)
            if ka != kb { return ka < kb }
            return (a.host, a.source ?? "", a.reports ?? "") < (b.host, b.source ?? "", b.reports ?? "")
        }
    }

    /// An aligned table, one host per line, in the order given.
    public static func table(_ rows: [FleetRow], options: RenderOptions = RenderOptions()) -> String {
        let clock = ZonedClock(zone: options.timeZone)
        let safe = TextLayout.terminalSafe
        guard !rows.isEmpty else { return "No hosts.\n" }
        let zone = options.timeZone.name(at: rows.compactMap(\.lastEntry).first)
        let header = ["HOST", "BOOT", "END", "LAST ENTRY (\(zone))", "GAP", "CAUSE", "SUBJECT", "LOOPING", "OOM", "KERNEL", "SOURCE"]
        let cells: [[String]] = rows.map { row in
            // The host as its report folder is named when that differs (two hosts of one name).
            let host = safe(row.reports.map { $0 == row.host ? row.host : "\(row.host) (\($0))" } ?? row.host)
            if let error = row.error {
                return [host, "-", "error", "", "", "", safe(error), "", "", "", safe(row.source ?? "-")]
            }
            return [host, row.analyzedBoot.map { String($0.prefix(12)) } ?? "-", row.end?.rawValue ?? "-",
                    row.lastEntry.map(clock.dateTime) ?? "-",
                    row.gapSeconds.map { HumanFormat.duration(seconds: $0) } ?? "-",
                    safe(row.rootCauseKind ?? "none"), safe(row.rootCauseSubject ?? "-"),
                    HumanFormat.count(row.crashLoopingUnits), HumanFormat.count(row.oomKills),
                    HumanFormat.count(row.kernelEvents), safe(row.source ?? "-")]
        }
        let rightAligned: Set<Int> = [4, 7, 8, 9]
        let widths = header.indices.map { col in
            min(max(header[col].count, cells.map { $0[col].count }.max() ?? 0), 40)
        }
        func line(_ row: [String]) -> String {
            var text = row.enumerated().map { col, cell in
                TextLayout.pad(TextLayout.truncate(cell, to: widths[col]), to: widths[col], right: rightAligned.contains(col))
            }.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return ([line(header)] + cells.map(line)).joined(separator: "\n") + "\n"
    }

    /// One compact JSON object per line (JSON Lines), the rows' field names in snake_case, UTC times.
    public static func jsonLines(_ rows: [FleetRow]) -> String {
        rows.map { JSONText.encode($0, pretty: false) + "\n" }.joined()
    }
}
