import Analysis

/// The Detection section's sentences, shared by the text and Markdown reports: which default
/// alert rules would have fired on the rebuilt signals, when, and how long before the harm.
struct DetectionText {
    let summary: DetectionSummary
    let clock: ZonedClock
    /// "the freeze" for a boot that ended badly, "its last entry" for one still running (it
    /// did not end), else "the end of the boot".
    let endName: String

    init(_ summary: DetectionSummary, report: PostmortemReport, clock: ZonedClock) {
        self.summary = summary
        self.clock = clock
        endName = switch report.end?.kind {
        case .unclean: "the freeze"
        case .ongoing: "its last entry"
        default: "the end of the boot"
        }
    }

    var fired: [RuleBacktest] { summary.rules.filter { $0.firedAt != nil } }

    /// What `postmortem alerts` writes for this report: the promtool tests only when the
    /// rebuilt series have samples to test the rules on.
    var alertsWrites: String {
        summary.series.contains { !$0.values.isEmpty } ? "these rules, their promtool tests and the systemd drop-ins"
                                                       : "these rules and the systemd drop-ins (no promtool tests: no samples)"
    }

    /// `crash-loop at 09:47:00 for polyscan.service, 2 min 34 s before …`.
    func firing(_ r: RuleBacktest) -> String {
        guard let at = r.firedAt else { return "" }
        var s = "\(r.rule.rawValue) at \(clock.time(at))"
        if !r.firedFor.isEmpty { s += " for " + r.firedFor.joined(separator: ", ") }
        var leads: [String] = []
        if let lead = r.leadBeforeFirstSymptomSeconds { leads.append(Self.lead(lead, "the first symptom")) }
        if let lead = r.leadBeforeLastSignOfLifeSeconds { leads.append(Self.lead(lead, endName)) }
        return leads.isEmpty ? s : s + ", " + leads.joined(separator: " and ")
    }

    static func lead(_ seconds: Double, _ what: String) -> String {
        if seconds.magnitude < 0.5 { return "as \(what) came" }
        return seconds > 0 ? "\(HumanFormat.duration(seconds: seconds)) before \(what)"
                           : "\(HumanFormat.duration(seconds: -seconds)) after \(what)"
    }

    /// One sentence on the whole back-test.
    var headline: String {
        let total = summary.rules.count
        if summary.rules.contains(where: { $0.notFired == .noWallClock }) {
            return "The \(total) default alert rules were not evaluated: the logs carry no wall-clock time (only the kernel's "
                + "time since boot), so no scrape of the machine can be placed among them."
        }
        if summary.rules.contains(where: { $0.notFired == .noSamples }), summary.series.allSatisfy({ $0.values.isEmpty }) {
            return "The default alert rules were not evaluated: no scrape (one every "
                + "\(HumanFormat.duration(seconds: Double(summary.stepSeconds)))) fell between the logs' first and last lines."
        }
        guard !fired.isEmpty else {
            return "None of the \(total) default alert rules would have fired on the signals rebuilt from the logs."
        }
        let first = fired.min { ($0.firedAt ?? .init(microseconds: .max)) < ($1.firedAt ?? .init(microseconds: .max)) }
        var s = "\(fired.count) of \(total) default alert rules would have fired"
        // One rule's own line already says how long before the end it fired.
        if fired.count > 1, let first, let lead = first.leadBeforeLastSignOfLifeSeconds, lead > 0 {
            s += ", the first \(HumanFormat.duration(seconds: lead)) before \(endName)"
        }
        return s + ": " + fired.map(firing).joined(separator: "; ") + "."
    }

    /// When the symptom and the end were, and how the signals were sampled.
    var context: String {
        var parts: [String] = []
        if let t = summary.firstSymptom { parts.append("first symptom \(clock.time(t))") }
        if let t = summary.lastSignOfLife { parts.append("last sign of life \(clock.time(t))") }
        let samples = summary.series.first?.values.count ?? 0
        if samples > 0 {
            parts.append("signals sampled every \(HumanFormat.duration(seconds: Double(summary.stepSeconds))) from \(clock.time(summary.start))"
                         + (samples > 0 ? " (\(HumanFormat.count(samples)) sample\(samples == 1 ? "" : "s"))" : ""))
        }
        guard !parts.isEmpty else { return "" }
        return parts.joined(separator: "; ").prefix(1).uppercased() + parts.joined(separator: "; ").dropFirst() + "."
    }

    /// The time of the last sample.
    var lastSample: Timestamp? {
        let n = summary.series.first?.values.count ?? 0
        guard n > 0 else { return nil }
        return Timestamp(microseconds: summary.start.microseconds &+ Int64(n - 1) &* Int64(summary.stepSeconds) &* 1_000_000)
    }

    /// One line per rule: what it checks and what it would have done.
    func line(_ r: RuleBacktest) -> (head: String, body: String) {
        let forText = r.forSeconds > 0 ? " for \(HumanFormat.duration(seconds: Double(r.forSeconds)))" : ""
        let head = "\(r.alert) (\(r.expression)\(forText))"
        if r.firedAt != nil { return (head, "fires: " + firing(r)) }
        let body: String
        switch r.notFired {
        case .noSignal?:
            body = switch r.rule {
            case .pidUsage: "not evaluated: the logs give the fork rate, not the number of live processes"
            case .errorRate: "not evaluated: the text logs read carry no priorities (journalctl's -o export or json keeps them)"
            default: "not evaluated: no such signal in the logs"
            }
        case .noWallClock?, .noSamples?:
            body = "not evaluated: " + (r.notFired.flatMap(Self.noSamples) ?? "")
        case .afterLastSample?:
            let when = r.signalAt.map { " came at \(clock.time($0))" } ?? " came"
            let last = lastSample.map { ", after the last sample (\(clock.time($0)))" } ?? ""
            body = "would not have fired: the signal\(when)\(last); nothing was scraped after it"
        case .notSustained?:
            body = "would not have fired: it held, but not for \(HumanFormat.duration(seconds: Double(r.forSeconds))) before \(endName)"
        case .belowThreshold?, nil:
            let peak = r.peak.map { " (highest: \(HumanFormat.number($0, decimals: 2)))" } ?? ""
            body = "would not have fired: its condition never held\(peak)"
        }
        return (head, body)
    }

    /// Why the rebuilt signals have no samples, for the reasons that leave every rule
    /// unevaluated (and `postmortem alerts` without promtool tests); nil for the others.
    static func noSamples(_ reason: NotFiredReason) -> String? {
        switch reason {
        case .noWallClock: "the logs carry no wall-clock time"
        case .noSamples: "no scrape fell within the logs"
        default: nil
        }
    }
}
