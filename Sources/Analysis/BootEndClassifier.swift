import Events
import KernelLog

/// Decides how a boot ended from what its tail and the next boot say.
enum BootEndClassifier {
    static func classify(index i: Int, boots: [BootState], filePaths: [String], input: AnalysisInput,
                         textRecords: [KernelRecord], options: AnalysisOptions) -> (BootEndKind, [String]) {
        let b = boots[i]
        if let local = options.localBootID?.lowercased().replacingDashes(), local == b.id {
            return (.ongoing, ["this is the running boot"])
        }
        if !b.shutdownMarkers.isEmpty {
            let shown = b.shutdownMarkers.suffix(3).map { "\(Timestamp(microseconds: $0.time)) \($0.text) (\($0.cursor))" }
            return (.clean, shown)
        }
        var evidence: [String] = []
        let isNewest = i == boots.count - 1
        if !isNewest {
            for n in boots[i + 1].uncleanNotices.prefix(3) {
                evidence.append("next boot: \(n.text) (\(n.cursor))")
            }
        }
        let fileName: (Int) -> String? = { idx in idx >= 0 && idx < filePaths.count ? filePaths[idx] : nil }
        if let last = fileName(b.lastFile), last.hasSuffix("~") {
            evidence.append("its last entry is in \(last), which journald renamed because it was not closed")
        } else {
            let dirty = b.files.compactMap(fileName).filter { $0.hasSuffix("~") }
            if let d = dirty.first { evidence.append("its entries are in \(d), a file journald found dirty") }
        }
        if evidence.isEmpty, !isNewest, !input.dirtyJournalFiles.isEmpty,
           !b.files.contains(where: { fileName($0) != nil }) || filePaths.isEmpty {
            evidence.append("dirty journal files seen: \(input.dirtyJournalFiles.prefix(3).joined(separator: ", "))")
        }
        if let h = JournalFileState.tornOnline(input.journal, file: b.lastFile) {
            evidence.append("its last journal file \(h.path) was left online and torn (\(h.summary))")
        }
        let crash = textRecords.filter { r in r.sources.contains { $0.format == .pstore || $0.format == .kdump } }
        if let r = crash.first {
            evidence.append("crash dump records (\(crash.count)) from \(r.sources.first?.path ?? "pstore")")
        } else if !input.crashArtefacts.isEmpty, crashArtefactBoot(boots, options: options) == i {
            evidence.append("crash artefacts: \(input.crashArtefacts.prefix(3).joined(separator: ", "))")
        }
        if textRecords.contains(where: { $0.isLastWords && KernelDistress.classify($0.text) == .panic }) {
            evidence.append("a kernel log holds a panic after the journal's last entry")
        }
        if !evidence.isEmpty {
            evidence.insert("no shutdown markers in the boot's last entries", at: 0)
            return (.unclean, evidence)
        }
        if isNewest {
            if options.localBootID == nil, isOnline(b, filePaths: filePaths, input: input) {
                return (.ongoing, ["newest boot, no shutdown markers, its journal file is still online"])
            }
            return (.unknown, ["newest boot; no shutdown markers and no evidence of a crash"])
        }
        return (.unknown, ["no shutdown markers, but no sign of a crash either (no dirty journal file, no journald notice, no crash dump)"])
    }

    /// The boot unmatched crash artefacts (pstore, kdump) most likely belong to: the newest boot
    /// without shutdown markers that another boot followed (the crash forced that reboot), else
    /// the newest boot when it is the only one left without markers.
    static func crashArtefactBoot(_ boots: [BootState], options: AnalysisOptions) -> Int? {
        let local = options.localBootID?.lowercased().replacingDashes()
        let candidates = boots.indices.filter { boots[$0].shutdownMarkers.isEmpty && boots[$0].id != local }
        if let i = candidates.last(where: { $0 < boots.count - 1 }) { return i }
        return candidates.last
    }

    static func isOnline(_ b: BootState, filePaths: [String], input: AnalysisInput) -> Bool {
        guard b.lastFile >= 0, b.lastFile < filePaths.count else { return false }
        let path = filePaths[b.lastFile]
        return input.inputs.contains { $0.path == path && $0.health.state == "online" }
            || JournalFileState.isOnline(input.journal, file: b.lastFile)
    }
}
