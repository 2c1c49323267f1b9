import Analysis

extension BootEndEvidence {
    /// The log line a piece of evidence quotes: a shutdown marker's or the next boot's notice.
    var quoted: String? {
        switch self {
        case .marker(_, let text, _), .shutdownBegun(_, let text, _), .nextBootNotice(let text, _): text
        case .outweighed(let sign): sign.quoted
        default: nil
        }
    }

    var isShutdownBegun: Bool { if case .shutdownBegun = self { true } else { false } }
    var isTornLastFile: Bool { if case .lastFileTorn = self { true } else { false } }
    var isLastFileLeftOnline: Bool { if case .lastFileLeftOnline = self { true } else { false } }
}
