import Analysis
import KernelLog

/// What `postmortem alerts` writes: the rules, their promtool tests and the drop-ins.
public enum AlertsExport {
    /// A file or folder could not be written.
    public typealias WriteError = FileOutput.Failure

    /// What was written.
    public struct Written: Sendable {
        public var paths: [String]
        /// Why the promtool tests were left out: the rebuilt series have no samples to test the
        /// rules on (`noWallClock`, `noSamples`); nil when they were written.
        public var testsOmitted: NotFiredReason?
    }

    /// Writes `dir/alerts.rules.yml`, `dir/alerts.test.yml` (when the logs have a wall clock) and
    /// `dir/dropins/<unit>.d/50-postmortem.conf`.
    @discardableResult
    public static func write(_ report: PostmortemReport, source: String, to dir: String) throws -> Written {
        let backtest = Backtest(signals: Signals(report: report))
        var files: [(String, String)] = [(dir + "/" + PrometheusFiles.rulesFileName, PrometheusFiles.rules(backtest, source: source))]
        if backtest.signals.count > 0 {
            files.append((dir + "/" + PrometheusFiles.testFileName, PrometheusFiles.tests(backtest, source: source)))
        }
        for d in GuardRails.dropIns(for: report) { files.append((dir + "/dropins/" + d.path, d.text)) }
        for (path, text) in files {
            try FileOutput.makeFolder(String(path.prefix(upTo: path.lastIndex(of: "/") ?? path.startIndex)))
            try FileOutput.write(text, to: path)
        }
        let omitted: NotFiredReason? = backtest.signals.count > 0 ? nil : backtest.signals.hasClock ? .noSamples : .noWallClock
        return Written(paths: files.map(\.0), testsOmitted: omitted)
    }
}
