import Analysis
import Foundation
import Inputs
import KernelLog
import Report

/// `postmortem batch`: one report per host, hosts analysed in parallel (at most `jobs` at
/// a time, so memory is bounded by that, not by the fleet), plus a fleet summary.
public enum Batch {
    public struct Outcome: Sendable {
        public var rows: [FleetSummary.FleetRow]
        public var problems: [String]
    }

    /// The identities of the hosts and archives under `paths` that `shard` owns (nothing is
    /// read but the folders' listings): what that shard will analyse.
    public static func plan(paths: [String], shard: FleetShard) -> [String] {
        let (direct, archives) = InputDiscovery.discover(paths: paths, root: nil, deferringArchives: true, foldersApart: true)
        return (machines(direct).hosts.map(\.source) + archives).map { FleetShard.identity(of: $0, under: paths) }.filter(shard.owns)
    }

    /// With `hostZones`, each host's Markdown report shows times in that machine's own zone
    /// (its `etc/localtime`) when it is known. With `shard`, only that share of the hosts.
    /// `budget` is the whole run's: each of the `jobs` workers reads within its share of it.
    public static func run(paths: [String], outDirectory: String, jobs: Int, options: AnalysisOptions,
                           render: RenderOptions, hostZones: Bool = false, shard: FleetShard = .all,
                           budget: MemoryBudget = .standard) throws -> Outcome {
        try FileOutput.makeFolder(outDirectory)
        try FleetFiles.claim(outDirectory, for: shard)
        // Host folders are found up front (nothing is read yet); an archive is a work item of its
        // own, expanded by the worker that takes it and let go when its hosts are done, so that
        // memory follows the `jobs` archives open at once, not the whole fleet.
        let (direct, archives) = InputDiscovery.discover(paths: paths, root: nil, deferringArchives: true, foldersApart: true,
                                                         budget: budget.shared(among: jobs))
        // A folder holding nothing but files that are no logs (the fleet's README) is no machine:
        // its files are named, without a host row that says it could not be read.
        let (machinesFound, skippedHere) = machines(direct)
        var skippedMessages = skippedHere
        let items = (machinesFound.map(WorkItem.host) + archives.map(WorkItem.archive)).filter {
            shard.owns(FleetShard.identity(of: $0.source, under: paths))
        }
        // Each host's reports go to a staging folder of its own first: the final folder names
        // are given once every host is known, from the hosts' names and sources alone. The
        // staging folder is this run's own: two runs of one shard into one folder at once must not
        // place or remove each other's reports (two shards never share one: `FleetFiles.claim`).
        let staging = outDirectory + "/.postmortem-staging-\(getpid())-\(UUID().uuidString.prefix(8))"
        let queue = WorkQueue(items)
        let results = ResultBox()
        let workers = max(1, min(jobs, items.count))
        let share = budget.shared(among: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let (index, item) = queue.take() {
                let hosts: [HostInputs]
                switch item {
                case .host(let h): hosts = [h]
                case .archive(let path):
                    let found = machines(InputDiscovery.discover(paths: [path], root: nil, deferringArchives: false,
                                                                 foldersApart: true, budget: share).hosts)
                    results.skipped(found.skipped)
                    hosts = found.hosts
                }
                for (j, host) in hosts.enumerated() {
                    let dir = staging + "/\(index)-\(j)"
                    var (row, problems) = analyse(host, into: dir, options: options, render: render,
                                                       hostZones: hostZones, budget: share)
                    row.source = FleetShard.identity(of: host.source, under: paths)
                    results.add(order: (index, j), row: row, problems: problems, staged: dir)
                }
            }
        }
        var (rows, problems, stagedDirs) = results.collect()
        skippedMessages += results.skippedFiles()
        let folders = FleetFiles.assignFolders(rows)
        var messages: [String] = []
        for i in rows.indices {
            if rows[i].reports != nil {
                do {
                    try FleetFiles.place(stagedDirs[i], at: outDirectory + "/" + folders[i], copy: false)
                    rows[i].reports = folders[i]
                } catch {
                    rows[i].reports = nil
                    rows[i].error = rows[i].error ?? error.description
                }
            }
            messages += problems[i].map { "\(folders[i]): \($0)" }
        }
        try? FileManager.default.removeItem(atPath: staging)
        let sorted = try FleetFiles.write(rows, into: outDirectory, options: render)
        return Outcome(rows: sorted, problems: skippedMessages + messages)
    }

    /// The hosts that are machines, and the files named of folders holding nothing but files that
    /// are no logs (the fleet's README): those are no machine, and get no host row saying they
    /// could not be read.
    static func machines(_ hosts: [HostInputs]) -> (hosts: [HostInputs], skipped: [String]) {
        var out: (hosts: [HostInputs], skipped: [String]) = ([], [])
        for h in hosts {
            if h.holdsOnlySkippedFiles { out.skipped += h.problems.map(\.description) } else { out.hosts.append(h) }
        }
        return out
    }

    /// Analyses one host and writes its reports into `dir`; its fleet row (its `reports` set
    /// when they were written) and problems. A host none of whose inputs could be read still gets
    /// reports, saying so.
    static func analyse(_ host: HostInputs, into dir: String, options: AnalysisOptions,
                        render: RenderOptions, hostZones: Bool, budget: MemoryBudget) -> (FleetSummary.FleetRow, [String]) {
        let result = HostAnalysis.run(host, options: options, budget: budget)
        var row: FleetSummary.FleetRow
        do {
            var local = render
            var report = result.report
            var note: String?
            if hostZones, let machine = MachineZone(of: host) {
                local.timeZone = machine.zone
                note = machine.note
            }
            if !result.readAnything {
                let why = result.problems.isEmpty ? "nothing was found" : result.problems.joined(separator: "; ")
                report.notes.append(.text("No input of this host could be read, so nothing here describes how it ended: \(why)"))
            }
            try ReportFolder.write(report, formats: [.json, .markdown, .html], into: dir, options: local, zoneNote: note)
            row = result.readAnything
                ? FleetSummary.FleetRow(report: result.report, host: host.label)
                : FleetSummary.FleetRow(host: host.label, failure: "no input could be read")
            row.reports = dir
        } catch {
            row = FleetSummary.FleetRow(host: host.label, failure: error.description)
        }
        return (row, result.problems)
    }
}

private enum WorkItem: Sendable {
    case host(HostInputs)
    case archive(String)

    /// Where it was found: what its shard is decided by.
    var source: String {
        switch self {
        case .host(let h): return h.source
        case .archive(let path): return path
        }
    }
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

/// Rows in the order the hosts were met (item, then host within an archive), whatever the
/// order the workers finished in.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(order: (Int, Int), row: FleetSummary.FleetRow, problems: [String], staged: String)] = []
    func add(order: (Int, Int), row: FleetSummary.FleetRow, problems: [String], staged: String) {
        lock.lock(); defer { lock.unlock() }
        entries.append((order, row, problems, staged))
    }
    private var skipped: [String] = []
    func skipped(_ messages: [String]) {
        lock.lock(); defer { lock.unlock() }
        skipped += messages
    }
    func skippedFiles() -> [String] {
        lock.lock(); defer { lock.unlock() }
        return skipped.sorted()
    }
    func collect() -> ([FleetSummary.FleetRow], [[String]], [String]) {
        lock.lock(); defer { lock.unlock() }
        let sorted = entries.sorted { $0.order < $1.order }
        return (sorted.map(\.row), sorted.map(\.problems), sorted.map(\.staged))
    }
}
