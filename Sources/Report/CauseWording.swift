import Analysis

/// A finding's summary and remediation, worded from its facts: the one place they are
/// written, for every format and the JSON.
enum CauseWording {
    /// For the JSON encoder (`JSONText`).
    static let json: CauseFacts.Writer = { (summary($0), remediation($0)) }

    static func summary(_ facts: CauseFacts) -> String {
        switch facts {
        case .text(let summary, _):
            return summary
        case .crashLoop(let f):
            return crashLoop(f)
        case .memoryExhaustion(let f):
            var s = f.kills > 0 ? "The kernel ran out of memory \(times(f.kills)); victims: \(list(f.victims))." : ""
            switch (f.unkilled, f.kills > 0) {
            case (.logsEnd?, false):
                s = "The kernel ran out of memory, and the logs end inside its OOM report, before any process was killed: "
                    + "the machine stopped while out of memory."
            case (.logsEnd?, true):
                s += " It ran out again, and the logs end inside that OOM report, before a process was killed."
            case (.noKillableProcess?, false):
                s = "The kernel ran out of memory and found no process it could kill."
            case (.noKillableProcess?, true):
                s += " It ran out again and found no process it could kill."
            case (.panicked?, false):
                s = "The kernel ran out of memory and panicked rather than kill a process (vm.panic_on_oom)."
            case (.panicked?, true):
                s += " It ran out again and panicked rather than kill a process (vm.panic_on_oom)."
            case (nil, _):
                break
            }
            if let inv = f.invokedBy { s += (f.kills > 0 ? " First invoked by \(inv)." : " Invoked by \(inv).") }
            if let big = f.biggestTask {
                s += f.kills == 0 && f.unkilled == .logsEnd ? " Biggest task in the part of its dump written: \(big)." : " Biggest task: \(big)."
            }
            return s
        case .memcgOOM(let f):
            var s = "\(f.subject) hit its memory limit: the kernel OOM-killed \(f.kills) process\(f.kills == 1 ? "" : "es") "
                + "in its cgroup; victims: \(list(f.victims))."
            if let kb = f.limitKB { s += " The kernel reports its limit as \(HumanFormat.count(kb)) kB." }
            if f.restarts > 0 { s += " The unit was restarted \(HumanFormat.count(f.restarts)) times." }
            if let l = f.limitLine { s += " Limit: \(l)." }
            return s
        case .oomdKill(let subject, let kills):
            return "systemd-oomd killed \(subject) \(times(kills)) for memory pressure."
        case .forkBomb(let f):
            return forkBomb(f)
        case .storageIO(let device, let io, let fs, let first):
            var s = "\(HumanFormat.count(io)) I/O error\(io == 1 ? "" : "s") and \(HumanFormat.count(fs)) filesystem error\(fs == 1 ? "" : "s") on \(device)."
            if let first { s += " First: \(first)" }
            return s
        case .lockup(let reports, let first):
            return "\(reports) CPU lockup/stall report\(reports == 1 ? "" : "s"): \(first)"
        case .hungTasks(let reports, let tasks):
            let distinct = Set(tasks).count
            return "\(reports) hung-task report\(reports == 1 ? "" : "s"): \(distinct) task\(distinct == 1 ? "" : "s") blocked "
                + "(\(tasks.prefix(4).joined(separator: ", ")))."
        case .kernelBug(let text, let function):
            return "A kernel bug report: \(text)\(function.map { " (in \($0))" } ?? "")"
        case .hardwareError(let first):
            return "Machine-check errors: \(first)"
        case .kernelPanic(let text, let lastWordsOnly):
            return "The kernel panicked: \(text)\(lastWordsOnly ? " (kept only by a kernel log / crash dump)" : "")"
        }
    }

    static func remediation(_ facts: CauseFacts) -> [String] {
        switch facts {
        case .text(_, let remediation):
            return remediation
        case .crashLoop(let f):
            var fix = "Fix why the main process exits"
            if let w = f.ownWords { fix += " (it says: \(w))" } else if let e = f.exits.first { fix += " (\(tally(e)))" }
            return [fix + " before re-enabling it",
                    "Set StartLimitIntervalSec= and StartLimitBurst= on \(f.unit) (e.g. StartLimitIntervalSec=5min, StartLimitBurst=5) "
                        + "so that systemd stops restarting it",
                    "Set RestartSec= (e.g. RestartSec=10s, or RestartSteps= with RestartMaxDelaySec=) to slow the restarts down"]
        case .memoryExhaustion(let f):
            var fix = f.kills > 0
                ? ["Set MemoryHigh= and MemoryMax= on \(f.subject) so that it is throttled and killed alone before the machine runs out"]
                : ["Set MemoryHigh= and MemoryMax= on the services that grow so that one is throttled and killed alone before the machine runs out"]
            fix.append("Find what grows (the biggest tasks in the kernel's dump) and fix the leak or add memory/swap")
            if f.unkilled == .logsEnd {
                fix.append("Keep the kernel's last words off the disk (pstore/ramoops, netconsole or a serial console): "
                           + "a machine out of memory stops writing its logs before the OOM report ends")
            }
            return fix
        case .memcgOOM(let f):
            return ["Raise MemoryMax= of \(f.subject) if its working set needs more, or fix its memory growth",
                    "Set MemoryHigh= below MemoryMax= so that the unit is throttled before it is killed"]
        case .oomdKill(let subject, _):
            return ["Tune ManagedOOMMemoryPressureLimit= / ManagedOOMSwap= for \(subject), or set MemoryHigh=/MemoryMax= on it"]
        case .forkBomb(let f):
            let subject = f.subject ?? "unknown"
            return ["Set TasksMax= on \(subject) (e.g. TasksMax=512) so that one unit cannot exhaust the PID space",
                    "Check DefaultTasksMax= in system.conf and kernel.pid_max"]
        case .storageIO(let device, _, _, _):
            return ["Check the device's health (smartctl -a /dev/\(device), the controller and cabling) and replace it",
                    "Run a filesystem check on the affected filesystem"]
        case .lockup:
            return ["Look at the stack of the stuck CPU in the kernel log; if it is in reclaim (kswapd, shrink_*), the machine was out "
                    + "of memory; else update the kernel or the driver named there"]
        case .hungTasks:
            return ["Find what the blocked tasks wait for (their stacks): storage, a filesystem, memory reclaim or a lock"]
        case .kernelBug:
            return ["Read the report's stack in the kernel log; update the kernel or the module named there"]
        case .hardwareError:
            return ["Decode the machine check (rasdaemon, mcelog) and replace the failing CPU, memory or board"]
        case .kernelPanic:
            return ["Read the panic's stack trace in the crash dump; set kernel.panic= to reboot and kdump to keep a vmcore"]
        }
    }

    private static func crashLoop(_ f: CrashLoopFacts) -> String {
        var s = "\(f.unit) restarted \(HumanFormat.count(f.restarts)) times"
        if let to = f.counterTo {
            if let from = f.counterFrom {
                s += " (restart counter \(HumanFormat.count(from))→\(HumanFormat.count(to)): the loop had been running before the oldest entry kept)"
            } else {
                s += " (restart counter reached \(HumanFormat.count(to)))"
            }
        }
        s += ", peak \(f.peakPerMinute)/min"
        if let m = f.medianIntervalSeconds { s += ", median \(HumanFormat.duration(seconds: m)) apart" }
        s += "."
        if !f.exits.isEmpty { s += " Main process exits: \(f.exits.map(tally).joined(separator: ", "))." }
        if !f.failures.isEmpty { s += " Failures: \(f.failures.map(tally).joined(separator: ", "))." }
        s += f.startLimitHit ? " It finally hit the start limit." : " It never hit the start limit."
        if let implied = f.impliedStartLimit { s += " Implied: \(ImpliedSettingText.sentence(implied))." }
        return s
    }

    private static func forkBomb(_ f: ForkBombFacts) -> String {
        var parts: [String] = []
        if let place = f.rejectedIn {
            parts.append("the pids controller rejected forks in \(place) (it says so once per cgroup: the limit was reached)")
        }
        if f.eagainFailures > 0 { parts.append("\(HumanFormat.count(f.eagainFailures)) fork/clone failures with EAGAIN") }
        if f.resourceFailures > 0 { parts.append("\(HumanFormat.count(f.resourceFailures)) unit failures with result 'resources'") }
        if f.hungInFork > 0 {
            parts.append("\(HumanFormat.count(f.hungInFork)) hung task\(f.hungInFork == 1 ? "" : "s") blocked in process creation")
        }
        var s = "Processes could not be created: " + parts.joined(separator: "; ") + "."
        if let r = f.rate {
            s += " PIDs advanced at up to \(HumanFormat.rate(r.peakPerSecond))/s"
                + (r.lowerBound ? " (a lower bound: PIDs wrapped between the entries kept)" : "")
            s += " against a median of \(HumanFormat.rate(r.medianPerSecond))/s for the boot (pid_max \(r.pidMax.map(String.init) ?? "?")"
            s += r.pidMaxSource.map { ", from \(FactSourceText.pidMax($0)))." } ?? ")."
        }
        if let subject = f.subject { s += " Most new PIDs came from \(subject)." }
        return s
    }

    /// `status ×count` (exits, results).
    private static func tally(_ t: CauseFacts.Tally) -> String { "\(t.name) ×\(HumanFormat.count(t.count))" }

    /// Victims: `name ×count` when seen more than once.
    private static func list(_ victims: [CauseFacts.Tally]) -> String {
        victims.map { $0.count > 1 ? "\($0.name) ×\($0.count)" : $0.name }.joined(separator: ", ")
    }

    private static func times(_ n: Int) -> String { "\(n) time\(n == 1 ? "" : "s")" }
}

extension RootCause {
    /// What was seen, worded.
    var summary: String { CauseWording.summary(facts) }
    /// What to do about it, a step a line.
    var remediation: [String] { CauseWording.remediation(facts) }
}
