import ArgumentParser
import Detection
import Pipeline
import Report

extension PostmortemCommand {
    struct Alerts: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the alert rules, promtool tests and systemd drop-ins that would have caught this boot.",
            discussion: """
            Writes DIR/alerts.rules.yml (Prometheus alerting rules), DIR/alerts.test.yml (promtool unit tests: the signals rebuilt from the logs, and the alerts firing at the back-tested times) and DIR/dropins/<unit>.d/50-postmortem.conf (guard rails per cause). See docs/detection.md.

            Example:
              postmortem alerts samples/reference-incident --out alerts
              promtool test rules alerts/alerts.test.yml
            """)

        @OptionGroup var input: InputOptions

        @Option(help: "Folder to write the files into (created if missing).")
        var out: String

        func run() throws {
            let (result, _, _) = try analyzeOneHost(input)
            let source = "\(result.label), boot \(result.report.analyzedBoot ?? "?")"
            do {
                let written = try AlertsExport.write(result.report, source: source, to: out)
                for path in written.paths { Console.out(path + "\n") }
                if let reason = written.testsOmitted {
                    Console.error("postmortem: \(PrometheusFiles.testFileName) not written: \(ReportRenderer.promtoolTestsOmitted(reason))")
                }
            } catch let failure as AlertsExport.WriteError {
                throw OutputFailure(path: failure.path, reason: failure.reason)
            }
        }
    }
}
