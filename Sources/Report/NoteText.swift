import Analysis

/// The sentence each report note is written as, in every format.
enum NoteText {
    static func sentence(_ note: ReportNote) -> String {
        switch note {
        case .text(let s):
            return s
        case .journalEntriesLost(let path, let header, let read):
            let lost = header > UInt64(max(0, read)) ? header - UInt64(max(0, read)) : 0
            return "\(path): the header counts \(HumanFormat.count(Int(clamping: header))) entries, \(HumanFormat.count(read)) could be read "
                + "(\(HumanFormat.count(Int(clamping: lost))) lost)."
        case .journalEntriesRecovered(let path, let count):
            return "\(path): \(HumanFormat.count(count)) entries recovered past the last linked entry (written but never linked)."
        case .journalFileShort(let path, let missing):
            return "\(path): file is \(HumanFormat.count(Int(clamping: missing))) bytes shorter than its header says."
        case .journalFileUnreadable(let problem):
            return "Journal file could not be read: \(problem)"
        case .journalEmpty:
            return "The journal holds no entries."
        case .journalEndsBeforeNextBoot(let id, let seconds):
            return "The journal of boot \(id.prefix(12)) ends \(HumanFormat.duration(seconds: seconds)) before the next boot; "
                + "up to SyncIntervalSec (5 min) of non-critical messages before a crash can be lost."
        case .textLogsOnly(let boots):
            return "No journal: the analysis rests on text logs alone (\(boots) boot\(boots == 1 ? "" : "s") found in them)."
        case .kernelLogsOnly:
            return "No journal: the analysis rests on kernel logs alone."
        case .textOnlyBootsAdded(let count):
            return "\(HumanFormat.count(count)) boot\(count == 1 ? "" : "s") only text logs hold (older or newer than the journal's) added from them"
        case .untimedLinesJoinNewest(let paths):
            return "\(paths.joined(separator: ", ")): no wall-clock times; read as part of the newest boot"
        case .untimedBootsLeftOut(let paths, let count):
            return "\(paths.joined(separator: ", ")): \(HumanFormat.count(count)) other boot\(count == 1 ? "" : "s") without wall-clock "
                + "times (their kernel clocks start again) left out: they cannot be placed among the others"
        case .untimedOtherKernel(let paths, let release, let newest):
            return "\(paths.joined(separator: ", ")): no wall-clock times, and their kernel (\(release)) is not the newest boot's "
                + "(\(newest)): another boot, which cannot be placed among the others; left out"
        case .linesBeforeKernelStart(let count, let id):
            return "\(HumanFormat.count(count)) line\(count == 1 ? " is" : "s are") stamped before boot \(id)'s kernel started "
                + "(written before its clock was set): left out of when the boot ran"
        case .untimedSystemdLines(let count):
            return "\(HumanFormat.count(count)) systemd line\(count == 1 ? "" : "s") of text logs carry no wall-clock time "
                + "(journalctl short-monotonic); their unit events are not counted"
        case .jobsNamedByDescription(let count):
            return "\(HumanFormat.count(count)) systemd line\(count == 1 ? "" : "s") of text logs (\"Started …\", \"Failed to start …\") "
                + "name\(count == 1 ? "s" : "") a unit by its description alone, which nothing in the input ties to a unit name: "
                + "those starts are not counted (the unit files, or journalctl -o export, name the unit)"
        case .noTimesInText(let paths, let lines):
            return "\(paths.joined(separator: ", ")): none of the \(HumanFormat.count(lines)) line\(lines == 1 ? "" : "s") carries a time "
                + "(journalctl -o cat drops them; -o short-iso, short-monotonic or export keep them): read in file order, "
                + "no boot placed or told apart in them"
        case .noSuchBoot(let miss):
            switch miss {
            case .offset(let n, let boots): return "Boot offset \(n) is out of range: the set holds \(boots) boots."
            case .index(let n, let boots): return "Boot index \(n) is out of range: the set holds \(boots) boots."
            case .unknownID(let id): return "No boot \(id) in the journal."
            case .ambiguousID(let id): return "Boot ID prefix \(id) is ambiguous."
            case .untimed(let boots):
                return "The kernel logs hold \(boots) boots without wall-clock times; no such boot among them "
                    + "(choose one with --boot -\(boots - 1)…0 or 1…\(boots))."
            }
        case .kernelEventsNotListed(let count):
            return "\(HumanFormat.count(count)) further kernel events of kinds already listed were counted but not listed."
        }
    }
}
