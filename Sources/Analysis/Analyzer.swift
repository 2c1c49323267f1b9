import Events
import Journal
import KernelLog

/// The forensic analysis: journal, kernel logs and unit files in, a `PostmortemReport` out.
public enum Analyzer {
    /// Reads the journal once (a small field selection, aggregates only), then works out how
    /// each boot ended, what the analysed boot's units, kernel and PIDs did, and why it died.
    public static func analyze(_ input: AnalysisInput, options: AnalysisOptions) -> PostmortemReport {
        var report = PostmortemReport()
        var scan = JournalScan(since: options.since?.microseconds, until: options.until?.microseconds)
        // A `pid_max=` on a text log's kernel command line sizes the PID space before the scan.
        scan.pidMaxHint = input.kernelLogs.flatMap(\.boots).compactMap { b in
            b.commandLine.flatMap { JournalScan.pidMax(fromCommandLine: $0) }
        }.max()
        let filePaths = input.journal?.files.map(\.path) ?? []
        if let reader = input.journal { scan.scan(reader) }

        let ordered = scan.bootOrder.compactMap { scan.boots[$0] }.sorted { $0.first < $1.first }
        var kernelNotes: [String] = []
        var textRecords = input.kernelRecords
        if !input.kernelLogs.isEmpty {
            let placed = KernelClock.place(files: input.kernelLogs, journal: ordered.map(\.anchor))
            // Lines the journal has come back merged into its own records; keep the others.
            textRecords += placed.records.filter { r in !r.sources.contains { $0.format == .journal } }
            kernelNotes = placed.notes + placed.skipped
        }
        let textByBoot = assignKernelRecords(textRecords, to: ordered, options: options)
        var ends: [(BootEndKind, [String])] = []
        for (i, b) in ordered.enumerated() {
            ends.append(BootEndClassifier.classify(index: i, boots: ordered, filePaths: filePaths, input: input,
                                                   textRecords: textByBoot[b.id] ?? [], options: options))
        }
        report.boots = zip(ordered, ends).map { b, e in
            BootSummary(bootID: b.id, first: Timestamp(microseconds: b.first), last: Timestamp(microseconds: b.last),
                        entries: b.entries, end: e.0, endEvidence: e.1)
        }
        report.host = HostInfo(hostname: nil, machineID: nil)
        if let reader = input.journal {
            // The field hash tables hold every distinct value without reading an entry.
            if let h = reader.values(ofField: "_HOSTNAME").last {
                report.host.hostname = String(decoding: h, as: UTF8.self)
            }
            if let m = reader.values(ofField: "_MACHINE_ID").last {
                report.host.machineID = String(decoding: m, as: UTF8.self)
            }
        }
        report.inputs = JournalFileState.merge(input.inputs, reader: input.journal)
        report.notes = JournalFileState.lossNotes(input.journal) + kernelNotes

        let selected = selectBoots(ordered, ends: ends.map(\.0), selection: options.boot, notes: &report.notes)
        if let reader = input.journal {
            addReaderNotes(reader, to: &report)
        }
        if ordered.isEmpty, !textRecords.isEmpty {
            // Kernel logs alone: analyse them as one boot without a journal.
            analyzeKernelOnly(textRecords, input: input, options: options, into: &report)
            return report
        }
        guard !selected.isEmpty else {
            if input.journal != nil { report.notes.append("The journal holds no entries.") }
            return report
        }
        if options.boot != .all, let b = selected.first, let i = ordered.firstIndex(where: { $0 === b }) {
            report.analyzedBoot = b.id
            let next = i + 1 < ordered.count ? ordered[i + 1] : nil
            let gap = next.map { Double($0.first - b.last) / 1e6 }
            report.end = BootEnd(kind: ends[i].0, lastEntry: Timestamp(microseconds: b.last),
                                 nextBootFirst: next.map { Timestamp(microseconds: $0.first) }, gapSeconds: gap,
                                 evidence: ends[i].1)
            if let gap, gap > 0, ends[i].0 == .unclean {
                report.notes.append("The journal of boot \(b.id.prefix(12)) ends \(Format.duration(gap)) before the next boot; "
                                    + "up to SyncIntervalSec (5 min) of non-critical messages before a crash can be lost.")
            }
        }

        var boot = BootAnalysis(options: options)
        for b in selected {
            boot.add(b, textRecords: textByBoot[b.id] ?? [])
        }
        boot.finish(unitFiles: input.unitFiles, into: &report)
        return report
    }

    /// Groups text-log records by the boot they belong to: the boot the kernel module matched,
    /// else the boot whose time range (up to the next boot's start) holds the record. Crash-dump
    /// records with only a kernel stamp go to the boot the crash ended, put on its clock.
    static func assignKernelRecords(_ records: [KernelRecord], to boots: [BootState],
                                    options: AnalysisOptions) -> [String: [KernelRecord]] {
        var out: [String: [KernelRecord]] = [:]
        let ids = Set(boots.map(\.id))
        let crashBoot = BootEndClassifier.crashArtefactBoot(boots, options: options).map { boots[$0] }
        for var r in records {
            // A wall-clock time before 1990 or after 2200 is a parse accident, not a time.
            if let w = r.wallclockUSec, w < 631_152_000_000_000 || w > 7_258_118_400_000_000 { r.wallclockUSec = nil }
            if let id = r.bootID, ids.contains(id) {
                if r.wallclockUSec == nil, let m = r.monotonicUSec, let b = boots.first(where: { $0.id == id }) {
                    r.wallclockUSec = b.wallclock(monotonic: m)
                    r.clock = .bootAnchor
                }
                out[id, default: []].append(r)
                continue
            }
            guard let t = r.wallclockUSec else {
                let dump = r.sources.contains { $0.format == .pstore || $0.format == .kdump }
                if dump, let b = crashBoot, let m = r.monotonicUSec {
                    r.wallclockUSec = b.wallclock(monotonic: m)
                    r.clock = .bootAnchor
                    r.bootID = b.id
                    r.isLastWords = r.isLastWords || (r.wallclockUSec ?? 0) > b.last
                    out[b.id, default: []].append(r)
                }
                continue
            }
            for (i, b) in boots.enumerated() {
                let end = i + 1 < boots.count ? boots[i + 1].first : Int64.max
                if t >= b.first &- 120_000_000 && t < end {
                    out[b.id, default: []].append(r)
                    break
                }
            }
        }
        return out
    }

    static func selectBoots(_ boots: [BootState], ends: [BootEndKind], selection: BootSelection,
                            notes: inout [String]) -> [BootState] {
        guard !boots.isEmpty else { return [] }
        switch selection {
        case .all:
            return boots
        case .auto:
            if let i = ends.lastIndex(of: .unclean) { return [boots[i]] }
            if let i = ends.lastIndex(of: .clean) { return [boots[i]] }
            return [boots[boots.count - 1]]
        case .offset(let n):
            let i = boots.count - 1 + min(0, n)
            guard i >= 0, n <= 0 else {
                notes.append("Boot offset \(n) is out of range: the set holds \(boots.count) boots.")
                return []
            }
            return [boots[i]]
        case .index(let n):
            guard n >= 1, n <= boots.count else {
                notes.append("Boot index \(n) is out of range: the set holds \(boots.count) boots.")
                return []
            }
            return [boots[n - 1]]
        case .id(let id):
            let want = id.lowercased().replacingDashes()
            let hits = boots.filter { $0.id.hasPrefix(want) }
            guard hits.count == 1 else {
                notes.append(hits.isEmpty ? "No boot \(id) in the journal." : "Boot ID prefix \(id) is ambiguous.")
                return []
            }
            return hits
        }
    }

    static func addReaderNotes(_ reader: JournalReader, to report: inout PostmortemReport) {
        for p in reader.unreadable {
            report.notes.append("Journal file could not be read: \(p.description)")
        }
    }

    static func analyzeKernelOnly(_ records: [KernelRecord], input: AnalysisInput, options: AnalysisOptions,
                                  into report: inout PostmortemReport) {
        var boot = BootAnalysis(options: options)
        let pseudo = BootState(id: "")
        pseudo.first = records.compactMap(\.wallclockUSec).min() ?? 0
        pseudo.last = records.compactMap(\.wallclockUSec).max() ?? 0
        boot.add(pseudo, textRecords: records, textOnly: true)
        boot.finish(unitFiles: input.unitFiles, into: &report)
        report.notes.append("No journal: the analysis rests on kernel logs alone.")
    }
}

extension String {
    func replacingDashes() -> String { String(filter { $0 != "-" }) }
}

/// Number formatting without Foundation.
enum Format {
    static func fixed(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return "0" }
        guard abs(v) < 1e15 else { return String(v) }
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let r = (abs(v) * p).rounded()
        let whole = Int(r / p)
        let frac = Int(r.truncatingRemainder(dividingBy: p))
        var s = (v < 0 && r > 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let f = String(frac)
            s += "." + String(repeating: "0", count: max(0, digits - f.count)) + f
        }
        return s
    }

    /// 3,000.
    static func count(_ n: Int) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 120 { return fixed(seconds, seconds < 10 ? 1 : 0) + " s" }
        if seconds < 7200 { return fixed(seconds / 60, 0) + " min" }
        return fixed(seconds / 3600, 1) + " h"
    }

    /// `11:02:13` (UTC).
    static func clock(_ us: Int64) -> String {
        let c = CivilTime(microseconds: us)
        func p(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(p(c.hour)):\(p(c.minute)):\(p(c.second))"
    }

    static func seconds(_ s: Double) -> String {
        s < 1 ? "\(Int((s * 1000).rounded()))ms" : fixed(s, s < 10 ? 1 : 0) + "s"
    }
}
