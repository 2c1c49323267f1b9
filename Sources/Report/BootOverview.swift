import Analysis

/// The whole analysed boot on one axis, from the kernel's start to the next boot: what the
/// journal kept, what only the kernel's last words cover, the silence, each crash loop's span, the
/// key moments, and the window the detailed chart below zooms into.
struct BootOverview {
    let report: PostmortemReport
    let verdict: Verdict
    let clock: ZonedClock
    /// The detailed chart's time range (seconds), outlined on the overview; `nil` when there is no chart.
    let zoom: (Double, Double)?

    private static let width = 1100.0
    private static let left = 86.0, right = 28.0
    private var plotWidth: Double { Self.width - Self.left - Self.right }

    /// A stretch of the boot drawn as a band.
    struct Band {
        var from: Double
        var to: Double
        var color: String
        var label: String
    }

    /// A moment marked on the axis with a short label.
    struct Moment {
        var at: Double
        var label: String
    }

    static let keptColor = "#d6eaf8"
    static let notKeptColor = "#eeeeee"
    static let lastWordsColor = "#fdebd0"

    private var boot: BootSummary? { verdict.analyzedBootSummary }

    /// Boot start (kernel start, else the first entry) to the next boot (else the last sign of life).
    func domain() -> (Double, Double)? {
        guard let boot else { return nil }
        let start = (boot.start ?? boot.first).seconds
        let end = (verdict.nextBootBegins ?? verdict.endOfLife ?? boot.last).seconds
        guard start.isFinite, end.isFinite, end > start else { return nil }
        return (start, end)
    }

    func bands() -> [Band] {
        guard let boot, let (t0, t1) = domain() else { return [] }
        var out: [Band] = []
        let first = boot.first.seconds, last = boot.last.seconds
        let text = boot.textOnly == true
        if first > t0 {
            out.append(Band(from: t0, to: first, color: Self.notKeptColor,
                            label: text ? "not kept (rotated away or not collected)" : "not kept (rotated or vacuumed away)"))
        }
        out.append(Band(from: max(first, t0), to: min(last, t1), color: Self.keptColor, label: text ? "logs kept" : "journal kept"))
        if let life = report.end?.lastSignOfLife?.seconds, life > last {
            out.append(Band(from: last, to: min(life, t1), color: Self.lastWordsColor, label: "kernel's last words only"))
        }
        if let life = verdict.endOfLife?.seconds, let next = verdict.nextBootBegins?.seconds, next > life {
            let planned = verdict.endKind == .clean
            out.append(Band(from: life, to: next, color: planned ? "#d5f5e3" : ChartColor.outage,
                            label: planned ? "rebooting" : "no logs (outage)"))
        }
        return out.filter { $0.to > $0.from }
    }

    func moments() -> [Moment] {
        var out: [Moment] = []
        if let boot, let start = boot.start { out.append(Moment(at: start.seconds, label: "boot")) }
        if let symptom = report.detection?.firstSymptom { out.append(Moment(at: symptom.seconds, label: "first symptom")) }
        if let life = verdict.endOfLife { out.append(Moment(at: life.seconds, label: verdict.endKind == .clean ? "shutdown" : "last sign of life")) }
        if let next = verdict.nextBootBegins { out.append(Moment(at: next.seconds, label: "next boot")) }
        return out
    }

    /// The SVG element, or `nil` when there is no analysed boot to draw.
    func svg() -> String? {
        guard let (t0, t1) = domain() else { return nil }
        let c = HTML.coord
        let e = HTML.escape
        let span = t1 - t0
        func x(_ t: Double) -> Double { Self.left + min(max((t - t0) / span, 0), 1) * plotWidth }
        let loops = report.units.filter(\.crashLoop)
        let bandTop = 30.0, bandHeight = 22.0
        let loopTop = bandTop + bandHeight + 8
        let height = loopTop + Double(loops.count) * 16 + 42
        var out = ["<svg class=\"chart overview\" viewBox=\"0 0 \(c(Self.width)) \(c(height))\" width=\"100%\" role=\"img\" "
                   + "aria-label=\"The whole boot\">"]
        out.append("<text class=\"panel-title\" x=\"\(c(Self.left))\" y=\"18\">The whole boot, kernel start to next boot</text>")
        for band in bands() {
            let x0 = x(band.from), x1 = max(x(band.to), x0 + 2)
            out.append("<rect class=\"band\" x=\"\(c(x0))\" y=\"\(c(bandTop))\" width=\"\(c(x1 - x0))\" height=\"\(c(bandHeight))\" "
                       + "fill=\"\(band.color)\" stroke=\"#b0b0b0\" stroke-width=\"0.5\"><title>\(e(band.label)): "
                       + "\(clock.dateTime(Timestamp.clamped(seconds: band.from))) → \(clock.dateTime(Timestamp.clamped(seconds: band.to)))"
                       + "</title></rect>")
            if x1 - x0 > 150 {
                out.append("<text class=\"axis\" x=\"\(c(x0 + 6))\" y=\"\(c(bandTop + 15))\">\(e(band.label))</text>")
            }
        }
        for (i, unit) in loops.enumerated() {
            guard let end = unit.lastRestart?.seconds, let start = (unit.loopStartEstimate?.start ?? unit.firstRestart)?.seconds else { continue }
            let y = loopTop + Double(i) * 16
            let color = ChartColor.units[i % ChartColor.units.count]
            let x0 = x(start), x1 = max(x(end), x0 + 2)
            let estimated = unit.loopStartEstimate != nil
            out.append("<rect class=\"loop-span\" x=\"\(c(x0))\" y=\"\(c(y))\" width=\"\(c(x1 - x0))\" height=\"10\" fill=\"\(color)\" "
                       + "\(estimated ? "fill-opacity=\"0.55\" " : "")><title>\(e(unit.unit)) crash loop\(estimated ? " (start estimated from its restart counter)" : "")"
                       + "</title></rect>")
            let label = unit.unit + " crash loop" + (estimated ? " (start estimated)" : "")
            let lx = x1 - x0 > 260 ? x0 + 4 : min(x1 + 4, Self.width - Self.right - 220)
            out.append("<text class=\"axis\" x=\"\(c(lx))\" y=\"\(c(y + 9))\"\(x1 - x0 > 260 ? " fill=\"#ffffff\"" : "")>\(e(label))</text>")
        }
        let axisY = loopTop + Double(loops.count) * 16 + 4
        out.append("<line x1=\"\(c(Self.left))\" y1=\"\(c(axisY))\" x2=\"\(c(Self.width - Self.right))\" y2=\"\(c(axisY))\" stroke=\"#999\"/>")
        // Key moments: a tick each; moments closer than a label's width share one label, and
        // successive labels alternate between two lines so that they never collide.
        var groups: [[Moment]] = []
        for moment in moments().sorted(by: { $0.at < $1.at }) {
            let tick = x(moment.at)
            out.append("<line class=\"moment\" x1=\"\(c(tick))\" y1=\"\(c(bandTop - 4))\" x2=\"\(c(tick))\" y2=\"\(c(axisY + 5))\" "
                       + "stroke=\"#555\" stroke-width=\"1\"><title>\(e(moment.label)) \(clock.dateTime(Timestamp.clamped(seconds: moment.at)))</title></line>")
            if let last = groups.last?.first, tick - x(last.at) < 220 {
                groups[groups.count - 1].append(moment)
            } else {
                groups.append([moment])
            }
        }
        for (i, group) in groups.enumerated() {
            guard let first = group.first else { continue }
            let px = x(first.at)
            let text = group.map { "\($0.label) \(clock.time(Timestamp.clamped(seconds: $0.at)))" }.joined(separator: " · ")
            let anchor = px > Self.width - Self.right - 300 ? "end" : (px < Self.left + 120 ? "start" : "middle")
            let lx = anchor == "end" ? Self.width - Self.right : px
            out.append("<text class=\"axis moment-label\" x=\"\(c(lx))\" y=\"\(c(i % 2 == 0 ? axisY + 18 : axisY + 32))\" "
                       + "text-anchor=\"\(anchor)\">\(e(text))</text>")
        }
        if let (z0, z1) = zoom {
            let x0 = x(z0), x1 = max(x(z1), x0 + 3)
            out.append("<rect class=\"zoom\" x=\"\(c(x0))\" y=\"\(c(bandTop - 6))\" width=\"\(c(x1 - x0))\" height=\"\(c(axisY - bandTop + 6))\" "
                       + "fill=\"none\" stroke=\"\(ChartColor.alert)\" stroke-width=\"2\"><title>the window drawn in detail below</title></rect>")
            out.append("<text class=\"axis\" x=\"\(c(x1))\" y=\"\(c(bandTop - 9))\" text-anchor=\"end\" fill=\"\(ChartColor.alert)\">"
                       + "detail below</text>")
        }
        out.append("<text class=\"axis\" x=\"\(c(Self.left - 8))\" y=\"\(c(bandTop + 15))\" text-anchor=\"end\">"
                   + "\(e(clock.monthDay(Timestamp.clamped(seconds: t0))))</text>")
        out.append("</svg>")
        return out.joined(separator: "\n")
    }
}
