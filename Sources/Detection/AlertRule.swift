import Analysis

/// One default alert rule, described once: the PromQL written to `alerts.rules.yml` and the
/// back-test's evaluation are both derived from it, so they cannot disagree.
public struct AlertRule: Sendable {
    /// What the rule computes from its metric at an evaluation time.
    public enum Function: Sendable {
        /// The sample itself.
        case instant
        /// `increase(metric[window])`, with Prometheus' extrapolation.
        case increase(windowSeconds: Int)
        /// `rate(metric[window])`: the increase over the window, per second.
        case rate(windowSeconds: Int)
        /// A ratio or rate the logs cannot give; written to the rules file, never evaluated.
        case unavailable(promQL: String)
    }

    public var kind: DetectionRuleKind
    public var alert: String
    public var metric: String
    /// Label matchers besides the metric name, e.g. `state="failed"`.
    public var matchers: [(String, String)]
    public var function: Function
    /// The expression is `lhs > threshold` (or `== threshold` when `equals`).
    public var threshold: Double
    public var equals: Bool
    public var forSeconds: Int
    public var severity: String
    /// Annotation `summary`; `{{ $labels.name }}` is the unit.
    public var summary: String

    /// The default rule set (`docs/detection.md`).
    public static let defaults: [AlertRule] = [
        AlertRule(kind: .crashLoop, alert: "PostmortemServiceCrashLoop", metric: Signals.restartMetric, matchers: [],
                  function: .increase(windowSeconds: 300), threshold: 3, equals: false, forSeconds: 60, severity: "critical",
                  summary: "{{ $labels.name }} restarts in a loop"),
        AlertRule(kind: .oomKill, alert: "PostmortemOOMKill", metric: Signals.oomMetric, matchers: [],
                  function: .increase(windowSeconds: 300), threshold: 0, equals: false, forSeconds: 0, severity: "warning",
                  summary: "the kernel killed a process for lack of memory"),
        AlertRule(kind: .unitFailed, alert: "PostmortemUnitFailed", metric: Signals.unitStateMetric,
                  matchers: [("state", "failed")], function: .instant, threshold: 1, equals: true, forSeconds: 60,
                  severity: "warning", summary: "{{ $labels.name }} has failed"),
        AlertRule(kind: .hungTasks, alert: "PostmortemHungTasks", metric: Signals.hungTaskMetric, matchers: [],
                  function: .increase(windowSeconds: 300), threshold: 0, equals: false, forSeconds: 0, severity: "critical",
                  summary: "the kernel reports tasks blocked for minutes"),
        AlertRule(kind: .lockup, alert: "PostmortemKernelLockup", metric: Signals.lockupMetric, matchers: [],
                  function: .increase(windowSeconds: 300), threshold: 0, equals: false, forSeconds: 0, severity: "critical",
                  summary: "the kernel reports a CPU lockup or RCU stall"),
        AlertRule(kind: .pidUsage, alert: "PostmortemPIDUsageHigh", metric: "node_processes_pids", matchers: [],
                  function: .unavailable(promQL: "node_processes_pids / node_processes_max_processes"), threshold: 0.8,
                  equals: false, forSeconds: 300, severity: "warning", summary: "over 80% of pid_max is in use"),
        AlertRule(kind: .errorRate, alert: "PostmortemJournalErrorRate", metric: Signals.journalErrorMetric,
                  matchers: [], function: .rate(windowSeconds: 300),
                  threshold: 10, equals: false, forSeconds: 120, severity: "warning",
                  summary: "more than 10 journal entries of priority err or worse per second"),
    ]

    /// The selector, e.g. `node_systemd_unit_state{state="failed"}`.
    public var selector: String {
        matchers.isEmpty ? metric
            : metric + "{" + matchers.map { "\($0.0)=\"\(PromText.escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// The left-hand side in PromQL.
    public var lhs: String {
        switch function {
        case .instant: return selector
        case .increase(let w): return "increase(\(selector)[\(PromText.duration(w))])"
        case .rate(let w): return "rate(\(selector)[\(PromText.duration(w))])"
        case .unavailable(let q): return q
        }
    }

    public var expression: String {
        lhs + (equals ? " == " : " > ") + PromText.number(threshold)
    }

    func holds(_ value: Double) -> Bool { equals ? value == threshold : value > threshold }

    /// Whether a series belongs to this rule.
    func selects(_ s: SignalSeries) -> Bool {
        s.metric == metric && matchers.allSatisfy { s.labels[$0.0] == $0.1 }
    }

    /// The left-hand side at sample `k` of `values` (sampled every `step` seconds), `nil` where
    /// Prometheus would return nothing.
    func value(_ values: [Double?], at k: Int, step: Int) -> Double? {
        guard k >= 0, k < values.count else { return nil }
        switch function {
        case .unavailable: return nil
        case .instant:
            // Five minutes of lookback, as an instant selector has.
            let reach = max(0, 300 / max(1, step) - 1)
            for j in stride(from: k, through: max(0, k - reach), by: -1) { if let v = values[j] { return v } }
            return nil
        case .increase(let window):
            return Self.extrapolatedIncrease(values, at: k, step: step, window: window)
        case .rate(let window):
            // extrapolatedRate with isRate: the increase over the window's seconds.
            return Self.extrapolatedIncrease(values, at: k, step: step, window: window).map { $0 / Double(max(1, window)) }
        }
    }

    /// The increase of the counter `values` over `[t - window, t]` at sample `k`, extrapolated
    /// as Prometheus 2.x does (promql/functions.go, extrapolatedRate); `nil` with fewer than two samples.
    static func extrapolatedIncrease(_ values: [Double?], at k: Int, step: Int, window: Int) -> Double? {
        guard k >= 0, k < values.count else { return nil }
        // Prometheus 2.x: samples in [t - window, t], then extrapolatedRate (promql/functions.go).
        let back = window / max(1, step)
        var points: [(t: Double, v: Double)] = []
        for j in max(0, k - back)...k { if let v = values[j] { points.append((Double(j * step), v)) } }
        guard points.count >= 2, let first = points.first, let last = points.last else { return nil }
        let rangeStart = Double(k * step - window), rangeEnd = Double(k * step)
        var result = last.v - first.v
        var previous = 0.0
        for p in points {
            if p.v < previous { result += previous }
            previous = p.v
        }
        var toStart = first.t - rangeStart
        let toEnd = rangeEnd - last.t
        let sampled = last.t - first.t
        let average = sampled / Double(points.count - 1)
        if result > 0, first.v >= 0 {
            let toZero = sampled * (first.v / result)
            if toZero < toStart { toStart = toZero }
        }
        let threshold = average * 1.1
        var extrapolated = sampled
        extrapolated += toStart < threshold ? toStart : average / 2
        extrapolated += toEnd < threshold ? toEnd : average / 2
        return result * (extrapolated / sampled)
    }
}

/// Text in Prometheus' own notations.
enum PromText {
    /// A label value inside double quotes.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `300` → `5m`, `90` → `90s`.
    static func duration(_ seconds: Int) -> String {
        if seconds > 0, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds > 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// A number as PromQL and promtool's series notation write it: integers without a fraction.
    static func number(_ v: Double) -> String {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
