import Foundation
import Journal
import KernelLog
import TestSupport
import Testing
@testable import Analysis
@testable import Events

/// Hostile text and times: nothing may trap, and what is malformed is simply not counted.
struct RobustnessTests {
    static let nasty = [
        "", "[", "[]", "[ ]", "[99999999999999999999999] x", "Killed process ", "Killed process -5 (x)",
        "Killed process 12 (", "oom-kill:", "oom-kill:constraint=,pid=,uid=", "oom-kill:pid=99999999999999999999999",
        " invoked oom-killer", "INFO: task  blocked for more than", "Kill process 1 (a) or sacrifice child",
        "Task in  killed as a result of limit of ", "I/O error, dev ", "EXT4-fs error (device ",
        "polyscan.service: Scheduled restart job, restart counter is at 99999999999999999999999.",
        "x.service: Main process exited, code=, status=", "x.service: Failed with result '", ": : :",
        "Kernel panic - not syncing: ", "---[ end Kernel panic - not syncing: x ]---", "soft lockup - CPU#",
        String(repeating: "A", count: 70_000), "\u{FFFD}\u{0}\u{1}",
    ]

    @Test func nastyLinesParseOrAreIgnored() {
        for line in Self.nasty {
            _ = OOMLine.parse(line)
            _ = KernelDistress.classify(line)
            _ = KernelDistress.device(line)
            _ = JournalUncleanNotice.parse(line, time: 0, cursor: .none)
        }
        #expect(OOMLine.parse("Killed process -5 (x)") == nil)
        #expect(OOMLine.parse("[99999999999999999999999] x") == nil)
        #expect(KernelDistress.classify("---[ end Kernel panic - not syncing: x ]---") == nil)
    }

    /// What a line is comes from the kernel-log reader's classifier; what counts as an event
    /// of its own in a report is decided here.
    @Test(arguments: [
        ("INFO: task jbd2/sda1-8:312 blocked for more than 120 seconds.", KernelDistressKind.hungTask),
        ("Kernel panic - not syncing: softlockup: hung tasks", .panic),
        ("---[ end Kernel panic - not syncing: softlockup: hung tasks ]---", nil),
        ("blk_update_request: I/O error, dev sda, sector 2048 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0", .ioError),
        ("Buffer I/O error on dev sda1, logical block 0, async page read", nil),
        ("critical medium error, dev sdb, sector 81920 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0", .ioError),
        ("BUG: unable to handle page fault for address: ffffffffffffffe8", .oops),
        ("kernel BUG at mm/slub.c:321!", .bug),
        ("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),task=ffmpeg,pid=450172,uid=1000", .oomKill),
        ("Out of memory: Killed process 450172 (ffmpeg) total-vm:1kB, anon-rss:1kB, file-rss:0kB", nil),
        ("python3 invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0", nil),
        ("Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)", nil),
        ("watchdog: BUG: soft lockup - CPU#0 stuck for 23s! [kswapd0:89]", .softLockup),
        ("cgroup: fork rejected by pids controller in /system.slice/forkbomb.service", .forkRejected),
    ] as [(String, KernelDistressKind?)])
    func distressPolicy(_ text: String, _ kind: KernelDistressKind?) {
        #expect(KernelDistress.classify(text) == kind, "\(text)")
    }

    @Test func extremeTimesInKernelRecords() {
        var records: [KernelRecord] = []
        let times: [Int64?] = [nil, .min, .max, 0, -1, 1_700_000_000_000_000]
        for (i, line) in (Self.nasty + ["oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/a.service,task=a,pid=5,uid=0",
                                        "Memory cgroup out of memory: Killed process 5 (a) total-vm:1kB, anon-rss:1kB"]).enumerated() {
            records.append(KernelRecord(text: line, monotonicUSec: i % 2 == 0 ? .max : nil, wallclockUSec: times[i % times.count],
                                        sources: [RecordSource(path: "k.log", line: i + 1, format: i % 3 == 0 ? .pstore : .syslog)]))
        }
        let r = Analyzer.analyze(AnalysisInput(journal: nil, kernelRecords: records), options: AnalysisOptions())
        #expect(r.oomKills.contains { $0.pid == 5 && $0.kind == .memcg && $0.unit == "a.service" })
    }

    @Test(.enabled(if: JournalRemote.isAvailable))
    func nastyJournalEntries() throws {
        var f = Fixture()
        var t = Fixture.t0
        for (i, line) in Self.nasty.enumerated() {
            f.pid1(t, boot: Boots.a, bootStart: Fixture.t0, line, [("UNIT", i % 2 == 0 ? "x.service" : ""),
                                                                 ("N_RESTARTS", "99999999999999999999"),
                                                                 ("MESSAGE_ID", i % 3 == 0 ? "5eb03494b6584870a536b337290809b3" : "zz")])
            f.kernel(t + 1, boot: Boots.a, bootStart: Fixture.t0, line)
            f.entry(t + 2, boot: Boots.a, bootStart: Fixture.t0, pid: [0, 2, 1 << 40, 4_194_304, 77][i % 5],
                    [("SYSLOG_IDENTIFIER", "systemd-journald"), ("MESSAGE", line)])
            t += 1_000_000
        }
        let path = try f.write("nasty")
        let r = Fixture.analyze([path])
        #expect(r.boots.count == 1)
        #expect(r.boots.first?.entries == Self.nasty.count * 3)
    }
}
