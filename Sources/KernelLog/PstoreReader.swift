import Foundation

/// Reads pstore folders: `/sys/fs/pstore` (files `dmesg-ramoops-N`, `dmesg-efi-ID`,
/// `dmesg-efi_pstore-ID`) and `/var/lib/systemd/pstore` (the same files moved into
/// per-record subfolders, maybe with systemd-pstore's reassembled `dmesg.txt`).
public enum PstoreReader {
    /// One `KernelLogFile` per crash record, its parts put back in text order.
    public static func read(directory: String) -> [KernelLogFile] {
        var out: [KernelLogFile] = []
        var folders = [directory]
        let fm = FileManager.default
        if let subs = try? fm.contentsOfDirectory(atPath: directory) {
            for s in subs.sorted() {
                var isDir: ObjCBool = false
                let p = directory + "/" + s
                if fm.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { folders.append(p) }
            }
        }
        for folder in folders {
            // systemd-pstore names folders after the record id less its last six digits,
            // not after a time; times come from the records themselves.
            out += readFolder(folder, folderTime: nil)
        }
        return out
    }

    /// A pstore part as read from one file.
    struct Part {
        var file: KernelLogFile
        var bytesName: String
        var reason: String
        var count: Int
        var part: Int
        var timeUSec: Int64?
    }

    static func readFolder(_ folder: String, folderTime: Int64?) -> [KernelLogFile] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        var parts: [Part] = []
        var others: [KernelLogFile] = []
        var dmesgTxt: String?
        for name in names {
            let path = folder + "/" + name
            if name == "dmesg.txt" { dmesgTxt = path; continue }
            guard name.hasPrefix("dmesg-") || name.hasPrefix("console-ramoops") else { continue }
            guard let file = try? KernelLogReader.read(path: path) else { continue }
            if name.hasPrefix("console-") {
                others.append(file)
                continue
            }
            // Only a time the record states groups parts; file times differ by the copy.
            var p = Part(file: file, bytesName: name, reason: file.pstore?.reason ?? "Unknown",
                         count: file.pstore?.count ?? 0, part: file.pstore?.parts.first ?? 1,
                         timeUSec: file.recordTimeUSec)
            // EFI ids encode (timestamp * 100 + part) * 1000 + count.
            if let id = efiID(name) {
                if file.pstore == nil {
                    p.part = Int((id / 1000) % 100)
                    p.count = Int(id % 1000)
                }
                let seconds = id / 100_000
                if seconds > 0 && seconds < 1 << 34 { p.timeUSec = Int64(seconds) * 1_000_000 }
            }
            parts.append(p)
        }
        // Group parts of one dump: same reason and counter, written within a minute.
        var groups: [[Part]] = []
        for p in parts.sorted(by: { ($0.reason, $0.count, $0.timeUSec ?? 0) < ($1.reason, $1.count, $1.timeUSec ?? 0) }) {
            let sameTime = closeInTime(groups.last?.last, p)
            if var last = groups.last, let q = last.last, q.reason == p.reason, q.count == p.count, sameTime,
               !last.contains(where: { $0.part == p.part }) {
                last.append(p)
                groups[groups.count - 1] = last
            } else {
                groups.append([p])
            }
        }
        var out = groups.map { assemble($0, folderTime: folderTime) }
        if out.isEmpty, let dmesgTxt, var file = try? KernelLogReader.read(path: dmesgTxt) {
            file.format = .pstore
            for i in file.records.indices {
                for s in file.records[i].sources.indices { file.records[i].sources[s].format = .pstore }
            }
            file.recordTimeUSec = folderTime ?? file.modificationTimeUSec
            out.append(file)
        }
        return out + others
    }

    /// Part1 is the newest chunk of the log, so the text reads PartN … Part1.
    static func closeInTime(_ a: Part?, _ b: Part) -> Bool {
        guard let x = a?.timeUSec, let y = b.timeUSec else { return true }
        return timeDistance(x, y) <= 60_000_000
    }

    static func assemble(_ group: [Part], folderTime: Int64?) -> KernelLogFile {
        let ordered = group.sorted { $0.part > $1.part }
        var records: [KernelRecord] = []
        var skipped = SkippedLines()
        var notes: [String] = []
        for p in ordered {
            records += p.file.records
            skipped.count += p.file.skipped.count
            skipped.markerLines += p.file.skipped.markerLines
            for s in p.file.skipped.samples where skipped.samples.count < SkippedLines.maxSamples { skipped.samples.append(s) }
        }
        let newest = ordered.last ?? group[0]
        let partNumbers = ordered.map(\.part)
        if ordered.count > 1 {
            notes.append("\(newest.file.path): pstore \(newest.reason)#\(newest.count) reassembled from parts \(partNumbers.map(String.init).joined(separator: ", "))")
        }
        let missing = (1...(partNumbers.max() ?? 1)).filter { !partNumbers.contains($0) }
        if !missing.isEmpty {
            notes.append("\(newest.file.path): pstore \(newest.reason)#\(newest.count) lacks part\(missing.count == 1 ? "" : "s") \(missing.map(String.init).joined(separator: ", "))")
        }
        let boots = BootSplitter.split(&records, journalStarts: [])
        return KernelLogFile(path: newest.file.path, format: .pstore, records: records, boots: boots, skipped: skipped,
                             modificationTimeUSec: newest.file.modificationTimeUSec,
                             recordTimeUSec: ordered.lazy.compactMap(\.timeUSec).first ?? folderTime ?? newest.file.modificationTimeUSec,
                             pstore: PstoreInfo(reason: newest.reason, count: newest.count, parts: partNumbers), notes: notes)
    }

    static func efiID(_ name: String) -> UInt64? {
        for prefix in ["dmesg-efi_pstore-", "dmesg-efi-"] where name.hasPrefix(prefix) {
            return UInt64(name.dropFirst(prefix.count))
        }
        return nil
    }
}
