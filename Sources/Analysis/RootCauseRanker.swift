import Events

/// Builds the findings (crash loops, memory, task exhaustion, storage, lockups, hung tasks,
/// kernel bugs, panics), links them by the mechanisms of `CausalRules`, and gives each its
/// role: the primary cause whose chain reaches the end, contributing factors, consequences,
/// unrelated findings. No scores.
struct RootCauseRanker {
    var units: [UnitSummary]
    var accumulators: [String: UnitAccumulator]
    var oomKills: [OOMKillSummary]
    var kernel: KernelFindings
    var forkRate: ForkRate?
    var forkFailures: [ForkFailure]
    var end: BootEnd?
    var forkByUnit: [String: Double] = [:]
    /// systemd's lines about each unit (failures, restarts), for evidence.
    var unitLines: [String: [EvidenceLine]] = [:]
    var locator = JournalFileLocator()

    func rank() -> [RootCause] {
        var d: [DraftFinding] = []
        d += crashLoops()
        d += memory()
        if let f = forkBomb() { d.append(f) }
        d += kernelFindings()
        return Self.place(d, endTime: (end?.lastSignOfLife ?? end?.lastEntry)?.microseconds,
                          uncleanEnd: end?.kind != .clean)
    }

    /// Links the drafts and gives them roles and ranks.
    static func place(_ d: [DraftFinding], endTime: Int64?, uncleanEnd: Bool) -> [RootCause] {
        let links = CausalRules.links(d, endTime: endTime, uncleanEnd: uncleanEnd)
        let index = Dictionary(d.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var out: [Int: [CauseLink]] = [:]
        var causedBy: [Int: [String]] = [:]
        for (a, l) in links {
            out[a, default: []].append(l)
            if let b = index[l.to] { causedBy[b, default: []].append(d[a].id) }
        }
        func descendants(_ i: Int) -> (set: Set<Int>, end: Bool) {
            var seen = Set<Int>(), stack = [i], reachesEnd = false
            while let x = stack.popLast() {
                for l in out[x] ?? [] {
                    if l.to == CauseLink.endOfBoot { reachesEnd = true; continue }
                    if let y = index[l.to], y != i, seen.insert(y).inserted { stack.append(y) }
                }
            }
            return (seen, reachesEnd)
        }
        let roots = d.indices.filter { causedBy[$0] == nil }
        let reach = Dictionary(uniqueKeysWithValues: d.indices.map { ($0, descendants($0)) })
        func persisted(_ i: Int) -> Bool { CausalRules.persisted(d[i], endTime: endTime) }
        // The primary: a root whose chain reaches the end of the boot; else the root with the
        // most consequences; then one that persisted to the end; then a machine-wide condition
        // before one unit's own trouble; then the earliest.
        func key(_ i: Int) -> (Int, Int, Int, Int, Int64, String) {
            (reach[i]?.end == true ? 0 : 1, -(reach[i]?.set.count ?? 0), persisted(i) ? 0 : 1,
             d[i].kind == .crashLoop ? 1 : 0, d[i].start ?? .max, d[i].id)
        }
        let primary = roots.min { key($0) < key($1) }
        var role = [CauseRole](repeating: .unrelated, count: d.count)
        var chain: [Int] = []
        if let p = primary {
            role[p] = .primary
            chain = Self.longestPath(from: p, out: out, index: index, drafts: d)
            let inChain = Set((reach[p]?.set ?? []).map { $0 } + [p])
            for i in d.indices where i != p {
                if causedBy[i] != nil { role[i] = .consequence }
                // Not the primary's consequence, but feeds into its chain.
                if !inChain.contains(i), (out[i] ?? []).contains(where: { l in index[l.to].map(inChain.contains) ?? false }) {
                    role[i] = .contributing
                }
            }
        } else {
            for i in d.indices where causedBy[i] != nil { role[i] = .consequence }
        }
        let chainPos = Dictionary(uniqueKeysWithValues: chain.enumerated().map { ($0.element, $0.offset) })
        let order = d.indices.sorted { a, b in
            let ka = (role[a] == .primary ? 0 : chainPos[a] != nil ? 1 : role[a] == .contributing ? 2 : role[a] == .consequence ? 3 : 4,
                      chainPos[a] ?? 0, d[a].start ?? .max, d[a].id)
            let kb = (role[b] == .primary ? 0 : chainPos[b] != nil ? 1 : role[b] == .contributing ? 2 : role[b] == .consequence ? 3 : 4,
                      chainPos[b] ?? 0, d[b].start ?? .max, d[b].id)
            return ka < kb
        }
        return order.enumerated().map { rank, i in
            let x = d[i]
            var c = RootCause(rank: rank + 1, id: x.id, kind: x.kind, subject: x.subject, role: role[i],
                              start: x.start.map(Timestamp.init(microseconds:)), end: x.end.map(Timestamp.init(microseconds:)),
                              persistedToEnd: persisted(i), facts: x.facts, evidence: Array(x.evidence.prefix(3)),
                              ledTo: out[i] ?? [], causedBy: causedBy[i] ?? [])
            if i == primary {
                let last = chain.last ?? i
                c.chain = chain.map { d[$0].id } + ((out[last] ?? []).contains { $0.to == CauseLink.endOfBoot } ? [CauseLink.endOfBoot] : [])
            }
            return c
        }
    }

    /// The chain from `p`: the longest path of links, preferring one that reaches the end of
    /// the boot, then the earlier finding at each step. Bounded: each finding is visited once per path.
    static func longestPath(from p: Int, out: [Int: [CauseLink]], index: [String: Int], drafts d: [DraftFinding]) -> [Int] {
        var best: (path: [Int], end: Bool) = ([], false)
        func walk(_ x: Int, _ path: [Int]) {
            let next = (out[x] ?? []).compactMap { index[$0.to] }.filter { $0 != p && !path.contains($0) }
                .sorted { (d[$0].start ?? .max, d[$0].id) < (d[$1].start ?? .max, d[$1].id) }
            let ends = (out[x] ?? []).contains { $0.to == CauseLink.endOfBoot }
            if (ends && !best.end) || (ends == best.end && path.count > best.path.count) { best = (path, ends) }
            guard path.count < d.count else { return }
            for y in next { walk(y, path + [y]) }
        }
        walk(p, [])
        return best.path
    }

    // MARK: the findings

    func crashLoops() -> [DraftFinding] {
        units.filter(\.crashLoop).map { u in
            let lo = accumulators[u.unit]?.counterMin
            let facts = CrashLoopFacts(unit: u.unit, restarts: u.restartsObserved,
                                       counterFrom: u.restartCounterMax != nil && (lo ?? 0) > 1 ? lo : nil,
                                       counterTo: u.restartCounterMax, peakPerMinute: u.peakRestartsPerMinute,
                                       medianIntervalSeconds: u.medianRestartIntervalSeconds,
                                       exits: CauseFacts.Tally.top(u.exitStatuses, 3), failures: CauseFacts.Tally.top(u.results, 3),
                                       startLimitHit: u.startLimitHit,
                                       impliedStartLimit: u.impliedSettings.first(where: \.isStartLimit),
                                       ownWords: u.ownWords.first?.example)
            // The unit's own words first: they say why it exits; then systemd's view of it.
            var ev: [EvidenceLine] = []
            if let w = ownWordsEvidence(u.unit) { ev.append(w) }
            ev += (unitLines[u.unit] ?? []).filter { !$0.text.isEmpty }.suffix(2)
            return DraftFinding(id: "crash-loop:\(u.unit)", kind: .crashLoop, subject: .unit(u.unit),
                                start: (u.loopStartEstimate?.start ?? u.firstRestart)?.microseconds, end: u.lastRestart?.microseconds,
                                facts: .crashLoop(facts), evidence: ev,
                                resources: [u.unit], texts: [])
        }
    }

    /// Where kernel event `i` was read, with its journal file looked up now that it is quoted.
    func origin(_ i: Int) -> EvidenceSource {
        let o = kernel.origins[i]
        if case .journal(nil, let cursor) = o, i < kernel.refs.count, let ref = kernel.refs[i] {
            return locator.source(of: ref, cursor: cursor)
        }
        return o
    }

    /// The unit's most frequent own message, as an evidence line.
    func ownWordsEvidence(_ unit: String) -> EvidenceLine? {
        guard let w = units.first(where: { $0.unit == unit })?.ownWords.first else { return nil }
        return (unitLines[unit] ?? []).first { $0.text == w.example }
            ?? ownWordLines[unit]
    }

    /// The first own-word line of each unit, with where it was read (set by the analysis).
    var ownWordLines: [String: EvidenceLine] = [:]

    func killEvidence(_ kills: [OOMKillSummary]) -> [EvidenceLine] {
        kills.prefix(2).compactMap { k in
            guard let i = kernel.events.firstIndex(where: { $0.kind == .oomKill && $0.time == k.time }),
                  i < kernel.origins.count else { return nil }
            return EvidenceLine(time: k.time, source: origin(i), text: kernel.events[i].text)
        }
    }

    func memory() -> [DraftFinding] {
        var out: [DraftFinding] = []
        let global = oomKills.filter { $0.kind == .global }
        let unkilled = kernel.unkilledOOM(end: end)
        if !global.isEmpty || unkilled != nil {
            let subject = mostCommon(global.map { $0.unit ?? $0.comm ?? "?" }) ?? CauseSubject.system.name
            let victims = CauseFacts.Tally.top(global.map { "\($0.comm ?? "?") (\($0.unit ?? "no unit"))" }, 4)
            let facts = MemoryExhaustionFacts(subject: subject, kills: global.count, victims: victims,
                                              invokedBy: global.first?.invokedBy ?? unkilled?.oom.invokedBy,
                                              biggestTask: (global.first?.biggestTasks ?? unkilled?.oom.biggestTasks)?.first,
                                              unkilled: unkilled?.reason)
            let invocation = unkilled.map { u in
                EvidenceLine(time: u.oom.invocation.time.map(Timestamp.init(microseconds:)), source: u.oom.invocation.origin,
                             text: u.oom.invocation.text)
            }
            let subjectKind: CauseSubject = global.isEmpty ? .system
                : global.contains { $0.unit != nil } ? .unit(subject) : .process(comm: subject, pid: nil)
            var d = DraftFinding(id: "memory-exhaustion", kind: .memoryExhaustion, subject: subjectKind,
                                 start: (global.first?.time ?? invocation?.time)?.microseconds,
                                 end: (invocation?.time ?? global.last?.time)?.microseconds,
                                 facts: .memoryExhaustion(facts), evidence: killEvidence(global) + (invocation.map { [$0] } ?? []))
            d.victimUnits = Set(global.compactMap(\.unit))
            d.resources = d.victimUnits
            out.append(d)
        }
        let memcg = oomKills.filter { $0.kind == .memcg }
        // The subject of a memory-cgroup OOM is the cgroup whose limit was hit (`oom_memcg`),
        // not the victim's own (maybe nested) cgroup.
        let byLimit = Dictionary(grouping: memcg) { k in
            k.oomMemcg.map { OOMAssembler.unit(fromCgroup: $0) ?? $0 } ?? k.unit ?? k.taskMemcg ?? k.comm ?? "?"
        }
        for (subject, g) in byLimit.sorted(by: { $0.key < $1.key }) {
            let lines = units.first { $0.unit == subject }?.unitFileLines.filter { $0.contains("Memory") } ?? []
            let facts = MemcgOOMFacts(subject: subject, kills: g.count, victims: CauseFacts.Tally.top(g.map { $0.comm ?? "?" }, 4),
                                      limitKB: g.compactMap(\.memcgLimitKB).first, restarts: accumulators[subject]?.restartsObserved ?? 0,
                                      limitLine: lines.first)
            let isUnit = subject.contains(".") && !subject.hasPrefix("/")
            var d = DraftFinding(id: "memcg-oom:\(subject)", kind: .memcgOOM, subject: isUnit ? .unit(subject) : .cgroup(subject),
                                 start: g.first?.time?.microseconds, end: g.last?.time?.microseconds,
                                 facts: .memcgOOM(facts), evidence: killEvidence(g))
            d.resources = Set([subject] + g.compactMap(\.unit) + g.compactMap(\.oomMemcg))
            d.victimUnits = Set(g.compactMap(\.unit))
            out.append(d)
        }
        let oomd = oomKills.filter { $0.kind == .oomd }
        for (subject, g) in Dictionary(grouping: oomd, by: { $0.unit ?? $0.taskMemcg ?? "?" }).sorted(by: { $0.key < $1.key }) {
            var d = DraftFinding(id: "oomd-kill:\(subject)", kind: .oomdKill, subject: subject.hasPrefix("/") ? .cgroup(subject) : .unit(subject),
                                 start: g.first?.time?.microseconds, end: g.last?.time?.microseconds,
                                 facts: .oomdKill(subject: subject, kills: g.count), evidence: [])
            d.resources = Set([subject] + g.compactMap(\.taskMemcg))
            out.append(d)
        }
        return out
    }

    /// Task exhaustion: evidence that forks failed (the pids controller's `fork rejected`,
    /// EAGAIN from fork/clone, units failing with result `resources`), with the PID advance
    /// against the boot's own baseline as a stated lower bound.
    func forkBomb() -> DraftFinding? {
        let rejected = kernel.counts[.forkRejected, default: 0]
        let resourceFailures = units.reduce(0) { $0 + ($1.results["resources"] ?? 0) }
        let eagain = forkFailures.count
        // Tasks hung in process creation (`copy_process`, `cgroup_can_fork`) wait for a PID or
        // for the pids controller: exhaustion seen from the other side.
        let forkHungEvents = kernel.events.indices.filter { i in
            kernel.events[i].kind == .hungTask && i < kernel.reports.count
                && kernel.reports[i].contains { l in CausalRules.forkFunctions.contains { l.contains($0) } }
        }
        let forkHung = forkHungEvents.count
        // They were blocked from the report's time minus the timeout it states.
        let forkHungSince = forkHungEvents.compactMap { i -> Int64? in
            kernel.events[i].time.map { $0.microseconds &- Int64(Self.blockedSeconds(kernel.events[i].text) ?? 120) &* 1_000_000 }
        }
        guard rejected + eagain + resourceFailures + forkHung > 0 else { return nil }
        let f = forkRate
        let baseline = f.map { Stats.median($0.series.map(\.perSecond)) ?? 0 } ?? 0
        let peak = f?.peakPerSecond ?? 0
        // Above the boot's own baseline, or the PIDs wrapped (the rate a lower bound), or the
        // pids controller's one line: the limit was reached.
        let aboveBaseline = peak >= max(20, baseline * 4)
        guard rejected > 0 || forkHung > 0 || aboveBaseline || f?.lowerBound == true
                || (eagain >= 3 && peak >= max(20, baseline * 2)) else { return nil }
        var subject: String?
        var cgroup: String?
        if let cg = kernel.pidsCgroups.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key {
            cgroup = cg
            subject = OOMAssembler.unit(fromCgroup: cg) ?? cg
        }
        if subject == nil { subject = forkByUnit.filter { $0.key != "init.scope" }.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key }
        if subject == nil { subject = mostCommon(forkFailures.map(\.reporter)) }
        let subj = subject ?? "unknown"
        let facts = ForkBombFacts(subject: subject, rejectedIn: rejected > 0 ? cgroup ?? subj : nil, eagainFailures: eagain,
                                  resourceFailures: resourceFailures, hungInFork: forkHung,
                                  rate: f.map { .init(peakPerSecond: $0.peakPerSecond, lowerBound: $0.lowerBound, medianPerSecond: baseline,
                                                      pidMax: $0.pidMax, pidMaxSource: $0.pidMaxSource) })
        var ev: [EvidenceLine] = []
        for (i, e) in kernel.events.enumerated() where e.kind == .forkRejected && i < kernel.origins.count {
            ev.append(EvidenceLine(time: e.time, source: origin(i), text: e.text))
            break
        }
        for ff in forkFailures.prefix(2) {
            ev.append(EvidenceLine(time: Timestamp(microseconds: ff.time), source: .journal(file: nil, cursor: ff.source), text: ff.text))
        }
        if let i = forkHungEvents.first, ev.count < 3, i < kernel.origins.count {
            ev.append(EvidenceLine(time: kernel.events[i].time, source: origin(i), text: kernel.events[i].text))
        }
        let times = forkFailures.map(\.time) + forkHungSince
            + kernel.events.filter { $0.kind == .forkRejected }.compactMap { $0.time?.microseconds }
        var d = DraftFinding(id: "fork-bomb:\(subj)", kind: .forkBomb,
                             subject: cgroup.map { OOMAssembler.unit(fromCgroup: $0) == nil ? .cgroup($0) : .unit(subj) } ?? .unit(subj),
                             start: [times.min(), f?.peakAt?.microseconds].compactMap { $0 }.min(), end: times.max(),
                             facts: .forkBomb(facts), evidence: ev)
        d.resources = Set([subj] + (cgroup.map { [$0] } ?? []))
        // A unit's processes are usually named after it (`forker.service` runs `forker`).
        let stem = subj.split(separator: "/").last.map { String($0.split(separator: ".").first ?? $0) } ?? subj
        d.processNames = Set([stem] + forkFailures.map(\.reporter)).filter { !$0.isEmpty }
        return d
    }

    func kernelFindings() -> [DraftFinding] {
        var out: [DraftFinding] = []
        let events = kernel.events
        func line(_ i: Int) -> EvidenceLine {
            EvidenceLine(time: events[i].time, source: i < kernel.origins.count ? origin(i) : .file(path: events[i].source, line: nil),
                         text: events[i].text)
        }
        func report(_ i: Int) -> [String] { i < kernel.reports.count ? kernel.reports[i] : [] }
        func idx(_ kinds: Set<KernelDistressKind>) -> [Int] {
            events.indices.filter { kinds.contains(events[$0].kind) }
        }
        // Storage: one finding per device.
        var byDevice: [String: [Int]] = [:]
        for i in idx([.ioError, .fsError]) {
            let dev = KernelDistress.device(events[i].text).map(Self.disk(of:)) ?? "storage"
            byDevice[dev, default: []].append(i)
        }
        let hung = idx([.hungTask])
        for (dev, list) in byDevice.sorted(by: { $0.key < $1.key }) {
            let io = list.filter { events[$0].kind == .ioError }.count
            let fs = list.count - io
            // One I/O error is a finding when consequences follow (a filesystem error, a hung
            // task naming the device); three or more are one by themselves.
            let consequence = fs > 0 || hung.contains { h in ([events[h].text] + report(h)).contains { $0.contains(dev) } }
            guard io + fs >= 3 || consequence else { continue }
            var d = DraftFinding(id: "storage-io:\(dev)", kind: .storageIO, subject: .device(dev),
                                 start: list.first.flatMap { events[$0].time?.microseconds }, end: list.last.flatMap { events[$0].time?.microseconds },
                                 facts: .storageIO(device: dev, ioErrors: io, fsErrors: fs, first: list.first.map { events[$0].text }),
                                 evidence: ([list.first, list.count > 2 ? list.last : nil].compactMap { $0 }).map(line))
            d.resources = Set([dev] + list.compactMap { KernelDistress.device(events[$0].text) })
            d.texts = list.flatMap { [events[$0].text] + report($0) }
            out.append(d)
        }
        // Lockups: one finding per CPU.
        var byCPU: [String: [Int]] = [:]
        for i in idx([.softLockup, .hardLockup, .rcuStall]) { byCPU[Self.lockupSubject(events[i].text), default: []].append(i) }
        for (cpu, list) in byCPU.sorted(by: { $0.key < $1.key }) {
            guard let first = list.first else { continue }
            let n = Int(cpu.dropFirst(4))
            var d = DraftFinding(id: "lockup:\(cpu)", kind: .lockup, subject: .cpu(n),
                                 start: Self.stuckSince(events[first]), end: list.last.flatMap { events[$0].time?.microseconds },
                                 facts: .lockup(reports: list.count, first: events[first].text), evidence: [line(first)])
            d.texts = list.flatMap { [events[$0].text] + report($0) }
            out.append(d)
        }
        if let first = hung.first {
            let tasks = kernel.hungTasks
            let name = tasks.first.map { String($0.split(separator: ":").first ?? Substring($0)) } ?? "tasks"
            let since = hung.compactMap { i -> Int64? in
                guard let t = events[i].time?.microseconds else { return nil }
                let secs = Self.blockedSeconds(events[i].text) ?? 120
                return t &- Int64(secs) &* 1_000_000
            }.min()
            var d = DraftFinding(id: "hung-tasks", kind: .hungTasks, subject: .process(comm: name, pid: nil),
                                 start: since ?? events[first].time?.microseconds, end: hung.last.flatMap { events[$0].time?.microseconds },
                                 facts: .hungTasks(reports: hung.count, tasks: tasks), evidence: hung.prefix(2).map(line))
            d.texts = hung.flatMap { [events[$0].text] + report($0) }
            d.blockedSince = since
            out.append(d)
        }
        // Kernel bugs and machine checks: one finding each report.
        for i in idx([.oops, .bug]) {
            let rip = report(i).first { $0.contains("RIP:") }.flatMap(Self.ripFunction)
            var d = DraftFinding(id: "kernel-bug:\(i)", kind: .kernelBug,
                                 subject: rip.map { .process(comm: $0, pid: nil) } ?? .system,
                                 start: events[i].time?.microseconds, end: events[i].time?.microseconds,
                                 facts: .kernelBug(text: events[i].text, function: rip), evidence: [line(i)])
            d.texts = [events[i].text] + report(i)
            out.append(d)
        }
        if let first = idx([.mce]).first {
            var d = DraftFinding(id: "hardware-error", kind: .hardwareError, subject: .system,
                                 start: events[first].time?.microseconds, end: idx([.mce]).last.flatMap { events[$0].time?.microseconds },
                                 facts: .hardwareError(first: events[first].text), evidence: [line(first)])
            d.texts = [events[first].text]
            out.append(d)
        }
        if let first = idx([.panic]).first {
            let reason = kernel.panicReason ?? events[first].text
            var d = DraftFinding(id: "kernel-panic", kind: .kernelPanic, subject: .system,
                                 start: events[first].time?.microseconds, end: events[first].time?.microseconds,
                                 facts: .kernelPanic(text: events[first].text, lastWordsOnly: events[first].lastWords), evidence: [line(first)])
            d.texts = [events[first].text, reason] + report(first)
            out.append(d)
        }
        return out
    }

    /// `sdb1` → `sdb`, `nvme0n1p2` → `nvme0n1`, `mmcblk0p1` → `mmcblk0`: errors of a disk's
    /// partitions are the disk's.
    static func disk(of dev: String) -> String {
        if dev.hasPrefix("nvme") || dev.hasPrefix("mmcblk"), let p = dev.lastIndex(of: "p"),
           dev[dev.index(after: p)...].allSatisfy(\.isNumber), !dev[dev.index(after: p)...].isEmpty {
            return String(dev[..<p])
        }
        if dev.hasPrefix("sd") || dev.hasPrefix("vd") || dev.hasPrefix("xvd") || dev.hasPrefix("hd") {
            return String(dev.reversed().drop(while: \.isNumber).reversed())
        }
        return dev
    }

    static func lockupSubject(_ text: String) -> String {
        if let r = text.firstRange(of: "CPU#") {
            return String(text[r.lowerBound...].prefix { $0 != " " && $0 != "," && $0 != ":" })
        }
        return "CPU"
    }

    /// `soft lockup - CPU#0 stuck for 23s!`: the CPU was stuck from 23 s before the line.
    static func stuckSince(_ e: KernelEventSummary) -> Int64? {
        guard let t = e.time?.microseconds else { return nil }
        guard let r = e.text.firstRange(of: "stuck for ") else { return t }
        let secs = Int(e.text[r.upperBound...].prefix(while: \.isNumber)) ?? 0
        return t &- Int64(min(secs, 1_000_000)) &* 1_000_000
    }

    /// `blocked for more than 120 seconds`.
    static func blockedSeconds(_ text: String) -> Int? {
        guard let r = text.firstRange(of: "blocked for more than ") else { return nil }
        return Int(text[r.upperBound...].prefix(while: \.isNumber)).map { min($0, 10_000_000) }
    }

    /// `RIP: 0010:shrink_lruvec+0x3f2/0x5c0` → `shrink_lruvec`.
    static func ripFunction(_ line: String) -> String? {
        guard let r = line.firstRange(of: "RIP: ") else { return nil }
        let rest = line[r.upperBound...]
        let afterColon = rest.firstIndex(of: ":").map { rest[rest.index(after: $0)...] } ?? rest
        let name = afterColon.prefix { $0 != "+" && $0 != " " }
        return name.isEmpty ? nil : String(name)
    }

    /// The most frequent of `xs`, ties by name.
    func mostCommon(_ xs: [String]) -> String? { CauseFacts.Tally.top(xs, 1).first?.name }
}
