import Events

/// A finding before it is placed: what the rules read to decide on links.
struct DraftFinding {
    var id: String
    var kind: CauseKind
    var subject: CauseSubject
    var start: Int64?
    var end: Int64?
    var facts: CauseFacts
    var evidence: [EvidenceLine]
    /// The names it is about: unit, cgroup path, device, process names.
    var resources: Set<String> = []
    /// Its headline and report lines (stacks), for rules that look for a resource's name.
    var texts: [String] = []
    /// For hung tasks: when the earliest of them was first blocked (report time minus the timeout).
    var blockedSince: Int64?
    /// A memory finding's victims' units.
    var victimUnits: Set<String> = []
    /// Process names known to belong to it (a unit's processes, the fork failures' reporters).
    var processNames: Set<String> = []
}

/// The mechanisms, in one place (`docs/causes.md` has a section for each): a link A → B is
/// drawn only when the rule's condition holds in the evidence.
enum CausalRules {
    /// How long a finding counts as still active after its last sign: an OOM condition or a
    /// failing disk does not end with its last logged line. Stated in docs/causes.md.
    static let activeWindowUSec: Int64 = 600_000_000
    /// A finding whose last sign is this close to the boot's last sign of life persisted to the end.
    static let persistedWindowUSec: Int64 = 180_000_000

    /// Functions of page reclaim: a stack in them is waiting for memory (mm/vmscan.c, mm/page_alloc.c).
    static let reclaimFunctions = ["kswapd", "shrink_lruvec", "shrink_node", "shrink_zones", "shrink_folio_list",
                                   "shrink_page_list", "balance_pgdat", "try_to_free_pages", "do_try_to_free_pages",
                                   "__alloc_pages_slowpath", "__perform_reclaim", "try_to_free_mem_cgroup_pages",
                                   "mem_cgroup_handle_over_high", "out_of_memory"]
    /// What mm/oom_kill.c's own panics say: `Out of memory and no killable processes...`,
    /// `System is deadlocked on memory`, `Out of memory: system-wide panic_on_oom is enabled`.
    static let memoryPanicWords = ["Out of memory", "System is deadlocked on memory", "panic_on_oom"]
    /// Functions of the block layer and journalling: a task blocked in them waits for a device.
    static let blockFunctions = ["io_schedule", "blk_mq_", "submit_bio", "wait_on_buffer", "__wait_on_buffer",
                                 "bit_wait_io", "jbd2_", "folio_wait_bit", "wait_on_page_bit", "blkdev_", "__filemap_fdatawait"]
    /// Functions of process creation: a task blocked in them waits for a fork.
    static let forkFunctions = ["cgroup_can_fork", "copy_process", "kernel_clone", "pids_can_fork"]

    /// All links the rules draw among `drafts`, and to the end of the boot.
    static func links(_ d: [DraftFinding], endTime: Int64?, uncleanEnd: Bool) -> [(from: Int, link: CauseLink)] {
        var out: [(Int, CauseLink)] = []
        func add(_ a: Int, _ b: Int, _ rule: MechanismRule, _ c: [LinkCondition]) {
            guard a != b, !out.contains(where: { $0.0 == a && $0.1.to == d[b].id }) else { return }
            out.append((a, CauseLink(to: d[b].id, rule: rule, conditions: c)))
        }
        for (a, A) in d.enumerated() {
            for (b, B) in d.enumerated() where a != b {
                switch (A.kind, B.kind) {
                case (.memoryExhaustion, .lockup), (.memoryExhaustion, .hungTasks), (.memcgOOM, .hungTasks):
                    guard active(A, at: B.blockedSince ?? B.start) else { break }
                    let wanted = A.kind == .memcgOOM ? ["mem_cgroup", "try_charge"] : reclaimFunctions
                    if let f = named(wanted, in: B) {
                        add(a, b, .memoryReclaimStall, [.namesResource(f), window(A, B)])
                    } else if A.kind == .memoryExhaustion, B.kind == .hungTasks,
                              !d.contains(where: { $0.kind == .storageIO && named(Array($0.resources), in: B) != nil }) {
                        add(a, b, .memoryHungTasks, [window(A, B)])
                    }
                case (.lockup, .hungTasks):
                    // A CPU stuck in reclaim (kswapd, shrink_*) holds up the tasks waiting for the
                    // memory it was to free: their stacks are in reclaim too, blocked after it stuck.
                    guard let since = B.blockedSince, let s = A.start, since >= s, active(A, at: since),
                          let f = named(reclaimFunctions, in: A), named(reclaimFunctions, in: B) != nil else { break }
                    add(a, b, .memoryReclaimStall, [.namesResource(f), window(A, B)])
                case (.memoryExhaustion, .kernelPanic):
                    if let m = panicMessage(B, memoryPanicWords) {
                        add(a, b, .memoryPanic, [.panicMessage(m)])
                    }
                case (.storageIO, .hungTasks):
                    guard active(A, at: B.blockedSince ?? B.start) else { break }
                    if let dev = A.resources.sorted().first(where: { named([$0], in: B) != nil }) {
                        add(a, b, .storageHungTasks, [.sameSubject(dev), window(A, B)])
                    } else if d.filter({ $0.kind == .storageIO }).count == 1, let f = named(blockFunctions, in: B) {
                        add(a, b, .storageHungTasks, [.namesResource(f), window(A, B)])
                    }
                case (.lockup, .kernelPanic):
                    if let m = panicMessage(B, ["softlockup", "hard LOCKUP", "Hard LOCKUP", "hardlockup", "RCU Stall", "rcu_sched"]) {
                        add(a, b, .lockupPanic, [.panicMessage(m)])
                    }
                case (.hungTasks, .kernelPanic):
                    if let m = panicMessage(B, ["hung_task: blocked tasks", "hung_task"]) {
                        add(a, b, .hungTaskPanic, [.panicMessage(m)])
                    }
                case (.kernelBug, .kernelPanic):
                    if let m = panicMessage(B, ["Fatal exception"]), precedes(A, B) {
                        add(a, b, .kernelBugPanic, [.panicMessage(m)])
                    }
                case (.hardwareError, .kernelPanic):
                    if let m = panicMessage(B, ["Fatal machine check", "Machine check", "Fatal local machine check"]), precedes(A, B) {
                        add(a, b, .kernelBugPanic, [.panicMessage(m)])
                    }
                case (.forkBomb, .lockup):
                    // The stuck CPU ran one of the exhausted cgroup's processes (`[forker:389]`),
                    // or was in process creation, while the exhaustion lasted.
                    guard active(A, at: B.start) else { break }
                    if let comm = A.processNames.sorted().first(where: { n in B.texts.first?.contains("[\(n):") == true }) {
                        add(a, b, .taskExhaustion, [.namesResource(comm), window(A, B)])
                    } else if let f = named(forkFunctions, in: B) {
                        add(a, b, .taskExhaustion, [.namesResource(f), window(A, B)])
                    }
                case (.forkBomb, .hungTasks):
                    if active(A, at: B.blockedSince ?? B.start), let f = named(forkFunctions, in: B) {
                        add(a, b, .taskExhaustion, [.namesResource(f), window(A, B)])
                    }
                case (.forkBomb, .crashLoop):
                    // The loop's unit is in the exhausted cgroup: its starts failed to fork.
                    if let u = B.resources.first(where: { A.resources.contains($0) }), active(A, at: B.start) {
                        add(a, b, .taskExhaustion, [.sameSubject(u)])
                    }
                case (.crashLoop, .memoryExhaustion):
                    // Only when the loop's own processes are what the OOM killer found (measured).
                    if let u = A.resources.first(where: { B.victimUnits.contains($0) }) {
                        add(a, b, .crashLoopMemory, [.sameSubject(u)])
                    }
                case (.crashLoop, .forkBomb):
                    if let u = A.resources.first(where: { B.resources.contains($0) }), precedes(A, B) {
                        add(a, b, .crashLoopForks, [.sameSubject(u)])
                    }
                case (.memcgOOM, .crashLoop), (.oomdKill, .crashLoop):
                    if let u = A.resources.first(where: { B.resources.contains($0) }) {
                        add(a, b, .memcgOOMLoop, [.sameSubject(u)])
                    }
                default:
                    break
                }
            }
        }
        // The end of the boot.
        for (a, A) in d.enumerated() {
            switch A.kind {
            case .kernelPanic:
                if uncleanEnd { out.append((a, CauseLink(to: CauseLink.endOfBoot, rule: .panicEnd, conditions: []))) }
            case .storageIO:
                // The device the journal's end is explained by: its errors went on to the end and
                // its filesystem failed (read-only, aborted journal) or its journal thread hung.
                guard uncleanEnd, persisted(A, endTime: endTime) else { break }
                if let t = A.texts.first(where: { l in ["read-only", "Aborting journal", "Detected aborted journal"].contains { l.contains($0) } }) {
                    out.append((a, CauseLink(to: CauseLink.endOfBoot, rule: .storageEnd, conditions: [.namesResource(t)])))
                } else if let h = d.first(where: { $0.kind == .hungTasks && persisted($0, endTime: endTime) }),
                          let dev = A.resources.sorted().first(where: { dev in h.texts.contains { $0.contains("jbd2/\(dev)") } }) {
                    out.append((a, CauseLink(to: CauseLink.endOfBoot, rule: .storageEnd, conditions: [.sameSubject(dev)])))
                }
            default:
                break
            }
        }
        return out
    }

    /// A's span, widened by the active window, holds `t`.
    static func active(_ a: DraftFinding, at t: Int64?) -> Bool {
        guard let t, let s = a.start else { return false }
        let e = (a.end ?? s).addingReportingOverflow(activeWindowUSec)
        return t >= s &- 1_000_000 && (e.overflow || t <= e.partialValue)
    }

    static func precedes(_ a: DraftFinding, _ b: DraftFinding) -> Bool {
        guard let s = a.start, let t = b.start else { return true }
        return s <= t
    }

    static func window(_ a: DraftFinding, _ b: DraftFinding) -> LinkCondition {
        let s = a.start ?? 0, t = b.blockedSince ?? b.start ?? s
        return .withinWindow(seconds: max(0, Double(t &- s) / 1e6))
    }

    static func persisted(_ a: DraftFinding, endTime: Int64?) -> Bool {
        guard let endTime, let e = a.end ?? a.start else { return false }
        return e >= endTime &- persistedWindowUSec
    }

    /// The first of `words` that B's headline or report lines name.
    static func named(_ words: [String], in b: DraftFinding) -> String? {
        for w in words where !w.isEmpty {
            if b.texts.contains(where: { $0.contains(w) }) { return w }
        }
        return nil
    }

    /// The panic's reason when it contains one of `words`.
    static func panicMessage(_ b: DraftFinding, _ words: [String]) -> String? {
        guard let headline = b.texts.first else { return nil }
        return words.contains { headline.contains($0) } ? headline : nil
    }
}
