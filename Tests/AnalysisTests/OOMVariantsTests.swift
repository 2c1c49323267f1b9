import Foundation
import Journal
import TestSupport
import Testing
@testable import Analysis

/// OOM reports in the forms other than the scenarios': systemd-oomd, and the memcg report
/// of 4.x kernels (`Task in … killed as a result of limit of …`, `Kill process … or
/// sacrifice child`), each joined into one kill.
@Suite(.enabled(if: JournalRemote.isAvailable))
struct OOMVariantsTests {
    @Test func oomdAndOldMemcgReports() throws {
        var f = Fixture()
        let b0 = Fixture.t0
        let s: UInt64 = 1_000_000
        f.pid1(b0, boot: Boots.a, bootStart: b0, "Startup finished in 2.1s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        let scope = "/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox.scope"
        f.entry(b0 + 60 * s, boot: Boots.a, bootStart: b0, pid: 611,
                [("SYSLOG_IDENTIFIER", "systemd-oomd"), ("MESSAGE_ID", "d989611b15e44c9dbf31e3c81256e4ed"),
                 ("MESSAGE", "Killed \(scope) due to memory pressure for /user.slice/user-1000.slice/user@1000.service being 72.34% > 50.00% for > 20s with reclaim activity")])
        // A 4.x kernel's memcg OOM, three kills of the same unit.
        for (i, pid) in [2201, 2290, 2377].enumerated() {
            let t = b0 + UInt64(120 + 30 * i) * s
            f.kernel(t, boot: Boots.a, bootStart: b0, "java invoked oom-killer: gfp_mask=0x14000c0(GFP_KERNEL), nodemask=(null), order=0, oom_score_adj=0")
            f.kernel(t + 10, boot: Boots.a, bootStart: b0, "Task in /system.slice/tomcat.service killed as a result of limit of /system.slice/tomcat.service")
            f.kernel(t + 20, boot: Boots.a, bootStart: b0, "memory: usage 1048576kB, limit 1048576kB, failcnt 1234")
            f.kernel(t + 30, boot: Boots.a, bootStart: b0, "[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name")
            f.kernel(t + 40, boot: Boots.a, bootStart: b0, "[ \(pid)]   997  \(pid)   900000   262000     700       6        0             0 java")
            f.kernel(t + 50, boot: Boots.a, bootStart: b0, "Memory cgroup out of memory: Kill process \(pid) (java) score 1000 or sacrifice child")
            f.kernel(t + 60, boot: Boots.a, bootStart: b0, "Killed process \(pid) (java) total-vm:3600000kB, anon-rss:1040000kB, file-rss:8000kB, shmem-rss:0kB")
            f.pid1(t + 500_000, boot: Boots.a, bootStart: b0, "tomcat.service: A process of this unit has been killed by the OOM killer.",
                   [("UNIT", "tomcat.service"), ("MESSAGE_ID", "fe6faa94e7774663a0da52717891d8ef")])
        }
        f.pid1(b0 + 300 * s, boot: Boots.a, bootStart: b0, "Failed to fork: Resource temporarily unavailable")
        let r = Fixture.analyze([try f.write("oom-variants")])

        let kills = r.oomKills.map { "\($0.kind.rawValue) \($0.pid.map(String.init) ?? "-") \($0.comm ?? "-") \($0.unit ?? "-")" }
        #expect(kills == ["oomd - - app-firefox.scope", "memcg 2201 java tomcat.service", "memcg 2290 java tomcat.service",
                          "memcg 2377 java tomcat.service"])
        let java = try #require(r.oomKills.first { $0.pid == 2201 })
        #expect(java.taskMemcg == "/system.slice/tomcat.service")
        #expect(java.oomMemcg == "/system.slice/tomcat.service")
        #expect(java.invokedBy == "java")
        #expect(java.anonRSSKB == 1_040_000)
        #expect(java.biggestTasks == ["java (2201): 1048000 kB"])
        #expect(r.units.first { $0.unit == "tomcat.service" }?.oomKills == 3)
        #expect(r.rootCauses.first?.kind.rawValue == "memcg-oom")
        #expect(r.rootCauses.first?.subject.name == "tomcat.service")
        #expect(r.rootCauses.contains { $0.kind.rawValue == "oomd-kill" && $0.subject.name == "app-firefox.scope" })
        #expect(r.forkRate?.forkFailures == 1)
        #expect(r.timeline.contains { $0.kind == .forkFailure })
    }

    /// A task-dump row whose page count overflows when turned into kB: no trap, the count
    /// is shown as the kernel wrote it (issue 13).
    @Test func hugeRSSRowDoesNotTrap() throws {
        var f = Fixture()
        let b0 = Fixture.t0
        f.pid1(b0, boot: Boots.a, bootStart: b0, "Startup finished in 2.1s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        let t = b0 + 60_000_000
        f.kernel(t, boot: Boots.a, bootStart: b0, "java invoked oom-killer: gfp_mask=0x14000c0(GFP_KERNEL), nodemask=(null), order=0, oom_score_adj=0")
        f.kernel(t + 10, boot: Boots.a, bootStart: b0, "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
        f.kernel(t + 20, boot: Boots.a, bootStart: b0, "[   4242]     0  4242   900000 9223372036854775807   700000        0             0 java")
        f.kernel(t + 30, boot: Boots.a, bootStart: b0, "Out of memory: Killed process 4242 (java) total-vm:3600000kB, anon-rss:1040000kB, file-rss:0kB, shmem-rss:0kB")
        let r = Fixture.analyze([try f.write("oom-huge-rss")])
        let kill = try #require(r.oomKills.first { $0.pid == 4242 })
        #expect(kill.biggestTasks == ["java (4242): 9223372036854775807 pages"])
    }
}
