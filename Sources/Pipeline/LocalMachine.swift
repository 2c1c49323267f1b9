import Foundation

/// Facts about the machine postmortem runs on.
public enum LocalMachine {
    /// The running boot's ID (32 hex digits), from the kernel.
    public static func bootID() -> String? {
        guard let s = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return nil }
        let id = s.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "-", with: "")
        return id.count == 32 ? id : nil
    }
}
