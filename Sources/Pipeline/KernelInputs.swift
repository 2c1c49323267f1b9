import Analysis
import Foundation
import Inputs
import Journal
import KernelLog

/// Kernel text inputs of one host (kern.log, dmesg, pstore, kdump), parsed and put on the
/// journal's clock.
struct KernelInputs {
    var files: [KernelLogFile] = []
    var records: [KernelRecord] = []
    var inputs: [InputSummary] = []
    var problems: [String] = []
    var notes: [String] = []
    var crashArtefacts: [String] = []

    static func read(_ host: HostInputs) -> KernelInputs {
        var out = KernelInputs()
        let texts: [(TextSource, String)] = host.kernelLogs.map { ($0, "kernel-log") } + host.kdump.map { ($0, "kdump") }
        for (source, kind) in texts {
            out.add(source, kind: kind)
        }
        // pstore parts on disk are reassembled per record folder; in-memory ones are read one by one.
        var folders: [String] = []
        for source in host.pstore {
            if source.bytes == nil {
                let folder = (source.path as NSString).deletingLastPathComponent
                if !folders.contains(folder) { folders.append(folder) }
            } else {
                out.add(source, kind: "pstore")
            }
        }
        for folder in folders {
            for file in PstoreReader.read(directory: folder) where !file.records.isEmpty {
                out.files.append(file)
                out.crashArtefacts.append(file.path)
                out.inputs.append(InputSummary(path: file.path, kind: "pstore", entries: file.records.count,
                                               health: InputHealth(status: file.skipped.count > 0 ? "damaged" : "ok",
                                                                   problems: skippedProblems(file))))
            }
        }
        return out
    }

    private mutating func add(_ source: TextSource, kind: String) {
        let bytes: [UInt8]
        do {
            bytes = try source.load()
        } catch {
            problems.append(error.description)
            inputs.append(InputSummary(path: source.path, kind: kind, entries: 0,
                                       health: InputHealth(status: "unreadable", problems: [error.description])))
            return
        }
        // Inputs gives seconds since the epoch; the kernel-log reader takes microseconds.
        let mtime = source.modificationTime.map { $0.multipliedReportingOverflow(by: 1_000_000) }.flatMap { $0.overflow ? nil : $0.partialValue }
        let file = KernelLogReader.parse(bytes: bytes, path: source.path, modificationTime: mtime)
        files.append(file)
        if kind != "kernel-log" { crashArtefacts.append(source.path) }
        inputs.append(InputSummary(path: source.path, kind: kind, entries: file.records.count,
                                   health: InputHealth(status: file.skipped.count > 0 ? "damaged" : "ok",
                                                       problems: Self.skippedProblems(file))))
    }

    private static func skippedProblems(_ file: KernelLogFile) -> [String] {
        guard file.skipped.count > 0 else { return [] }
        return ["\(file.skipped.count) lines skipped"] + file.skipped.samples.prefix(3).map(\.description)
    }

    /// Puts the text records on the journal's clock (boot anchors from the journal's own
    /// index: each boot's first and last entry and its kernel entries) and drops the lines
    /// the journal holds already, so that the analysis counts each kernel message once.
    mutating func place(with reader: JournalReader?) {
        guard !files.isEmpty else { return }
        var anchors: [JournalBootAnchor] = []
        if let reader {
            var kernelByBoot: [ID128: [KernelRecord]] = [:]
            var pairs: [ID128: [(realtime: Int64, monotonic: UInt64)]] = [:]
            reader.forEachEntry(matching: "_TRANSPORT", value: "kernel",
                                fields: .only(["MESSAGE", "_SOURCE_MONOTONIC_TIMESTAMP", "PRIORITY", "SYSLOG_FACILITY"])) { e in
                let mono = e["_SOURCE_MONOTONIC_TIMESTAMP"].flatMap { UInt64($0) }
                var record = KernelRecord(text: e["MESSAGE"] ?? "", monotonicUSec: mono ?? e.monotonic,
                                          wallclockUSec: Int64(clamping: e.realtime), clock: .journal,
                                          priority: e["PRIORITY"].flatMap { Int($0) },
                                          facility: e["SYSLOG_FACILITY"].flatMap { Int($0) },
                                          bootID: e.bootID.description,
                                          sources: [RecordSource(path: "journal:" + e.cursor, line: 0, format: .journal)])
                record.uncertaintyUSec = 0
                kernelByBoot[e.bootID, default: []].append(record)
                if pairs[e.bootID, default: []].count < 256 {
                    pairs[e.bootID, default: []].append((Int64(clamping: e.realtime), e.monotonic))
                }
            }
            for b in reader.bootRanges() {
                var p = pairs[b.bootID] ?? []
                p.append((Int64(clamping: b.firstRealtime), b.firstMonotonic))
                p.append((Int64(clamping: b.lastRealtime), b.lastMonotonic))
                p.sort { $0.realtime < $1.realtime }
                anchors.append(JournalBootAnchor(bootID: b.bootID.description, firstRealtime: Int64(clamping: b.firstRealtime),
                                                 lastRealtime: Int64(clamping: b.lastRealtime), anchors: p,
                                                 kernelRecords: kernelByBoot[b.bootID] ?? []))
            }
        }
        let placed = KernelClock.place(files: files, journal: anchors)
        notes += placed.notes
        problems += placed.skipped
        records = placed.records.filter { r in !r.sources.contains { $0.format == .journal } }
    }
}
