import KernelLog

/// Kinds of kernel distress the analysis counts; raw values are the report's `kind` names.
public enum KernelDistressKind: String, Sendable, CaseIterable, Codable {
    case hungTask = "hung_task"
    case softLockup = "soft_lockup"
    case hardLockup = "hard_lockup"
    case rcuStall = "rcu_stall"
    case panic
    case oops
    case bug
    case warning
    case ioError = "io_error"
    case fsError = "fs_error"
    case forkRejected = "fork_rejected"
    case mce
    case segfault
    case oomKill = "oom_kill"
}

/// Recognises the one line of a kernel message that names a distress event (not the
/// continuation lines of its report: call traces, register dumps). The line itself is
/// recognised by `KernelMessage.classify` (the kernel-log reader's one classifier); this
/// adds what makes a line an event of its own in a report.
public enum KernelDistress {
    public static func classify(_ text: String) -> KernelDistressKind? {
        KernelMessage.classify(text).flatMap { kind(of: $0, text) }
    }

    /// The distress a message of `kind` reports (`text` tells a report's trailer from its head).
    public static func kind(of kind: KernelEventKind, _ text: String) -> KernelDistressKind? {
        switch kind {
        case .hungTask: return .hungTask
        case .softLockup: return .softLockup
        case .hardLockup: return .hardLockup
        case .rcuStall: return .rcuStall
        // The `---[ end Kernel panic` trailer closes the panic's report; it is not a second one.
        case .panic: return text.hasPrefix("---[ end") ? nil : .panic
        case .oops: return .oops
        // `BUG: unable to handle …` opens an oops report (its `Oops:` line follows).
        case .bug: return text.hasPrefix("BUG: unable to handle") ? .oops : .bug
        case .warning: return .warning
        // The block layer reports each failed request once; the buffer layer's echo of the
        // same failure is not counted again.
        case .ioError: return text.contains("Buffer I/O error") ? nil : .ioError
        case .fsError: return .fsError
        case .forkRejected: return .forkRejected
        case .mce: return .mce
        case .segfault: return .segfault
        // One summary line per kill since 4.19; the other OOM lines belong to the same kill.
        case .oomSummary: return .oomKill
        case .oomInvoked, .oomKill, .oomVictimSelected, .oomReaper, .bootBanner: return nil
        }
    }

    /// The block device named by an I/O error line (`dev sda`, `Buffer I/O error on dev sdb1`, `(sdc)`).
    public static func device(_ text: String) -> String? {
        let t = Substring(text)
        if let d = TextScan.between(t, after: "dev ", until: ",") {
            let name = d.split(separator: " ").first.map(String.init)
            if let name, !name.isEmpty { return name }
        }
        if let d = TextScan.between(t, after: "EXT4-fs error (device ", until: ")") { return String(d) }
        if let d = TextScan.between(t, after: "EXT4-fs (", until: ")") { return String(d) }
        if let d = TextScan.between(t, after: "XFS (", until: ")") { return String(d) }
        return nil
    }
}

/// One line of a kernel OOM report.
public enum OOMLine: Sendable, Hashable {
    /// `comm invoked oom-killer: gfp_mask=…`.
    case invoked(comm: String)
    /// `oom-kill:constraint=…,task_memcg=…,task=…,pid=…,uid=…`.
    case summary(constraint: String?, oomMemcg: String?, taskMemcg: String?, task: String?, pid: Int?, uid: Int?,
                 globalOOM: Bool)
    /// `Out of memory: Killed process 123 (comm) total-vm:…kB, anon-rss:…kB, … UID:0` (and older
    /// `Killed process 123, UID 27, (comm) total-vm:…`). `memcg` for `Memory cgroup out of memory:`.
    case killed(pid: Int, comm: String?, totalVMKB: Int?, anonRSSKB: Int?, uid: Int?, memcg: Bool)
    /// Old kernels' choice line: `Out of memory: Kill process 123 (comm) score 16 or sacrifice child`.
    case choice(pid: Int, comm: String?, memcg: Bool)
    /// Old memcg context: `Task in /a killed as a result of limit of /b`.
    case memcgContext(taskMemcg: String, limitMemcg: String)
    /// A row of the task dump: `[  pid  ]   uid  tgid total_vm      rss …  name`.
    case taskRow(pid: Int, uid: Int?, rssPages: Int, name: String)
    /// A memory cgroup's charge at its OOM: `memory: usage 524288kB, limit 524288kB, failcnt 2345`
    /// (mm/memcontrol.c, `mem_cgroup_print_oom_meminfo()`).
    case memcgUsage(usageKB: Int, limitKB: Int)
    /// `Out of memory and no killable processes...`: the report ends without a kill (mm/oom_kill.c,
    /// `out_of_memory()`; a machine-wide one is followed by `panic("System is deadlocked on memory")`).
    case noKillable

    /// Reads one line with the kernel-log reader's parsers (`OOMInvokedLine`, `OOMSummaryLine`,
    /// `OOMKillLine`, `OOMVictimSelectedLine`, `OOMTaskRow`), which know every generation's
    /// forms (comms with spaces, node lists with commas, 2.6.32's columns).
    public static func parse(_ text: String) -> OOMLine? {
        let t = Substring(text).trimmingSpaces()
        let line = String(t)
        if let i = OOMInvokedLine(line) { return .invoked(comm: i.comm) }
        if t.hasPrefix("oom-kill:"), let s = OOMSummaryLine(line) {
            return .summary(constraint: s.constraint, oomMemcg: s.oomMemcg, taskMemcg: s.taskMemcg, task: s.task,
                            pid: s.pid, uid: s.uid, globalOOM: s.isGlobal)
        }
        if t.hasPrefix("Out of memory and no killable processes") { return .noKillable }
        let memcg = t.has("Memory cgroup out of memory")
        if let k = OOMKillLine(line) {
            return .killed(pid: k.pid, comm: k.comm, totalVMKB: k.totalVMkB.map { Int(clamping: $0) },
                           anonRSSKB: k.anonRSSkB.map { Int(clamping: $0) }, uid: k.uid, memcg: k.kind == .memcg)
        }
        if t.has("sacrifice child"), let c = OOMVictimSelectedLine(line) {
            return .choice(pid: c.pid, comm: c.comm, memcg: memcg)
        }
        if t.hasPrefix("Task in "), let r = t.find(" killed as a result of limit of ") {
            let task = t[t.index(t.startIndex, offsetBy: 8)..<r.lowerBound]
            return .memcgContext(taskMemcg: String(task), limitMemcg: String(t[r.upperBound...].trimmingSpaces()))
        }
        if t.hasPrefix("memory: usage "), let u = TextScan.between(t, after: "usage ", until: "k"),
           let l = TextScan.between(t, after: "limit ", until: "k"),
           let usage = TextScan.leadingInt(u), let limit = TextScan.leadingInt(l) {
            return .memcgUsage(usageKB: usage, limitKB: limit)
        }
        if let row = OOMTaskRow(line) {
            return .taskRow(pid: row.pid, uid: row.uid, rssPages: Int(clamping: row.rss), name: row.name)
        }
        return nil
    }
}

/// A kernel-log line a systemd program wrote to /dev/kmsg under its own name
/// (`systemd[1]: systemd-journald.service: Scheduled restart job, …`): PID 1 does while
/// journald is down (killed, restarting, at switch-root), systemd-shutdown always. Split as
/// journald splits it into `SYSLOG_IDENTIFIER` and `SYSLOG_PID`, so that a dmesg, a console
/// log or kern.log gives the events a journal's kernel entries give.
public struct KmsgSender: Sendable, Hashable {
    public var identifier: String
    public var pid: Int
    public var message: String

    /// `nil` unless the line starts `systemd…[pid]: ` (other programs' names are left alone:
    /// the kernel's own `a.out[1234]: segfault at …` has the same shape).
    public init?(_ text: String) {
        let u = text.utf8
        guard u.starts(with: "systemd".utf8), let open = u.firstIndex(of: UInt8(ascii: "[")),
              u.distance(from: u.startIndex, to: open) <= 64 else { return nil }
        let name = text[..<open]
        guard name.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || ($0 >= 0x61 && $0 <= 0x7A) }) else { return nil }
        let afterOpen = u.index(after: open)
        guard let close = u[afterOpen...].firstIndex(of: UInt8(ascii: "]")),
              u.distance(from: afterOpen, to: close) <= 10,
              let pid = Int(String(decoding: u[afterOpen..<close], as: UTF8.self)), pid > 0 else { return nil }
        let rest = u[u.index(after: close)...]
        guard rest.starts(with: ": ".utf8) else { return nil }
        identifier = String(name)
        self.pid = pid
        message = String(decoding: rest.dropFirst(2), as: UTF8.self)
    }
}
