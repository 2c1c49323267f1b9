/// Where the PID space the fork-rate estimate assumes came from: a fact here, written by
/// `Report` (JSON `pid_max_source`: the sentence).
public enum PIDMaxSource: Sendable, Hashable {
    /// `pid_max=` on the kernel command line.
    case commandLine
    /// A sysctl file's `kernel.pid_max`.
    case sysctl(path: String, line: Int)
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

/// Where a kernel setting's value was set: a fact here, written by `Report` (JSON `source`:
/// the sentence).
public enum SettingSource: Sendable, Hashable {
    /// The kernel command line, read where `readAt` says (`journal`, `path:line`), when known.
    case commandLine(readAt: String?)
    /// A sysctl file's assignment (systemd-sysctl applies them after the command line).
    case sysctl(path: String, line: Int)
    /// Not set anywhere read: the default the kernel printed at boot, read where `readAt` says.
    case kernelDefault(readAt: String)
    /// A source read back from JSON: the sentence it was written as.
    case text(String)
}

extension SettingSource: WrittenAsSentence {
    public static let writerKey = CodingUserInfoKey(rawValue: "postmortem.setting-source-writer")
    public init(sentence: String) { self = .text(sentence) }
}

/// An earlier assignment of a kernel setting that a later one overrides: a fact here, written
/// by `Report` (JSON: the sentence).
public enum SettingOverride: Sendable, Hashable {
    case assignment(value: String, source: SettingSource)
    /// An override read back from JSON: the sentence it was written as.
    case text(String)
}

extension SettingOverride: WrittenAsSentence {
    public static let writerKey = CodingUserInfoKey(rawValue: "postmortem.setting-override-writer")
    public init(sentence: String) { self = .text(sentence) }
}

/// Where a figure of RAM or swap was read: a fact here, written by `Report` (JSON `sources`:
/// the sentences).
public enum MemorySource: Sendable, Hashable {
    /// RAM from the kernel's `Memory: …K/…K available` line.
    case ram(readAt: String)
    /// RAM from an OOM report's count of `pages RAM`, 4 KiB pages assumed.
    case ramFromPageCount(readAt: String, pages: Int64)
    /// Swap from the `Adding …k swap on …` lines (the first one's place).
    case swap(readAt: String)
    /// Swap from an OOM report's `Total swap`.
    case swapFromOOMReport(readAt: String)
    /// A source read back from JSON: the sentence it was written as.
    case text(String)
}

extension MemorySource: WrittenAsSentence {
    public static let writerKey = CodingUserInfoKey(rawValue: "postmortem.memory-source-writer")
    public init(sentence: String) { self = .text(sentence) }
}
