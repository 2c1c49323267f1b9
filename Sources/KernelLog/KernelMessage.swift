import Foundation

/// Kernel messages the analysis cares about.
public enum KernelEventKind: String, Sendable, Codable, CaseIterable {
    /// `comm invoked oom-killer: gfp_mask=…`
    case oomInvoked
    /// The `Killed process N (comm) …` line (global, memcg or allocating-task OOM).
    case oomKill
    /// 2.6.32–4.x `Out of memory: Kill process N (comm) score S or sacrifice child` (the
    /// choice; the kill itself is the following `Killed process` line).
    case oomVictimSelected
    /// `oom-kill:constraint=…` (one per kill since 4.19).
    case oomSummary
    /// `oom_reaper: reaped process N (comm), …`
    case oomReaper
    /// `INFO: task X:PID blocked for more than N seconds.` (and `blocked in I/O wait`).
    case hungTask
    case softLockup
    case hardLockup
    case rcuStall
    /// `Kernel panic - not syncing: …` (and its `---[ end Kernel panic` trailer).
    case panic
    case oops
    /// `kernel BUG at`, `BUG: unable to handle`, other `BUG: …`.
    case bug
    /// `WARNING: CPU: N PID: N at …`
    case warning
    case ioError
    case fsError
    /// `cgroup: fork rejected by pids controller in …`
    case forkRejected
    case mce
    case segfault
    /// `Linux version …`
    case bootBanner
}

/// Classifies kernel message text (without timestamp or syslog prefix). Prefix and
/// substring checks on UTF-8 bytes only, cheap enough for every line of a large log.
public enum KernelMessage {
    /// What a `Kernel panic - not syncing: …` line says the kernel panicked on
    /// (`softlockup: hung tasks`, `Out of memory and no killable processes...`); `nil` for any
    /// other line, or a panic line that names nothing.
    public static func panicReason(_ text: String) -> String? {
        guard let r = text.range(of: "Kernel panic - not syncing:") else { return nil }
        var reason = Substring(text[r.upperBound...].trimmingCharacters(in: .whitespaces))
        // The `---[ end Kernel panic - not syncing: … ]---` trailer repeats it in brackets.
        if reason.hasSuffix("]---") { reason = reason.dropLast(4) }
        let trimmed = reason.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    public static func classify(_ text: String) -> KernelEventKind? {
        guard let first = text.utf8.first else { return nil }
        // Prefix checks, dispatched on the first byte.
        switch first {
        case 0x49:  // I
            if text.hasPrefixBytes("INFO: task "),
               text.containsBytes(" blocked for more than ") || text.containsBytes(" blocked in I/O wait for more than ") {
                return .hungTask
            }
            if text.hasPrefixBytes("INFO: rcu"), isRCUStall(text) { return .rcuStall }
        case 0x4B:  // K
            if text.hasPrefixBytes("Kernel panic - not syncing") { return .panic }
            if text.hasPrefixBytes("Killed process "), startsWithDigit(text, at: 15) { return .oomKill }
        case 0x4C:  // L
            if text.hasPrefixBytes("Linux version "), startsWithDigit(text, at: 14) { return .bootBanner }
        case 0x57:  // W
            if text.hasPrefixBytes("WARNING: CPU: ") || text.hasPrefixBytes("WARNING: at ") { return .warning }
            if text.hasPrefixBytes("Watchdog detected hard LOCKUP") { return .hardLockup }
        case 0x4F:  // O
            if text.hasPrefixBytes("Oops: ") || text.hasPrefixBytes("Oops#") { return .oops }
        case 0x6F:  // o
            if text.hasPrefixBytes("oom-kill:constraint=") { return .oomSummary }
            if text.hasPrefixBytes("oom_reaper: reaped process") { return .oomReaper }
        case 0x63:  // c
            if text.hasPrefixBytes("cgroup: fork rejected by pids controller in ") { return .forkRejected }
        case 0x6D:  // m
            if text.hasPrefixBytes("mce: [Hardware Error]") { return .mce }
        default:
            break
        }
        // Substring checks, for messages that carry a subsystem or comm prefix.
        if text.containsBytes("Killed process "), isKilledProcess(text) { return .oomKill }
        if text.containsBytes(" invoked oom-killer") { return .oomInvoked }
        if text.containsBytes("Out of memory: Kill process ") { return .oomVictimSelected }
        if text.containsBytes("oom-kill:constraint=") { return .oomSummary }
        if text.containsBytes("soft lockup - CPU#") { return .softLockup }
        if text.containsBytes("hard LOCKUP") { return .hardLockup }
        if text.containsBytes("Kernel panic - not syncing") { return .panic }
        if isRCUStall(text) { return .rcuStall }
        if text.containsBytes("INFO: task "),
           text.containsBytes(" blocked for more than ") || text.containsBytes(" blocked in I/O wait for more than ") {
            return .hungTask
        }
        if text.containsBytes("kernel BUG at ") || text.containsBytes("BUG: unable to handle") { return .bug }
        if text.containsBytes("general protection fault") || text.containsBytes("Oops: ") { return .oops }
        if text.containsBytes("BUG: ") { return .bug }
        if text.containsBytes("WARNING: CPU: ") { return .warning }
        if text.containsBytes("I/O error") {
            if text.containsBytes("I/O error, dev ") || text.containsBytes("Buffer I/O error on dev") { return .ioError }
            if text.containsBytes("XFS (") { return .fsError }
        }
        if text.containsBytes("critical medium error, dev ") || text.containsBytes("critical target error, dev ") {
            return .ioError
        }
        if text.containsBytes("EXT4-fs error") || text.containsBytes("EXT3-fs error") || text.containsBytes("EXT2-fs error")
            || text.containsBytes("BTRFS error") || text.containsBytes("BTRFS: error") || text.containsBytes("BTRFS critical") {
            return .fsError
        }
        if text.hasPrefixBytes("XFS ("), text.containsBytes("error") || text.containsBytes("Corruption") { return .fsError }
        if text.containsBytes("[Hardware Error]") || text.containsBytes("Machine check events logged") { return .mce }
        if text.containsBytes("]: segfault at ") { return .segfault }
        if text.containsBytes("fork rejected by pids controller") { return .forkRejected }
        return nil
    }

    /// True for the kernel's last line of an orderly stop (kernel/reboot.c): `reboot: Restarting
    /// system` (`… with command 'x'`), `reboot: Power down`, `reboot: System halted`, and the
    /// same before 3.12, without the prefix and with a full stop.
    public static func isSystemStop(_ text: String) -> Bool {
        var t = Substring(text)
        if t.hasPrefix("reboot: ") { t = t.dropFirst(8) }
        if t.hasSuffix(".") { t = t.dropLast() }
        return t == "Restarting system" || t == "Power down" || t == "System halted" || t.hasPrefix("Restarting system with command '")
    }

    /// True for a line only the kernel prints (its banner, command line, memory map, an event
    /// `classify` knows, an oops' register lines): how a log without stamps is recognised as kernel text.
    public static func isKernelBootLine(_ text: String) -> Bool {
        let t = text.drop { $0 == " " || $0 == "\t" }
        for p in ["Command line: ", "Kernel command line: ", "BIOS-e820: ", "BIOS-provided physical RAM map",
                  "Call Trace:", "Hardware name: ", "RIP: ", "Booting paravirtualized kernel", "x86/fpu: "]
            where t.hasPrefix(p) { return true }
        return classify(String(t)) != nil
    }

    private static func isRCUStall(_ text: String) -> Bool {
        text.containsBytes("detected stalls on CPU") || text.containsBytes("self-detected stall on CPU")
            || (text.containsBytes("rcu") && text.containsBytes("detected stall"))
    }

    private static func isKilledProcess(_ text: String) -> Bool {
        guard let at = text.firstByteOffset(of: "Killed process ") else { return false }
        return startsWithDigit(text, at: at + 15)
    }

    static func startsWithDigit(_ text: String, at offset: Int) -> Bool {
        let u = text.utf8
        guard offset >= 0, offset < u.count, let i = u.index(u.startIndex, offsetBy: offset, limitedBy: u.endIndex),
              i < u.endIndex else { return false }
        let b = u[i]
        return b >= 0x30 && b <= 0x39
    }
}
