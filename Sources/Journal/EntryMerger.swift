/// Interleaves the entries of several files exactly as `sd_journal_next` (systemd 252)
/// does: each file is advanced past the last entry returned, and the file whose next
/// entry compares lowest wins. Identical entries in two files are returned once.
struct EntryMerger {
    private let files: [JournalFile]
    private var cursors: [FileEntryCursor]
    private var last: (head: EntryHead, seqnumID: ID128, file: Int)?
    private let selection: FieldSelection
    private let selectionKey: Int
    private let selected: SelectedNames
    /// All files share one seqnum ID: the order is then the seqnum's alone, a total order,
    /// and the winner of the last round can be kept without comparing every file again.
    private let uniformSeqnum: Bool
    private var winner = -1
    private var runnerUp: UInt64?

    init(files: [JournalFile], selection: FieldSelection, match: [UInt8]? = nil) {
        self.init(files: files, selection: selection, source: match.map { .matching($0) } ?? .all)
    }

    init(files: [JournalFile], selection: FieldSelection, source: EntrySource) {
        self.files = files
        self.selection = selection
        selected = SelectedNames(selection)
        switch selection {
        case .all: selectionKey = 0
        case .only(let names): selectionKey = names.sorted().joined(separator: "\u{0}").hashValue | 1
        }
        var cs: [FileEntryCursor] = []
        for (i, f) in files.enumerated() {
            switch source {
            case .all:
                cs.append(FileEntryCursor(file: f, index: i))
            case .matching(let match):
                let data = f.dataObjects(matching: match)
                if data.isEmpty { continue }
                cs.append(FileEntryCursor(file: f, index: i, dataOffsets: data))
            case .boot(let id, let wanted):
                guard wanted.contains(i) else { continue }
                cs.append(FileEntryCursor(file: f, index: i, onlyBoot: id))
            case .offsets(let perFile):
                guard i < perFile.count, !perFile[i].isEmpty else { continue }
                cs.append(FileEntryCursor(file: f, index: i, offsets: perFile[i]))
            }
        }
        cursors = cs.filter { $0.head != nil }
        uniformSeqnum = Set(files.map(\.seqnumID)).count <= 1
    }

    mutating func next() -> JournalEntry? {
        guard let (fileIndex, head) = nextHead() else { return nil }
        return files[fileIndex].decode(head, fileIndex: fileIndex, selection: selection, selected: selected,
                                       selectionKey: selectionKey)
    }

    /// The next entry's file and header, without decoding its items.
    mutating func nextHead() -> (Int, EntryHead)? {
        // Fast path: the last winner's next entry still comes before every other file's.
        if uniformSeqnum, winner >= 0, winner < cursors.count, let h = cursors[winner].head, let l = last,
           h.seqnum > l.head.seqnum, runnerUp.map({ h.seqnum < $0 }) ?? true {
            let fileIndex = cursors[winner].fileIndex
            last = (h, files[fileIndex].seqnumID, fileIndex)
            cursors[winner].advance(in: files[fileIndex])
            return (fileIndex, h)
        }
        var best = -1
        var bestHead: EntryHead?
        var i = 0
        while i < cursors.count {
            let file = files[cursors[i].fileIndex]
            if let last {
                let sameFile = cursors[i].fileIndex == last.file
                while let h = cursors[i].head {
                    let c = Self.compare(h, file.seqnumID, withLocation: last.head, last.seqnumID, sameFile: sameFile)
                    if c > 0 { break }
                    // An identical entry in another file is a copy, not a loss; anything else
                    // skipped here (as sd_journal_next skips it) is out of order: say so.
                    if c < 0 || sameFile {
                        file.health.entriesOutOfOrder += 1
                        file.health.note(h.offset, "entry seqnum \(h.seqnum) is out of order after seqnum \(last.head.seqnum) and is skipped, as journalctl skips it")
                    }
                    cursors[i].advance(in: file)
                }
            }
            guard let h = cursors[i].head else {
                cursors.remove(at: i)
                if best > i { best -= 1 }
                continue
            }
            if let b = bestHead {
                if Self.compare(h, file.seqnumID, b, files[cursors[best].fileIndex].seqnumID) < 0 {
                    best = i
                    bestHead = h
                }
            } else {
                best = i
                bestHead = h
            }
            i += 1
        }
        guard let head = bestHead, best >= 0 else { return nil }
        if uniformSeqnum {
            var second: UInt64?
            for (j, c) in cursors.enumerated() where j != best {
                if let h = c.head, second.map({ h.seqnum < $0 }) ?? true { second = h.seqnum }
            }
            runnerUp = second
            winner = best
        }
        let fileIndex = cursors[best].fileIndex
        let file = files[fileIndex]
        last = (head, file.seqnumID, fileIndex)
        cursors[best].advance(in: file)
        return (fileIndex, head)
    }

    /// True when the file has no entries left in this iteration.
    func isFinished(_ fileIndex: Int) -> Bool {
        !cursors.contains { $0.fileIndex == fileIndex }
    }

    /// `journal_file_compare_locations`: seqnum within one seqnum ID, then monotonic
    /// within one boot, then realtime, then xor_hash.
    static func compare(_ a: EntryHead, _ aSeq: ID128, _ b: EntryHead, _ bSeq: ID128) -> Int {
        if a.bootID == b.bootID, a.monotonic == b.monotonic, a.realtime == b.realtime, a.xorHash == b.xorHash,
           aSeq == bSeq, a.seqnum == b.seqnum { return 0 }
        if aSeq == bSeq, a.seqnum != b.seqnum { return a.seqnum < b.seqnum ? -1 : 1 }
        if a.bootID == b.bootID, a.monotonic != b.monotonic { return a.monotonic < b.monotonic ? -1 : 1 }
        if a.realtime != b.realtime { return a.realtime < b.realtime ? -1 : 1 }
        if a.xorHash != b.xorHash { return a.xorHash < b.xorHash ? -1 : 1 }
        return 0
    }

    /// `compare_with_location`: like `compare`, but an identical entry in another file
    /// counts as the same place (so it is skipped, not returned twice).
    static func compare(_ a: EntryHead, _ aSeq: ID128, withLocation l: EntryHead, _ lSeq: ID128, sameFile: Bool) -> Int {
        if !sameFile, a.bootID == l.bootID, a.realtime == l.realtime, a.xorHash == l.xorHash, aSeq == lSeq,
           a.seqnum == l.seqnum { return 0 }
        if aSeq == lSeq, a.seqnum != l.seqnum { return a.seqnum < l.seqnum ? -1 : 1 }
        if a.bootID == l.bootID, a.monotonic != l.monotonic { return a.monotonic < l.monotonic ? -1 : 1 }
        if a.realtime != l.realtime { return a.realtime < l.realtime ? -1 : 1 }
        if a.xorHash != l.xorHash { return a.xorHash < l.xorHash ? -1 : 1 }
        return 0
    }
}
