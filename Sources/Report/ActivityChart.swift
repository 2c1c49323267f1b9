import Analysis
import Events

/// Colours the chart draws with; tests look for them in a screenshot.
enum ChartColor {
    /// One per crash-looping unit, in order of their peak restart rate.
    static let units = ["#1f77b4", "#e377c2", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f"]
    static let forkRate = "#2ca02c"
    static let oomKill = "#d62728"
    static let kernelEvent = "#9467bd"
    static let lastWords = "#ff7f0e"
    static let outage = "#fbe3e0"
    /// The gap of a planned reboot: not an outage.
    static let rebooting = "#d5f5e3"
    static let alert = "#1a5276"
    static let journalErrors = "#a04000"
}

/// The incident on one time axis, as inline SVG: restarts per minute of each crash-looping unit,
/// the fork rate, OOM kills and kernel events as markers, and the silent window before the next boot
/// shaded across all of it.
struct ActivityChart {
    let report: PostmortemReport
    let clock: ZonedClock

    private static let width = 1100.0
    private static let left = 86.0, right = 28.0

    /// About how wide a label is drawn at the chart's 12 px (7 px a character, generous: a
    /// label guessed too wide is only merged into the one before).
    static func labelWidth(_ text: String) -> Double { Double(text.count) * 7 }
    private var plotWidth: Double { Self.width - Self.left - Self.right }

    private var loopingUnits: [UnitSummary] {
        let units = report.units.filter { $0.crashLoop && !$0.restartsPerMinute.isEmpty }
        return Array(units.sorted { ($0.peakRestartsPerMinute, $1.unit) > ($1.peakRestartsPerMinute, $0.unit) }
            .prefix(ChartColor.units.count))
    }

    private var forkSeries: [ForkRatePoint] { report.forkRate?.series ?? [] }
    /// Entries of priority err or worse per minute (`journalctl -p err`), when there were any:
    /// the series the journal error-rate rule is back-tested on.
    private var errorSeries: [SeriesPoint] {
        guard let series = report.journalErrorsPerMinute, series.contains(where: { $0.value > 0 }) else { return [] }
        return series
    }
    /// Back-tested rules that would have fired, each marked on the time axis.
    private var firedRules: [RuleBacktest] { report.detection?.rules.filter { $0.firedAt != nil } ?? [] }
    private var timedOOMs: [(Timestamp, OOMKillSummary)] { report.oomKills.compactMap { k in k.time.map { ($0, k) } } }
    /// Kernel events other than OOM kills (those have their own row, from the OOM summaries).
    private var timedKernelEvents: [(Timestamp, KernelEventSummary)] {
        report.kernelEvents.filter { $0.kind != .oomKill }.compactMap { e in e.time.map { ($0, e) } }
    }

    /// The silence: from the last sign of life in any source to the next boot's kernel start
    /// (the last entry and the next boot's first entry where those are not known).
    /// A clean, planned end: its gap is a reboot, not an outage.
    private var planned: Bool { report.end?.kind == .clean }
    private var outageStart: Timestamp? { report.end?.lastSignOfLife ?? report.end?.lastEntry }
    private var outageEnd: Timestamp? {
        guard report.end?.gapSeconds != nil || report.end?.lastSignOfLife == nil else { return nil }
        return report.end?.nextBootStart ?? report.end?.nextBootFirst
    }

    /// The minutes of `errorSeries` the chart's span `t0…t1` shows; none when none of them had an error.
    private func errorsShown(_ t0: Double, _ t1: Double) -> [SeriesPoint] {
        let shown = errorSeries.filter { $0.start.seconds >= t0 && $0.start.seconds <= t1 }
        return shown.contains { $0.value > 0 } ? shown : []
    }

    /// The time range everything shown falls in, widened to at least a minute.
    func domain() -> (Double, Double)? {
        var times: [Double] = []
        for unit in loopingUnits {
            for p in unit.restartsPerMinute { times += [p.start.seconds, p.start.seconds + 60] }
        }
        for p in forkSeries { times += [p.start.seconds, p.start.seconds + 60] }
        times += timedOOMs.map { $0.0.seconds } + timedKernelEvents.map { $0.0.seconds }
        if let last = outageStart { times.append(last.seconds) }
        if let next = outageEnd { times.append(next.seconds) }
        // Errors alone span the chart; beside the rest they are drawn within its span (a boot's
        // stray errors over days would squeeze the incident into a sliver).
        if times.isEmpty {
            for p in errorSeries { times += [p.start.seconds, p.start.seconds + 60] }
        }
        guard let lo = times.min(), let hi = times.max() else { return nil }
        if hi - lo < 60 {
            let mid = (lo + hi) / 2
            return (mid - 30, mid + 30)
        }
        let pad = (hi - lo) * 0.01
        return (lo - pad, hi + pad)
    }

    /// Whether there is anything to draw: a series, a marker or a silent window.
    var isEmpty: Bool {
        loopingUnits.isEmpty && forkSeries.isEmpty && timedOOMs.isEmpty && timedKernelEvents.isEmpty && errorSeries.isEmpty
    }

    /// The SVG element, or `nil` when the report holds no time series or timed events.
    func svg() -> String? {
        guard !isEmpty, let (t0, t1) = domain() else { return nil }
        let span = t1 - t0
        func x(_ t: Double) -> Double { Self.left + (t - t0) / span * plotWidth }
        func c(_ v: Double) -> String { HTML.coord(v) }

        var body: [String] = []
        var y = 34.0
        var panels: [(top: Double, height: Double)] = []

        // One lane per crash-looping unit, each on its own scale.
        for (i, unit) in loopingUnits.enumerated() {
            let height = loopingUnits.count == 1 ? 150.0 : 80.0
            let top = y
            panels.append((top, height))
            let peak = unit.restartsPerMinute.map(\.value).max() ?? 1
            let yMax = Self.niceCeiling(max(peak, 1))
            body.append(panelFrame(top: top, height: height, title: "Restarts per minute: \(unit.unit)", yMax: yMax, unit: ""))
            do {
                let color = ChartColor.units[i]
                var d = ""
                for seg in columns(unit.restartsPerMinute.map { ($0.start.seconds, $0.value) }, bucket: 60, x: x) {
                    let h = min(max(seg.value, 0), yMax) / yMax * height
                    guard h > 0 else { continue }
                    d += "M\(c(seg.x0)),\(c(top + height))V\(c(top + height - h))H\(c(seg.x1))V\(c(top + height))Z"
                }
                body.append("<path class=\"restarts\" d=\"\(d)\" fill=\"\(color)\" shape-rendering=\"crispEdges\">"
                            + "<title>\(HTML.escape(unit.unit)): restarts per minute, peak "
                            + "\(HumanFormat.count(unit.peakRestartsPerMinute))</title></path>")
            }
            y += height + 40
        }

        if !forkSeries.isEmpty {
            let height = 130.0
            let top = y
            panels.append((top, height))
            let peak = forkSeries.map(\.perSecond).max() ?? 1
            let yMax = Self.niceCeiling(max(peak, 1))
            let lowerBound = report.forkRate?.lowerBound == true
            var title = "Forks per second" + (lowerBound ? " (lower bound)" : "")
            if let pidMax = report.forkRate?.pidMax, pidMax > 0 {
                // PID pressure: how long the peak rate takes to go once round the PID space.
                title += " · pid_max \(HumanFormat.count(pidMax))"
                if peak > 0 { title += ", a full wrap every \(HumanFormat.duration(seconds: Double(pidMax) / peak)) at the peak" }
                if let wraps = report.forkRate?.wraps, wraps > 0 { title += ", \(HumanFormat.count(wraps)) wrap\(wraps == 1 ? "" : "s") seen" }
            }
            body.append(panelFrame(top: top, height: height, title: title, yMax: yMax, unit: ""))
            let points = columns(forkSeries.map { ($0.start.seconds, $0.perSecond) }, bucket: 60, x: x)
                .map { "\(c(($0.x0 + $0.x1) / 2)),\(c(top + height - min(max($0.value, 0), yMax) / yMax * height))" }
            if points.count == 1, let only = points.first {
                let xy = only.split(separator: ",")
                body.append("<circle cx=\"\(xy.first ?? "0")\" cy=\"\(xy.last ?? "0")\" r=\"4\" fill=\"\(ChartColor.forkRate)\"/>")
            } else {
                body.append("<polyline class=\"fork-rate\" points=\"\(points.joined(separator: " "))\" fill=\"none\" "
                            + "stroke=\"\(ChartColor.forkRate)\" stroke-width=\"3\" stroke-linejoin=\"round\">"
                            + "<title>forks per second, peak \(HumanFormat.number(peak))</title></polyline>")
            }
            y += height + 40
        }

        let drewEvents = !timedOOMs.isEmpty || !timedKernelEvents.isEmpty
        if drewEvents {
            // One row per kind of event, each with its own shape: an OOM kill, a hung task, a lockup
            // and a panic must not look alike. The kernel's last words get an orange ring.
            let rows = KernelLane.allCases.filter { lane in timedKernelEvents.contains { KernelLane($0.1.kind) == lane } }
            let height = 26.0 * Double(rows.count + (timedOOMs.isEmpty ? 0 : 1)) + 12
            let top = y
            panels.append((top, height))
            body.append("<text class=\"panel-title\" x=\"\(c(Self.left))\" y=\"\(c(top - 8))\">Events</text>")
            body.append("<rect x=\"\(c(Self.left))\" y=\"\(c(top))\" width=\"\(c(plotWidth))\" height=\"\(c(height))\" "
                        + "fill=\"none\" stroke=\"#d0d0d0\"/>")
            var rowY = top + 19
            if !timedOOMs.isEmpty {
                body.append("<text class=\"axis\" x=\"\(c(Self.left - 8))\" y=\"\(c(rowY + 4))\" text-anchor=\"end\">OOM kills</text>")
                for (t, kill) in timedOOMs.prefix(500) {
                    let px = x(t.seconds)
                    let size = kill.anonRSSKB.map { ", anon-rss " + HumanFormat.kibibytes($0) } ?? ""
                    let label = "\(kill.kind.rawValue) OOM kill of \(kill.comm ?? "?")" + (kill.pid.map { " (pid \($0))" } ?? "")
                        + " at \(clock.time(t))" + size
                    body.append("<path class=\"oom\" d=\"M\(c(px - 8)),\(c(rowY - 9))H\(c(px + 8))L\(c(px)),\(c(rowY + 9))Z\" "
                                + "fill=\"\(ChartColor.oomKill)\"><title>\(HTML.escape(label))</title></path>")
                }
                if timedOOMs.count <= 4 {
                    // Kills seconds apart share one label (`php-fpm 133.4 MiB +2`): labels
                    // written over each other cannot be read.
                    var labels: [(x: Double, text: String, more: Int)] = []
                    for (t, kill) in timedOOMs.sorted(by: { $0.0 < $1.0 }) {
                        let at = x(t.seconds) + 11
                        if let last = labels.last, at < last.x + Self.labelWidth(last.text) + 6 {
                            labels[labels.count - 1].more += 1
                        } else {
                            labels.append((at, (kill.comm ?? "?") + (kill.anonRSSKB.map { " " + HumanFormat.kibibytes($0) } ?? ""), 0))
                        }
                    }
                    for l in labels {
                        body.append("<text class=\"marker-label\" x=\"\(c(l.x))\" y=\"\(c(rowY + 4))\">"
                                    + HTML.escape(l.text + (l.more > 0 ? " +\(l.more)" : "")) + "</text>")
                    }
                }
                rowY += 26
            }
            for lane in rows {
                body.append("<text class=\"axis\" x=\"\(c(Self.left - 8))\" y=\"\(c(rowY + 4))\" text-anchor=\"end\">\(lane.label)</text>")
                for (t, event) in timedKernelEvents.prefix(2000) where KernelLane(event.kind) == lane {
                    let label = "\(event.kind) at \(clock.time(t))\(event.lastWords ? " (last words)" : ""): \(event.text)"
                    let ring = event.lastWords ? " stroke=\"\(ChartColor.lastWords)\" stroke-width=\"3\"" : ""
                    body.append("<path class=\"kernel-event \(lane.rawValue)\" d=\"\(lane.shape(x: x(t.seconds), y: rowY))\" "
                                + "fill=\"\(lane.color)\"\(ring)><title>\(HTML.escape(TextLayout.truncate(label, to: 300)))</title></path>")
                }
                rowY += 26
            }
            y += height + 10
        }

        let errorsShown = errorsShown(t0, t1)
        if !errorsShown.isEmpty {
            // Below the events: the restarts, forks and kills stay on the first screen.
            let height = 90.0
            let top = y + (drewEvents ? 30 : 0)
            panels.append((top, height))
            let peak = errorsShown.map(\.value).max() ?? 1
            let yMax = Self.niceCeiling(max(peak, 1))
            body.append(panelFrame(top: top, height: height, title: "Journal errors per minute (priority err or worse)", yMax: yMax, unit: ""))
            var d = ""
            for seg in columns(errorsShown.map { ($0.start.seconds, $0.value) }, bucket: 60, x: x) {
                let h = min(max(seg.value, 0), yMax) / yMax * height
                guard h > 0 else { continue }
                d += "M\(c(max(seg.x0, Self.left))),\(c(top + height))V\(c(top + height - h))H\(c(min(seg.x1, Self.left + plotWidth)))V\(c(top + height))Z"
            }
            body.append("<path class=\"journal-errors\" d=\"\(d)\" fill=\"\(ChartColor.journalErrors)\" shape-rendering=\"crispEdges\">"
                        + "<title>journal entries of priority err or worse per minute, peak \(HumanFormat.number(peak))</title></path>")
            y = top + height + 10
        }

        let plotBottom = y - 10
        let height = plotBottom + 52
        var svg: [String] = []
        svg.append("<svg class=\"chart\" viewBox=\"0 0 \(c(Self.width)) \(c(height))\" "
                   + "width=\"100%\" role=\"img\" aria-label=\"Activity over time\">")

        // The silent window goes underneath everything, over the full height of the panels.
        if let last = outageStart {
            let x0 = x(last.seconds)
            if let next = outageEnd, next > last {
                let x1 = max(x(next.seconds), x0 + 2)
                let gap = HumanFormat.duration(seconds: next.seconds - last.seconds)
                let what = planned ? "rebooting" : "no logs"
                svg.append("<rect class=\"outage\" x=\"\(c(x0))\" y=\"20\" width=\"\(c(x1 - x0))\" "
                           + "height=\"\(c(plotBottom - 20))\" fill=\"\(planned ? ChartColor.rebooting : ChartColor.outage)\"><title>\(what) for \(gap): "
                           + "\(clock.time(last)) → \(clock.time(next))</title></rect>")
                let mid = min(max((x0 + x1) / 2, Self.left + 60), Self.width - Self.right - 60)
                svg.append("<text class=\"outage-label\" x=\"\(c(mid))\" y=\"15\" text-anchor=\"middle\"\(planned ? " style=\"fill:#1e8449\"" : "")>"
                           + "\(what): \(gap)</text>")
            }
            svg.append("<line x1=\"\(c(x0))\" y1=\"20\" x2=\"\(c(x0))\" y2=\"\(c(plotBottom))\" stroke=\"#c0392b\" "
                       + "stroke-dasharray=\"4 3\"><title>last entry \(clock.time(last))</title></line>")
        }
        // When the back-tested alerts would have fired: drawn over the panels.
        var marks: [String] = []
        for rule in firedRules {
            guard let at = rule.firedAt else { continue }
            let px = x(at.seconds)
            let who = rule.firedFor.isEmpty ? "" : " for " + rule.firedFor.joined(separator: ", ")
            marks.append("<line class=\"alert-fired\" x1=\"\(c(px))\" y1=\"20\" x2=\"\(c(px))\" y2=\"\(c(plotBottom))\" "
                       + "stroke=\"\(ChartColor.alert)\" stroke-width=\"2\"><title>\(HTML.escape(rule.alert)) would fire at "
                       + "\(clock.time(at))\(HTML.escape(who))</title></line>")
            marks.append("<text class=\"axis\" x=\"\(c(px + 3))\" y=\"30\" fill=\"\(ChartColor.alert)\">"
                       + "\(HTML.escape(rule.rule.rawValue)) alert</text>")
        }
        let axis = timeAxis(t0: t0, t1: t1, top: panels.first?.top ?? 34, bottom: plotBottom, x: x)
        svg += axis.grid
        svg += body
        svg += marks
        svg += axis.labels
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }

    /// Legend entries: label and colour, in drawing order.
    func legend() -> [(String, String)] {
        var items: [(String, String)] = []
        for (i, unit) in loopingUnits.enumerated() { items.append(("\(unit.unit) restarts/min", ChartColor.units[i])) }
        if !forkSeries.isEmpty { items.append(("forks/s", ChartColor.forkRate)) }
        if !timedOOMs.isEmpty { items.append(("OOM kill", ChartColor.oomKill)) }
        for lane in KernelLane.allCases where timedKernelEvents.contains(where: { KernelLane($0.1.kind) == lane }) {
            items.append((lane.label, lane.color))
        }
        if timedKernelEvents.contains(where: { $0.1.lastWords }) { items.append(("kernel last words", ChartColor.lastWords)) }
        if let (t0, t1) = domain(), !errorsShown(t0, t1).isEmpty { items.append(("journal errors/min", ChartColor.journalErrors)) }
        if let last = outageStart, let next = outageEnd, next > last {
            items.append(planned ? ("rebooting (planned)", ChartColor.rebooting) : ("no logs (outage)", ChartColor.outage))
        }
        if !firedRules.isEmpty { items.append(("an alert would fire (back-test)", ChartColor.alert)) }
        return items
    }

    private func panelFrame(top: Double, height: Double, title: String, yMax: Double, unit: String) -> String {
        let c = HTML.coord
        var parts = ["<text class=\"panel-title\" x=\"\(c(Self.left))\" y=\"\(c(top - 8))\">\(HTML.escape(title))</text>"]
        for fraction in [0.0, 0.5, 1.0] {
            let gy = top + height - fraction * height
            parts.append("<line x1=\"\(c(Self.left))\" y1=\"\(c(gy))\" x2=\"\(c(Self.width - Self.right))\" y2=\"\(c(gy))\" "
                         + "stroke=\"#e4e4e4\"/>")
            parts.append("<text class=\"axis\" x=\"\(c(Self.left - 8))\" y=\"\(c(gy + 4))\" text-anchor=\"end\">"
                         + "\(HumanFormat.number(yMax * fraction))\(unit)</text>")
        }
        parts.append("<line x1=\"\(c(Self.left))\" y1=\"\(c(top))\" x2=\"\(c(Self.left))\" y2=\"\(c(top + height))\" "
                     + "stroke=\"#999\"/>")
        return parts.joined(separator: "\n")
    }

    /// Vertical grid lines (drawn under the data) and the axis with its time labels (drawn over it).
    private func timeAxis(t0: Double, t1: Double, top: Double, bottom: Double, x: (Double) -> Double)
        -> (grid: [String], labels: [String]) {
        let c = HTML.coord
        let span = t1 - t0
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
                               86400, 172_800, 604_800, 2_592_000]
        let step = steps.first { span / $0 <= 8 } ?? span / 8
        let start = Timestamp.clamped(seconds: t0)
        let offset = Double(clock.zone.offsetSeconds(at: start))
        var tick = ((t0 + offset) / step).rounded(.up) * step - offset
        var grid: [String] = []
        var out = ["<line x1=\"\(c(Self.left))\" y1=\"\(c(bottom))\" x2=\"\(c(Self.width - Self.right))\" "
                   + "y2=\"\(c(bottom))\" stroke=\"#999\"/>"]
        var count = 0
        let multiDay = span > 86400 || !clock.sameDay([start, Timestamp.clamped(seconds: t1)])
        while tick <= t1, count < 40 {
            let px = x(tick)
            let t = Timestamp.clamped(seconds: tick)
            let label = step < 60 ? clock.time(t) : (multiDay ? clock.monthDay(t) + " " + clock.hourMinute(t) : clock.hourMinute(t))
            grid.append("<line x1=\"\(c(px))\" y1=\"\(c(top))\" x2=\"\(c(px))\" y2=\"\(c(bottom))\" stroke=\"#eeeeee\"/>")
            out.append("<line x1=\"\(c(px))\" y1=\"\(c(bottom))\" x2=\"\(c(px))\" y2=\"\(c(bottom + 5))\" stroke=\"#999\"/>")
            out.append("<text class=\"axis\" x=\"\(c(px))\" y=\"\(c(bottom + 19))\" text-anchor=\"middle\">\(label)</text>")
            tick += step
            count += 1
        }
        let zoneTitle = "time (\(clock.zone.name(at: start))" + (multiDay ? ")" : ", \(clock.date(start)))")
        out.append("<text class=\"axis-title\" x=\"\(c(Self.left + plotWidth / 2))\" y=\"\(c(bottom + 40))\" "
                   + "text-anchor=\"middle\">\(HTML.escape(zoneTitle))</text>")
        return (grid, out)
    }

    /// Buckets of `bucket` seconds as pixel spans; buckets that land on the same pixel column are
    /// merged (keeping the maximum), so the SVG stays as small as the plot however long the series.
    private func columns(_ points: [(Double, Double)], bucket: Double, x: (Double) -> Double)
        -> [(x0: Double, x1: Double, value: Double)] {
        var out: [(x0: Double, x1: Double, value: Double)] = []
        for (t, v) in points.sorted(by: { $0.0 < $1.0 }) where v.isFinite {
            let x0 = x(t), x1 = max(x(t + bucket), x0 + 1)
            if let last = out.last, x0.rounded(.down) <= last.x0.rounded(.down) {
                out[out.count - 1] = (last.x0, max(last.x1, x1), max(last.value, v))
            } else {
                out.append((x0, x1, v))
            }
        }
        return out
    }

    /// The smallest 1, 2 or 5 × 10ⁿ at or above `v`, so that axis labels are round numbers.
    static func niceCeiling(_ v: Double) -> Double {
        guard v.isFinite, v > 0 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= v { magnitude *= 10 }
        while magnitude > v { magnitude /= 10 }
        for m in [1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] where m * magnitude >= v { return m * magnitude }
        return 10 * magnitude
    }
}

/// A row of the chart's events panel: kernel reports of one kind, drawn with one shape.
enum KernelLane: String, CaseIterable {
    case hungTask = "hung-task", lockup, panic, storage, other

    init(_ kind: KernelDistressKind) {
        switch kind {
        case .hungTask: self = .hungTask
        case .softLockup, .hardLockup, .rcuStall: self = .lockup
        case .panic, .oops, .bug, .mce: self = .panic
        case .ioError, .fsError: self = .storage
        case .warning, .forkRejected, .segfault, .oomKill: self = .other
        }
    }

    var label: String {
        switch self {
        case .hungTask: "hung tasks"
        case .lockup: "lockups"
        case .panic: "panic/oops"
        case .storage: "I/O errors"
        case .other: "other"
        }
    }

    var color: String {
        switch self {
        case .hungTask: "#9467bd"
        case .lockup: "#8e44ad"
        case .panic: "#000000"
        case .storage: "#7f8c8d"
        case .other: ChartColor.kernelEvent
        }
    }

    /// The marker's path around (x, y): a square, a triangle, a cross, a circle, a diamond.
    func shape(x: Double, y: Double) -> String {
        let c = HTML.coord
        switch self {
        case .hungTask:
            return "M\(c(x - 6)),\(c(y - 6))H\(c(x + 6))V\(c(y + 6))H\(c(x - 6))Z"
        case .lockup:
            return "M\(c(x)),\(c(y - 8))L\(c(x + 8)),\(c(y + 7))H\(c(x - 8))Z"
        case .panic:
            return "M\(c(x - 8)),\(c(y - 5))L\(c(x - 5)),\(c(y - 8))L\(c(x)),\(c(y - 3))L\(c(x + 5)),\(c(y - 8))L\(c(x + 8)),\(c(y - 5))"
                + "L\(c(x + 3)),\(c(y))L\(c(x + 8)),\(c(y + 5))L\(c(x + 5)),\(c(y + 8))L\(c(x)),\(c(y + 3))L\(c(x - 5)),\(c(y + 8))"
                + "L\(c(x - 8)),\(c(y + 5))L\(c(x - 3)),\(c(y))Z"
        case .storage:
            return "M\(c(x - 6)),\(c(y))A6,6 0 1,0 \(c(x + 6)),\(c(y))A6,6 0 1,0 \(c(x - 6)),\(c(y))Z"
        case .other:
            return "M\(c(x)),\(c(y - 8))L\(c(x + 7)),\(c(y))L\(c(x)),\(c(y + 8))L\(c(x - 7)),\(c(y))Z"
        }
    }
}
