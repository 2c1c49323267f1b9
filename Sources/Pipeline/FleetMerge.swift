import Foundation
import KernelLog
import Report

/// `postmortem fleet merge DIR… --out OUT`: the shards of a `batch --shard K/N` run put back
/// together. Each shard's `fleet.jsonl` rows are read, the report folders named again over the
/// whole fleet (as one unsharded `batch` would have named them) and copied into OUT, and the fleet
/// files written from the union: byte for byte what one `batch` over every host writes.
public enum FleetMerge {
    public struct Outcome: Sendable {
        public var rows: [FleetSummary.FleetRow]
        public var problems: [String]
    }

    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String, String)
        case outputIsShard(String)

        public var description: String {
            switch self {
            case .unreadable(let path, let why): return "\(path): \(why)"
            case .outputIsShard(let path): return "\(path): the output folder cannot be one of the shards"
            }
        }
    }

    public static func run(directories: [String], outDirectory: String, render: RenderOptions) throws -> Outcome {
        let out = URL(fileURLWithPath: outDirectory).standardizedFileURL.path
        for dir in directories where URL(fileURLWithPath: dir).standardizedFileURL.path == out {
            throw Failure.outputIsShard(dir)
        }
        var rows: [FleetSummary.FleetRow] = []
        var origins: [String?] = []
        var problems: [String] = []
        var seen: [String: String] = [:]
        for dir in directories {
            let path = dir + "/fleet.jsonl"
            let text: String
            do { text = String(decoding: try RegularFile.read(path: path, limit: 1 << 30).0, as: UTF8.self) } catch {
                throw Failure.unreadable(path, "cannot be read: \(error.detail) (is it a `batch --out` folder?)")
            }
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
                guard let row = try? JSONDecoder().decode(FleetSummary.FleetRow.self, from: Data(line.utf8)) else {
                    throw Failure.unreadable(path, "line \(n + 1) is not a fleet row")
                }
                // A host in two shards (shards of different N, or a folder given twice) is kept once.
                let key = row.host + "\u{0}" + (row.source ?? "")
                if let first = seen[key] {
                    problems.append("\(dir): host \(row.host) (\(row.source ?? "-")) is also in \(first); kept once")
                    continue
                }
                seen[key] = dir
                rows.append(row)
                origins.append(row.reports.map { dir + "/" + $0 })
            }
        }
        try FileOutput.makeFolder(outDirectory)
        // The merged folder holds the whole fleet, as one unsharded run's does.
        try FleetFiles.claim(outDirectory, for: .all)
        let folders = FleetFiles.assignFolders(rows)
        for i in rows.indices {
            guard let origin = origins[i] else { continue }
            do {
                try FleetFiles.place(origin, at: outDirectory + "/" + folders[i], copy: true)
                rows[i].reports = folders[i]
            } catch {
                problems.append("cannot copy the host's reports from \(origin): \(error.path): \(error.reason)")
                rows[i].reports = nil
            }
        }
        let sorted = try FleetFiles.write(rows, into: outDirectory, options: render)
        return Outcome(rows: sorted, problems: problems)
    }
}
