import Analysis
import Events

/// An aligned plain-text table that fits a width without cutting a character: when the
/// natural widths do not fit, the flexible columns narrow and their cells wrap onto more
/// lines (a word longer than its column stays whole and pushes the row wider).
struct TextTable {
    let headers: [String]
    /// Cells are made terminal-safe by the table.
    let rows: [[String]]
    /// Columns aligned to the right (numbers).
    var rightAligned: Set<Int> = []
    /// Columns that may narrow and wrap, in the order they give up space.
    var flexible: [Int] = []
    let indent = "  "
    let gap = "  "

    func lines(width: Int, style: Styler) -> [String] {
        let safeRows = rows.map { $0.map(TextLayout.terminalSafe) }
        let n = headers.count
        guard n > 0 else { return [] }
        let (widths, fits) = layout(safeRows, columns: Array(0..<n), width: width - indent.count)
        if fits || n < 2 {
            var out = cells(headers, widths: widths).map { style.apply(.dim, trimEnd($0)) }
            for row in safeRows { out += cells(row, widths: widths).map(trimEnd) }
            return out
        }
        // Still too wide: the first column (the name) goes on a line of its own above the others.
        let rest = Array(1..<n)
        let stackIndent = "    "
        let (restWidths, restFits) = layout(safeRows, columns: rest, width: width - stackIndent.count)
        guard restFits else {
            // Too narrow even so: each row as its name, then `header value` pairs wrapped.
            var out: [String] = []
            for row in safeRows {
                out += TextLayout.hanging(row.first ?? "", first: indent, rest: indent, width: width)
                let pairs = rest.map { c in headers[c].lowercased() + " " + (c < row.count ? row[c] : "") }
                out += TextLayout.hanging(pairs.joined(separator: "; "), first: stackIndent, rest: stackIndent, width: width)
            }
            return out
        }
        func tail(_ row: [String]) -> [String] {
            cells(rest.map { $0 < row.count ? row[$0] : "" }, widths: restWidths, columns: rest, indent: stackIndent).map(trimEnd)
        }
        var out = [style.apply(.dim, indent + headers[0])] + tail(headers).map { style.apply(.dim, $0) }
        for row in safeRows {
            out += TextLayout.hanging(row.first ?? "", first: indent, rest: indent, width: width)
            out += tail(row)
        }
        return out
    }

    /// Column widths for `columns` within `width` (indent already taken off): natural widths,
    /// then the flexible ones narrowed down to the longest word they hold; `fits` is false
    /// when even that is too wide.
    private func layout(_ rows: [[String]], columns: [Int], width: Int) -> (widths: [Int], fits: Bool) {
        func cell(_ row: [String], _ c: Int) -> String { c < row.count ? row[c] : "" }
        var widths = columns.map { c in max(headers[c].count, rows.map { cell($0, c).count }.max() ?? 0) }
        let available = width - gap.count * max(0, columns.count - 1)
        var over = widths.reduce(0, +) - available
        for c in flexible where over > 0 {
            guard let k = columns.firstIndex(of: c) else { continue }
            let floor = max(headers[c].count, rows.map { Self.longestPiece(cell($0, c)) }.max() ?? 0)
            let give = min(over, max(0, widths[k] - floor))
            widths[k] -= give
            over -= give
        }
        return (widths, over <= 0)
    }

    /// The longest run a cell cannot be broken inside: a word, or a path's segment.
    static func longestPiece(_ cell: String) -> Int {
        cell.split(separator: " ").map { word in
            word.hasPrefix("/") ? word.split(separator: "/").map { $0.count + 1 }.max() ?? word.count : word.count
        }.max() ?? 0
    }

    /// One row, possibly on several lines, each cell wrapped to its column.
    private func cells(_ row: [String], widths: [Int], columns: [Int]? = nil, indent: String? = nil) -> [String] {
        let indent = indent ?? self.indent
        let columns = columns ?? Array(widths.indices)
        let wrapped = widths.indices.map { c -> [String] in
            let cell = c < row.count ? row[c] : ""
            return cell.isEmpty ? [""] : TextLayout.wrap(Self.breakable(cell, width: widths[c]), width: widths[c])
        }
        let height = wrapped.map(\.count).max() ?? 1
        return (0..<height).map { line in
            indent + widths.indices.map { c in
                let text = line < wrapped[c].count ? wrapped[c][line] : ""
                return TextLayout.pad(text, to: widths[c], right: c < columns.count && rightAligned.contains(columns[c]))
            }.joined(separator: gap)
        }
    }

    /// A path longer than its column (a cgroup) gets break points after its `/` so that it
    /// wraps there instead of widening the row.
    static func breakable(_ cell: String, width: Int) -> String {
        cell.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            guard word.count > width, word.hasPrefix("/") else { return String(word) }
            var pieces: [String] = []
            var piece = ""
            for ch in word {
                piece.append(ch)
                if ch == "/" {
                    pieces.append(piece)
                    piece = ""
                }
            }
            if !piece.isEmpty { pieces.append(piece) }
            // Join pieces back while they fit, so that a path breaks as few times as it must.
            var out: [String] = []
            for p in pieces {
                if let last = out.last, last.count + p.count <= width { out[out.count - 1] = last + p } else { out.append(p) }
            }
            return out.joined(separator: " ")
        }.joined(separator: " ")
    }

    private func trimEnd(_ s: String) -> String {
        var s = s
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// The text report's tables and sections: units, OOM kills, fork/PID pressure, kernel distress.
struct TextSections {
    let report: PostmortemReport
    let clock: ZonedClock
    let width: Int
    let style: Styler
    static let maxUnitRows = 15

    init(_ report: PostmortemReport, options: RenderOptions) {
        self.report = report
        self.clock = ZonedClock(zone: options.timeZone)
        self.width = options.effectiveWidth
        self.style = Styler(enabled: options.color)
    }

    /// Everything, each section followed by a blank line; sections with nothing to say are left out.
    func all() -> [String] {
        units() + oomKills() + forkPressure() + kernelDistress()
    }

    private func heading(_ s: String) -> String { style.apply(.bold, s) }

    /// `exit-code ×3,000, oom-kill ×2`, most frequent first.
    static func counted(_ d: [String: Int]) -> String {
        d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) ×\(HumanFormat.count($0.value))" }.joined(separator: ", ")
    }

    /// Unit results, then start jobs that did not complete (`start job dependency ×1`: a
    /// unit whose dependency failed never ran, so it has no result of its own); `-` for none.
    static func resultsCell(_ u: UnitSummary) -> String {
        let parts = [counted(u.results), u.jobFailures.isEmpty ? "" : "start job " + counted(u.jobFailures)].filter { !$0.isEmpty }
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }

    func units() -> [String] {
        guard !report.units.isEmpty else { return [] }
        let units = report.units.sorted { ($0.restartsObserved, $1.unit) > ($1.restartsObserved, $0.unit) }
        let rows = units.prefix(Self.maxUnitRows).map { u -> [String] in
            [u.unit, HumanFormat.count(u.starts), HumanFormat.count(u.restartsObserved),
             u.restartCounterMax.map(HumanFormat.count) ?? "-", Self.counted(u.exitStatuses).isEmpty ? "-" : Self.counted(u.exitStatuses),
             Self.resultsCell(u), u.startLimitHit ? "hit" : "-",
             u.oomKills > 0 ? HumanFormat.count(u.oomKills) : "-"]
        }
        let table = TextTable(headers: ["UNIT", "STARTS", "RESTARTS", "CTR MAX", "EXITS", "RESULTS", "LIMIT", "OOM"],
                              rows: Array(rows), rightAligned: [1, 2, 3, 7], flexible: [5, 4, 0])
        var out = [heading("Units")] + table.lines(width: width, style: style)
        if units.count > Self.maxUnitRows {
            out.append("  … and \(units.count - Self.maxUnitRows) more units (all of them in the JSON report)")
        }
        return out + [""]
    }

    func oomKills() -> [String] {
        guard !report.oomKills.isEmpty else { return [] }
        let rows = report.oomKills.map { k -> [String] in
            // The constraint is shown where the kind does not already say it.
            let constraint = k.constraint.map { $0.hasPrefix("CONSTRAINT_") ? String($0.dropFirst(11)).lowercased() : $0 }
            let implied = constraint == nil || (k.kind == .global && constraint == "none") || (k.kind == .memcg && constraint == "memcg")
            let kind = k.kind.rawValue + (implied ? "" : ", " + (constraint ?? ""))
            var memcg = k.taskMemcg ?? k.unit ?? "-"
            if let limit = k.oomMemcg, limit != k.taskMemcg { memcg += " (limit of " + limit + ")" }
            return [k.time.map(clock.time) ?? k.uptimeSeconds.map(ZonedClock.uptime) ?? "-", kind, k.comm ?? "-", k.pid.map(String.init) ?? "-",
                    k.anonRSSKB.map(HumanFormat.kibibytes) ?? "-", memcg]
        }
        let table = TextTable(headers: ["TIME", "KIND", "PROCESS", "PID", "RSS", "MEMCG"],
                              rows: rows, rightAligned: [3, 4], flexible: [5, 2, 1])
        return [heading("OOM kills")] + table.lines(width: width, style: style) + [""]
    }

    func forkPressure() -> [String] {
        guard let f = report.forkRate else { return [] }
        var facts: [String] = []
        let peak = HumanFormat.rate(f.peakPerSecond) + "/s"
            + (f.lowerBound ? " (a lower bound: PIDs may have wrapped more than once between observations)" : "")
        facts.append("peak fork rate " + peak + (f.peakAt.map { " in the minute from " + clock.time($0) } ?? ""))
        if let pidMax = f.pidMax {
            var line = "pid_max " + HumanFormat.count(pidMax) + (f.pidMaxSource.map { " (\(FactSourceText.pidMax($0)))" } ?? "")
            if f.peakPerSecond > 0 {
                line += "; at the peak rate every PID is handed out once in "
                    + HumanFormat.duration(seconds: Double(pidMax) / f.peakPerSecond)
            }
            facts.append(line)
        }
        facts.append(f.wraps == 0 ? "PIDs never wrapped" : "PIDs wrapped \(HumanFormat.count(f.wraps)) time\(f.wraps == 1 ? "" : "s")")
        facts.append(f.forkFailures == 0 ? "no fork failures"
                     : "\(HumanFormat.count(f.forkFailures)) fork failure\(f.forkFailures == 1 ? "" : "s") (pids controller, EAGAIN, TasksMax)")
        var out = [heading("Fork and PID pressure")]
        for fact in facts { out += TextLayout.hanging(TextLayout.terminalSafe(fact), first: "  - ", rest: "    ", width: width) }
        return out + [""]
    }

    /// Kernel distress grouped by kind: how many, when first and last, and the first message.
    func kernelDistress() -> [String] {
        var order: [KernelDistressKind] = []
        var groups: [KernelDistressKind: [KernelEventSummary]] = [:]
        // OOM kills have their own table.
        for e in report.kernelEvents where e.kind != .oomKill {
            if groups[e.kind] == nil { order.append(e.kind) }
            groups[e.kind, default: []].append(e)
        }
        let rows = order.compactMap { kind -> [String]? in
            guard let events = groups[kind], let first = events.first else { return nil }
            let times = events.compactMap(\.time)
            let span = times.first.map { a in
                let b = times.last ?? a
                return a == b ? clock.time(a) : clock.time(a) + "–" + clock.time(b)
            } ?? "-"
            return [Self.kindName(kind), HumanFormat.count(events.count), span, first.text]
        }
        guard !rows.isEmpty else { return [] }
        let table = TextTable(headers: ["KIND", "COUNT", "WHEN", "FIRST MESSAGE"], rows: rows, rightAligned: [1],
                              flexible: [3, 2])
        return [heading("Kernel distress")] + table.lines(width: width, style: style) + [""]
    }

    static func kindName(_ kind: KernelDistressKind) -> String {
        switch kind {
        case .hungTask: return "hung tasks"
        case .softLockup: return "soft lockups"
        case .hardLockup: return "hard lockups"
        case .rcuStall: return "RCU stalls"
        case .panic: return "panics"
        case .oops: return "oopses"
        case .bug: return "BUGs"
        case .warning: return "warnings"
        case .ioError: return "I/O errors"
        case .fsError: return "filesystem errors"
        case .forkRejected: return "forks rejected"
        case .mce: return "machine checks"
        case .segfault: return "segfaults"
        case .oomKill: return "OOM kills"
        }
    }
}
