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
    /// Kernel logs left out for the memory budget, said in the report's notes.
    var budgetNotes: [String] = []

    /// Kernel text read per host is `budget.kernelText` (parsed text costs about eight times
    /// its size in memory); the newest logs are read first (the crash is at their end), a log
    /// larger than what is left is read from its end as far as the budget goes, and older
    /// rotations past it are named and skipped, with the cap and the budget it came from.
    static func read(_ host: HostInputs, budget: MemoryBudget = .standard) -> KernelInputs {
        var out = KernelInputs()
        let textBudget = budget.kernelText
        let cap = budget.explain(textBudget, "of kernel text per host")
        var left = textBudget
        // kdump first (the crash itself), then logs newest rotation first; results keep the
        // discovery order (oldest rotation first), which the clock's year inference follows.
        let texts: [(TextSource, SourceKind)] = host.kdump.map { ($0, .kdump) } + host.kernelLogs.reversed().map { ($0, .kernelLog) }
        /// `firstLine`: the number of the first line read (a log read from its end).
        var loaded: [(source: TextSource, kind: SourceKind, bytes: [UInt8], firstLine: Int)] = []
        // The newest log of a family (and a kdump record) past what is left is read from its end
        // once the others that fit are read; its older rotations then wait for it.
        let newest = host.newestKernelLogs.union(host.kdump.map(\.path))
        var fromTheEnd: [(source: TextSource, kind: SourceKind, size: Int)] = []
        for (source, kind) in texts {
            guard left > 0 else {
                out.skip(source, kind: kind, reason: "not read: the newer kernel logs used the " + cap, budget: true)
                continue
            }
            // Refused before it is read: a file past what is left is not read and then dropped.
            // A newest log that is compressed may expand past what is left whatever its size: it
            // is read from its end too (whole, when all of it fits).
            if let size = source.storedSize, size > left || newest.contains(source.path) && source.isCompressed {
                if newest.contains(source.path) {
                    fromTheEnd.append((source, kind, size))
                    continue
                }
                if fromTheEnd.contains(where: { Self.sameFamily($0.source, source) }) {
                    out.skip(source, kind: kind, reason: "not read: its newer rotation is read from its end, as far as the "
                             + cap + " goes", budget: true)
                    continue
                }
                let limit = left == textBudget ? cap : "\(MemoryBudget.format(left)) left of " + cap
                out.skip(source, kind: kind, reason: "\(size) bytes is over the limit: \(limit); skipped", budget: true)
                continue
            }
            if fromTheEnd.contains(where: { Self.sameFamily($0.source, source) }) {
                out.skip(source, kind: kind, reason: "not read: its newer rotation is read from its end, as far as the "
                         + cap + " goes", budget: true)
                continue
            }
            do {
                let bytes = try source.load(limit: left)
                left -= bytes.count
                loaded.append((source, kind, bytes, 1))
            } catch {
                out.skip(source, kind: kind, reason: error.description)
            }
        }
        // What is left is shared by the logs read from their end.
        let share = fromTheEnd.isEmpty ? 0 : left / fromTheEnd.count
        for (source, kind, size) in fromTheEnd {
            let limit = share == textBudget ? cap : "\(MemoryBudget.format(share)) left of " + cap
            do {
                guard share > 0 else {
                    out.skip(source, kind: kind, reason: "\(size) bytes is over the limit: \(limit); skipped", budget: true)
                    continue
                }
                let (tail, unread, unreadLines, damage) = try source.loadTail(
                    limit: share, cap: ExpansionCap.here(compressedSize: size, budget: budget))
                if let damage { out.problems.append(damage.description) }
                guard !tail.isEmpty else {
                    out.skip(source, kind: kind, reason: "\(size) bytes is over the limit: \(limit); no line ends in "
                             + "its last \(MemoryBudget.format(share)); skipped", budget: true)
                    continue
                }
                // Lines keep their numbers in the whole text, so that `file:line` evidence points at them.
                loaded.append((source, kind, Array(tail), (unreadLines ?? 0) + 1))
                guard unread > 0 else { continue }
                // The text's own size: a compressed log's once expanded.
                let whole = source.isCompressed ? "\(tail.count + unread) bytes once expanded" : "\(size) bytes"
                let read = "its last \(MemoryBudget.format(tail.count)) are read"
                // Past what is counted, evidence lines are numbered from the first line read.
                let numbered = unreadLines == nil ? "; its lines are numbered from the first one read" : ""
                out.budgetNotes.append("Partly read: \(source.path): \(whole) is over the limit: \(limit); "
                                       + "\(read), the \(MemoryBudget.format(unread)) before them are not" + numbered)
                out.problems.append("\(source.path): \(whole) is over the limit: \(limit); only \(read)")
            } catch {
                out.skip(source, kind: kind, reason: error.description)
            }
        }
        let order = host.kernelLogs.map(\.path)
        loaded.sort { (order.firstIndex(of: $0.source.path) ?? Int.max) < (order.firstIndex(of: $1.source.path) ?? Int.max) }
        for l in loaded { out.parse(l.bytes, source: l.source, kind: l.kind, firstLine: l.firstLine) }
        // pstore parts on disk are reassembled per record folder; in-memory ones are read one by one.
        var folders: [String] = []
        for source in host.pstore {
            if source.isOnDisk {
                let folder = (source.path as NSString).deletingLastPathComponent
                if !folders.contains(folder) { folders.append(folder) }
            } else {
                out.add(source, kind: .pstore)
            }
        }
        for folder in folders {
            for file in PstoreReader.read(directory: folder) where !file.records.isEmpty {
                out.files.append(file)
                if let s = file.skipped.summary(path: file.path) { out.problems.append(s) }
                // The previous boot's console is kept after every warm reboot: no crash artefact.
                if file.format.isCrashDump { out.crashArtefacts.append(file.path) }
                out.inputs.append(InputSummary(path: file.path, kind: .pstore, entries: file.records.count,
                                               health: InputHealth(status: file.skipped.count > 0 ? .damaged : .ok,
                                                                   problems: skippedProblems(file))))
            }
        }
        return out
    }

    /// Two logs of one rotation family (`kern.log` and `kern.log.1`), as discovery groups them.
    private static func sameFamily(_ a: TextSource, _ b: TextSource) -> Bool {
        HostInputs.rotationFamily(a.path) == HostInputs.rotationFamily(b.path)
    }

    /// With `budget`, the file was left out for the memory budget, and the report's notes say so.
    private mutating func skip(_ source: TextSource, kind: SourceKind, reason: String, budget: Bool = false) {
        let message = reason.hasPrefix(source.path) ? reason : "\(source.path): \(reason)"
        problems.append(message)
        if budget { budgetNotes.append("Not read: \(message)") }
        inputs.append(InputSummary(path: source.path, kind: kind, entries: 0,
                                   health: InputHealth(status: .unreadable, problems: [message])))
    }

    private mutating func add(_ source: TextSource, kind: SourceKind) {
        let bytes: [UInt8]
        do {
            bytes = try source.load()
        } catch {
            return skip(source, kind: kind, reason: error.description)
        }
        parse(bytes, source: source, kind: kind)
    }

    private mutating func parse(_ bytes: [UInt8], source: TextSource, kind: SourceKind, firstLine: Int = 1) {
        // Inputs gives seconds since the epoch; the kernel-log reader takes microseconds.
        let mtime = source.modificationTime.map { $0.multipliedReportingOverflow(by: 1_000_000) }.flatMap { $0.overflow ? nil : $0.partialValue }
        let file = KernelLogReader.parse(bytes: bytes, path: source.path, modificationTime: mtime, firstLine: firstLine)
        files.append(file)
        // Skipped lines are named on stderr, one line per file, like a damaged journal.
        if file.skipped.wholeFileUnrecognised(read: file.records.count + file.messages.count) {
            problems.append("\(file.path): no line carries a time, a kernel stamp or a sender (\(HumanFormat.count(file.skipped.count)) line\(file.skipped.count == 1 ? "" : "s")): "
                + "no log to read (`journalctl -o cat` writes such text; `-o export` or `-o short-iso-precise` keeps what the analysis needs)")
        } else if let s = file.skipped.summary(path: file.path) {
            problems.append(s)
        }
        if kind != .kernelLog, file.format.isCrashDump { crashArtefacts.append(source.path) }
        inputs.append(InputSummary(path: source.path, kind: kind, entries: file.records.count + file.messages.count,
                                   health: InputHealth(status: file.skipped.count > 0 ? .damaged : .ok,
                                                       problems: Self.skippedProblems(file))))
    }

    private static func skippedProblems(_ file: KernelLogFile) -> [String] {
        guard file.skipped.count > 0 else { return [] }
        return ["\(file.skipped.count) lines skipped"] + file.skipped.samples.prefix(3).map(\.description)
    }
}
