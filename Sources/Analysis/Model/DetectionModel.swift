/// What monitoring would have seen of the analysed boot, and when each default alert rule
/// would have fired: filled by the `Detection` library from the report's other facts,
/// rendered by `Report`. JSON key `detection`.
public struct DetectionSummary: Codable, Sendable, Hashable {
    /// Seconds between two samples of every series (a scrape interval), also the rules' evaluation interval.
    public var stepSeconds: Int
    /// The first sample of every series: the first whole step after the boot's oldest entry kept.
    public var start: Timestamp
    /// The first harm: an OOM kill, a unit that failed, or a kernel distress report (hung task, lockup, panic, …).
    public var firstSymptom: Timestamp?
    /// The boot's last record (journal entry or kernel last words): the freeze, for a boot that ended badly.
    public var lastSignOfLife: Timestamp?
    public var series: [SignalSeries]
    public var rules: [RuleBacktest]
    /// The systemd drop-ins that would have capped the causes (`postmortem alerts` writes them).
    public var dropIns: [DropInSummary] = []

    public init(stepSeconds: Int, start: Timestamp, firstSymptom: Timestamp?, lastSignOfLife: Timestamp?,
                series: [SignalSeries], rules: [RuleBacktest]) {
        self.stepSeconds = stepSeconds
        self.start = start
        self.firstSymptom = firstSymptom
        self.lastSignOfLife = lastSignOfLife
        self.series = series
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey {
        case start, series, rules
        case dropIns = "drop_ins"
        case stepSeconds = "step_seconds"
        case firstSymptom = "first_symptom"
        case lastSignOfLife = "last_sign_of_life"
    }
}

/// One guard-rail drop-in: `<unit>.d/50-postmortem.conf` and its text.
public struct DropInSummary: Codable, Sendable, Hashable {
    public var unit: String
    /// Where it goes on the machine: `/etc/systemd/system/<unit>.d/50-postmortem.conf`.
    public var path: String
    public var text: String

    public init(unit: String, path: String, text: String) {
        self.unit = unit
        self.path = path
        self.text = text
    }

    /// The settings alone (`StartLimitBurst=5`), without comments and section headers.
    public var settings: [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.hasPrefix("[") && $0.contains("=") }
    }
}

/// Who exports a metric of that name on a live machine.
public enum SignalExporter: String, Codable, Sendable, Hashable {
    /// Prometheus node_exporter (systemd collector with restart metrics, vmstat collector).
    case nodeExporter = "node_exporter"
    /// No exporter has it: named by postmortem (`postmortem_…`), e.g. for a log-based exporter to count.
    case postmortem
}

/// One reconstructed time series: `values[i]` is the value at `start + i × step`, `nil` where unknown.
public struct SignalSeries: Codable, Sendable, Hashable {
    public var metric: String
    /// Label names and values, e.g. `name` → `polyscan.service`.
    public var labels: [String: String]
    public var exporter: SignalExporter
    /// True when the value is estimated rather than counted.
    public var estimate: Bool
    public var values: [Double?]

    public init(metric: String, labels: [String: String], exporter: SignalExporter, estimate: Bool = false,
                values: [Double?]) {
        self.metric = metric
        self.labels = labels
        self.exporter = exporter
        self.estimate = estimate
        self.values = values
    }
}

/// The default rules (`docs/detection.md`).
public enum DetectionRuleKind: String, Codable, Sendable, Hashable, CaseIterable {
    case crashLoop = "crash-loop"
    case oomKill = "oom-kill"
    case unitFailed = "unit-failed"
    case hungTasks = "hung-tasks"
    case lockup
    case pidUsage = "pid-usage"
    case errorRate = "error-rate"
}

/// Why a rule would not have fired.
public enum NotFiredReason: String, Codable, Sendable, Hashable {
    /// The logs do not give the signal the rule needs.
    case noSignal = "no-signal"
    /// The signal never crossed the threshold at a sample.
    case belowThreshold = "below-threshold"
    /// It crossed, but not for the rule's `for:` duration before the boot ended.
    case notSustained = "not-sustained"
    /// It crossed only after the last sample (the last sign of life): nothing was scraped any more.
    case afterLastSample = "after-last-sample"
    /// Not evaluated: nothing in the logs has a wall-clock time (kernel logs stamped only with
    /// uptime), so no scrape can be placed.
    case noWallClock = "no-wall-clock"
    /// Not evaluated: the logs end before the first whole scrape interval after they begin.
    case noSamples = "no-samples"
}

/// One rule evaluated against the reconstructed series, as Prometheus would have.
public struct RuleBacktest: Codable, Sendable, Hashable {
    public var rule: DetectionRuleKind
    /// The alert's name in `alerts.rules.yml`.
    public var alert: String
    /// The PromQL expression.
    public var expression: String
    public var forSeconds: Int
    /// When the first alert of this rule would have fired (the first evaluation it was firing at).
    public var firedAt: Timestamp?
    /// The series label values it fired for first (e.g. the unit name), empty for a machine-wide rule.
    public var firedFor: [String]
    /// Seconds from `firedAt` to the first symptom / the last sign of life (negative: it fired after).
    public var leadBeforeFirstSymptomSeconds: Double?
    public var leadBeforeLastSignOfLifeSeconds: Double?
    public var notFired: NotFiredReason?
    /// The highest value the expression's left-hand side reached at any evaluation.
    public var peak: Double?
    /// When the signal itself changed last (an event that came after the last sample), for `after-last-sample`.
    public var signalAt: Timestamp?

    public init(rule: DetectionRuleKind, alert: String, expression: String, forSeconds: Int) {
        self.rule = rule
        self.alert = alert
        self.expression = expression
        self.forSeconds = forSeconds
        self.firedFor = []
    }

    enum CodingKeys: String, CodingKey {
        case rule, alert, expression, peak
        case forSeconds = "for_seconds"
        case firedAt = "fired_at"
        case firedFor = "fired_for"
        case leadBeforeFirstSymptomSeconds = "lead_before_first_symptom_seconds"
        case leadBeforeLastSignOfLifeSeconds = "lead_before_last_sign_of_life_seconds"
        case notFired = "not_fired"
        case signalAt = "signal_at"
    }
}
