import Analysis

/// The sentences typed fact sources are written as, in every format and in JSON.
enum FactSourceText {
    static func pidMax(_ s: PIDMaxSource) -> String {
        switch s {
        case .commandLine: "kernel command line"
        case .sysctl(let at): at
        case .assumed(let seen, let pidMax) where seen > 32768: "largest PID seen (\(seen)) is above 32768: \(pidMax) assumed"
        case .assumed(let seen, let pidMax): "largest PID seen (\(seen)): kernel default \(pidMax) assumed"
        case .text(let text): text
        }
    }

    static func uptime(_ s: UptimeSource) -> String {
        switch s {
        case .kernelStartToLastSign(let start, let last):
            "kernel start (\(start?.rawValue ?? "?")) to last sign of life (\(last?.rawValue ?? "journal"))"
        case .kernelLineStamps: "uptime stamps of the boot's kernel log lines"
        case .journalMonotonic: "monotonic clock of the boot's last journal entry"
        case .text(let text): text
        }
    }
}
