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
        // Host folders are found up front (nothing is read yet); an archive is a work item of its
        // own, expanded by the worker that takes it and let go when its hosts are done, so that
        // memory follows the `jobs` archives open at once, not the whole fleet.
        let (direct, archives) = InputDiscovery.discover(paths: paths, root: nil, deferringArchives: true)
        let items = direct.map(WorkItem.host) + archives.map(WorkItem.archive)
        let queue = WorkQueue(items)
        let names = NameRegistry()
        // Hosts named directly get their names in the order given; an archive's, when it is opened.
        let directNames = direct.map { names.claim($0.label) }
        let results = ResultBox()
        let workers = max(1, min(jobs, items.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let (index, item) = queue.take() {
                let hosts: [HostInputs]
                switch item {
                case .host(let h): hosts = [h]
                case .archive(let path): hosts = InputDiscovery.discover(paths: [path], root: nil)
                }
                for (j, host) in hosts.enumerated() {
                    let name = index < directNames.count ? directNames[index] : names.claim(host.label)
                    let (row, problems) = analyse(host, name: name, into: outDirectory, options: options,
                                                  render: render, hostZones: hostZones)
                    results.add(order: (index, j), row: row, problems: problems)
                }
            }
        }
        let (rows, problems) = results.collect()
        try FleetSummary.table(rows, options: render).write(toFile: outDirectory + "/fleet.txt", atomically: true, encoding: .utf8)
        try FleetSummary.jsonLines(rows).write(toFile: outDirectory + "/fleet.jsonl", atomically: true, encoding: .utf8)
        return Outcome(rows: rows, problems: problems)
    }

    /// Analyses one host and writes its reports; its fleet row and problems.
    static func analyse(_ host: HostInputs, name: String, into outDirectory: String, options: AnalysisOptions,
                        render: RenderOptions, hostZones: Bool) -> (FleetSummary.FleetRow, [String]) {
        let result = HostAnalysis.run(host, options: options)
        let dir = outDirectory + "/" + name
        var row: FleetSummary.FleetRow
        do {
            var local = render
            var note: String?
            if hostZones, let machine = MachineZone(of: host) {
                local.timeZone = machine.zone
                note = machine.note
            }
            try ReportFolder.write(result.report, formats: [.json, .markdown], into: dir, options: local, zoneNote: note)
            row = result.readAnything
                ? FleetSummary.FleetRow(report: result.report, host: name)
                : FleetSummary.FleetRow(host: name, failure: "no input could be read")
        } catch {
            row = FleetSummary.FleetRow(host: name, failure: "cannot write report: \(error)")
        }
        row.reports = name
        return (row, result.problems.map { "\(name): \($0)" })
    }
}

private enum WorkItem: Sendable {
    case host(HostInputs)
    case archive(String)
}

/// Hands each work item out once, and lets go of it: a host's inputs are freed when it is done.
private final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [WorkItem?]
    private var next = 0
    init(_ items: [WorkItem]) { self.items = items }
    func take() -> (Int, WorkItem)? {
        lock.lock(); defer { lock.unlock() }
        guard next < items.count, let item = items[next] else { return nil }
        items[next] = nil
        next += 1
        return (next - 1, item)
    }
}

/// Folder-safe names, unique across the fleet, claimed as hosts are met.
private final class NameRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String: Int] = [:]
    func claim(_ label: String) -> String {
        lock.lock(); defer { lock.unlock() }
        var name = String(label.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" ? $0 : "_" })
        if name.isEmpty || name == "." || name == ".." { name = "host" }
        let n = seen[name, default: 0]
        seen[name] = n + 1
        return n == 0 ? name : "\(name)-\(n + 1)"
    }
}

/// Rows in the order the hosts were named (item, then host within an archive), whatever the
/// order the workers finished in.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(order: (Int, Int), row: FleetSummary.FleetRow, problems: [String])] = []
    func add(order: (Int, Int), row: FleetSummary.FleetRow, problems: [String]) {
        lock.lock(); defer { lock.unlock() }
        entries.append((order, row, problems))
    }
    func collect() -> ([FleetSummary.FleetRow], [String]) {
        lock.lock(); defer { lock.unlock() }
        let sorted = entries.sorted { $0.order < $1.order }
        return (sorted.map(\.row), sorted.flatMap(\.problems))
    }
}
