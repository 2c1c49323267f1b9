import Analysis

/// The default rules evaluated against the reconstructed signals, as Prometheus evaluates
/// alerting rules: every `step` from the first sample, an alert pending from the first evaluation
/// its expression holds and firing once it has held for the rule's `for:` duration.
public struct Backtest: Sendable {
    /// One rule's outcome per series it selects.
    public struct Evaluation: Sendable {
        public var rule: AlertRule
        /// Indexes into `Signals.series`.
        public var seriesIndexes: [Int]
        /// `firing[i][k]`: the alert of series `seriesIndexes[i]` is firing at sample `k`.
        public var firing: [[Bool]]
        public var peak: Double?
        public var everHeld: Bool
    }

    public var signals: Signals
    public var evaluations: [Evaluation]

    public init(signals: Signals, rules: [AlertRule] = AlertRule.defaults) {
        self.signals = signals
        evaluations = rules.map { rule in
            var indexes: [Int] = []
            var firing: [[Bool]] = []
            var peak: Double?
            var held = false
            for (i, s) in signals.series.enumerated() where rule.selects(s) {
                indexes.append(i)
                var row = [Bool](repeating: false, count: signals.count)
                var activeSince: Int?
                for k in 0..<signals.count {
                    guard let v = rule.value(s.values, at: k, step: signals.step) else { activeSince = nil; continue }
                    peak = max(peak ?? v, v)
                    if rule.holds(v) {
                        held = true
                        let since = activeSince ?? k
                        activeSince = since
                        row[k] = (k - since) * signals.step >= rule.forSeconds
                    } else {
                        activeSince = nil
                    }
                }
                firing.append(row)
            }
            return Evaluation(rule: rule, seriesIndexes: indexes, firing: firing, peak: peak, everHeld: held)
        }
    }

    /// The first sample at which any alert of `evaluation` fires, and the series it fires for.
    func firstFiring(_ e: Evaluation) -> (index: Int, series: [Int])? {
        var best: Int?
        for row in e.firing { if let k = row.firstIndex(of: true) { best = min(best ?? k, k) } }
        guard let k = best else { return nil }
        return (k, e.firing.indices.filter { e.firing[$0][k] }.map { e.seriesIndexes[$0] })
    }

    /// The summary the report carries.
    public var summary: DetectionSummary {
        let rules = evaluations.map { e -> RuleBacktest in
            var r = RuleBacktest(rule: e.rule.kind, alert: e.rule.alert, expression: e.rule.expression,
                                 forSeconds: e.rule.forSeconds)
            r.peak = e.peak
            if let (k, series) = firstFiring(e) {
                let at = signals.time(at: k)
                r.firedAt = at
                r.firedFor = series.compactMap { signals.series[$0].labels["name"] }
                r.leadBeforeFirstSymptomSeconds = signals.firstSymptom.map { (Double($0.microseconds) - Double(at.microseconds)) / 1e6 }
                r.leadBeforeLastSignOfLifeSeconds = signals.lastSignOfLife.map { (Double($0.microseconds) - Double(at.microseconds)) / 1e6 }
            } else if case .unavailable = e.rule.function {
                r.notFired = .noSignal
            } else if signals.unavailable.contains(e.rule.metric) {
                r.notFired = .noSignal
            } else if !signals.hasClock {
                r.notFired = .noWallClock
            } else if e.everHeld {
                r.notFired = .notSustained
            } else if signals.count == 0 {
                // Nothing was scraped at all: "after the last sample" would name a sample that never was.
                r.notFired = .noSamples
            } else if let late = signals.lateEvents[e.rule.metric] {
                r.notFired = .afterLastSample
                r.signalAt = late
            } else {
                r.notFired = .belowThreshold
            }
            return r
        }
        return DetectionSummary(stepSeconds: signals.step, start: signals.start, firstSymptom: signals.firstSymptom,
                                lastSignOfLife: signals.lastSignOfLife, series: signals.series, rules: rules)
    }

    /// Reconstructs the signals of `report` and back-tests the default rules on them.
    public static func run(_ report: PostmortemReport) -> DetectionSummary {
        var summary = Backtest(signals: Signals(report: report)).summary
        summary.dropIns = GuardRails.dropIns(for: report).map {
            DropInSummary(unit: $0.unit, path: "/etc/systemd/system/" + $0.path, text: $0.text)
        }
        return summary
    }
}
