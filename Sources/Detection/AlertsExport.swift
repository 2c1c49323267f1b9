import Analysis
import Foundation

/// What `postmortem alerts` writes: the rules, their promtool tests and the drop-ins.
public enum AlertsExport {
    /// A file or folder could not be written.
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

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
        let fm = FileManager.default
        for (path, text) in files {
            let folder = (path as NSString).deletingLastPathComponent
            do {
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                throw WriteError(path: path, reason: (error as NSError).localizedDescription)
            }
        }
        return files.map(\.0)
    }
}
