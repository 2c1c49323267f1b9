import Analysis

/// Implied unit settings written as a unit file says them, with what implies them.
enum ImpliedSettingText {
    static func sentence(_ s: ImpliedSetting) -> String {
        switch s {
        case .restartAlways(let n):
            return "Restart=always (restarted \(n) times after a clean exit)"
        case .restartOnFailure(let n):
            return "Restart=on-failure or Restart=always (restarted after \(n) failures)"
        case .restartDelay(let seconds):
            return "RestartSec≈\(timeSpan(seconds)) (median delay from exit to the scheduled restart)"
        case .startLimitRaised(let burst):
            return "StartLimitIntervalSec=0 or a StartLimitBurst above \(burst - 1) (\(burst) restarts within 10 s, no start-limit hit; the default allows 5)"
        case .startLimitOff(let m):
            return "StartLimitIntervalSec=0 or StartLimitBurst raised (restarts every \(HumanFormat.duration(seconds: m)) without a start-limit hit)"
        case .text(let text):
            return text
        }
    }

    /// A span of seconds as a unit file writes it (`500ms`, `1.5s`, `12s`): a setting's value,
    /// not a duration for people (`HumanFormat.duration`).
    static func timeSpan(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "0" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        return String(HumanFormat.number(seconds, decimals: seconds < 10 ? 1 : 0).filter { $0 != "," }) + "s"
    }
}
