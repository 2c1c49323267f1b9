/// Where the PID space the fork-rate estimate assumes came from: a fact here, written by
/// `Report` (JSON `pid_max_source`: the sentence).
public enum PIDMaxSource: Sendable, Hashable {
    /// `pid_max=` on the kernel command line.
    case commandLine
    /// A sysctl file's `kernel.pid_max`, as `path:line`.
    case sysctl(String)
    /// Not set anywhere read: assumed from the largest PID seen (above 32768, systemd's
    /// 4194304 on 64-bit; else the kernel default 32768).
    case assumed(largestPIDSeen: Int, pidMax: Int)
    /// A source read back from JSON: the sentence it was written as.
    case text(String)
}

extension PIDMaxSource: WrittenAsSentence {
    public static let writerKey = CodingUserInfoKey(rawValue: "postmortem.pid-max-source-writer")
    public init(sentence: String) { self = .text(sentence) }
}

/// How the uptime at the end was worked out: a fact here, written by `Report` (JSON
/// `uptime_source`: the sentence).
public enum UptimeSource: Sendable, Hashable {
    /// From the kernel's start to the last sign of life, each from the source named.
    case kernelStartToLastSign(start: BootStartSource?, lastSign: SourceKind?)
    /// The uptime stamps of a text-only boot's kernel lines.
    case kernelLineStamps
    /// The monotonic clock of the boot's last journal entry.
    case journalMonotonic
    /// A source read back from JSON: the sentence it was written as.
    case text(String)
}

extension UptimeSource: WrittenAsSentence {
    public static let writerKey = CodingUserInfoKey(rawValue: "postmortem.uptime-source-writer")
    public init(sentence: String) { self = .text(sentence) }
}
