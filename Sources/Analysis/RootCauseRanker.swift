import Events

/// Builds ranked root-cause hypotheses from the findings, with the causal links between
/// them (a crash loop that ate the memory outranks the OOM kills it led to; I/O errors
/// outrank the hung tasks and the panic they caused).
struct RootCauseRanker {
    var units: [UnitSummary]
    var accumulators: [String: UnitAccumulator]
    var oomKills: [OOMKillSummary]
    var kernel: KernelFindings
    var forkRate: ForkRate?
    var forkFailures: [ForkFailure]
    var end: BootEnd?
    var forkByUnit: [String: Double] = [:]

    struct Candidate {
        var kind: String
        var subject: String
        var score: Double
        var summary: String
        var evidence: [String]
        var contributedTo: [String] = []
        var remediation: [String]
        var firstTime: Int64?
    }

    func rank() -> [RootCause] {
        var c: [Candidate] = []
        c += crashLoops()
        c += memory()
        if let f = forkBomb() { c.append(f) }
        c += kernelCauses()
        link(&c)
        let ranked = c.sorted { $0.score != $1.score ? $0.score > $1.score : ($0.firstTime ?? .max) < ($1.firstTime ?? .max) }
        var out: [RootCause] = []
        for (i, x) in ranked.enumerated() {
            var contributed = x.contributedTo
            if i == 0, let e = end, e.kind == .unclean { contributed.append("unclean end of the boot") }
            out.append(RootCause(rank: i + 1, kind: x.kind, subject: x.subject, confidence: min(1, max(0, x.score)),
                                 summary: x.summary, evidence: Array(x.evidence.prefix(12)), contributedTo: contributed,
                                 remediation: x.remediation))
        }
        return out
    }

    func crashLoops() -> [Candidate] {
        units.filter(\.crashLoop).map { u in
            let acc = accumulators[u.unit]
            let n = u.restartsObserved
            var s = "\(u.unit) restarted \(Format.count(n)) times"
            if let a = u.firstRestart, let b = u.lastRestart {
                s += " between \(Format.clock(a.microseconds)) and \(Format.clock(b.microseconds))"
            }
            if let m = u.restartCounterMax {
                if let lo = acc?.counterMin, lo > 1 {
                    s += " (restart counter \(Format.count(lo))→\(Format.count(m)): the loop had been running before the oldest entry kept)"
                } else {
                    s += " (restart counter reached \(Format.count(m)))"
                }
            }
            s += ", peak \(u.peakRestartsPerMinute)/min"
            if let m = u.medianRestartIntervalSeconds { s += ", median \(Format.seconds(m)) apart" }
            s += "."
            let exits = u.exitStatuses.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key) ×\(Format.count($0.value))" }
            if !exits.isEmpty { s += " Main process exits: \(exits.joined(separator: ", "))." }
            let results = u.results.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key) ×\(Format.count($0.value))" }
            if !results.isEmpty { s += " Failures: \(results.joined(separator: ", "))." }
            s += u.startLimitHit ? " It finally hit the start limit." : " It never hit the start limit."
            if let implied = u.impliedSettings.first(where: { $0.hasPrefix("StartLimit") }) { s += " Implied: \(implied)." }
            var ev: [String] = []
            if let c = acc?.firstCursor { ev.append(c.cursor) }
            ev += (acc?.failures.prefix(3).map(\.cursor.cursor) ?? [])
            if let c = acc?.lastRestartCursor { ev.append(c.cursor) }
            if let c = acc?.startLimitCursor { ev.append(c.cursor) }
            ev += u.unitFileLines
            let oomDriven = (u.results["oom-kill"] ?? 0) * 2 >= max(1, u.results.values.reduce(0, +)) && (u.results["oom-kill"] ?? 0) > 0
            var score = 0.7 + min(0.2, Double(String(n).count) * 0.04)
            if oomDriven { score = 0.5 }
            return Candidate(kind: "crash-loop", subject: u.unit, score: score, summary: s, evidence: ev,
                             remediation: [
                                "Set StartLimitIntervalSec= and StartLimitBurst= on \(u.unit) (e.g. StartLimitIntervalSec=5min, StartLimitBurst=5) so that systemd stops restarting it",
                                "Set RestartSec= (e.g. RestartSec=10s, or RestartSteps= with RestartMaxDelaySec=) to slow the restarts down",
                                "Fix why the main process exits (\(exits.first ?? "see the unit's log")) before re-enabling it",
                             ], firstTime: u.firstRestart?.microseconds)
        }
    }

    func memory() -> [Candidate] {
        var out: [Candidate] = []
        let global = oomKills.filter { $0.kind == .global }
        if !global.isEmpty {
            let subject = mostCommon(global.map { $0.unit ?? $0.comm ?? "?" }) ?? "system"
            let victims = mostCommonList(global.map { "\($0.comm ?? "?") (\($0.unit ?? "no unit"))" })
            var s = "The kernel ran out of memory \(global.count) time\(global.count == 1 ? "" : "s")"
            if let a = global.first?.time, let b = global.last?.time {
                s += a == b ? " at \(Format.clock(a.microseconds))" : " between \(Format.clock(a.microseconds)) and \(Format.clock(b.microseconds))"
            }
            s += "; victims: \(victims)."
            if let inv = global.first?.invokedBy { s += " First invoked by \(inv)." }
            if let big = global.first?.biggestTasks.first { s += " Biggest task: \(big)." }
            out.append(Candidate(kind: "memory-exhaustion", subject: subject, score: 0.65 + min(0.2, Double(global.count) * 0.03),
                                 summary: s, evidence: global.flatMap(\.evidence),
                                 remediation: ["Set MemoryHigh= and MemoryMax= on \(subject) so that it is throttled and killed alone before the machine runs out",
                                               "Find what grows (the biggest tasks in the kernel's dump) and fix the leak or add memory/swap"],
                                 firstTime: global.first?.time?.microseconds))
        }
        for kind in [OOMKind.memcg, .oomd] {
            let ks = oomKills.filter { $0.kind == kind }
            let groups = Dictionary(grouping: ks) { $0.unit ?? $0.oomMemcg ?? $0.taskMemcg ?? $0.comm ?? "?" }
            for (subject, g) in groups {
                let victims = mostCommonList(g.map { $0.comm ?? "?" })
                var s = kind == .memcg
                    ? "\(subject) hit its memory limit: the kernel OOM-killed \(g.count) process\(g.count == 1 ? "" : "es") in its cgroup"
                    : "systemd-oomd killed \(subject) \(g.count) time\(g.count == 1 ? "" : "s") for memory pressure"
                if let a = g.first?.time, let b = g.last?.time {
                    s += a == b ? " at \(Format.clock(a.microseconds))" : " between \(Format.clock(a.microseconds)) and \(Format.clock(b.microseconds))"
                }
                s += kind == .memcg ? "; victims: \(victims)." : "."
                if let u = accumulators[subject], u.restartsObserved > 0 {
                    s += " The unit was restarted \(Format.count(u.restartsObserved)) times."
                }
                let lines = units.first { $0.unit == subject }?.unitFileLines.filter { $0.contains("Memory") } ?? []
                if let l = lines.first { s += " Limit: \(l)." }
                out.append(Candidate(kind: kind == .memcg ? "memcg-oom" : "oomd-kill", subject: subject,
                                     score: (kind == .memcg ? 0.6 : 0.55) + min(0.25, Double(g.count) * 0.05),
                                     summary: s, evidence: g.flatMap(\.evidence) + lines,
                                     remediation: kind == .memcg
                                        ? ["Raise MemoryMax= of \(subject) if its working set needs more, or fix its memory growth",
                                           "Set MemoryHigh= below MemoryMax= so that the unit is throttled before it is killed"]
                                        : ["Tune ManagedOOMMemoryPressureLimit= / ManagedOOMSwap= for \(subject), or set MemoryHigh=/MemoryMax= on it"],
                                     firstTime: g.first?.time?.microseconds))
            }
        }
        return out
    }

    func forkBomb() -> Candidate? {
        guard let f = forkRate else { return nil }
        let failures = f.forkFailures
        guard f.peakPerSecond >= 500 || (f.peakPerSecond >= 100 && failures >= 3) else { return nil }
        var subject = kernel.pidsCgroups.max { $0.value < $1.value }.map { OOMAssembler.unit(fromCgroup: $0.key) ?? $0.key }
        if subject == nil { subject = forkByUnit.filter { $0.key != "init.scope" }.max { $0.value < $1.value }?.key }
        if subject == nil { subject = mostCommon(forkFailures.map(\.reporter)) }
        let subj = subject ?? "unknown"
        var s = "Processes were created at up to \(Format.fixed(f.peakPerSecond, 0))/s"
        if f.lowerBound { s += " (a lower bound: PIDs wrapped)" }
        if let at = f.peakAt { s += " in the minute from \(Format.clock(at.microseconds))" }
        s += ", judging by how PIDs advanced (pid_max \(f.pidMax.map(String.init) ?? "?"))"
        if f.wraps > 0 { s += ", wrapping \(f.wraps) times" }
        s += "."
        if failures > 0 { s += " \(Format.count(failures)) fork failures (EAGAIN / pids controller)." }
        if subject != nil { s += " Most new PIDs came from \(subj)." }
        return Candidate(kind: "fork-bomb", subject: subj, score: 0.8 + min(0.15, f.peakPerSecond / 20_000),
                         summary: s, evidence: forkFailures.prefix(5).map(\.source),
                         remediation: ["Set TasksMax= on \(subj) (e.g. TasksMax=512) so that one unit cannot exhaust the PID space",
                                       "Check DefaultTasksMax= in system.conf and kernel.pid_max"],
                         firstTime: f.peakAt?.microseconds)
    }

    func kernelCauses() -> [Candidate] {
        var out: [Candidate] = []
        let k = kernel.counts
        let firstOf: (KernelDistressKind) -> KernelEventSummary? = { kind in kernel.events.first { $0.kind == kind.rawValue } }
        let evOf: ([KernelDistressKind]) -> [String] = { kinds in
            kernel.events.filter { e in kinds.contains { $0.rawValue == e.kind } }.prefix(8).map(\.source)
        }
        let io = k[.ioError, default: 0], fs = k[.fsError, default: 0]
        if io + fs >= 3 || fs >= 1 {
            let dev = (kernel.ioDevices.max { $0.value < $1.value } ?? kernel.fsDevices.max { $0.value < $1.value })?.key ?? "storage"
            var s = "\(Format.count(io)) I/O errors and \(Format.count(fs)) filesystem errors"
            if let e = firstOf(.ioError) ?? firstOf(.fsError), let t = e.time { s += ", the first at \(Format.clock(t.microseconds))" }
            s += " on \(dev)."
            if let e = firstOf(.ioError) ?? firstOf(.fsError) { s += " First: \(e.text)" }
            out.append(Candidate(kind: "storage-io", subject: dev, score: 0.75 + min(0.15, Double(io + fs) * 0.01), summary: s,
                                 evidence: evOf([.ioError, .fsError]),
                                 remediation: ["Check the device's health (smartctl -a /dev/\(dev), the controller and cabling) and replace it",
                                               "Run a filesystem check on the affected filesystem"],
                                 firstTime: (firstOf(.ioError) ?? firstOf(.fsError))?.time?.microseconds))
        }
        let lock = k[.softLockup, default: 0] + k[.hardLockup, default: 0] + k[.rcuStall, default: 0]
        if lock > 0, let first = firstOf(.softLockup) ?? firstOf(.hardLockup) ?? firstOf(.rcuStall) {
            let subject = Self.lockupSubject(first.text)
            out.append(Candidate(kind: "lockup", subject: subject, score: 0.7, summary: "\(lock) CPU lockup/stall report(s): \(first.text)",
                                 evidence: evOf([.softLockup, .hardLockup, .rcuStall]),
                                 remediation: ["Look at the stack of the stuck CPU in the kernel log; update the kernel or the driver named there"],
                                 firstTime: first.time?.microseconds))
        }
        let hung = k[.hungTask, default: 0]
        if hung > 0, let first = firstOf(.hungTask) {
            let subject = kernel.hungTasks.first.map { String($0.split(separator: ":").first ?? Substring($0)) } ?? "tasks"
            out.append(Candidate(kind: "hung-tasks", subject: subject, score: 0.5 + min(0.2, Double(hung) * 0.02),
                                 summary: "\(hung) hung-task report(s), the first: \(first.text)", evidence: evOf([.hungTask]),
                                 remediation: ["Find what the blocked tasks wait for (their stacks): usually storage or a filesystem"],
                                 firstTime: first.time?.microseconds))
        }
        if k[.panic, default: 0] > 0, let first = firstOf(.panic) {
            let reason = kernel.panicReason ?? first.text
            let lower = reason.lowercased()
            let consequence = lower.contains("hung_task") || lower.contains("lockup") || lower.contains("out of memory")
                || lower.contains("oom") || lower.contains("rcu")
            out.append(Candidate(kind: "kernel-panic", subject: reason, score: consequence ? 0.45 : 0.85,
                                 summary: "The kernel panicked: \(first.text)\(first.lastWords ? " (kept only by a kernel log / crash dump)" : "")",
                                 evidence: evOf([.panic]),
                                 remediation: ["Read the panic's stack trace in the crash dump; set kernel.panic= to reboot and kdump to keep a vmcore"],
                                 firstTime: first.time?.microseconds))
        }
        return out
    }

    static func lockupSubject(_ text: String) -> String {
        if let r = text.firstRange(of: "CPU#") {
            let rest = text[r.lowerBound...]
            return String(rest.prefix { $0 != " " })
        }
        return "CPU"
    }

    /// Causal links: the earlier, more specific cause keeps the higher rank.
    func link(_ c: inout [Candidate]) {
        func idx(_ kind: String) -> [Int] { c.indices.filter { c[$0].kind == kind } }
        let memoryKinds = ["memory-exhaustion", "memcg-oom", "oomd-kill"]
        for ci in idx("crash-loop") {
            let unit = c[ci].subject
            let oomDriven = c[ci].score <= 0.5
            for mi in c.indices where memoryKinds.contains(c[mi].kind) {
                if oomDriven, c[mi].subject == unit {
                    c[mi].score = max(c[mi].score, c[ci].score + 0.2)
                    c[mi].contributedTo.append(unit)
                    continue
                }
                let crashFirst = (c[ci].firstTime ?? .max) <= (c[mi].firstTime ?? .max)
                if crashFirst {
                    c[ci].contributedTo.append(c[mi].subject)
                    c[mi].score = min(c[mi].score, c[ci].score - 0.05)
                }
            }
        }
        for si in idx("storage-io") {
            for hi in idx("hung-tasks") + idx("kernel-panic") {
                c[si].contributedTo.append(c[hi].kind == "hung-tasks" ? "hung tasks (\(c[hi].subject))" : "kernel panic")
                c[hi].score = min(c[hi].score, c[si].score - 0.1)
            }
        }
        for hi in idx("hung-tasks") + idx("lockup") {
            for pi in idx("kernel-panic") where c[pi].score < c[hi].score {
                c[hi].contributedTo.append("kernel panic")
            }
        }
        // Reclaim stuck on a CPU (kswapd in the lockup) is the memory shortage showing.
        for li in idx("lockup") where c[li].summary.contains("kswapd") {
            for mi in idx("memory-exhaustion") { c[mi].contributedTo.append("lockup (\(c[li].subject))") }
        }
        for fi in idx("fork-bomb") {
            for ci in idx("crash-loop") {
                c[fi].contributedTo.append(c[ci].subject)
                c[ci].score = min(c[ci].score, c[fi].score - 0.05)
            }
        }
    }

    func mostCommon(_ xs: [String]) -> String? {
        var n: [String: Int] = [:]
        for x in xs { n[x, default: 0] += 1 }
        return n.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
    }

    func mostCommonList(_ xs: [String]) -> String {
        var n: [String: Int] = [:]
        for x in xs { n[x, default: 0] += 1 }
        return n.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(4)
            .map { $0.value > 1 ? "\($0.key) ×\($0.value)" : $0.key }.joined(separator: ", ")
    }
}
