import Analysis
import Foundation
import KernelLog
import Report
import SystemdJournal
#if canImport(Glibc)
import Glibc
#endif

/// A folder of reports named after the boot they are about: `DIR/<boot-id>/report.md`,
/// `report.json`, `report.html` (`postmortem analyze --out-dir DIR`, and what
/// `postmortem-boot.service` leaves in `/var/lib/postmortem`). `batch` writes its host folders
/// through `write` too.
public enum ReportFolder {
    /// What `--out-dir` writes, in this order.
    public static let formats: [ReportFormat] = [.markdown, .json, .html]

    /// The folder a report goes to: the analysed boot's ID (32 hex digits), else `no-boot-id`
    /// (an analysis of kernel logs alone has no boot ID).
    public static func name(for report: PostmortemReport) -> String {
        guard let id = report.analyzedBoot, isBootID(id) else { return "no-boot-id" }
        return id
    }

    /// Only folders named like a boot ID are ever pruned: whatever else lies in DIR is left alone.
    static func isBootID(_ name: String) -> Bool {
        name.utf8.count == 32 && name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// The file name of one format's report.
    public static func fileName(_ format: ReportFormat) -> String {
        switch format {
        case .markdown: return "report.md"
        case .json: return "report.json"
        case .html: return "report.html"
        case .text: return "report.txt"
        }
    }

    /// Writes `report` in each format into `dir` (created when missing), each file replaced
    /// atomically, so that a crash while writing leaves the old report or the new one. `zoneNote`
    /// (times are in the machine's zone) goes into every format but JSON, which is always UTC.
    /// Returns the paths written.
    @discardableResult
    public static func write(_ report: PostmortemReport, formats: [ReportFormat] = formats, into dir: String,
                             options: RenderOptions, zoneNote: String? = nil) throws(FileOutput.Failure) -> [String] {
        try FileOutput.makeFolder(dir)
        var noted = report
        if let zoneNote { noted.notes.append(.text(zoneNote)) }
        var written: [String] = []
        for format in formats {
            let path = dir + "/" + fileName(format)
            try FileOutput.write(ReportRenderer.render(format == .json ? report : noted, as: format, options: options),
                                 to: path, atomically: true)
            written.append(path)
        }
        return written
    }

    /// Keeps the newest `keep` report folders in `outDirectory` (by modification time, `sparing`
    /// always among them) and removes the others: their `report.*` files, then the folder, which
    /// is left in place (and named in the problems) when it holds anything else.
    /// Returns the folders removed and the problems met.
    public static func prune(_ outDirectory: String, keep: Int, sparing: String) -> (removed: [String], problems: [String]) {
        let fm = FileManager.default
        // opendir first for the system's reason (Foundation's error does not carry it plainly).
        guard let handle = opendir(outDirectory) else {
            return ([], ["cannot list \(outDirectory): " + String(cString: strerror(errno))])
        }
        closedir(handle)
        guard let names = try? fm.contentsOfDirectory(atPath: outDirectory) else {
            return ([], ["cannot list \(outDirectory)"])
        }
        var folders: [(name: String, mtime: Date)] = []
        for name in names where isBootID(name) && name != sparing {
            let path = outDirectory + "/" + name
            guard let attributes = try? fm.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeDirectory else { continue }
            folders.append((name, attributes[.modificationDate] as? Date ?? .distantPast))
        }
        folders.sort { ($0.mtime, $0.name) > ($1.mtime, $1.name) }
        var removed: [String] = []
        var problems: [String] = []
        for folder in folders.dropFirst(max(keep - 1, 0)) {
            let path = outDirectory + "/" + folder.name
            for format in formats {
                try? fm.removeItem(atPath: path + "/" + fileName(format))
            }
            if rmdir(path) == 0 {
                removed.append(path)
            } else {
                problems.append("\(path): not removed, it holds files other than reports")
            }
        }
        return (removed, problems)
    }
}

/// The boot unit's gate: `--previous-boot-if-unclean` writes reports only for a previous boot
/// that did not end cleanly.
public enum PreviousBootCheck {
    /// True for a boot that ended uncleanly, or without shutdown markers and without a sign of
    /// a crash either (`unknown`): neither ended cleanly. False for a clean end, the running
    /// boot, or no previous boot in the journal (`nil`).
    public static func wantsReport(_ end: BootEndKind?) -> Bool {
        switch end {
        case .unclean, .unknown: return true
        case .clean, .ongoing, nil: return false
        }
    }

    /// Why no report was written, for stderr.
    public static func skipReason(_ report: PostmortemReport) -> String {
        guard let boot = report.analyzedBoot, let end = report.end?.kind else {
            return "no previous boot in the journal"
        }
        switch end {
        case .clean: return "the previous boot \(boot) ended cleanly"
        case .ongoing: return "boot \(boot) is still running"
        case .unclean, .unknown: return "the previous boot \(boot) ended \(end.rawValue)"
        }
    }
}

/// The one journal entry the boot unit leaves: the summary line with its own `MESSAGE_ID`, so
/// that `journalctl MESSAGE_ID=…` and `journalctl -p warning` find it.
public enum JournalSummary {
    /// This entry's `MESSAGE_ID` (made once with `systemd-id128 new`; never change it).
    public static let messageID = "78d3c5797f6b4528bda42985a7f7e727"

    /// syslog priorities: 4 warning for an unclean end, 5 notice for an unknown one.
    public static func priority(_ report: PostmortemReport) -> Int {
        report.end?.kind == .unclean ? 4 : 5
    }

    /// The fields sent: `MESSAGE` is `line`; the analysed boot, how it ended, the top cause and
    /// the report folder are fields of their own for filters and alerting.
    public static func fields(_ report: PostmortemReport, line: String, reportFolder: String) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", line),
            ("MESSAGE_ID", messageID),
            ("PRIORITY", String(priority(report))),
            ("SYSLOG_IDENTIFIER", "postmortem"),
        ]
        if let boot = report.analyzedBoot { fields.append(("POSTMORTEM_BOOT_ID", boot)) }
        if let end = report.end?.kind { fields.append(("POSTMORTEM_END", end.rawValue)) }
        if let top = report.rootCauses.min(by: { ($0.rank, $0.id) < ($1.rank, $1.id) }) {
            fields.append(("POSTMORTEM_ROOT_CAUSE", top.kind.rawValue))
            fields.append(("POSTMORTEM_ROOT_CAUSE_SUBJECT", top.subject.name))
        }
        fields.append(("POSTMORTEM_REPORT_DIR", reportFolder))
        return fields
    }

    /// Sends the entry through libsystemd (`sd_journal_sendv`).
    public static func send(_ report: PostmortemReport, line: String, reportFolder: String) throws(SDJournalError) {
        try SDJournalSender.send(fields(report, line: line, reportFolder: reportFolder))
    }
}
