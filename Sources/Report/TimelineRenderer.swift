import Analysis

/// The incident timeline on its own (`postmortem timeline`), and the table the text report embeds.
public enum TimelineRenderer {
    /// An aligned table (time, until, count, kind, subject, detail) that fits `options.width`;
    /// details are cut with `…` to fit. A caption line names the zone (and the day, when all rows share one).
    public static func text(_ rows: [TimelineRow], options: RenderOptions) -> String {
        TimelineTable(rows: rows, options: options).lines().joined(separator: "\n") + "\n"
    }

    /// RFC 4180 CSV with a header row: `time,end_time,count,kind,subject,detail,last_words`.
    /// Times are ISO 8601 with microseconds in the display zone (`Z` for UTC, else `±HH:MM`).
    public static func csv(_ rows: [TimelineRow], options: RenderOptions) -> String {
        let clock = ZonedClock(zone: options.timeZone)
        var out = "time,end_time,count,kind,subject,detail,last_words\n"
        for row in rows {
            let fields = [row.time.map(clock.iso8601) ?? "", row.endTime.map(clock.iso8601) ?? "", String(row.count),
                          row.kind.name, row.subject, TimelineText.detail(row.detail), row.lastWords ? "true" : "false"]
            out += fields.map(csvField).joined(separator: ",") + "\n"
        }
        return out
    }

    /// The rows as a JSON array, with the report's field names and UTC times.
    public static func json(_ rows: [TimelineRow]) -> String {
        JSONText.encode(rows, pretty: true) + "\n"
    }

    /// A CSV cell: journal bytes are made terminal-safe first (a CSV is often `cat`-ed), then
    /// quoted when they hold a separator or quote.
    static func csvField(_ raw: String) -> String {
        let s = TextLayout.terminalSafe(raw)
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        var quoted = "\""
        for ch in s {
            if ch == "\"" { quoted += "\"\"" } else { quoted.append(ch) }
        }
        return quoted + "\""
    }
}

/// Column layout for the timeline in text: fixed columns take what they need, the detail gets the rest.
struct TimelineTable {
    let rows: [TimelineRow]
    let width: Int
    let clock: ZonedClock
    let styler: Styler
    /// Wrap instead of cutting (`RenderOptions.full`).
    let full: Bool

    init(rows: [TimelineRow], options: RenderOptions) {
        self.rows = rows
        self.width = options.effectiveWidth
        self.clock = ZonedClock(zone: options.timeZone)
        self.styler = Styler(enabled: options.color)
        self.full = options.full
    }

    /// `text` fitted to `width`: cut with `…`, or in full mode wrapped into lines after the first
    /// indented by `indent`.
    private func fit(_ text: String, _ width: Int, indent: Int = 0) -> [String] {
        guard full else { return [TextLayout.truncate(text, to: width)] }
        let pad = String(repeating: " ", count: indent)
        return TextLayout.wrap(text, width: max(width - indent, 20)).enumerated().map { $0.offset == 0 ? $0.element : pad + $0.element }
    }

    /// Below this width the columns leave no room for the detail, so each row takes two lines.
    static let narrow = 72

    /// Two lines a row: time, count, kind and subject, then the detail (with the end of a folded run).
    private func narrowRows(stamp: (Timestamp?, Double?) -> String, counts: [String], kinds: [String], subjects: [String],
                            hasMarker: Bool) -> [String] {
        let countWidth = max(1, counts.map(\.count).max() ?? 0)
        var out: [String] = []
        for (i, row) in rows.enumerated() {
            let marker = hasMarker ? (row.lastWords ? "* " : "  ") : ""
            let head = marker + stamp(row.time, row.uptimeSeconds) + "  " + TextLayout.pad(counts[i], to: countWidth, right: true) + "  "
                + kinds[i] + "  " + subjects[i]
            let until = row.endTime.map { "until " + stamp($0, nil) + ": " } ?? ""
            let detail = String(repeating: " ", count: marker.count + 4) + until + TextLayout.terminalSafe(TimelineText.detail(row.detail))
            let pair = fit(head, width, indent: marker.count + 4) + fit(detail, width, indent: marker.count + 4)
            out += row.lastWords ? pair.map { styler.apply(.magenta, $0) } : pair
        }
        return out
    }

    func lines() -> [String] {
        let times = rows.flatMap { [$0.time, $0.endTime].compactMap { $0 } }
        let oneDay = clock.sameDay(times)
        let zoneName = clock.zone.name(at: times.first)
        let untimed = times.isEmpty && rows.contains { $0.uptimeSeconds != nil }
        var caption = "\(HumanFormat.count(rows.count)) row\(rows.count == 1 ? "" : "s"), times "
            + (untimed ? ZonedClock.uptimeCaption : "in \(zoneName)")
        if oneDay, let first = times.first { caption += " on " + clock.date(first) }
        guard !rows.isEmpty else { return fit(caption, width) }

        func stamp(_ t: Timestamp?, uptime: Double? = nil) -> String {
            guard let t else { return uptime.map(ZonedClock.uptime) ?? "?" }
            return oneDay ? clock.time(t) : clock.monthDay(t) + " " + clock.time(t)
        }
        let hasMarker = rows.contains { $0.lastWords }
        // On a narrow terminal the end of a folded run is the first thing to give up.
        let hasUntil = rows.contains { $0.endTime != nil } && width >= 64
        let timeWidth = max(oneDay ? 8 : 14, rows.compactMap { $0.uptimeSeconds.map(ZonedClock.uptime)?.count }.max() ?? 0)
        let counts = rows.map { HumanFormat.count($0.count) }
        let kinds = rows.map(\.kind.name)
        let subjects = rows.map { TextLayout.terminalSafe($0.subject) }
        let countWidth = max(5, counts.map(\.count).max() ?? 0)
        let gap = 2
        let kindWidth = min(max(4, kinds.map(\.count).max() ?? 0), 16)
        let beforeSubject = (hasMarker ? 2 : 0) + timeWidth + gap + (hasUntil ? timeWidth + gap : 0) + countWidth + gap
            + kindWidth + gap
        // The subject gets up to two fifths of what is left; the detail, which says the most, the rest.
        let available = max(width - beforeSubject, 0)
        let subjectWidth = min(max(7, subjects.map(\.count).max() ?? 0), max(8, available * 2 / 5))
        let detailWidth = max(width - beforeSubject - subjectWidth - gap, 1)

        func line(_ marker: String, _ time: String, _ until: String, _ count: String, _ kind: String,
                  _ subject: String, _ detail: String) -> String {
            var parts: [String] = []
            if hasMarker { parts.append(marker) }
            parts.append(TextLayout.pad(TextLayout.truncate(time, to: timeWidth), to: timeWidth) + "  ")
            if hasUntil { parts.append(TextLayout.pad(TextLayout.truncate(until, to: timeWidth), to: timeWidth) + "  ") }
            parts.append(TextLayout.pad(TextLayout.truncate(count, to: countWidth), to: countWidth, right: true) + "  ")
            parts.append(TextLayout.pad(TextLayout.truncate(kind, to: kindWidth), to: kindWidth) + "  ")
            if full {
                // Nothing cut: a row whose subject or detail does not fit its column gives the
                // detail the lines below it, indented, at the full width.
                let column = beforeSubject + subjectWidth + gap
                var lines: [String]
                if subject.count <= subjectWidth, detail.count <= width - column {
                    lines = [parts.joined() + TextLayout.pad(subject, to: subjectWidth) + "  " + detail]
                } else {
                    let indent = String(repeating: " ", count: (hasMarker ? 2 : 0) + 4)
                    lines = [parts.joined() + subject]
                    lines += TextLayout.wrap(detail, width: width - indent.count).map { indent + $0 }
                }
                return lines.map { var l = $0; while l.hasSuffix(" ") { l.removeLast() }; return l }.joined(separator: "\n")
            }
            parts.append(TextLayout.pad(TextLayout.truncate(subject, to: subjectWidth), to: subjectWidth) + "  ")
            parts.append(TextLayout.truncate(detail, to: detailWidth))
            var text = parts.joined()
            while text.hasSuffix(" ") { text.removeLast() }
            return TextLayout.truncate(text, to: width)
        }

        var out = fit(caption, width)
        if width < Self.narrow {
            out += narrowRows(stamp: stamp, counts: counts, kinds: kinds, subjects: subjects, hasMarker: hasMarker)
            if hasMarker { out += fit("* last words: the final messages before the silence", width) }
            return out
        }
        out.append(styler.apply(.bold, line("  ", "TIME", "UNTIL", "COUNT", "KIND", "SUBJECT", "DETAIL")))
        for (i, row) in rows.enumerated() {
            let text = line(row.lastWords ? "* " : "  ", stamp(row.time, uptime: row.uptimeSeconds), row.endTime.map { stamp($0) } ?? "", counts[i],
                            kinds[i], subjects[i], TextLayout.terminalSafe(TimelineText.detail(row.detail)))
            let rowLines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            out += row.lastWords ? rowLines.map { styler.apply(.magenta, $0) } : rowLines
        }
        if hasMarker {
            out += fit("* last words: the final messages before the machine went silent", width)
        }
        return out
    }
}
