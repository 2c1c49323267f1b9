/// A unit setting its restarts imply, whether or not its unit file is at hand: a fact here,
/// written by `Report` as a unit file would say it (`RestartSec≈500ms`); JSON
/// `units[].implied_settings` holds those sentences.
public enum ImpliedSetting: Sendable, Hashable {
    /// Restarted after clean exits: `Restart=always`.
    case restartAlways(afterCleanExits: Int)
    /// Restarted after failures only: `Restart=on-failure` or `Restart=always`.
    case restartOnFailure(afterFailures: Int)
    /// The median delay from an exit to the scheduled restart: `RestartSec=`.
    case restartDelay(seconds: Double)
    /// More restarts within 10 s than the default start limit (5) allows, and no start-limit
    /// hit: `StartLimitIntervalSec=0` or a raised `StartLimitBurst=`.
    case startLimitRaised(restartsWithin10s: Int)
    /// Restarts this often for long without a start-limit hit: the same.
    case startLimitOff(medianIntervalSeconds: Double)
    /// A setting read back from JSON: the sentence it was written as.
    case text(String)

    /// About the start limit (`StartLimitIntervalSec=`, `StartLimitBurst=`).
    public var isStartLimit: Bool {
        switch self {
        case .startLimitRaised, .startLimitOff: true
        default: false
        }
    }
}

extension ImpliedSetting: WrittenAsSentence {
    public static let writerKey = CodingUserInfoKey(rawValue: "postmortem.implied-setting-writer")
    public init(sentence: String) { self = .text(sentence) }
}
