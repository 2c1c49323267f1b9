import Analysis
import Foundation
import Inputs
import Report

/// `postmortem batch`: one report per host, hosts analysed in parallel (at most `jobs` at
/// a time, so memory is bounded by that, not by the fleet), plus a fleet summary.
public enum Batch {
    public struct Outcome: Sendable {
        public var rows: [FleetSummary.FleetRow]
        public var problems: [String]
    }

    /// With `hostZones`, each host's Markdown report shows times in that machine's own zone
    /// (its `etc/localtime`) when it is known.
    public static func run(paths: [String], outDirectory: String, jobs: Int, options: AnalysisOptions,
                           render: RenderOptions, hostZones: Bool = false) throws -> Outcome {
        try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        let discovered = InputDiscovery.discover(paths: paths, root: nil)
        let names = uniqueNames(discovered.map(\.label))
        let count = discovered.count
        // Each host's inputs are let go once it is analysed: an archive's bytes are freed when
        // the last of its hosts is done, not when the whole fleet is.
        let hosts = HostQueue(discovered)
        let results = ResultBox(count: count)
        let next = Counter()
        let workers = max(1, min(jobs, count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = next.take(below: count), let host = hosts.take(i) {
                let result = HostAnalysis.run(host, options: options)
                let dir = outDirectory + "/" + names[i]
                var row: FleetSummary.FleetRow
                do {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    try ReportRenderer.render(result.report, as: .json, options: render)
                        .write(toFile: dir + "/report.json", atomically: true, encoding: .utf8)
                    var local = render
                    var report = result.report
                    if hostZones, let zone = host.timeZone {
                        local.timeZone = .machine(zone)
                        report.notes.append("Times are shown in the machine's own zone, \(zone) (\(host.timeZoneSource ?? "etc/localtime")).")
                    }
                    try ReportRenderer.render(report, as: .markdown, options: local)
                        .write(toFile: dir + "/report.md", atomically: true, encoding: .utf8)
                    row = result.readAnything
                        ? FleetSummary.FleetRow(report: result.report, host: names[i])
                        : FleetSummary.FleetRow(host: names[i], failure: "no input could be read")
                } catch {
                    row = FleetSummary.FleetRow(host: names[i], failure: "cannot write report: \(error)")
                }
                results.set(i, row: row, problems: result.problems.map { "\(names[i]): \($0)" })
            }
        }
        let (rows, problems) = results.collect()
        try FleetSummary.table(rows, options: render).write(toFile: outDirectory + "/fleet.txt", atomically: true, encoding: .utf8)
        try FleetSummary.jsonLines(rows).write(toFile: outDirectory + "/fleet.jsonl", atomically: true, encoding: .utf8)
        return Outcome(rows: rows, problems: problems)
    }

    /// Folder-safe, unique names for the hosts.
    static func uniqueNames(_ labels: [String]) -> [String] {
        var seen: [String: Int] = [:]
        return labels.map { label in
            var name = String(label.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" ? $0 : "_" })
            if name.isEmpty || name == "." || name == ".." { name = "host" }
            let n = seen[name, default: 0]
            seen[name] = n + 1
            return n == 0 ? name : "\(name)-\(n + 1)"
        }
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take(below limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

private final class HostQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var hosts: [HostInputs?]
    init(_ hosts: [HostInputs]) { self.hosts = hosts }
    /// Host `i`, handed out once.
    func take(_ i: Int) -> HostInputs? {
        lock.lock(); defer { lock.unlock() }
        guard i >= 0, i < hosts.count else { return nil }
        defer { hosts[i] = nil }
        return hosts[i]
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [FleetSummary.FleetRow?]
    private var problems: [[String]]
    init(count: Int) {
        rows = Array(repeating: nil, count: count)
        problems = Array(repeating: [], count: count)
    }
    func set(_ i: Int, row: FleetSummary.FleetRow, problems p: [String]) {
        lock.lock(); defer { lock.unlock() }
        rows[i] = row
        problems[i] = p
    }
    func collect() -> ([FleetSummary.FleetRow], [String]) {
        lock.lock(); defer { lock.unlock() }
        return (rows.compactMap { $0 }, problems.flatMap { $0 })
    }
}
