import Foundation
import Report
#if canImport(Glibc)
import Glibc
#endif

/// What `batch` and `fleet merge` both write: the report folder names of a fleet and its
/// `fleet.txt`, `fleet.jsonl`, `fleet.md` and `fleet.html`. Everything here depends only on the
/// set of rows, never on the order hosts were met, so that shards merged equal one whole run.
enum FleetFiles {
    static let names = ["fleet.txt", "fleet.jsonl", "fleet.md", "fleet.html"]

    /// A folder-safe form of a host's name.
    static func folderName(_ label: String) -> String {
        let name = String(label.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" ? $0 : "_" })
        return name.isEmpty || name == "." || name == ".." ? "host" : name
    }

    /// One unique folder per row, in the rows' order: the host's name, and for hosts sharing a
    /// name (clones, copies) `name-2`, `name-3`… in the order of their sources.
    static func assignFolders(_ rows: [FleetSummary.FleetRow]) -> [String] {
        let order = rows.indices.sorted {
            (folderName(rows[$0].host), rows[$0].source ?? "", $0) < (folderName(rows[$1].host), rows[$1].source ?? "", $1)
        }
        var taken: Set<String> = Set(names)
        var result = Array(repeating: "", count: rows.count)
        for i in order {
            let base = folderName(rows[i].host)
            var name = base
            var n = 1
            while taken.contains(name) {
                n += 1
                name = "\(base)-\(n)"
            }
            taken.insert(name)
            result[i] = name
        }
        return result
    }

    /// Writes the fleet files for `rows` (sorted here, most severe first) into `dir`.
    static func write(_ rows: [FleetSummary.FleetRow], into dir: String, options: RenderOptions) throws -> [FleetSummary.FleetRow] {
        let sorted = FleetSummary.sortedBySeverity(rows)
        try FleetSummary.table(sorted, options: options).write(toFile: dir + "/fleet.txt", atomically: true, encoding: .utf8)
        try FleetSummary.jsonLines(sorted).write(toFile: dir + "/fleet.jsonl", atomically: true, encoding: .utf8)
        try FleetReport.markdown(sorted, options: options).write(toFile: dir + "/fleet.md", atomically: true, encoding: .utf8)
        try FleetReport.html(sorted, options: options).write(toFile: dir + "/fleet.html", atomically: true, encoding: .utf8)
        return sorted
    }

    /// Moves (or with `copy`, copies) the files of folder `from` into `to`, replacing files of the
    /// same name there (a previous run's reports), then removes `from` when moving.
    static func place(_ from: String, at to: String, copy: Bool) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: to, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: from) {
            let source = from + "/" + name, target = to + "/" + name
            if copy {
                if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
                try fm.copyItem(atPath: source, toPath: target)
            } else if rename(source, target) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target])
            }
        }
        if !copy { try fm.removeItem(atPath: from) }
    }
}
