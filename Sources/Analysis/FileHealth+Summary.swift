import Journal

extension FileHealth {
    /// One line for people on what was read and what was lost (stderr), its numbers written as
    /// the report writes them.
    package var summary: String { summary(withState: true) }

    /// `summary`, without the file's state when the sentence around it says it (a torn last file
    /// "left online").
    package func summary(withState: Bool) -> String {
        let h = self
        let n = HumanFormat.count
        var parts = withState ? [h.state == .online ? "online (journald never closed it)" : h.state.rawValue] : []
        parts.append(h.countedFromIndex ? "\(n(h.entriesRead)) entries in its index (another boot's: not read)"
                         : "\(n(h.entriesRead)) entries read")
        if h.entriesRecovered > 0 { parts.append("\(n(h.entriesRecovered)) recovered past the last linked entry") }
        if h.missingBytes > 0 {
            parts.append("the file is \(n(Int(clamping: h.missingBytes))) bytes shorter than its header says")
        }
        if h.headerEntries > UInt64(h.entriesRead) {
            let lost = Int(clamping: h.headerEntries - UInt64(h.entriesRead))
            parts.append("the header counts \(n(Int(clamping: h.headerEntries))) entries (\(n(lost)) not recoverable)")
        }
        if h.entriesSkipped > 0 { parts.append("\(n(h.entriesSkipped)) entry slots unreadable") }
        if h.entriesOutOfOrder > 0 { parts.append("\(n(h.entriesOutOfOrder)) entries out of order, skipped") }
        if h.itemsDropped > 0 { parts.append("\(n(h.itemsDropped)) fields lost") }
        if h.entriesOversized > 0 {
            parts.append("\(n(h.entriesOversized)) entries claim items past their own object (not read)")
        }
        if h.hashMismatches > 0 {
            parts.append("\(n(h.hashMismatches)) value\(h.hashMismatches == 1 ? "" : "s") fail their stored hash (kept, as journalctl keeps them)")
        }
        if h.problemCount > 0 {
            parts.append("\(n(h.problemCount)) problem\(h.problemCount == 1 ? "" : "s") in all (with their offsets in the JSON report's inputs)")
        }
        return parts.joined(separator: ", ")
    }
}
