import Foundation
import Analysis
import Detection
import Inputs
import Journal
import KernelLog
import Report
#if canImport(Glibc)
import Glibc
#endif

/// The outcome of analysing one host: the report, and one line per input problem for stderr.
public struct HostResult: Sendable {
    public var label: String
    public var report: PostmortemReport
    public var problems: [String]
    /// False when not one input could be read (the CLI then exits 3).
    public var readAnything: Bool
    public var entriesRead: Int
    /// Journal files that could be opened (they may hold no entries).
    public var journalFilesOpened: Int = 0
}

/// One host's run through the pipeline: open its inputs, analyse, and collect problems.
public enum HostAnalysis {
    /// What is read into memory is bounded by shares of `budget`; what it left out is said in
    /// the problems and the report's notes.
    public static func run(_ host: HostInputs, options: AnalysisOptions, budget: MemoryBudget = .standard,
                           progress: Progress? = nil) -> HostResult {
        var problems = host.problems.map(\.description)
        var inputs: [InputSummary] = []

        // read: journal files, each opened on its own; one bad file never stops the rest.
        var files: [JournalFile] = []
        var dirty: [String] = []
        for source in host.journalFiles {
            do {
                files.append(try source.open())
                if source.name.hasSuffix(".journal~") { dirty.append(source.name) }
            } catch {
                problems.append(error.description)
                inputs.append(InputSummary(path: source.name, kind: .journal, entries: 0,
                                           health: InputHealth(status: .unreadable, problems: [error.description])))
            }
        }
        progress?.files(files.count, bytes: files.reduce(0) { $0 + $1.health.fileSize }, label: host.label)
        let reader = files.isEmpty ? nil : JournalReader(files: files)

        // read: kernel text logs, pstore and kdump records.
        // The analysis puts them on the journal's clock from its own pass over the journal.
        let kernel = KernelInputs.read(host, budget: budget)
        problems += kernel.problems
        inputs += kernel.inputs

        var analysisInput = AnalysisInput(
            journal: reader, kernelLogs: kernel.files,
            unitFiles: host.unitFiles.map { (path: Self.pathOnHost($0.path), text: $0.text) },
            inputs: inputs, dirtyJournalFiles: dirty, crashArtefacts: kernel.crashArtefacts)
        analysisInput.onlyBoots = host.onlyBoots
        analysisInput.hostFiles = host.hostFiles.map { (path: $0.hostPath, text: $0.text) }
        analysisInput.unitLinks = host.unitProvenance.links.map { (target: $0.target, unit: $0.unit) }
        analysisInput.unitPackages = host.unitProvenance.packages
        let started = Progress.now()
        var report = Analyzer.analyze(analysisInput, options: options)
        if report.host.hostname == nil { report.host.hostname = host.hostname }
        // Files discovery left out are named in the report too, not only on stderr.
        report.notes += host.problems.filter { $0.reason.hasSuffix("skipped") || $0.reason.contains("--memory-budget") }
            .prefix(25).map { .text("Not read: \($0.description)") }
        report.notes += kernel.budgetNotes.map(ReportNote.text)
        if report.host.machineID == nil { report.host.machineID = host.machineID }
        report.detection = Backtest.run(report)
        let entries = reader?.health.reduce(0) { $0 + $1.entriesRead } ?? 0
        progress?.done(entries: entries, seconds: Progress.now() - started)
        for h in reader?.health ?? [] where h.isDamaged {
            problems.append("\(h.path): \(h.summary)")
        }
        let anything = (reader != nil && entries > 0) || kernel.files.contains { !$0.records.isEmpty || !$0.messages.isEmpty }
        return HostResult(label: host.label, report: report, problems: problems, readAnything: anything,
                          entriesRead: entries, journalFilesOpened: files.count)
    }
}

extension HostAnalysis {
    /// Where a unit file sits on the analysed machine (`/etc/systemd/system/x.service`),
    /// whatever folder or archive the copy was read from, so that quoted lines can be used as they are.
    static func pathOnHost(_ path: String) -> String {
        for marker in ["/etc/systemd/", "/run/systemd/", "/usr/lib/systemd/", "/lib/systemd/"] {
            if let r = path.range(of: marker, options: .backwards) {
                return String(path[r.lowerBound...])
            }
        }
        if let colon = path.lastIndex(of: ":") { return "/" + path[path.index(after: colon)...].drop { $0 == "/" || $0 == "." } }
        return path
    }
}

/// Progress lines on stderr, for a person watching a long read.
public final class Progress: @unchecked Sendable {
    private let enabled: Bool

    /// Enabled only when stderr is a terminal and `quiet` is off.
    public init(quiet: Bool) {
        enabled = !quiet && isatty(2) != 0
    }

    func files(_ n: Int, bytes: Int, label: String) {
        guard enabled else { return }
        Console.error("postmortem: \(label): reading \(n) journal files (\(bytes >> 20) MiB)…")
    }

    func done(entries: Int, seconds: Double) {
        guard enabled, seconds > 0 else { return }
        let rate = Double(entries) / seconds
        Console.error("postmortem: analysed \(entries) entries in \(String(format1: seconds)) s (\(Int(rate)) entries/s)")
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

extension String {
    init(format1 v: Double) {
        let tenths = Int((v * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }
}

/// The analysed machine's own time zone, from what its tree says (see `HostInputs.timeZone`
/// and `localtimeFile`), and the note a report shows when times are put in it.
public struct MachineZone: Sendable {
    public var zone: DisplayZone
    /// `nil` for a machine kept in UTC: the report says UTC anyway.
    public var note: String?

    /// `nil` when the tree names no zone.
    public init?(of host: HostInputs, hint: String? = nil) {
        guard let zone = DisplayZone.machine(name: host.timeZone, tzif: host.localtimeFile) else { return nil }
        self.zone = zone
        if zone != .utc {
            let what = host.timeZone ?? "the rules of its copied localtime file"
            note = "Times are shown in the machine's own zone, \(what) (\(host.timeZoneSource ?? "etc/localtime"))"
                + (hint.map { "; " + $0 } ?? ".")
        }
    }
}
