import Analysis
import Foundation
import Inputs
import KernelLog
import Pipeline
import Report
import Testing
import TestSupport
@testable import Detection

/// A sample host tree (or a generated scenario), analysed once, with its `truth.json`.
struct Sample: Sendable {
    let name: String
    let path: String
    let report: PostmortemReport
    let truth: Truth

    static let reference = try? Sample(named: "reference-incident")
    static let healthy = try? Sample(named: "healthy-reboot")

    init(named name: String) throws {
        try self.init(name: name, path: TestPaths.packageRoot + "/samples/" + name)
    }

    init(name: String, path: String) throws {
        self.name = name
        self.path = path
        let hosts = InputDiscovery.discover(paths: [path], root: nil)
        report = try #require(hosts.first.map { HostAnalysis.run($0, options: AnalysisOptions()).report })
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        truth = try decoder.decode(Truth.self, from: Data(contentsOf: URL(fileURLWithPath: path + "/truth.json")))
    }

    /// The analysed boot's first or last entry, from the truth.
    func truthTime(_ key: KeyPath<Truth.Boot, String?>) throws -> Timestamp {
        let text = try #require(truth.analyzed?[keyPath: key])
        return try #require(CivilTime.parseISO8601(text).map(Timestamp.init(microseconds:)))
    }

    func rule(_ kind: DetectionRuleKind) throws -> RuleBacktest {
        try #require(report.detection?.rules.first { $0.rule == kind })
    }
}

enum Tools {
    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]).map { $0 + "/" + name }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
    static var promtool: String? { onPath("promtool") }
    static var systemdAnalyze: String? { onPath("systemd-analyze") }
}

@Suite("detection back-test on the samples")
struct BacktestTests {
    @Test("reference incident: the crash-loop alert fires at the second evaluation plus its for:, minutes before the freeze")
    func reference() throws {
        let s = try #require(Sample.reference)
        let detection = try #require(s.report.detection)
        #expect(s.report.analyzedBoot == s.truth.analyzedBoot)
        // The kept journal begins 13 h into the boot, which was being scraped then: the grid starts
        // at the whole minute before the boot's oldest entry kept (truth: boots[].first).
        let first = try s.truthTime(\.first)
        #expect(s.report.boots.first { $0.bootID == s.report.analyzedBoot }?.beginningLost() == true)
        let start = first.microseconds / 60_000_000 * 60_000_000
        #expect(detection.start.microseconds == start)
        // The loop runs from the first entry: increase() needs two samples, then for: 1m.
        let crash = try s.rule(.crashLoop)
        #expect(crash.firedAt?.microseconds == start + 60_000_000 + Int64(crash.forSeconds) * 1_000_000)
        #expect(crash.firedFor == [try #require(s.truth.rootCause?.subject)])
        // The journal's last entry is a sign of life; the kernel's last words come after it.
        let last = try s.truthTime(\.last)
        let lastSign = try #require(detection.lastSignOfLife)
        #expect(lastSign >= last)
        let lead = try #require(crash.leadBeforeLastSignOfLifeSeconds)
        #expect(lead >= Double(last.microseconds - (crash.firedAt?.microseconds ?? 0)) / 1e6)
        #expect(lead >= 5 * 60)
        #expect(try #require(crash.leadBeforeFirstSymptomSeconds) > 0)
        // Two OOM kills in the truth: the oom rule fires, before the end.
        let oom = try s.rule(.oomKill)
        #expect((oom.firedAt != nil) == !s.truth.oomKills.isEmpty)
        #expect(try #require(oom.firedAt) <= lastSign)
        // Hung tasks and the lockup are last words (after the journal's last entry): no scrape saw them.
        #expect(s.truth.kernelEvents.hungTask > 0 && s.truth.lastWords.contains { $0.hasPrefix("INFO: task ") })
        for kind in [DetectionRuleKind.hungTasks, .lockup] {
            let r = try s.rule(kind)
            #expect(r.firedAt == nil)
            #expect(r.notFired == .afterLastSample)
            #expect(try #require(r.signalAt) > last)
        }
        #expect(try s.rule(.pidUsage).notFired == .noSignal)
    }

    /// CentOS 6 `/var/log/messages` from the corpus (oomtool, lines 13977–29019): the excerpt begins
    /// at 12:47:02, 175 days into the boot, and the kernel OOM-kills from 12:47:04 (mysqld) to
    /// 12:48:17 (php-fpm). Scraped every minute, the kills of the first minute kept show at 12:48.
    @Test("a log kept from well into the boot: the kills of its first minute fire the OOM alert",
          .enabled(if: TestPaths.corpus != nil))
    func oomKillsInTheFirstMinuteKept() throws {
        let log = try #require(TestPaths.corpusFiles("kernel").first { $0.hasSuffix("oomtool-centos6-messages.lines13977-29019.log") })
        let file = try KernelLogReader.read(path: log)
        var report = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: AnalysisOptions())
        let backtest = Backtest(signals: Signals(report: report))
        report.detection = backtest.summary
        let oom = try #require(report.detection?.rules.first { $0.rule == .oomKill })
        let firstKill = try #require(report.oomKills.compactMap(\.time).min())
        #expect(oom.firedAt.map { $0.microseconds - firstKill.microseconds } == 56_000_000, "\(String(describing: oom.firedAt))")
    }

    @Test("healthy reboot: no rule fires")
    func healthy() throws {
        let s = try #require(Sample.healthy)
        let detection = try #require(s.report.detection)
        #expect(s.truth.rootCause == nil)
        #expect(detection.rules.count == DetectionRuleKind.allCases.count)
        for r in detection.rules {
            #expect(r.firedAt == nil, "\(r.alert) fired at \(String(describing: r.firedAt))")
            #expect(r.notFired != nil)
        }
        // Its journal begins with the boot: the grid starts at the first whole minute after its
        // oldest entry, when the machine could be scraped.
        let first = try s.truthTime(\.first)
        #expect(detection.start.microseconds == (first.microseconds / 60_000_000 + (first.microseconds % 60_000_000 > 0 ? 1 : 0)) * 60_000_000)
        // Its restarts and its unit failures are in the series, yet stay under the thresholds.
        #expect(detection.series.contains { $0.metric == Signals.restartMetric })
        #expect(try s.rule(.crashLoop).notFired == .belowThreshold)
    }
}

@Suite("the Detection section")
struct DetectionSectionTests {
    @Test("the reports say which rules would have fired and how many minutes before the freeze; none on the healthy reboot")
    func sections() throws {
        let reference = try #require(Sample.reference).report
        let options = RenderOptions(timeZone: .utc, width: 200)
        let text = ReportRenderer.render(reference, as: .text, options: options)
        #expect(text.contains("Detection\n  2 of 7 default alert rules would have fired, the first 6 min 24 s before the freeze: "
                              + "crash-loop at 09:46:00 for polyscan.service"))
        #expect(text.contains("guard rail for polyscan.service: StartLimitIntervalSec=5min, StartLimitBurst=5, RestartSec=10s"))
        let markdown = ReportRenderer.render(reference, as: .markdown, options: options)
        #expect(markdown.contains("## Detection\n\nWhat monitoring could have detected, back-tested on the signals rebuilt from the logs.\n\n2 of 7 default alert rules would have fired"))
        #expect(markdown.contains("```ini\n# Written by postmortem: guard rails for polyscan.service"))
        let json = ReportRenderer.render(reference, as: .json, options: options)
        #expect(json.contains("\"fired_at\" : \"2024-02-11T09:46:00.000000Z\""))
        // HTML: the section, and one mark on the time axis per rule that fired.
        let html = ReportRenderer.render(reference, as: .html, options: options)
        #expect(html.contains("<section id=\"detection\">"))
        #expect(html.components(separatedBy: "class=\"alert-fired\"").count - 1 == 2)
        let healthy = try #require(Sample.healthy).report
        #expect(!ReportRenderer.render(healthy, as: .html, options: options).contains("class=\"alert-fired\""))
        #expect(ReportRenderer.render(healthy, as: .text, options: options)
            .contains("Detection\n  None of the 7 default alert rules would have fired"))
    }
}

/// A boot still running at its last entry did not end: the lead times are counted to that entry.
@Suite(.enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus"))
struct OngoingBootLeadTests {
    /// RHEL 9.1: mcelog failed at boot (20:56:34), the unit-failed rule fires at 20:58:00 and the
    /// machine ran on until 22:10:32.
    @Test func leadToTheLastEntry() throws {
        let path = try #require(TestPaths.corpus) + "/journals/s4-rhel91-system.journal"
        let run = try Command.run(TestPaths.executable, ["analyze", "--utc", path])
        let text = run.stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("unit-failed at 20:58:00 for mcelog.service, 1 min 25 s after the first symptom "
                              + "and 1 h 13 min before its last entry"))
        #expect(!text.contains("before the end of the boot"))
    }
}

@Suite("postmortem alerts, checked by promtool")
struct PromtoolTests {
    /// Runs `postmortem alerts SAMPLE --out DIR`.
    static func alerts(_ sample: Sample) throws -> String {
        let dir = TestPaths.scratch("alerts-\(sample.name)")
        let run = try Command.run(TestPaths.executable, ["alerts", sample.path, "--out", dir, "--quiet"])
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(run.stdoutText.contains(dir + "/alerts.rules.yml"))
        return dir
    }

    static func promtool(_ arguments: [String], in dir: String) throws -> CommandResult {
        try Command.run(try #require(Tools.promtool), arguments, environment: ["PATH": "/usr/bin:/bin", "HOME": dir])
    }

    @Test("an --out that cannot be written exits 1 naming the folder and the system's reason")
    func unwritable() throws {
        let run = try Command.run(TestPaths.executable, ["alerts", TestPaths.packageRoot + "/samples/healthy-reboot",
                                                         "--out", "/dev/null/alerts", "--quiet"])
        #expect(run.status == 1)
        #expect(run.stderrText.contains("postmortem: cannot write /dev/null/alerts: Not a directory"), "\(run.stderrText)")
    }

    @Test("the rules check, their tests pass, and the tests fail when the series do not cross",
          .enabled(if: Tools.promtool != nil, "needs promtool (Debian package prometheus)"),
          arguments: ["reference-incident", "healthy-reboot"])
    func promtoolPasses(name: String) throws {
        let sample = try #require(name == "healthy-reboot" ? Sample.healthy : Sample.reference)
        let dir = try Self.alerts(sample)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let check = try Self.promtool(["check", "rules", dir + "/alerts.rules.yml"], in: dir)
        #expect(check.status == 0, "\(check.stdoutText)\(check.stderrText)")
        #expect(check.stdoutText.contains("SUCCESS: \(AlertRule.defaults.count) rules found"))
        let test = try Self.promtool(["test", "rules", dir + "/alerts.test.yml"], in: dir)
        #expect(test.status == 0, "\(test.stdoutText)\(test.stderrText)")

        // The expected firing times are the back-test's, and those of the truth (see BacktestTests).
        let testFile = try String(contentsOfFile: dir + "/alerts.test.yml", encoding: .utf8)
        let detection = try #require(sample.report.detection)
        for r in detection.rules {
            guard let at = r.firedAt else { continue }
            let offset = (at.microseconds - detection.start.microseconds) / 1_000_000
            #expect(testFile.contains("# \(at.iso8601)\n      - eval_time: \(PromText.duration(Int(offset)))\n        alertname: \(r.alert)\n        exp_alerts:\n          - exp_labels:"))
        }

        // A control: series that never cross (reference) or that do (healthy) make promtool fail.
        var lines = testFile.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let metric = name == "healthy-reboot" ? Signals.oomMetric : Signals.restartMetric + "{name=\"polyscan.service\"}"
        let at = try #require(lines.firstIndex(of: "      - series: '\(metric)'"))
        let count = lines[at + 1].split(separator: " ").count - 1
        let values = name == "healthy-reboot" ? (0..<count).map { String($0) } : Array(repeating: "7", count: count)
        lines[at + 1] = "        values: '" + values.joined(separator: " ") + "'"
        try lines.joined(separator: "\n").write(toFile: dir + "/alerts.test.yml", atomically: true, encoding: .utf8)
        let broken = try Self.promtool(["test", "rules", dir + "/alerts.test.yml"], in: dir)
        #expect(broken.status != 0, "promtool accepted series that should change the alerts")
    }
}

@Suite("guard-rail drop-ins")
struct GuardRailTests {
    /// The sample's unit file, with only its executable replaced by /bin/true (verify checks that
    /// the binary exists, which it does not on this machine), and the drop-in beside it.
    static func verify(unit: String, dropIn: String, sample: Sample) throws -> CommandResult {
        let dir = TestPaths.scratch("verify")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = try String(contentsOfFile: sample.path + "/etc/systemd/system/" + unit, encoding: .utf8)
        let patched = original.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("ExecStart=") else { return String(line) }
            let rest = line.dropFirst("ExecStart=".count).split(separator: " ", maxSplits: 1)
            return "ExecStart=/bin/true" + (rest.count > 1 ? " " + rest[1] : "")
        }.joined(separator: "\n")
        try patched.write(toFile: dir + "/" + unit, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/" + unit + ".d", withIntermediateDirectories: true)
        try dropIn.write(toFile: dir + "/" + unit + ".d/50-postmortem.conf", atomically: true, encoding: .utf8)
        return try Command.run(try #require(Tools.systemdAnalyze), ["verify", "--man=no", "--generators=no", dir + "/" + unit])
    }

    @Test("one drop-in per cause's service, each setting in its section, sized from the evidence")
    func content() throws {
        let s = try #require(Sample.reference)
        let dropIns = GuardRails.dropIns(for: s.report)
        #expect(dropIns.map(\.path).sorted() == ["polyscan.service.d/50-postmortem.conf", "video-pipeline.service.d/50-postmortem.conf"])
        func section(of key: String, in text: String) -> String? {
            var current: String?
            for line in text.split(separator: "\n") {
                if line.hasPrefix("[") { current = String(line) }
                if line.hasPrefix(key + "=") { return current }
            }
            return nil
        }
        let loop = try #require(dropIns.first { $0.unit == "polyscan.service" }).text
        #expect(section(of: "StartLimitIntervalSec", in: loop) == "[Unit]")
        #expect(section(of: "StartLimitBurst", in: loop) == "[Unit]")
        #expect(section(of: "RestartSec", in: loop) == "[Service]")
        let memory = try #require(dropIns.first { $0.unit == "video-pipeline.service" }).text
        #expect(section(of: "MemoryMax", in: memory) == "[Service]")
        #expect(section(of: "MemoryHigh", in: memory) == "[Service]")
        // Below the biggest victim of the unit, so that it is throttled and killed before the machine runs out.
        let biggestMiB = s.report.oomKills.filter { $0.unit == "video-pipeline.service" }.compactMap(\.anonRSSKB).max().map { $0 / 1024 }
        let maxLine = try #require(memory.split(separator: "\n").first { $0.hasPrefix("MemoryMax=") })
        let maxMiB = try #require(Int(maxLine.dropFirst("MemoryMax=".count).dropLast()))
        #expect(maxMiB < (try #require(biggestMiB)))
        #expect(GuardRails.dropIns(for: try #require(Sample.healthy).report).isEmpty)
    }

    @Test("a cause whose subject is not a plain service name gets no drop-in")
    func hostileSubject() {
        var report = PostmortemReport()
        for subject in ["../../etc/passwd.service", "a/b.service", ".service", "x.service\nExecStart=/bin/sh", "kernel"] {
            report.rootCauses.append(RootCause(rank: 1, id: subject, kind: .crashLoop, subject: .unit(subject), facts: .text(summary: "", remediation: [])))
        }
        #expect(GuardRails.dropIns(for: report).isEmpty)
    }

    @Test("systemd-analyze verify accepts each drop-in with the sample's unit file, and notices a misplaced key",
          .enabled(if: Tools.systemdAnalyze != nil, "needs systemd-analyze"))
    func verify() throws {
        let s = try #require(Sample.reference)
        for d in GuardRails.dropIns(for: s.report) {
            let result = try Self.verify(unit: d.unit, dropIn: d.text, sample: s)
            #expect(result.status == 0, "\(d.path): \(result.stdoutText)\(result.stderrText)")
            #expect(result.stdoutText.isEmpty && result.stderrText.isEmpty, "\(d.path): \(result.stdoutText)\(result.stderrText)")
            // A control: the same key in the wrong section is reported, so the drop-in was read.
            let misplaced = d.text.replacingOccurrences(of: "[Service]", with: "[Unit]")
                .replacingOccurrences(of: "[Unit]\nStartLimit", with: "[Service]\nStartLimit")
            let bad = try Self.verify(unit: d.unit, dropIn: misplaced, sample: s)
            #expect(bad.stderrText.contains("50-postmortem.conf") && bad.stderrText.contains("Unknown key"),
                    "\(d.path): \(bad.stderrText)")
        }
    }
}

@Suite("postmortem alerts on generated scenarios")
struct GeneratedScenarioAlertTests {
    @Test("promtool checks and passes the tests written for each generated incident; the verdicts follow its truth",
          .enabled(if: Scenarios.isAvailable && Tools.promtool != nil, "needs python3, systemd-journal-remote and promtool"),
          arguments: ["memcg-oom-loop", "fork-bomb", "storage-io"])
    func scenario(name: String) throws {
        let (root, _) = try Scenarios.generate(name)
        let sample = try Sample(name: name, path: root)
        let dir = try PromtoolTests.alerts(sample)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let check = try PromtoolTests.promtool(["check", "rules", dir + "/alerts.rules.yml"], in: dir)
        #expect(check.status == 0, "\(check.stdoutText)\(check.stderrText)")
        let test = try PromtoolTests.promtool(["test", "rules", dir + "/alerts.test.yml"], in: dir)
        #expect(test.status == 0, "\(test.stdoutText)\(test.stderrText)")

        // Against the truth: a rule on a signal the incident had either fired or says the signal came
        // after the last scrape; one on a signal it did not have never fired.
        let last = try sample.truthTime(\.last)
        let detection = try #require(sample.report.detection)
        let had: [DetectionRuleKind: Bool] = [
            .oomKill: sample.truth.oomKills.contains { $0.kind != "oomd" },
            .hungTasks: sample.truth.kernelEvents.hungTask > 0,
            .lockup: sample.truth.kernelEvents.softLockup > 0,
        ]
        for (kind, present) in had {
            let r = try sample.rule(kind)
            if present {
                #expect(r.firedAt != nil || r.notFired == .afterLastSample, "\(name): \(kind)")
                if let at = r.firedAt { #expect(at <= (detection.lastSignOfLife ?? last)) }
            } else {
                #expect(r.firedAt == nil && r.notFired == .belowThreshold, "\(name): \(kind)")
            }
        }
        // Guard rails for the truth's cause when it is about a service.
        let cause = try #require(sample.truth.rootCause)
        let dropIns = GuardRails.dropIns(for: sample.report).map(\.unit)
        #expect(dropIns.contains(cause.subject) == cause.subject.hasSuffix(".service"), "\(name): \(dropIns)")
        if Tools.systemdAnalyze != nil {
            for d in GuardRails.dropIns(for: sample.report) {
                let result = try GuardRailTests.verify(unit: d.unit, dropIn: d.text, sample: sample)
                #expect(result.status == 0 && result.stderrText.isEmpty, "\(name) \(d.path): \(result.stdoutText)\(result.stderrText)")
            }
        }
    }
}

@Suite("detection on hostile figures")
struct HostileDetectionTests {
    @Test("extreme times, sizes and intervals from a corrupt input neither trap nor grow the series without bound")
    func extremes() throws {
        var report = PostmortemReport()
        report.analyzedBoot = "b"
        report.boots = [BootSummary(bootID: "b", first: Timestamp(microseconds: .min + 1), last: Timestamp(microseconds: .max),
                                    entries: 1, end: .unclean, endEvidence: [])]
        var unit = UnitSummary(unit: "x.service")
        unit.restartCounterMin = .max
        unit.medianRestartIntervalSeconds = .infinity
        unit.restartsPerMinute = [SeriesPoint(start: Timestamp(microseconds: .max - 10), value: .infinity),
                                  SeriesPoint(start: Timestamp(microseconds: .min), value: -5)]
        report.units = [unit]
        var kill = OOMKillSummary(time: Timestamp(microseconds: .max), kind: .global)
        kill.unit = "x.service"
        kill.anonRSSKB = .max
        report.oomKills = [kill]
        report.kernelEvents = [KernelEventSummary(time: Timestamp(microseconds: .min), kind: .hungTask, text: "", source: "")]
        report.rootCauses = [RootCause(rank: 1, id: "a", kind: .crashLoop, subject: .unit("x.service"), facts: .text(summary: "", remediation: [])),
                             RootCause(rank: 2, id: "b", kind: .memoryExhaustion, subject: .unit("x.service"), facts: .text(summary: "", remediation: []))]
        let detection = Backtest.run(report)
        report.detection = detection
        #expect(detection.series.allSatisfy { $0.values.count <= Signals.maxSamples })
        #expect(detection.series.first?.values.count == Signals.maxSamples)
        let backtest = Backtest(signals: Signals(report: report))
        #expect(!PrometheusFiles.tests(backtest, source: "x").isEmpty)
        #expect(GuardRails.dropIns(for: report).first?.text.contains("MemoryMax=") == true)
        for format in [ReportFormat.text, .markdown, .json, .html] {
            #expect(!ReportRenderer.render(report, as: format, options: RenderOptions(timeZone: .utc)).isEmpty)
        }
    }
}

/// A console log stamped only with the kernel's uptime (the corpus's syzkaller hung task in I/O wait)
/// has no wall clock: the back-test cannot place a scrape, so it says so instead of "its condition
/// never held" beside a hung-task report; `alerts` writes the rules but no promtool tests.
/// Negative: the reference incident's rules are evaluated.
@Suite("detection where no scrape can be placed", .enabled(if: TestPaths.corpus != nil))
struct UntimedDetectionTests {
    static var log: String { (TestPaths.corpus ?? "") + "/kernel/syzkaller-report-1000-hung-task-io-wait-replay.log" }

    @Test func rulesAreNotEvaluated() throws {
        let host = try #require(InputDiscovery.discover(paths: [Self.log], root: nil).first)
        let report = HostAnalysis.run(host, options: AnalysisOptions()).report
        #expect(report.kernelEvents.contains { $0.kind == .hungTask })
        let detection = try #require(report.detection)
        #expect(detection.series.allSatisfy { $0.values.isEmpty })
        #expect(detection.rules.allSatisfy { $0.firedAt == nil && ($0.notFired == .noWallClock || $0.notFired == .noSignal) })
        #expect(detection.rules.first { $0.rule == .hungTasks }?.notFired == .noWallClock)
        let text = ReportRenderer.render(report, as: .text, options: RenderOptions(timeZone: .utc, width: 200))
        #expect(text.contains("Detection\n  The 7 default alert rules were not evaluated: the logs carry no wall-clock time"))
        #expect(!text.contains("its condition never held"))
        #expect(!text.contains("signals sampled"))
        let markdown = ReportRenderer.render(report, as: .markdown, options: RenderOptions(timeZone: .utc))
        #expect(markdown.contains("`postmortem alerts` writes these rules and the systemd drop-ins (no promtool tests: no samples)"))
        let reference = try #require(Sample.reference).report
        #expect(reference.detection?.rules.allSatisfy { $0.notFired != .noWallClock } == true)
        #expect(ReportRenderer.render(reference, as: .html, options: RenderOptions(timeZone: .utc))
            .contains("writes these rules, their promtool tests and the systemd drop-ins."))
    }

    @Test func alertsWritesNoTests() throws {
        let dir = TestPaths.scratch("alerts-untimed")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Command.run(TestPaths.executable, ["alerts", Self.log, "--out", dir, "--quiet"])
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(FileManager.default.fileExists(atPath: dir + "/alerts.rules.yml"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/alerts.test.yml"))
        #expect(run.stderrText.contains("alerts.test.yml not written: the logs carry no wall-clock time"))
    }

    /// The openSUSE journal holds a boot's first 29 s (05:14:17 to 05:14:46): no minute's scrape
    /// falls within it, so no rule is said to have "never held".
    @Test func aLogShorterThanAScrapeHasNoSamples() throws {
        let file = try #require(TestPaths.corpusFiles("journals").first { $0.contains("/s4-opensuse15-system@") })
        let host = try #require(InputDiscovery.discover(paths: [file], root: nil).first)
        let report = HostAnalysis.run(host, options: AnalysisOptions()).report
        let detection = try #require(report.detection)
        #expect(detection.series.allSatisfy { $0.values.isEmpty })
        #expect(detection.rules.allSatisfy { $0.notFired == .noSamples || $0.notFired == .noSignal })
        let text = ReportRenderer.render(report, as: .text, options: RenderOptions(timeZone: .utc, width: 200))
        #expect(text.contains("Detection\n  The default alert rules were not evaluated: no scrape (one every 1 min) fell between the logs' first and last lines."))
        #expect(!text.contains("its condition never held"))
        #expect(!text.contains("signals sampled"))
        let dir = TestPaths.scratch("alerts-short")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Command.run(TestPaths.executable, ["alerts", file, "--out", dir, "--quiet"])
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/alerts.test.yml"))
        #expect(run.stderrText.contains("alerts.test.yml not written: no scrape fell within the logs, so the rebuilt signals have no samples to test the rules on"))
    }
}
