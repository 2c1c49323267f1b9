import Journal

extension FileHealth {
    /// One line for people on what was read and what was lost (stderr), its numbers written as
    /// the report writes them.
    package var summary: String { summary(withState: true) }

    /// `summary`, without the file's state when the sentence around it says it (a torn last file
    /// "left online").
    package func summary(withState: Bool) -> String {
        let n = HumanFormat.count
        var parts = withState ? [state == .online ? "online (journald never closed it)" : state.rawValue] : []
        parts.append(countedFromIndex ? "\(n(entriesRead)) entries in its index (another boot's: not read)"
                         : "\(n(entriesRead)) entries read")
        if entriesRecovered > 0 { parts.append("\(n(entriesRecovered)) recovered past the last linked entry") }
        if missingBytes > 0 {
            parts.append("the file is \(n(Int(clamping: missingBytes))) bytes shorter than its header says")
        }
        if headerEntries > UInt64(entriesRead) {
            let lost = Int(clamping: headerEntries - UInt64(entriesRead))
            parts.append("the header counts \(n(Int(clamping: headerEntries))) entries (\(n(lost)) not recoverable)")
        }
        if entriesSkipped > 0 { parts.append("\(n(entriesSkipped)) entry slots unreadable") }
        if entriesOutOfOrder > 0 { parts.append("\(n(entriesOutOfOrder)) entries out of order, skipped") }
        if itemsDropped > 0 { parts.append("\(n(itemsDropped)) fields lost") }
        if entriesOversized > 0 {
            parts.append("\(n(entriesOversized)) entries claim items past their own object (not read)")
        }
        if hashMismatches > 0 {
            parts.append("\(n(hashMismatches)) value\(hashMismatches == 1 ? "" : "s") fail their stored hash (kept, as journalctl keeps them)")
        }
        if problemCount > 0 {
            parts.append("\(n(problemCount)) problem\(problemCount == 1 ? "" : "s") in all (with their offsets in the JSON report's inputs)")
        }
        return parts.joined(separator: ", ")
    }
}
