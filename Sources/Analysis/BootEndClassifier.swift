import Events
import KernelLog

/// How one boot ended, as the classifier found it.
struct BootEndFinding {
    var kind: BootEndKind
    var evidence: [BootEndEvidence]
    /// Shutdown markers the boot logged that do not speak for its end.
    var ignored: [IgnoredShutdownMarker] = []
    /// Shutdown markers and signs of an unclean end both present.
    var conflicting = false
    /// Who or what asked for the shutdown, when the boot's end is a shutdown.
    var request: ShutdownRequest?
}

/// Decides how a boot ended from the end of the boot: shutdown markers count only from the
/// system's own shutdown (PID 1, systemd-shutdown, journald's final stop; logind's announcement
/// only beside them), after the initrd and the last journald start, near the last entry;
/// signs of an unclean end (dirty or torn files, the next boot's notices, crash dumps, a panic
/// after the journal's end) are always weighed, and win.
enum BootEndClassifier {
    /// Shutdown markers older than this (monotonic, before the boot's last entry) are not its end.
    static let tailSeconds: UInt64 = 300
    /// journald stopping this soon after `Switching root.` is the initrd's journald.
    static let switchRootSlack: UInt64 = 60_000_000

    /// A user manager's `Reached target Shutdown.` among the boot's last words: it was stopping
    /// (user managers' lines are never the system's shutdown markers).
    static func userManagerStopping(_ b: BootState) -> BootEndEvidence? {
        let target = Array("Reached target Shutdown.".utf8), userManager = Array("systemd[".utf8)
        guard let m = b.lastWords.last(where: { $0.text == target && $0.who.starts(with: userManager) })
        else { return nil }
        return .userManagerStopping(time: Timestamp(microseconds: m.time), who: String(decoding: m.who, as: UTF8.self))
    }

    static func classify(index i: Int, boots: [BootState], filePaths: [String], input: AnalysisInput,
                         textRecords: [KernelRecord], options: AnalysisOptions) -> BootEndFinding {
        let b = boots[i]
        // A last file cut short whose header records the boot going on for longer than a crash
        // can lose: the cut, not the machine, ended what can be read. Its tear says nothing of
        // how the boot ended; the finding says what went with it.
        let cut = b.cutTail.map { tail in
            BootEndEvidence.lastFileCut(path: tail.path, lastWritten: Timestamp(microseconds: tail.realtime),
                                        uptimeSeconds: Double(tail.monotonic) / 1e6, entriesLost: tail.entriesLost)
        }
        var finding = classify(index: i, boots: boots, filePaths: filePaths, input: input, textRecords: textRecords,
                               options: options, lastFileCut: cut != nil)
        if let cut { finding.evidence.append(cut) }
        return finding
    }

    private static func classify(index i: Int, boots: [BootState], filePaths: [String], input: AnalysisInput,
                                 textRecords: [KernelRecord], options: AnalysisOptions, lastFileCut: Bool) -> BootEndFinding {
        let b = boots[i]
        if let local = options.localBootID?.lowercased().replacingDashes(), local == b.id {
            return BootEndFinding(kind: .ongoing, evidence: [.runningBoot])
        }
        let (counted, ignored) = markers(of: b)
        var evidence: [BootEndEvidence] = []
        let isNewest = i == boots.count - 1
        if !isNewest {
            for n in boots[i + 1].uncleanNotices.prefix(3) {
                evidence.append(.nextBootNotice(text: n.text, cursor: n.cursor))
            }
        }
        let fileName: (Int) -> String? = { idx in idx >= 0 && idx < filePaths.count ? filePaths[idx] : nil }
        // A dirty file speaks for the newest boot that wrote to it: older boots in the same file
        // may have ended cleanly before the one that crashed.
        let newestWriter: (Int) -> Bool = { file in boots[(i + 1)...].allSatisfy { !$0.files.contains(file) } }
        if let last = fileName(b.lastFile), last.hasSuffix("~"), newestWriter(b.lastFile) {
            evidence.append(.lastFileRenamed(path: last))
        } else {
            let dirty = b.files.sorted().filter { fileName($0)?.hasSuffix("~") == true && newestWriter($0) }
            if let d = dirty.first.flatMap(fileName) { evidence.append(.dirtyFile(path: d)) }
        }
        // (Only for a boot the journal holds: a boot rebuilt from text logs has no seqnums.)
        if evidence.isEmpty, counted.isEmpty, !isNewest, !input.dirtyJournalFiles.isEmpty, !b.seqnums.isEmpty,
           !b.files.contains(where: { fileName($0) != nil }) || filePaths.isEmpty {
            evidence.append(.dirtyFilesSeen(Array(input.dirtyJournalFiles.prefix(3))))
        }
        if !lastFileCut, let h = JournalFileState.tornOnline(input.journal, file: b.lastFile), newestWriter(b.lastFile) {
            evidence.append(.lastFileTorn(path: h.path, damage: h.summary(withState: false)))
        } else if !isNewest, newestWriter(b.lastFile), JournalFileState.isOnline(input.journal, file: b.lastFile),
                  let path = fileName(b.lastFile) {
            // Later boots wrote elsewhere, yet this boot's journald never closed its file.
            evidence.append(.lastFileLeftOnline(path: path))
        }
        // Signs the kernel itself died: no shutdown marker outweighs them.
        var crashed = false
        // (The previous boot's console kept by pstore is no crash record: a clean reboot leaves one too.)
        let crash = textRecords.filter { r in r.sources.contains { $0.format.isCrashDump } }
        if let r = crash.first {
            evidence.append(.crashDumpRecords(count: crash.count, source: r.sources.first?.path ?? "pstore"))
            crashed = true
        } else if !input.crashArtefacts.isEmpty, crashArtefactBoot(boots, options: options) == i {
            evidence.append(.crashArtefacts(Array(input.crashArtefacts.prefix(3))))
            crashed = true
        }
        if textRecords.contains(where: { $0.isLastWords && KernelDistress.classify($0.text) == .panic }) {
            evidence.append(.panicAfterJournal)
            crashed = true
        } else if let panic = kernelPanic(in: b.textOnly ? textRecords : textRecords.filter { $0.sources.contains { $0.format == .pstoreConsole } }) {
            // The boot's own kernel lines (a boot rebuilt from text logs, or its console as pstore
            // kept it) say the kernel panicked: it stopped there, whatever came before.
            evidence.append(panic)
            crashed = true
        }
        let shown = counted.suffix(3).map { (time: Timestamp(microseconds: $0.time), text: $0.text, cursor: $0.cursor) }
        if !evidence.isEmpty {
            if counted.isEmpty {
                evidence.insert(.noShutdownMarkers, at: 0)
                if let stopping = userManagerStopping(b) { evidence.insert(stopping, at: 1) }
                return BootEndFinding(kind: .unclean, evidence: evidence, ignored: ignored)
            }
            // The shutdown reached its last stage (systemd-shutdown, journald's final stop) and
            // only the storage was left dirty (power cut during the final sync): clean, with the
            // conflict said. Otherwise the machine died during the shutdown.
            let finalStage = counted.contains { $0.kind == .systemdShutdown || $0.kind == .journalStopped }
            if finalStage, !crashed {
                return BootEndFinding(kind: .clean, evidence: shown.map { .marker(time: $0.time, text: $0.text, cursor: $0.cursor) }
                                          + evidence.map { .outweighed($0) },
                                      ignored: ignored, conflicting: true)
            }
            evidence.insert(.markersButUnclean, at: 0)
            return BootEndFinding(kind: .unclean,
                                  evidence: evidence + shown.map { .shutdownBegun(time: $0.time, text: $0.text, cursor: $0.cursor) },
                                  ignored: ignored, conflicting: true)
        }
        if !counted.isEmpty {
            var finding = BootEndFinding(kind: .clean, evidence: shown.map { .marker(time: $0.time, text: $0.text, cursor: $0.cursor) },
                                         ignored: ignored)
            finding.request = request(of: b, before: counted)
            return finding
        }
        // A boot rebuilt from text logs (a console captured with times) whose kernel stopped it
        // in order: its shutdown marker.
        if b.textOnly, let stop = kernelStop(in: textRecords) {
            return BootEndFinding(kind: .clean, evidence: [stop], ignored: ignored)
        }
        if isNewest {
            if options.localBootID == nil, isOnline(b, filePaths: filePaths, input: input) {
                return BootEndFinding(kind: .ongoing, evidence: [.newestStillOnline],
                                      ignored: ignored)
            }
            return BootEndFinding(kind: .unknown, evidence: [.newestNoSigns],
                                  ignored: ignored)
        }
        return BootEndFinding(kind: .unknown, evidence: [.noSigns], ignored: ignored)
    }

    /// The end of kernel lines read without a boot or a wall clock (a console log): unclean
    /// when they hold a kernel panic, else unknown (a console shows no shutdown markers).
    static func classify(kernelOnly records: [KernelRecord], isNewest: Bool) -> BootEndFinding {
        if let panic = kernelPanic(in: records) {
            return BootEndFinding(kind: .unclean, evidence: [panic])
        }
        if let stop = kernelStop(in: records) {
            return BootEndFinding(kind: .clean, evidence: [stop])
        }
        return BootEndFinding(kind: .unknown, evidence: [isNewest ? .newestNoSigns : .noSigns])
    }

    /// The kernel's orderly stop (`reboot: Power down`) among `records`, as evidence, when no
    /// distress follows it (a `Reboot failed` and a lockup after it is no clean end).
    static func kernelStop(in records: [KernelRecord]) -> BootEndEvidence? {
        guard let i = records.lastIndex(where: { KernelMessage.isSystemStop($0.text) }) else { return nil }
        let after = records[(i + 1)...]
        guard !after.contains(where: { KernelDistress.classify($0.text) != nil || $0.text.hasPrefix("Reboot failed") }) else { return nil }
        let (time, text, source) = quoted(records[i])
        return .kernelStopped(time: time, text: text, source: source)
    }

    /// The last kernel panic among `records`, as evidence.
    static func kernelPanic(in records: [KernelRecord]) -> BootEndEvidence? {
        guard let r = records.last(where: { KernelDistress.classify($0.text) == .panic }) else { return nil }
        let (time, text, source) = quoted(r)
        return .kernelPanic(time: time, text: text, source: source)
    }

    /// A kernel line as evidence quotes it: its time when known, its text, where it is.
    private static func quoted(_ r: KernelRecord) -> (Timestamp?, String, String) {
        (r.wallclockUSec.map { Timestamp(microseconds: $0) }, r.text, r.sources.first?.description ?? "")
    }

    /// The boot's shutdown markers that speak for its end, and the others with the reason.
    /// Times are compared on the monotonic clock, which wall-clock steps do not move.
    static func markers(of b: BootState) -> (counted: [ShutdownMarker], ignored: [IgnoredShutdownMarker]) {
        var counted: [ShutdownMarker] = []
        var ignored: [IgnoredShutdownMarker] = []
        let tailStart = b.lastMonotonic > tailSeconds * 1_000_000 ? b.lastMonotonic - tailSeconds * 1_000_000 : 0
        for m in b.shutdownMarkers {
            let mono = m.ref.monotonic
            var reason: IgnoredMarkerReason?
            if let sr = b.lastSwitchRoot, mono <= sr || (m.kind == .journalStopped && mono <= sr &+ switchRootSlack) {
                reason = .initrd
            } else if m.kind == .journalStopped, let js = b.lastJournalStart, js > mono {
                reason = .journaldRestarted
            } else if m.ref != .none, mono < tailStart {
                reason = .farFromEnd
            }
            if let reason {
                ignored.append(IgnoredShutdownMarker(time: Timestamp(microseconds: m.time), text: m.text, reason: reason,
                                                     uptimeSeconds: m.ref == .none ? nil : Double(mono) / 1e6))
            } else {
                counted.append(m)
            }
        }
        // logind only announces a shutdown (`System is rebooting.`); without PID 1,
        // systemd-shutdown or journald's final stop after it, the shutdown never got under way.
        if !counted.isEmpty, counted.allSatisfy({ $0.kind == .logind }) {
            ignored += counted.map {
                IgnoredShutdownMarker(time: Timestamp(microseconds: $0.time), text: $0.text, reason: .announcedOnly,
                                      uptimeSeconds: $0.ref == .none ? nil : Double($0.ref.monotonic) / 1e6)
            }
            counted = []
        }
        return (counted, Array(ignored.suffix(8)))
    }

    /// The request that started the shutdown: the newest one at most `tailSeconds` before the
    /// first counted marker (monotonic clock), and not after it.
    static func request(of b: BootState, before counted: [ShutdownMarker]) -> ShutdownRequest? {
        guard let first = counted.map(\.ref.monotonic).min() else { return nil }
        let earliest = first > tailSeconds * 1_000_000 ? first - tailSeconds * 1_000_000 : 0
        return b.shutdownRequests.last { r in
            r.ref == .none ? true : (r.ref.monotonic >= earliest && r.ref.monotonic <= first &+ 1_000_000)
        }
    }

    /// The boot unmatched crash artefacts (pstore, kdump) most likely belong to: the newest boot
    /// without shutdown markers that another boot followed (the crash forced that reboot), else
    /// the newest boot when it is the only one left without markers.
    static func crashArtefactBoot(_ boots: [BootState], options: AnalysisOptions) -> Int? {
        let local = options.localBootID?.lowercased().replacingDashes()
        let candidates = boots.indices.filter { markers(of: boots[$0]).counted.isEmpty && boots[$0].id != local }
        if let i = candidates.last(where: { $0 < boots.count - 1 }) { return i }
        return candidates.last
    }

    static func isOnline(_ b: BootState, filePaths: [String], input: AnalysisInput) -> Bool {
        guard b.lastFile >= 0, b.lastFile < filePaths.count else { return false }
        let path = filePaths[b.lastFile]
        return input.inputs.contains { $0.path == path && $0.health.state == .online }
            || JournalFileState.isOnline(input.journal, file: b.lastFile)
    }
}
