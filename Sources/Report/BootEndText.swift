import Analysis

/// A piece of boot-end evidence as a sentence: the one place its facts become words, for every
/// format and the JSON. `time` writes a moment: the report's clock in the text formats, ISO 8601
/// UTC in the JSON (as its other times are).
enum BootEndText {
    static func sentence(_ evidence: BootEndEvidence, time: (Timestamp) -> String) -> String {
        switch evidence {
        case .text(let text):
            return text
        case .runningBoot:
            return "this is the running boot"
        case .marker(let t, let text, let cursor):
            return "\(time(t)) \(text) (\(cursor))"
        case .shutdownBegun(let t, let text, let cursor):
            return "shutdown had begun: \(time(t)) \(text) (\(cursor))"
        case .noShutdownMarkers:
            return "no shutdown markers in the boot's last entries"
        case .markersButUnclean:
            return "shutdown markers in the boot's last entries, but the end was not clean"
        case .nextBootNotice(let text, let cursor):
            return nextBoot + "\(text) (\(cursor))"
        case .lastFileRenamed(let path):
            return "its last entry is in \(path), which journald renamed because it was not closed"
        case .dirtyFile(let path):
            return "its entries are in \(path), a file journald found dirty"
        case .dirtyFilesSeen(let paths):
            return "dirty journal files seen: \(paths.joined(separator: ", "))"
        case .lastFileTorn(let path, let damage):
            return "its last journal file \(path) was left online and torn (\(damage))"
        case .lastFileCut(let path, let lastWritten, let uptime, let lost):
            return "its last journal file \(path) is cut short: its header records entries until \(time(lastWritten)) "
                + "(\(HumanFormat.duration(seconds: uptime)) into the boot), more than 5 min after the last one read "
                + "(more than a crash loses: journald syncs every 5 min); \(HumanFormat.count(lost)) "
                + "entr\(lost == 1 ? "y" : "ies") and how the boot ended went with the cut"
        case .lastFileLeftOnline(let path):
            return "its last journal file \(path) was left online: journald never closed it"
        case .crashDumpRecords(let count, let source):
            return "crash dump records (\(HumanFormat.count(count))) from \(source)"
        case .crashArtefacts(let paths):
            return "crash artefacts: \(paths.joined(separator: ", "))"
        case .panicAfterJournal:
            return "a kernel log holds a panic after the journal's last entry"
        case .kernelStopped(let t, let text, let source):
            return "the kernel stopped the machine: " + (t.map { time($0) + " " } ?? "") + "\(text) (\(source))"
        case .kernelPanic(let t, let text, let source):
            return "the kernel panicked: " + (t.map { time($0) + " " } ?? "") + "\(text) (\(source))"
        case .userManagerStopping(let t, let who):
            return "its user manager (\(who)) was stopping at \(time(t)): a logout, or a shutdown whose system lines were lost"
        case .newestStillOnline:
            return "newest boot, no shutdown markers, its journal file is still online"
        case .newestNoSigns:
            return "newest boot; no shutdown markers and no evidence of a crash"
        case .noSigns:
            return "no shutdown markers, but no sign of a crash either (no dirty journal file, no journald notice, no crash dump)"
        case .outweighed(let sign):
            return "but " + sentence(sign, time: time)
        }
    }

    /// The next boot's notice a piece of evidence quotes, also from a sentence read back from JSON.
    static func nextBootNotice(_ evidence: BootEndEvidence) -> String? {
        switch evidence {
        case .nextBootNotice(let text, _), .outweighed(.nextBootNotice(let text, _)):
            return text
        case .text(let sentence):
            let notice = sentence.range(of: " (s=").map { String(sentence[..<$0.lowerBound]) } ?? sentence
            return notice.hasPrefix(nextBoot) ? String(notice.dropFirst(nextBoot.count)) : notice
        default:
            return nil
        }
    }

    private static let nextBoot = "next boot: "

    /// The JSON's sentence: times in ISO 8601 UTC.
    static func json(_ evidence: BootEndEvidence) -> String { sentence(evidence, time: \.iso8601) }
}
