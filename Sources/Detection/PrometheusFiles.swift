import Analysis

/// `alerts.rules.yml` (Prometheus alerting rules) and `alerts.test.yml` (promtool unit tests whose
/// input series are the reconstructed signals and whose expected alerts are the back-test's).
public enum PrometheusFiles {
    public static let rulesFileName = "alerts.rules.yml"
    public static let testFileName = "alerts.test.yml"

    /// The rules file: the default rules, each with what the back-test found in a comment.
    public static func rules(_ backtest: Backtest, source: String) -> String {
        let summary = backtest.summary
        var out = ["# Prometheus alerting rules written by postmortem (docs/detection.md) for \(oneLine(source)).",
                   "# Metrics: node_exporter (--collector.systemd --collector.systemd.enable-restarts-metrics,",
                   "# vmstat, processes); postmortem_* have no exporter and need a log-based one (mtail, grok).",
                   "# Check with: promtool check rules \(rulesFileName); test with: promtool test rules \(testFileName)",
                   "groups:", "  - name: postmortem", "    rules:"]
        for (e, r) in zip(backtest.evaluations, summary.rules) {
            let peak = r.peak.map { "; highest value \(PromText.number(($0 * 100).rounded() / 100)) against \(PromText.number(e.rule.threshold))" } ?? ""
            if let at = r.firedAt {
                let who = r.firedFor.isEmpty ? "" : " for " + r.firedFor.joined(separator: ", ")
                out.append("      # back-test: fires at \(at.iso8601)\(who)\(peak)")
            } else if let why = r.notFired {
                out.append("      # back-test: would not have fired (\(why.rawValue))\(peak)")
            }
            out.append("      - alert: \(e.rule.alert)")
            out.append("        expr: \(quote(e.rule.expression))")
            if e.rule.forSeconds > 0 { out.append("        for: \(PromText.duration(e.rule.forSeconds))") }
            out.append("        labels:")
            out.append("          severity: \(e.rule.severity)")
            out.append("        annotations:")
            out.append("          summary: \(quote(e.rule.summary))")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Samples at which the test checks the alerts: each alert's first firing and the sample
    /// before it; for a rule that never fires, every sample (at most 240 of them, evenly spread).
    static func checkpoints(_ e: Backtest.Evaluation, count: Int) -> [Int] {
        guard count > 0 else { return [] }
        var points = Set<Int>()
        for row in e.firing {
            if let k = row.firstIndex(of: true) {
                points.insert(k)
                if k > 0 { points.insert(k - 1) }
            }
        }
        if points.isEmpty {
            let stride = max(1, (count + 239) / 240)
            for k in Swift.stride(from: 0, to: count, by: stride) { points.insert(k) }
        }
        points.insert(count - 1)
        return points.sorted()
    }

    /// The promtool test file.
    public static func tests(_ backtest: Backtest, source: String) -> String {
        let s = backtest.signals
        let interval = PromText.duration(s.step)
        var out = ["# promtool unit tests written by postmortem for \(oneLine(source)).",
                   "# Time 0 is \(s.start.iso8601); one sample every \(interval), the last at the last sign of life.",
                   "# Run: promtool test rules \(testFileName)",
                   "rule_files:", "  - \(rulesFileName)", "evaluation_interval: \(interval)", "tests:",
                   "  - name: \(quote("back-test of \(oneLine(source))"))", "    interval: \(interval)"]
        out.append(s.series.isEmpty || s.count == 0 ? "    input_series: []" : "    input_series:")
        if s.count > 0 {
            for series in s.series {
                out.append("      - series: \(quote(selector(series)))")
                out.append("        values: \(quote(series.values.map { $0.map(PromText.number) ?? "_" }.joined(separator: " ")))")
            }
        }
        var tests: [String] = []
        for e in backtest.evaluations {
            for k in checkpoints(e, count: s.count) {
                tests.append("      # \(s.time(at: k).iso8601)")
                tests.append("      - eval_time: \(PromText.duration(k * s.step))")
                tests.append("        alertname: \(e.rule.alert)")
                let firing = e.firing.indices.filter { e.firing[$0][k] }.map { s.series[e.seriesIndexes[$0]] }
                if firing.isEmpty { tests.append("        exp_alerts: []"); continue }
                tests.append("        exp_alerts:")
                for series in firing {
                    tests.append("          - exp_labels:")
                    tests.append("              severity: \(e.rule.severity)")
                    for (name, value) in series.labels.sorted(by: { $0.key < $1.key }) {
                        tests.append("              \(name): \(quote(value))")
                    }
                    let summary = e.rule.summary.replacingAll("{{ $labels.name }}", with: series.labels["name"] ?? "")
                    tests.append("            exp_annotations:")
                    tests.append("              summary: \(quote(summary))")
                }
            }
        }
        if tests.isEmpty { out.append("    alert_rule_test: []") } else { out.append("    alert_rule_test:"); out += tests }
        return out.joined(separator: "\n") + "\n"
    }

    static func selector(_ s: SignalSeries) -> String {
        guard !s.labels.isEmpty else { return s.metric }
        return s.metric + "{" + s.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(PromText.escape($0.value))\"" }
            .joined(separator: ",") + "}"
    }

    /// A YAML single-quoted scalar.
    static func quote(_ s: String) -> String {
        "'" + oneLine(s).replacingAll("'", with: "''") + "'"
    }

    /// Control characters (a newline would end a YAML scalar or comment) as spaces.
    static func oneLine(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
