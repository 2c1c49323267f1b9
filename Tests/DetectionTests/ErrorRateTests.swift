import Analysis
import Foundation
import Inputs
import Pipeline
import Report
import Testing
import TestSupport
@testable import Detection

/// The error-rate rule (`rate(postmortem_journal_errors_total[5m]) > 10` for 2m) back-tested on
/// real journal files (systemd-journal-remote writes them) holding a burst of errors, with
/// promtool as the oracle of when Prometheus would have fired it.
@Suite("error-rate rule, checked by promtool",
       .enabled(if: JournalRemote.isAvailable && Tools.promtool != nil, "needs systemd-journal-remote and promtool"))
struct ErrorRateTests {
    static let boot = "5e1f0c0ffee0d15ea5e0000000000001"
    /// 2023-11-14 22:00:00 UTC: samples fall on whole minutes.
    static let start: UInt64 = 1_700_000_400_000_000
    static let burstStart: UInt64 = 5 * 60
    static let burstSeconds: UInt64 = 7 * 60

    /// Twenty minutes of a web host: a line a second at info, and from minute 5 a proxy failing
    /// `perSecond` times a second at err for seven minutes (nginx's own error line).
    static func journal(perSecond: Int, in dir: String) throws -> String {
        var export = ExportBuilder()
        let common: [(String, String)] = [("_HOSTNAME", "web1"), ("_MACHINE_ID", "0f0e0d0c0b0a09080706050403020100"),
                                          ("_TRANSPORT", "stdout")]
        for second in 0..<UInt64(20 * 60) {
            let t = start + second * 1_000_000
            export.add(realtime: t, monotonic: 600_000_000 + second * 1_000_000, bootID: boot,
                       common + [("PRIORITY", "6"), ("SYSLOG_IDENTIFIER", "app"), ("_PID", "812"),
                                 ("_SYSTEMD_UNIT", "app.service"), ("MESSAGE", "GET /healthz 200")])
            guard second >= burstStart, second < burstStart + burstSeconds else { continue }
            for k in 0..<UInt64(perSecond) {
                let u = 1_000 + k * (900_000 / UInt64(max(1, perSecond)))
                export.add(realtime: t + u, monotonic: 600_000_000 + second * 1_000_000 + u, bootID: boot,
                           common + [("PRIORITY", "3"), ("SYSLOG_IDENTIFIER", "nginx"), ("_PID", "1044"),
                                     ("_SYSTEMD_UNIT", "nginx.service"),
                                     ("MESSAGE", "2023/11/14 22:05:01 [error] 1044#1044: *\(second * 100 + k) connect() failed "
                                        + "(111: Connection refused) while connecting to upstream, client: 10.0.0.7")])
            }
        }
        let path = dir + "/system.journal"
        try JournalRemote.write(export.bytes, to: path)
        return path
    }

    @Test("a burst above ten errors a second fires after its two minutes; one below never does; promtool agrees",
          arguments: [12, 8])
    func burst(perSecond: Int) throws {
        let dir = TestPaths.scratch("error-rate-\(perSecond)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let journal = try Self.journal(perSecond: perSecond, in: dir); try? FileManager.default.copyItem(atPath: journal, toPath: "/tmp/er-\(perSecond).journal")
        let out = dir + "/alerts"
        let run = try Command.run(TestPaths.executable, ["alerts", journal, "--out", out, "--quiet"])
        #expect(run.status == 0, "\(run.stderrText)")
        let check = try PromtoolTests.promtool(["check", "rules", out + "/alerts.rules.yml"], in: out)
        #expect(check.status == 0, "\(check.stdoutText)\(check.stderrText)")
        let test = try PromtoolTests.promtool(["test", "rules", out + "/alerts.test.yml"], in: out)
        #expect(test.status == 0, "\(test.stdoutText)\(test.stderrText)")

        let report = try Self.report(journal)
        let detection = try #require(report.detection)
        let rule = try #require(detection.rules.first { $0.rule == .errorRate })
        let errors = try #require(report.journalErrorsPerMinute)
        #expect(errors.reduce(0) { $0 + $1.value } == Double(perSecond) * Double(Self.burstSeconds))
        // The peak rate: the errors of the five minutes before a sample, a second each.
        #expect(abs((rule.peak ?? 0) - Double(perSecond)) < 0.5, "peak \(rule.peak ?? 0)")
        let burst = Timestamp(microseconds: Int64(Self.start + Self.burstStart * 1_000_000))
        if perSecond > 10 {
            // A minute's errors count once it is over, so the five-minute window first holds more
            // than 3,000 (720 a minute) at the fifth sample after the burst began: pending there,
            // firing two minutes later.
            #expect(rule.firedAt == Timestamp(microseconds: burst.microseconds + 7 * 60_000_000), "fired at \(rule.firedAt?.iso8601 ?? "-")")
        } else {
            #expect(rule.firedAt == nil && rule.notFired == .belowThreshold)
        }
        // Only this rule's signal is in the burst: the others stay quiet.
        let fired = detection.rules.filter { $0.firedAt != nil }.map(\.rule)
        #expect(fired == (perSecond > 10 ? [.errorRate] : []))
    }

    static func report(_ journal: String) throws -> PostmortemReport {
        let hosts = InputDiscovery.discover(paths: [journal], root: nil)
        return try #require(hosts.first.map { HostAnalysis.run($0, options: AnalysisOptions()).report })
    }
}

/// The error-rate rule on logs that carry no priorities: not evaluated, and said why.
@Suite("error-rate rule without priorities")
struct ErrorRateWithoutPrioritiesTests {
    static let journalctl = "/usr/bin/journalctl"

    @Test("journalctl's short output of the reference incident leaves the error-rate rule not evaluated, naming what keeps priorities",
          .enabled(if: FileManager.default.isExecutableFile(atPath: journalctl), "needs journalctl"))
    func shortText() throws {
        let journal = try #require(Sample.reference).report
        #expect(journal.journalErrorsPerMinute?.isEmpty == false)
        #expect(journal.detection?.rules.first { $0.rule == .errorRate }?.notFired == .belowThreshold)

        // What a user attaches: `journalctl > boot.txt` of the sample's files (journalctl
        // refuses the torn `.journal~`, so the readable ones are copied apart).
        let dir = TestPaths.scratch("short-text")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let from = TestPaths.packageRoot + "/samples/reference-incident/var/log/journal/65935178b7f7b28f006093b5970de8da"
        try FileManager.default.createDirectory(atPath: dir + "/journal", withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: from) where name.hasSuffix(".journal") {
            try FileManager.default.copyItem(atPath: from + "/" + name, toPath: dir + "/journal/" + name)
        }
        let dump = try Command.run(Self.journalctl, ["-D", dir + "/journal", "--no-pager"], environment: ["TZ": "UTC"])
        #expect(dump.status == 0, "\(dump.stderrText)")
        try Data(dump.stdout).write(to: URL(fileURLWithPath: dir + "/boot.txt"))

        let report = try #require(InputDiscovery.discover(paths: [dir + "/boot.txt"], root: nil).first
            .map { HostAnalysis.run($0, options: AnalysisOptions()).report })
        #expect(report.analyzedBoot != nil)
        #expect(report.journalErrorsPerMinute == nil)
        let rule = try #require(report.detection?.rules.first { $0.rule == .errorRate })
        #expect(rule.notFired == .noSignal && rule.firedAt == nil)
        // The other rules are still evaluated on the text: the crash loop fires.
        #expect(report.detection?.rules.first { $0.rule == .crashLoop }?.firedAt != nil)
        let text = ReportRenderer.render(report, as: .text, options: RenderOptions(timeZone: .utc, width: 200))
        #expect(text.contains("not evaluated: the text logs read carry no priorities (journalctl's -o export or json keeps them)"))
    }
}
