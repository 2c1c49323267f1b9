import Analysis
import KernelLog

/// What `postmortem alerts` writes: the rules, their promtool tests and the drop-ins.
public enum AlertsExport {
    /// A file or folder could not be written.
    public typealias WriteError = FileOutput.Failure

    /// Writes `dir/alerts.rules.yml`, `dir/alerts.test.yml` and `dir/dropins/<unit>.d/50-postmortem.conf`;
    /// returns the paths written.
    @discardableResult
    public static func write(_ report: PostmortemReport, source: String, to dir: String) throws -> [String] {
        let backtest = Backtest(signals: Signals(report: report))
        var files: [(String, String)] = [
            (dir + "/" + PrometheusFiles.rulesFileName, PrometheusFiles.rules(backtest, source: source)),
            (dir + "/" + PrometheusFiles.testFileName, PrometheusFiles.tests(backtest, source: source)),
        ]
        for d in GuardRails.dropIns(for: report) { files.append((dir + "/dropins/" + d.path, d.text)) }
        for (path, text) in files {
            try FileOutput.makeFolder(String(path.prefix(upTo: path.lastIndex(of: "/") ?? path.startIndex)))
            try FileOutput.write(text, to: path)
        }
        return files.map(\.0)
    }
}
