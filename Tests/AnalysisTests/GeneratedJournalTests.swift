import Foundation
import Journal
import TestSupport
import Testing
@testable import Analysis

/// Journals written by systemd-journal-remote from entries made up here: the expected
/// figures are the ones the input was built with.
@Suite(.enabled(if: JournalRemote.isAvailable))
struct GeneratedJournalTests {
    /// Three boots: a clean one, one that crash-loops a unit into an OOM kill and dies, and
    /// the next one whose journald finds the file dirty.
    static func threeBoots(restarts: Int, interval: UInt64, structured: Bool, holdOffOnly: Bool = false) throws -> String {
        var f = Fixture()
        let s = 1_000_000 as UInt64
        let a0 = Fixture.t0
        f.pid1(a0, boot: Boots.a, bootStart: a0, "Started Polyscan.", [("UNIT", "polyscan.service"), ("JOB_TYPE", "start"), ("JOB_RESULT", "done"), ("MESSAGE_ID", "39f53479d3a045ac8e11786248231fbf")])
        f.entry(a0 + 600 * s, boot: Boots.a, bootStart: a0, pid: 700,
                [("SYSLOG_IDENTIFIER", "systemd-logind"), ("MESSAGE", "System is rebooting."), ("SHUTDOWN", "reboot"),
                 ("MESSAGE_ID", "98268866d1d54a499c4e98921d93bc40")])
        f.pid1(a0 + 601 * s, boot: Boots.a, bootStart: a0, "Reached target System Reboot.", [("UNIT", "reboot.target")])

        let b0 = a0 + 700 * s
        f.pid1(b0, boot: Boots.b, bootStart: b0, "Startup finished in 2.1s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        var t = b0 + 10 * s
        for i in 1...restarts {
            if structured {
                f.pid1(t, boot: Boots.b, bootStart: b0, "polyscan.service: Main process exited, code=exited, status=1/FAILURE",
                       [("UNIT", "polyscan.service"), ("EXIT_CODE", "exited"), ("EXIT_STATUS", "1"), ("MESSAGE_ID", "98e322203f7a4ed290d09fe03c09fe15")])
                f.pid1(t + 1000, boot: Boots.b, bootStart: b0, "polyscan.service: Failed with result 'exit-code'.",
                       [("UNIT", "polyscan.service"), ("UNIT_RESULT", "exit-code"), ("MESSAGE_ID", "d9b373ed55a64feb8242e02dbe79a49c")])
                f.pid1(t + 500_000, boot: Boots.b, bootStart: b0, "polyscan.service: Scheduled restart job, restart counter is at \(i + 100).",
                       [("UNIT", "polyscan.service"), ("N_RESTARTS", String(i + 100)), ("MESSAGE_ID", "5eb03494b6584870a536b337290809b3")])
                f.pid1(t + 510_000, boot: Boots.b, bootStart: b0, "Started Polyscan.",
                       [("UNIT", "polyscan.service"), ("JOB_TYPE", "start"), ("JOB_RESULT", "done"), ("MESSAGE_ID", "39f53479d3a045ac8e11786248231fbf")])
            } else {
                // systemd before MESSAGE_IDs on these lines: text only, no UNIT field.
                f.pid1(t, boot: Boots.b, bootStart: b0, "polyscan.service: Main process exited, code=exited, status=1/FAILURE")
                f.pid1(t + 1000, boot: Boots.b, bootStart: b0, "polyscan.service: Unit entered failed state.")
                f.pid1(t + 500_000, boot: Boots.b, bootStart: b0, "polyscan.service: Service hold-off time over, scheduling restart.")
                if !holdOffOnly {
                    f.pid1(t + 500_100, boot: Boots.b, bootStart: b0, "polyscan.service: Scheduled restart job, restart counter is at \(i + 100).")
                }
            }
            t += interval
        }
        let oomAt = t + s
        f.kernel(oomAt, boot: Boots.b, bootStart: b0, "polyscan invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0")
        f.kernel(oomAt + 100, boot: Boots.b, bootStart: b0, "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
        f.kernel(oomAt + 200, boot: Boots.b, bootStart: b0, "[   4242]     0  4242  2000000  1500000  12000000        0             0 polyscan")
        f.kernel(oomAt + 300, boot: Boots.b, bootStart: b0, "[    812]   104   812    60000     2000    300000        0             0 rsyslogd")
        f.kernel(oomAt + 400, boot: Boots.b, bootStart: b0, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/polyscan.service,task=polyscan,pid=4242,uid=0")
        f.kernel(oomAt + 500, boot: Boots.b, bootStart: b0, "Out of memory: Killed process 4242 (polyscan) total-vm:8000000kB, anon-rss:6000000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:11718kB oom_score_adj:0")
        f.pid1(oomAt + 2 * s, boot: Boots.b, bootStart: b0, "polyscan.service: A process of this unit has been killed by the OOM killer.",
               [("UNIT", "polyscan.service"), ("MESSAGE_ID", "fe6faa94e7774663a0da52717891d8ef")])
        let bLast = oomAt + 3 * s
        f.entry(bLast, boot: Boots.b, bootStart: b0, pid: 4300, [("SYSLOG_IDENTIFIER", "polyscan"), ("MESSAGE", "scanning shard 17")])

        let c0 = bLast + 120 * s
        f.entry(c0, boot: Boots.c, bootStart: c0, pid: 300,
                [("SYSLOG_IDENTIFIER", "systemd-journald"),
                 ("MESSAGE", "File /var/log/journal/4f1e3d2c1b0a49388776655443322110/system.journal corrupted or uncleanly shut down, renaming and replacing.")])
        f.pid1(c0 + s, boot: Boots.c, bootStart: c0, "Startup finished in 2.0s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        return try f.write("three-boots")
    }

    @Test func crashLoopBootIsFoundAndExplained() throws {
        let path = try Self.threeBoots(restarts: 40, interval: 2_000_000, structured: true)
        let unitFile = (path: "/etc/systemd/system/polyscan.service",
                        text: "[Unit]\nDescription=Polyscan\nStartLimitIntervalSec=0\n\n[Service]\nExecStart=/usr/bin/polyscan\nRestart=always\nRestartSec=500ms\nMemoryHigh=1G\n")
        let r = Fixture.analyze([path], unitFiles: [unitFile])
        #expect(r.boots.map(\.bootID) == [Boots.a, Boots.b, Boots.c])
        #expect(r.boots.map(\.end) == [.clean, .unclean, .unknown])
        #expect(r.analyzedBoot == Boots.b)
        #expect(r.end?.kind == .unclean)
        // The silence ends when the next boot's kernel started: 1 s before its first entry here.
        #expect(r.end?.gapSeconds == 119)
        let first = try #require(r.end?.nextBootFirst), start = try #require(r.end?.nextBootStart)
        #expect(first.microseconds - start.microseconds == 1_000_000)
        #expect(r.host.hostname == "testhost")

        let u = try #require(r.units.first { $0.unit == "polyscan.service" })
        #expect(u.restartsObserved == 40)
        #expect(u.restartCounterMax == 140)
        #expect(u.restartCounterMin == 101)
        #expect(u.exitStatuses["1/FAILURE"] == 40)
        #expect(u.results["exit-code"] == 40)
        #expect(u.crashLoop)
        #expect(u.oomKills == 1)
        #expect(u.medianRestartIntervalSeconds == 2)
        // Every 2 s: 30 in any sliding minute.
        #expect(u.peakRestartsPerMinute == 30)
        // The unit restarts after failures, half a second after each exit.
        #expect(u.impliedSettings.contains { if case .restartOnFailure = $0 { true } else { false } })
        #expect(u.impliedSettings.contains(.restartDelay(seconds: 0.5)))
        #expect(u.unitFileLines == ["/etc/systemd/system/polyscan.service:3: StartLimitIntervalSec=0",
                                    "/etc/systemd/system/polyscan.service:7: Restart=always",
                                    "/etc/systemd/system/polyscan.service:8: RestartSec=500ms",
                                    "/etc/systemd/system/polyscan.service:9: MemoryHigh=1G"])

        #expect(r.oomKills.count == 1)
        let k = try #require(r.oomKills.first)
        #expect(k.kind == .global)
        #expect(k.pid == 4242)
        #expect(k.comm == "polyscan")
        #expect(k.uid == 0)
        #expect(k.unit == "polyscan.service")
        #expect(k.invokedBy == "polyscan")
        #expect(k.anonRSSKB == 6_000_000)
        #expect(k.biggestTasks.first == "polyscan (4242): 6000000 kB")

        #expect(r.rootCauses.first?.kind.rawValue == "crash-loop")
        #expect(r.rootCauses.first?.subject.name == "polyscan.service")
        #expect(r.rootCauses.contains { $0.kind.rawValue == "memory-exhaustion" })
        #expect(r.rootCauses.first?.ledTo.contains { $0.to == "memory-exhaustion" && $0.rule == .crashLoopMemory } == true)
        let loopRow = try #require(r.timeline.first { $0.kind == .crashLoop })
        #expect(loopRow.count == 40)
        // The boot's end closes the timeline; the last words come just before it.
        #expect(r.timeline.last?.kind == .bootEnd)
        let lastWords = r.timeline.last { $0.kind != .bootEnd }
        #expect(lastWords?.lastWords == true)
        #expect(lastWords?.detail == .text("scanning shard 17"))
    }

    @Test func oldSystemdTextWithoutMessageIDs() throws {
        let path = try Self.threeBoots(restarts: 12, interval: 3_000_000, structured: false)
        let r = Fixture.analyze([path])
        #expect(r.analyzedBoot == Boots.b)
        let u = try #require(r.units.first { $0.unit == "polyscan.service" })
        #expect(u.restartsObserved == 12)
        #expect(u.restartCounterMax == 112)
        #expect(u.exitStatuses["1/FAILURE"] == 12)
        #expect(u.crashLoop)
        #expect(u.medianRestartIntervalSeconds == 3)
    }

    /// systemd 229 (Ubuntu 16.04) logged only "Service hold-off time over, scheduling restart."
    @Test func systemd229HoldOffOnly() throws {
        let path = try Self.threeBoots(restarts: 9, interval: 3_000_000, structured: false, holdOffOnly: true)
        let u = try #require(Fixture.analyze([path]).units.first { $0.unit == "polyscan.service" })
        #expect(u.restartsObserved == 9)
        #expect(u.restartCounterMax == nil)
        #expect(u.crashLoop)
    }

    @Test func bootSelection() throws {
        let path = try Self.threeBoots(restarts: 6, interval: 2_000_000, structured: true)
        #expect(Fixture.analyze([path], options: AnalysisOptions(boot: .offset(0))).analyzedBoot == Boots.c)
        #expect(Fixture.analyze([path], options: AnalysisOptions(boot: .offset(-2))).analyzedBoot == Boots.a)
        #expect(Fixture.analyze([path], options: AnalysisOptions(boot: .index(1))).analyzedBoot == Boots.a)
        #expect(Fixture.analyze([path], options: AnalysisOptions(boot: .id("b2b2b2"))).analyzedBoot == Boots.b)
        let live = Fixture.analyze([path], options: AnalysisOptions(localBootID: Boots.c))
        #expect(live.boots.last?.end == .ongoing)
        let clean = Fixture.analyze([path], options: AnalysisOptions(boot: .index(1)))
        #expect(clean.end?.kind == .clean)
        #expect(clean.rootCauses.isEmpty)
        let all = Fixture.analyze([path], options: AnalysisOptions(boot: .all))
        #expect(all.analyzedBoot == nil)
        #expect(all.units.first { $0.unit == "polyscan.service" }?.restartsObserved == 6)
        let missing = Fixture.analyze([path], options: AnalysisOptions(boot: .index(9)))
        #expect(missing.analyzedBoot == nil)
        #expect(missing.notes == [.noSuchBoot(.index(9, boots: 3))], "and not that the journal holds no entries")
        // Restarts every 2 s from b0+10 s: a window of the first 4 s holds 2 of them.
        let b0 = Fixture.t0 + 700_000_000
        let window = Fixture.analyze([path], options: AnalysisOptions(since: Timestamp(microseconds: Int64(b0 + 10_000_000)),
                                                                       until: Timestamp(microseconds: Int64(b0 + 14_000_000))))
        #expect(window.units.first { $0.unit == "polyscan.service" }?.restartsObserved == 2)
        let other = Fixture.analyze([path], options: AnalysisOptions(unit: "nothing.service"))
        #expect(other.units.allSatisfy { $0.unit == "nothing.service" })
        #expect(!other.rootCauses.contains { $0.kind.rawValue == "crash-loop" })
    }

    /// The last words are the boot's final messages: a warning from minutes before the end is
    /// not shown as one while routine lines went on after it, and a kernel line relayed again
    /// under `kernel` with the kernel's stamp in front (klogd, rsyslog's imklog) is one row.
    @Test func lastWordsAreTheFinalMessagesOnce() throws {
        var f = Fixture()
        let s = 1_000_000 as UInt64
        let a0 = Fixture.t0
        f.pid1(a0, boot: Boots.a, bootStart: a0, "Startup finished in 2.1s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        f.kernel(a0 + 10 * s, boot: Boots.a, bootStart: a0, "EXT4-fs (sda1): warning: mounting fs with errors, running e2fsck is recommended")
        for k in 0..<30 {
            f.entry(a0 + 20 * s + UInt64(k) * 10 * s, boot: Boots.a, bootStart: a0, pid: 900 + k,
                    [("SYSLOG_IDENTIFIER", "CRON"), ("PRIORITY", "6"), ("MESSAGE", "pam_unix(cron:session): session opened for user root")])
        }
        let old = try f.write("last-words-old")
        let r = Fixture.analyze([old])
        let words = r.timeline.filter { $0.kind == .lastWords }
        #expect(!words.isEmpty && words.allSatisfy { $0.subject == "CRON" }, "\(words)")
        // The repeated line is one row, counted, running to the boot's last entry.
        #expect(words.count == 1 && words.first?.count == 6)
        #expect(words.last?.endTime?.microseconds == Int64(a0 + 310 * s))

        // Negative: a warning within the last minute still gives way to nothing routine, and the
        // relay's copy of the kernel's line is not a second row; the relay's own line is kept.
        f.kernel(a0 + 320 * s, boot: Boots.a, bootStart: a0, "watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [kworker/1:2:311]")
        f.entry(a0 + 320 * s + 2000, boot: Boots.a, bootStart: a0, pid: 206,
                [("SYSLOG_IDENTIFIER", "kernel"), ("_TRANSPORT", "syslog"), ("PRIORITY", "0"),
                 ("MESSAGE", "[  321.000001] watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [kworker/1:2:311]")])
        f.entry(a0 + 321 * s, boot: Boots.a, bootStart: a0, pid: 206,
                [("SYSLOG_IDENTIFIER", "kernel"), ("_TRANSPORT", "syslog"), ("PRIORITY", "2"),
                 ("MESSAGE", "[  322.000000] only the relay kept this line")])
        let recent = try f.write("last-words-recent")
        let texts = Fixture.analyze([recent]).timeline.filter { $0.kind == .lastWords }.compactMap { row -> String? in
            if case .text(let t) = row.detail { return t }
            return nil
        }
        #expect(texts == ["watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [kworker/1:2:311]",
                          "[  322.000000] only the relay kept this line"], "\(texts)")
    }
}
