import Journal

/// The header state and health of the journal files, as the reader reports them.
enum JournalFileState {
    static func isOnline(_ reader: JournalReader?, file: Int) -> Bool {
        guard let files = reader?.files, file >= 0, file < files.count else { return false }
        return files[file].health.state == .online
    }

    /// Sets each boot's `headerTail`: what its last file's header says of the boot's last entry
    /// when that entry could not be read (the header names the boot of its tail entry, and its
    /// time and monotonic stamp are past everything read of the boot); `nil` otherwise.
    static func attachHeaderTails(_ boots: [BootState], reader: JournalReader?) {
        for b in boots { b.headerTail = headerTail(of: b, files: reader?.files ?? []) }
    }

    private static func headerTail(of b: BootState, files: [JournalFile]) -> HeaderTail? {
        guard !b.textOnly, b.lastFile >= 0, b.lastFile < files.count, let id = ID128(hex: b.id) else { return nil }
        let file = files[b.lastFile]
        let h = file.header
        guard h.tailEntryBootID == id, h.nEntries > UInt64(file.health.entriesRead),
              let realtime = Int64(exactly: h.tailEntryRealtime), realtime > b.last, Analyzer.plausible(realtime),
              h.tailEntryMonotonic >= b.lastMonotonic else { return nil }
        return HeaderTail(realtime: realtime, monotonic: h.tailEntryMonotonic, path: file.path,
                          entriesLost: Int(clamping: h.nEntries - UInt64(file.health.entriesRead)),
                          fileCut: file.health.missingBytes > 0)
    }

    /// An ONLINE file cut or half-written: journald was writing it when it stopped. Entries the
    /// merge skipped as out of order (a wall clock set back, an RTC-less board) are no tear.
    static func tornOnline(_ reader: JournalReader?, file: Int) -> FileHealth? {
        guard let files = reader?.files, file >= 0, file < files.count else { return nil }
        let h = files[file].health
        let torn = h.missingBytes > 0 || h.entriesSkipped > 0 || h.itemsDropped > 0 || h.entriesRecovered > 0
            || h.headerEntries > UInt64(h.entriesRead)
        return h.state == .online && torn ? h : nil
    }

    /// The report's input table: what discovery found, completed with the reader's health.
    static func merge(_ inputs: [InputSummary], reader: JournalReader?) -> [InputSummary] {
        var out = inputs
        // A file made from journalctl's text has the state its writer gave it, not the machine's.
        let made = Set((reader?.files ?? []).filter { $0.madeFrom != nil }.map(\.path))
        for h in reader?.health ?? [] {
            let health = InputHealth(status: h.isDamaged ? .damaged : .ok, state: made.contains(h.path) ? nil : h.state,
                                     entriesLinked: h.entriesLinked, entriesRecovered: h.entriesRecovered,
                                     problems: h.problems.map(\.description))
            if let i = out.firstIndex(where: { $0.path == h.path }) {
                out[i].entries = h.entriesRead
                var merged = health
                merged.problems = out[i].health.problems + health.problems
                if out[i].health.status == .unreadable { merged.status = .unreadable }
                out[i].health = merged
            } else {
                out.append(InputSummary(path: h.path, kind: .journal, entries: h.entriesRead, health: health))
            }
        }
        for p in reader?.unreadable ?? [] where !out.contains(where: { $0.path == p.path }) {
            out.append(InputSummary(path: p.path, kind: .journal, entries: 0,
                                    health: InputHealth(status: .unreadable, problems: [p.description])))
        }
        return out
    }

    /// The input table of a host whose journal files other machines share (systemd-journal-remote
    /// without `--split-mode=host`): each file's row counts this host's entries (those of
    /// `boots`, from the `_BOOT_ID` index), not every machine's.
    static func counting(only boots: Set<String>, index: BootIndex, reader: JournalReader,
                         inputs: [InputSummary]) -> [InputSummary] {
        var out = inputs
        for (i, file) in reader.files.enumerated() {
            guard let row = out.firstIndex(where: { $0.path == file.path }) else { continue }
            out[row].entries = index.entries(inFile: i) { boots.contains($0.description) }
        }
        return out
    }

    /// Notes on entries the files claim but that could not be read.
    static func lossNotes(_ reader: JournalReader?) -> [ReportNote] {
        var out: [ReportNote] = []
        for h in reader?.health ?? [] {
            if h.headerEntries > UInt64(h.entriesRead) {
                out.append(.journalEntriesLost(path: h.path, headerEntries: h.headerEntries, read: h.entriesRead))
            }
            if h.entriesRecovered > 0 {
                out.append(.journalEntriesRecovered(path: h.path, count: h.entriesRecovered))
            }
            if h.missingBytes > 0 {
                out.append(.journalFileShort(path: h.path, missingBytes: h.missingBytes))
            }
        }
        return out
    }
}
