/// One piece of the evidence for how a boot ended, as facts: `Report` writes the sentence, its
/// times in the report's zone, in every format and as the JSON `end_evidence`/`evidence`.
public enum BootEndEvidence: Sendable, Hashable {
    /// A sentence as it was written (a report read back from JSON).
    case text(String)
    /// The boot of the machine doing the analysis.
    case runningBoot
    /// A shutdown marker near the boot's end that speaks for it.
    case marker(time: Timestamp, text: String, cursor: String)
    /// A shutdown marker, for a boot that died during its shutdown.
    case shutdownBegun(time: Timestamp, text: String, cursor: String)
    case noShutdownMarkers
    /// Markers and signs of an unclean end both: the signs won.
    case markersButUnclean
    /// The next boot's notice about this boot's journal files or file systems.
    case nextBootNotice(text: String, cursor: String)
    /// The boot's last entry is in a file journald renamed (`.journal~`) because it was not closed.
    case lastFileRenamed(path: String)
    /// The boot's entries are in a file journald found dirty.
    case dirtyFile(path: String)
    /// Dirty journal files exist, none of them known to be this boot's.
    case dirtyFilesSeen([String])
    /// The boot's last journal file was left online and is torn; `damage` is the file's health.
    case lastFileTorn(path: String, damage: String)
    /// The boot's last journal file is cut short, and its header records entries of the boot
    /// until `lastWritten` (`uptimeSeconds` into it), more than a crash loses (journald syncs
    /// every 5 min) after the last one read: `entriesLost` entries went with the cut, and with
    /// them how the boot ended. No sign of a crash: a copy of a live journal cut short looks the same.
    case lastFileCut(path: String, lastWritten: Timestamp, uptimeSeconds: Double, entriesLost: Int)
    /// The boot's last journal file was left online, though later boots wrote elsewhere.
    case lastFileLeftOnline(path: String)
    /// Crash dump records (pstore, kdump): `count` of them, from `source`.
    case crashDumpRecords(count: Int, source: String)
    /// Crash artefacts the collection found (files, not records).
    case crashArtefacts([String])
    /// A kernel log holds a panic after the journal's last entry.
    case panicAfterJournal
    /// The boot's own kernel lines (a text log's boot, a console log) hold a kernel panic:
    /// the kernel stopped there. `time` is nil for a console log without a wall clock;
    /// `source` is where the line is (`console.log:207`).
    case kernelPanic(time: Timestamp?, text: String, source: String)
    /// The boot's own kernel lines end with the kernel stopping the machine in order (`reboot:
    /// Power down`, `reboot: Restarting system`), nothing going wrong after it: a console's
    /// shutdown marker.
    case kernelStopped(time: Timestamp?, text: String, source: String)
    /// No system shutdown line, but a user manager (`who`, as journalctl names it) was stopping
    /// among the boot's last lines: a logout, or a shutdown whose system lines were lost.
    case userManagerStopping(time: Timestamp, who: String)
    /// The newest boot, no shutdown markers, and its journal file still online.
    case newestStillOnline
    /// The newest boot, neither shutdown markers nor signs of a crash.
    case newestNoSigns
    /// An older boot, neither shutdown markers nor signs of a crash.
    case noSigns
    /// A sign of an unclean end outweighed by a shutdown that reached its last stage.
    indirect case outweighed(BootEndEvidence)
}

extension BootEndEvidence: WrittenAsSentence {
    public static let writerKey = CodingUserInfoKey(rawValue: "postmortem.boot-end-evidence-writer")
    public init(sentence: String) { self = .text(sentence) }
}
