import Testing
@testable import Analysis
import Events

/// The mechanism rules of docs/causes.md, a positive and a negative case each, on real kernel
/// text where there is some. Excerpts (small, verbatim lines; times moved onto one clock):
///
/// * syzkaller: google/syzkaller `pkg/report/testdata/linux/report/260` @ 96e7841d (general
///   protection fault in p9_conn_cancel, `Fatal exception`) and `…/report/349` @ bfa73b7b (hung
///   jbd2/sda-8, `hung_task: blocked tasks`). Apache-2.0.
/// * longhorn: longhorn/longhorn issue #193 (`critical medium error, dev sdb`) and issue #4382
///   (`I/O error, dev sda`, `Aborting journal on device sda-8.`). Apache-2.0.
/// * out-of-memory: LukeShirnia/out-of-memory `tests/assets/logs/messages.1` @ 10a9ba83 (a RHEL 8
///   global OOM kill). Apache-2.0.
/// * The kswapd soft lockup follows kernel/watchdog.c's `BUG: soft lockup - CPU#%d stuck for %us!
///   [%s:%d]` with a reclaim stack as mm/vmscan.c prints it (no public excerpt with kswapd found).
struct CausalRuleTests {
    static let t0: Int64 = 1_707_645_000_000_000

    /// `[  242.871006] text` lines (seconds after t0), as the kernel printed them.
    static func lines(_ text: String, path: String = "kern.log") -> [KernelLine] {
        var out: [KernelLine] = []
        for (n, raw) in text.split(separator: "\n").enumerated() {
            guard raw.hasPrefix("["), let close = raw.firstIndex(of: "]") else { continue }
            let secs = Double(raw[raw.index(after: raw.startIndex)..<close].trimmingCharacters()) ?? 0
            var body = raw[raw.index(after: close)...]
            if body.first == " " { body = body.dropFirst() }
            out.append(KernelLine(text: String(body), time: t0 + Int64(secs * 1e6), source: "\(path):\(n + 1)", lastWords: false,
                                  origin: .file(path: path, line: n + 1)))
        }
        return out
    }

    static func end(at seconds: Double, kind: BootEndKind = .unclean) -> BootEnd {
        var e = BootEnd(kind: kind, lastEntry: Timestamp(microseconds: t0 + Int64(seconds * 1e6)), nextBootFirst: nil,
                        gapSeconds: nil, evidence: [])
        e.lastSignOfLife = e.lastEntry
        return e
    }

    static func crashLoop(_ unit: String, from: Double, to: Double) -> UnitSummary {
        var u = UnitSummary(unit: unit)
        u.crashLoop = true
        u.restartsObserved = 5_000
        u.firstRestart = Timestamp(microseconds: t0 + Int64(from * 1e6))
        u.lastRestart = Timestamp(microseconds: t0 + Int64(to * 1e6))
        u.exitStatuses = ["1/FAILURE": 5_000]
        u.results = ["exit-code": 5_000]
        return u
    }

    static func findings(_ kernel: [KernelLine], units: [UnitSummary] = [], forkRate: ForkRate? = nil,
                         end: BootEnd?) -> [RootCause] {
        let k = KernelFindings(lines: kernel)
        return RootCauseRanker(units: units, accumulators: [:], oomKills: k.oomKills, kernel: k, forkRate: forkRate,
                               forkFailures: [], end: end).rank()
    }

    // MARK: real excerpts

    static let gpfPanic = """
        [  242.882995] general protection fault: 0000 [#1] SMP KASAN
        [  242.888540] CPU: 0 PID: 26 Comm: kworker/0:2 Not tainted 4.18.0-rc7+ #176
        [  242.904838] Workqueue: events p9_poll_workfn
        [  242.909334] RIP: 0010:perf_trace_lock+0xbb/0x920
        [  243.098849]  p9_conn_cancel+0x9b6/0xd30
        [  243.437444] Kernel panic - not syncing: Fatal exception
        """

    static let hungJbd2Panic = """
        [ 1431.920513] INFO: task jbd2/sda-8:3563 blocked for more than 140 seconds.
        [ 1431.924004] jbd2/sda-8      D22600  3563      2 0x80000000
        [ 1431.936851]  io_schedule+0x1c/0x70
        [ 1431.942911]  __wait_on_buffer+0x6f/0x90
        [ 1431.943574]  jbd2_journal_commit_transaction+0x658a/0x8ee4
        [ 1432.309388] Kernel panic - not syncing: hung_task: blocked tasks
        """

    static let sdbMediumErrors = """
        [  100.517987] blk_update_request: critical medium error, dev sdb, sector 0
        [  100.519432] Buffer I/O error on dev sdb, logical block 0, lost async page write
        [  100.522205] blk_update_request: critical medium error, dev sdb, sector 2064
        [  100.524008] Buffer I/O error on dev sdb, logical block 258, lost async page write
        [  100.530000] blk_update_request: critical medium error, dev sdb, sector 4112
        """

    static let sdaJournalAborted = """
        [ 1290.000000] blk_update_request: I/O error, dev sda, sector 263176 op 0x1:(WRITE) flags 0x0 phys_seg 1 prio class 0
        [ 1290.000100] blk_update_request: I/O error, dev sda, sector 1048696 op 0x1:(WRITE) flags 0x800 phys_seg 4 prio class 0
        [ 1290.000200] Aborting journal on device sda-8.
        [ 1290.000300] blk_update_request: I/O error, dev sda, sector 1048576 op 0x1:(WRITE) flags 0x20800 phys_seg 1 prio class 0
        """

    static let globalOOM = """
        [ 1000.000000] in:imjournal invoked oom-killer: gfp_mask=0x6200ca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0
        [ 1000.100000] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/varnish.service,task=cache-main,pid=3117813,uid=991
        [ 1000.100100] Out of memory: Killed process 3117813 (cache-main) total-vm:11705436kB, anon-rss:4805020kB, file-rss:53964kB, shmem-rss:0kB, UID:991 pgtables:21664kB oom_score_adj:0
        """

    static let kswapdLockup = """
        [ 1060.000000] watchdog: BUG: soft lockup - CPU#0 stuck for 23s! [kswapd0:89]
        [ 1060.000100] RIP: 0010:shrink_lruvec+0x3f2/0x5c0
        """

    static let reclaimHung = """
        [ 1200.000000] INFO: task java:4242 blocked for more than 120 seconds.
        [ 1200.000100]  schedule+0x5b/0xd0
        [ 1200.000200]  throttle_direct_reclaim+0x1a0/0x2c0
        [ 1200.000300]  try_to_free_pages+0xd1/0x1e0
        [ 1200.000400]  __alloc_pages_slowpath.constprop.0+0x3c5/0xe30
        """

    // MARK: the acceptance cases

    @Test("crash loop + unrelated later driver panic: the bug and its panic are primary, the loop unrelated")
    func crashLoopAndDriverPanic() throws {
        let loop = Self.crashLoop("poller.service", from: 5, to: 243)
        let f = Self.findings(Self.lines(Self.gpfPanic), units: [loop], end: Self.end(at: 243.5))
        let primary = try #require(f.first)
        #expect(primary.kind == .kernelBug && primary.role == .primary)
        #expect(primary.subject == .process(comm: "perf_trace_lock", pid: nil))
        #expect(primary.ledTo.contains { $0.rule == .kernelBugPanic })
        #expect(primary.chain == ["kernel-panic", CauseLink.endOfBoot])
        let l = try #require(f.first { $0.kind == .crashLoop })
        #expect(l.role == .unrelated && l.ledTo.isEmpty && l.causedBy.isEmpty)
        // Negative: without the bug report, a panic's "Fatal exception" names no cause; the
        // panic itself is the root of the chain to the end, and the loop is still unrelated.
        let alone = Self.findings(Self.lines(Self.gpfPanic).filter { $0.text.hasPrefix("Kernel panic") }, units: [loop],
                                  end: Self.end(at: 243.5))
        #expect(alone.first?.kind == .kernelPanic && alone.first?.role == .primary)
        #expect(alone.first { $0.kind == .crashLoop }?.role == .unrelated)
    }

    @Test("busy build host at 1,500 forks/s + failing disk: storage is primary, no fork bomb")
    func busyBuildHostAndFailingDisk() throws {
        let series = (0..<30).map { ForkRatePoint(start: Timestamp(microseconds: Self.t0 + Int64($0) * 60_000_000), perSecond: 1_450 + Double($0 % 3) * 25) }
        let rate = ForkRate(method: "pid-advance", pidMax: 4_194_304, pidMaxSource: nil, series: series, peakPerSecond: 1_500,
                            peakAt: series.first?.start, lowerBound: false, wraps: 0, forkFailures: 0)
        let f = Self.findings(Self.lines(Self.sdbMediumErrors), forkRate: rate, end: Self.end(at: 130))
        #expect(f.first?.kind == .storageIO && f.first?.subject == .device("sdb") && f.first?.role == .primary)
        #expect(!f.contains { $0.kind == .forkBomb }, "a fast rate alone is a busy machine")
        // Positive for task exhaustion: the pids controller's one line says the limit was reached.
        let rejected = Self.lines(Self.sdbMediumErrors + "\n[  110.000000] cgroup: fork rejected by pids controller in /system.slice/make.service")
        let g = Self.findings(rejected, forkRate: rate, end: Self.end(at: 130))
        let bomb = try #require(g.first { $0.kind == .forkBomb })
        #expect(bomb.subject == .unit("make.service"))
    }

    @Test("OOM → kswapd lockup → hung tasks → hung-task panic: memory primary with that chain")
    func memoryChain() throws {
        let text = [Self.globalOOM, Self.kswapdLockup, Self.reclaimHung,
                    "[ 1200.500000] Kernel panic - not syncing: hung_task: blocked tasks"].joined(separator: "\n")
        let f = Self.findings(Self.lines(text), end: Self.end(at: 1200.5))
        let primary = try #require(f.first)
        #expect(primary.kind == .memoryExhaustion && primary.role == .primary)
        #expect(primary.subject == .unit("varnish.service"))
        #expect(primary.chain == ["lockup:CPU#0", "hung-tasks", "kernel-panic", CauseLink.endOfBoot])
        #expect(primary.ledTo.contains { $0.to == "lockup:CPU#0" && $0.rule == .memoryReclaimStall })
        let lockup = try #require(f.first { $0.kind == .lockup })
        #expect(lockup.ledTo.contains { $0.to == "hung-tasks" && $0.rule == .memoryReclaimStall })
        let hung = try #require(f.first { $0.kind == .hungTasks })
        #expect(hung.ledTo.contains { $0.rule == .hungTaskPanic })
        #expect(f.allSatisfy { $0.role != .unrelated })
        // Negative: a lockup in a driver, not in reclaim, is not the memory's doing.
        let driver = Self.kswapdLockup.replacingOccurrences(of: "kswapd0:89", with: "kworker/0:2:26")
            .replacingOccurrences(of: "shrink_lruvec", with: "mt76_txq_schedule")
        let g = Self.findings(Self.lines([Self.globalOOM, driver].joined(separator: "\n")), end: Self.end(at: 1100))
        #expect(g.first { $0.kind == .lockup }?.causedBy.isEmpty == true)
    }

    @Test("two failing disks: two findings; the one that explains the journal's end is linked to it")
    func twoDisks() throws {
        let text = Self.sdbMediumErrors + "\n" + Self.sdaJournalAborted
        let f = Self.findings(Self.lines(text), end: Self.end(at: 1300))
        let disks = f.filter { $0.kind == .storageIO }
        #expect(Set(disks.map(\.subject)) == [.device("sda"), .device("sdb")])
        let sda = try #require(disks.first { $0.subject == .device("sda") })
        #expect(sda.role == .primary && sda.persistedToEnd)
        #expect(sda.ledTo.contains { $0.to == CauseLink.endOfBoot && $0.rule == .storageEnd })
        let sdb = try #require(disks.first { $0.subject == .device("sdb") })
        #expect(sdb.role == .unrelated && !sdb.persistedToEnd && sdb.ledTo.isEmpty)
        // Negative: errors that stopped long before the end, with the journal intact, explain nothing.
        let g = Self.findings(Self.lines(Self.sdbMediumErrors), end: Self.end(at: 1300))
        #expect(g.first?.ledTo.isEmpty == true)
    }

    // MARK: each rule, positive and negative

    @Test("storage → hung tasks on the same device → hung-task panic; not a hung task on another device")
    func storageHungTasks() throws {
        let io = Self.sdaJournalAborted.replacingOccurrences(of: "[ 1290.", with: "[ 1280.")
        let f = Self.findings(Self.lines(io + "\n" + Self.hungJbd2Panic), end: Self.end(at: 1432.4))
        let sda = try #require(f.first)
        #expect(sda.subject == .device("sda") && sda.role == .primary)
        #expect(sda.ledTo.contains { $0.to == "hung-tasks" && $0.rule == .storageHungTasks && $0.conditions.contains(.sameSubject("sda")) })
        #expect(sda.chain == ["hung-tasks", "kernel-panic", CauseLink.endOfBoot])
        // Negative: two disks failing, the hung task on a third (sdc): no device named, no link.
        let other = Self.hungJbd2Panic.replacingOccurrences(of: "sda-8", with: "sdc-8")
        let g = Self.findings(Self.lines(Self.sdbMediumErrors + "\n" + io + "\n" + other), end: Self.end(at: 1432.4))
        #expect(g.first { $0.kind == .hungTasks }?.causedBy.isEmpty == true)
    }

    @Test("tasks hung in process creation are exhaustion evidence, and the exhaustion's consequence")
    func hungInFork() throws {
        let text = """
            [  500.000000] INFO: task bash:7001 blocked for more than 120 seconds.
            [  500.000100]  schedule+0x5b/0xd0
            [  500.000200]  rwsem_down_read_slowpath+0x1f4/0x3f0
            [  500.000300]  cgroup_can_fork+0x4a/0x140
            [  500.000400]  copy_process+0x1235/0x1c10
            [  500.000500]  kernel_clone+0x9d/0x3c0
            """
        let f = Self.findings(Self.lines(text), end: Self.end(at: 510))
        let bomb = try #require(f.first { $0.kind == .forkBomb })
        #expect(bomb.role == .primary)
        guard case .forkBomb(let facts) = bomb.facts else { Issue.record("\(bomb.facts)"); return }
        #expect(facts.hungInFork == 1, "one hung task blocked in process creation")
        #expect(bomb.ledTo.contains { $0.to == "hung-tasks" && $0.rule == .taskExhaustion })
        #expect(bomb.evidence.first?.text.hasPrefix("INFO: task bash:7001") == true)
        // Negative: a task hung on I/O says nothing about forks.
        let io = text.replacingOccurrences(of: "cgroup_can_fork+0x4a/0x140", with: "io_schedule+0x42/0x70")
            .replacingOccurrences(of: "copy_process+0x1235/0x1c10", with: "__wait_on_buffer+0x6f/0x90")
            .replacingOccurrences(of: "kernel_clone+0x9d/0x3c0", with: "jbd2_log_wait_commit+0x320/0x4b0")
        #expect(!Self.findings(Self.lines(io), end: Self.end(at: 510)).contains { $0.kind == .forkBomb })
    }

    @Test("lockup → panic only when the panic says softlockup; hung tasks → panic only when it says hung_task")
    func panicMessages() throws {
        let soft = Self.kswapdLockup + "\n[ 1060.100000] Kernel panic - not syncing: softlockup: hung tasks"
        let f = Self.findings(Self.lines(soft), end: Self.end(at: 1061))
        #expect(f.first { $0.kind == .lockup }?.ledTo.contains { $0.rule == .lockupPanic } == true)
        #expect(f.first { $0.kind == .lockup }?.role == .primary)
        let fatal = Self.kswapdLockup + "\n[ 1060.100000] Kernel panic - not syncing: Fatal exception"
        let g = Self.findings(Self.lines(fatal), end: Self.end(at: 1061))
        #expect(g.first { $0.kind == .lockup }?.ledTo.isEmpty == true)
    }

    @Test("memory → panic when the panic says the machine is out of memory; not for another panic")
    func memoryPanic() throws {
        let oom = Self.globalOOM + "\n[ 1000.200000] Kernel panic - not syncing: System is deadlocked on memory"
        let f = Self.findings(Self.lines(oom), end: Self.end(at: 1001))
        #expect(f.first?.kind == .memoryExhaustion && f.first?.ledTo.contains { $0.rule == .memoryPanic } == true)
        let other = Self.globalOOM + "\n[ 1000.200000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"
        let g = Self.findings(Self.lines(other), end: Self.end(at: 1001))
        #expect(g.first { $0.kind == .memoryExhaustion }?.ledTo.isEmpty == true)
    }

    @Test("a crash loop leads to memory exhaustion only when its own processes were the victims")
    func crashLoopMemory() throws {
        let victim = Self.crashLoop("varnish.service", from: 900, to: 1000)
        let f = Self.findings(Self.lines(Self.globalOOM), units: [victim], end: Self.end(at: 1001))
        #expect(f.first?.kind == .crashLoop && f.first?.ledTo.contains { $0.rule == .crashLoopMemory } == true)
        let bystander = Self.crashLoop("poller.service", from: 0, to: 1000)
        let g = Self.findings(Self.lines(Self.globalOOM), units: [bystander], end: Self.end(at: 1001))
        #expect(g.first { $0.kind == .crashLoop }?.ledTo.isEmpty == true)
        #expect(g.first { $0.kind == .crashLoop }?.role == .unrelated)
    }

    @Test("one bug report is one event: BUG: unable to handle … and its Oops: line")
    func oneOops() {
        let text = """
            [   50.000000] BUG: unable to handle page fault for address: ffffffffffffffe8
            [   50.000100] #PF: supervisor read access in kernel mode
            [   50.000200] Oops: 0000 [#1] PREEMPT SMP NOPTI
            [   50.000300] RIP: 0010:mt76_txq_schedule+0x10/0x90 [mt76]
            """
        let k = KernelFindings(lines: Self.lines(text))
        #expect(k.counts[.oops, default: 0] + k.counts[.bug, default: 0] == 1)
        #expect(k.reports.first?.contains { $0.hasPrefix("Oops:") } == true)
    }

    @Test("a machine check leads to the panic that says Fatal machine check; not to another panic")
    func machineCheck() throws {
        // arch/x86/kernel/cpu/mce/core.c: print_mce() and mce_panic().
        let mce = """
            [  70.000000] mce: [Hardware Error]: CPU 2: Machine Check Exception: 5 Bank 4: b200000000070f0f
            [  70.000100] mce: [Hardware Error]: TSC 0 ADDR 1f21d7400 MISC 0 SYND 4d000000 IPID 0
            [  70.000200] mce: [Hardware Error]: Run the above through 'mcelog --ascii'
            """
        let f = Self.findings(Self.lines(mce + "\n[  70.100000] Kernel panic - not syncing: Fatal machine check"), end: Self.end(at: 71))
        let hw = try #require(f.first)
        #expect(hw.kind == .hardwareError && hw.role == .primary)
        #expect(hw.chain == ["kernel-panic", CauseLink.endOfBoot])
        let g = Self.findings(Self.lines(mce + "\n[  70.100000] Kernel panic - not syncing: hung_task: blocked tasks"), end: Self.end(at: 71))
        #expect(g.first { $0.kind == .hardwareError }?.ledTo.isEmpty == true)
    }

    @Test("a memory-cgroup OOM report's limit line gives the limit that was hit")
    func memcgLimit() throws {
        // mm/memcontrol.c mem_cgroup_print_oom_meminfo() and mm/oom_kill.c's summary, as 6.1 prints them.
        let text = """
            [  10.000000] worker invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
            [  10.000100] memory: usage 524288kB, limit 524288kB, failcnt 2345
            [  10.000200] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/app.service,task_memcg=/system.slice/app.service/worker,task=worker,pid=4242,uid=1000
            [  10.000300] Memory cgroup out of memory: Killed process 4242 (worker) total-vm:600000kB, anon-rss:500000kB, file-rss:1104kB, shmem-rss:0kB, UID:1000 pgtables:1200kB oom_score_adj:0
            """
        let k = KernelFindings(lines: Self.lines(text))
        let kill = try #require(k.oomKills.first)
        #expect(kill.kind == .memcg && kill.memcgLimitKB == 524_288)
        let f = Self.findings(Self.lines(text), end: Self.end(at: 20))
        #expect(f.first?.subject == .unit("app.service"))
        guard case .memcgOOM(let facts)? = f.first?.facts else { Issue.record("\(String(describing: f.first))"); return }
        #expect(facts.limitKB == 524_288 && facts.subject == "app.service" && facts.kills == 1)
        // Negative: a global OOM has no memcg limit, whatever lines came before it.
        let global = KernelFindings(lines: Self.lines(Self.globalOOM))
        #expect(global.oomKills.first?.memcgLimitKB == nil)
    }

    @Test("a memory-cgroup OOM's subject is the cgroup whose limit was hit, not the victim's")
    func memcgSubject() {
        var kill = OOMKillSummary(time: Timestamp(microseconds: Self.t0), kind: .memcg)
        kill.oomMemcg = "/system.slice/app.service"
        kill.taskMemcg = "/system.slice/app.service/worker"
        kill.unit = "app-worker.scope"
        kill.comm = "worker"
        let r = RootCauseRanker(units: [], accumulators: [:], oomKills: [kill], kernel: KernelFindings(lines: []), forkRate: nil,
                                forkFailures: [], end: Self.end(at: 10)).rank()
        #expect(r.first?.kind == .memcgOOM)
        #expect(r.first?.subject == .unit("app.service"))
    }
}
