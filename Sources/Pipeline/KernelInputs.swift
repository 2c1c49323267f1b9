import Analysis
import Foundation
import Inputs
import Journal
import KernelLog

/// Kernel text inputs of one host (kern.log, dmesg, pstore, kdump), parsed. The analysis
/// puts them on the journal's clock, from its own pass over the journal.
struct KernelInputs {
    var files: [KernelLogFile] = []
    var inputs: [InputSummary] = []
    var problems: [String] = []
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
                if let s = file.skipped.summary(path: file.path) { out.problems.append(s) }
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
        // Skipped lines are named on stderr, one line per file, like a damaged journal.
        if let s = file.skipped.summary(path: file.path) { problems.append(s) }
        if kind != "kernel-log" { crashArtefacts.append(source.path) }
        inputs.append(InputSummary(path: source.path, kind: kind, entries: file.records.count,
                                   health: InputHealth(status: file.skipped.count > 0 ? "damaged" : "ok",
                                                       problems: Self.skippedProblems(file))))
    }

    private static func skippedProblems(_ file: KernelLogFile) -> [String] {
        guard file.skipped.count > 0 else { return [] }
        return ["\(file.skipped.count) lines skipped"] + file.skipped.samples.prefix(3).map(\.description)
    }
}
