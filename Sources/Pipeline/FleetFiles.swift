import Foundation
import KernelLog
import Report
#if canImport(Glibc)
import Glibc
#endif

/// What `batch` and `fleet merge` both write: the report folder names of a fleet and its
/// `fleet.txt`, `fleet.jsonl`, `fleet.md` and `fleet.html`. Everything here depends only on the
/// set of rows, never on the order hosts were met, so that shards merged equal one whole run.
enum FleetFiles {
    static let names = ["fleet.txt", "fleet.jsonl", "fleet.md", "fleet.html"]

    /// The file in a `batch --out` folder naming the shard whose reports it holds.
    static let shardMarker = ".postmortem-shard"

    /// Claims `dir` for the reports of `shard` (`FleetShard.all` for a whole run): the folder's
    /// host folders and fleet files are one shard's, and two shards writing one folder would
    /// overwrite each other's (a host name both have, `fleet.jsonl`). The claim is a marker file
    /// made in one step (linked into place, so a shard starting at the same moment sees it
    /// whole); the same shard again (a re-run) may write the folder. A folder a version without
    /// markers wrote is claimed as it is.
    static func claim(_ dir: String, for shard: FleetShard) throws(FileOutput.Failure) {
        let marker = dir + "/" + shardMarker
        let mine = shard.description + "\n"
        let draft = marker + ".\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileOutput.write(mine, to: draft, atomically: false)
        defer { unlink(draft) }
        if link(draft, marker) == 0 { return }
        guard errno == EEXIST else {
            throw FileOutput.Failure(path: marker, reason: String(cString: strerror(errno)))
        }
        let held: String
        do {
            held = String(decoding: try RegularFile.read(path: marker, limit: 64).0, as: UTF8.self)
        } catch {
            throw FileOutput.Failure(path: marker, reason: "cannot be read: \(error.detail)")
        }
        guard held != mine else { return }
        let theirs = held.trimmingCharacters(in: .whitespacesAndNewlines)
        let whose = theirs == FleetShard.all.description ? "a whole batch run" : "shard \(theirs)"
        throw FileOutput.Failure(path: dir, reason: "it holds the reports of \(whose) (\(shardMarker)); "
                                 + "give each shard a folder of its own and merge them with `postmortem fleet merge`")
    }

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
        try FileOutput.write(FleetSummary.table(sorted, options: options), to: dir + "/fleet.txt", atomically: true)
        try FileOutput.write(FleetSummary.jsonLines(sorted), to: dir + "/fleet.jsonl", atomically: true)
        try FileOutput.write(FleetReport.markdown(sorted, options: options), to: dir + "/fleet.md", atomically: true)
        try FileOutput.write(FleetReport.html(sorted, options: options), to: dir + "/fleet.html", atomically: true)
        return sorted
    }

    /// Moves (or with `copy`, copies) the files of folder `from` into `to`, replacing files of the
    /// same name there (a previous run's reports), then removes `from` when moving.
    /// A failure is a `FileOutput.Failure` naming the file and the system's reason.
    static func place(_ from: String, at to: String, copy: Bool) throws(FileOutput.Failure) {
        try FileOutput.makeFolder(to)
        // The folder is one of ours (a staging folder or a shard's host folder) holding report files.
        guard let folder = opendir(from) else {
            throw FileOutput.Failure(path: from, reason: "cannot be listed: " + String(cString: strerror(errno)))
        }
        closedir(folder)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: from)) ?? [] {
            let source = from + "/" + name, target = to + "/" + name
            if copy {
                let bytes: [UInt8]
                do { bytes = try RegularFile.read(path: source, limit: 1 << 30).0 } catch {
                    throw FileOutput.Failure(path: source, reason: "cannot be read: \(error.detail)")
                }
                try FileOutput.write(String(decoding: bytes, as: UTF8.self), to: target, atomically: true)
            } else if rename(source, target) != 0 {
                throw FileOutput.Failure(path: target, reason: String(cString: strerror(errno)))
            }
        }
        if !copy { try? FileManager.default.removeItem(atPath: from) }
    }
}
