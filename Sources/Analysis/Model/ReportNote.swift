/// Something a report says about its input or its own limits, beside the findings: a fact here,
/// a sentence written by `Report` (JSON `notes`: the sentences the other formats show).
public enum ReportNote: Sendable, Hashable {
    /// A sentence written where the input was read: a reader's or a text log's diagnostic (it
    /// names its file), an input left out, where the display zone came from.
    case text(String)
    /// A journal file's header counts more entries than could be read.
    case journalEntriesLost(path: String, headerEntries: UInt64, read: Int)
    /// Entries found past a journal file's last linked entry (written, never linked).
    case journalEntriesRecovered(path: String, count: Int)
    /// A journal file is shorter than its header says.
    case journalFileShort(path: String, missingBytes: UInt64)
    /// A journal file could not be read at all.
    case journalFileUnreadable(String)
    /// The journal holds no entries.
    case journalEmpty
    /// An unclean boot's journal ends this long before the next boot: journald writes
    /// non-critical messages every SyncIntervalSec (5 min), so up to that much may be lost.
    case journalEndsBeforeNextBoot(bootID: String, seconds: Double)
    /// No journal: the analysis rests on text logs alone, which hold this many boots.
    case textLogsOnly(boots: Int)
    /// No journal, and no boots in the kernel logs: they were read as one story.
    case kernelLogsOnly
    /// Boots only text logs hold (older or newer than the journal's), added from them.
    case textOnlyBootsAdded(count: Int)
    /// Lines without wall-clock times, read as part of the newest boot.
    case untimedLinesJoinNewest(paths: [String])
    /// Boots without wall-clock times (their kernel clocks start again) beside timed logs: left out.
    case untimedBootsLeftOut(paths: [String], count: Int)
    /// Lines without wall-clock times whose kernel is not the newest boot's: another boot,
    /// which cannot be placed among the others; left out.
    case untimedOtherKernel(paths: [String], release: String, newestRelease: String)
    /// Lines stamped before the boot's kernel started (written on an unset clock): left out of
    /// when the boot ran.
    case linesBeforeKernelStart(count: Int, bootID: String)
    /// systemd lines of text logs without a wall-clock time (journalctl short-monotonic): their
    /// unit events are not counted.
    case untimedSystemdLines(count: Int)
    /// Job messages of text logs ("Started X.", "Failed to start X.") that name their unit by a
    /// description nothing in the input ties to a unit (systemd before v250): not counted.
    case jobsNamedByDescription(count: Int)
    /// Text logs none of whose lines carries a time, wall clock or kernel stamp (journalctl's
    /// `-o cat` drops them): read in file order, no boot placed or told apart in them.
    case noTimesInText(paths: [String], lines: Int)
    /// `--boot` named no boot of the set.
    case noSuchBoot(BootChoiceMiss)
    /// Kernel events of kinds already listed past the list's limit: counted, not listed.
    case kernelEventsNotListed(count: Int)
}

/// How `--boot` missed.
public enum BootChoiceMiss: Sendable, Hashable {
    /// `--boot -N` past the oldest boot, or a positive offset.
    case offset(Int, boots: Int)
    /// `--boot N` past the set's count.
    case index(Int, boots: Int)
    /// No boot ID begins so.
    case unknownID(String)
    /// Several boot IDs begin so.
    case ambiguousID(String)
    /// Kernel logs without wall-clock times hold this many boots, none of them the one asked for.
    case untimed(boots: Int)
}

extension ReportNote: WrittenAsSentence {
    public static let writerKey = CodingUserInfoKey(rawValue: "postmortem.report-note-writer")
    public init(sentence: String) { self = .text(sentence) }
}
