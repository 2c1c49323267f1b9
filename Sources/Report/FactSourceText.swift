import Analysis

/// The sentences typed fact sources are written as, in every format and in JSON.
enum FactSourceText {
    /// What kept a boot's last sign of life, as a noun phrase ("came from a kernel log").
    static func signOfLife(_ s: SourceKind) -> String {
        switch s {
        case .kernelLog: "a kernel log"
        case .pstore: "pstore"
        case .kdump: "kdump"
        case .journal: "the journal"
        }
    }

    static func pidMax(_ s: PIDMaxSource) -> String {
        switch s {
        case .commandLine: "kernel command line"
        case .sysctl(let path, let line): "\(path):\(line)"
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

    static func setting(_ s: SettingSource) -> String {
        switch s {
        case .commandLine(let at): "kernel command line" + (at.map { " (\($0))" } ?? "")
        case .sysctl(let path, let line): "\(path):\(line)"
        case .kernelDefault(let at): "kernel default (\(at))"
        case .text(let text): text
        }
    }

    static func settingOverride(_ o: SettingOverride) -> String {
        switch o {
        case .assignment(let value, let source): "\(value) (\(setting(source)))"
        case .text(let text): text
        }
    }

    static func memory(_ s: MemorySource) -> String {
        switch s {
        case .ram(let at): "RAM: \(at)"
        case .ramFromPageCount(let at, let pages): "RAM: \(at) (\(pages) pages RAM, 4 KiB pages assumed)"
        case .swap(let at): "swap: \(at)"
        case .swapFromOOMReport(let at): "swap: \(at) (OOM report)"
        case .text(let text): text
        }
    }
}
