import Foundation
import Journal
import TestSupport
import Testing
@testable import Analysis

/// PIDs allocated at a known rate (sequentially, wrapping at pid_max the way the kernel
/// does, skipping the reserved PIDs below 300), logged by a sample of the new processes
/// among long-lived daemons that keep logging.
@Suite(.enabled(if: JournalRemote.isAvailable))
struct ForkRateTests {
    struct Phase { var seconds: Int; var perSecond: Int }

    /// `rejectAfter`: seconds into the run at which the pids controller logs its one
    /// `fork rejected` line for worker.service (the limit was reached).
    static func journal(pidMax: Int, startPID: Int, phases: [Phase], sampleEvery: Int, rejectAfter: Int? = nil) throws -> String {
        var f = Fixture()
        let b0 = Fixture.t0
        var next = startPID
        var t = b0
        f.pid1(t, boot: Boots.a, bootStart: b0, "Startup finished in 2.1s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        var allocated = 0
        for p in phases {
            for _ in 0..<p.seconds {
                // Daemons that started at boot log every second, from behind the frontier.
                for d in [412, 655, 901] {
                    f.entry(t, boot: Boots.a, bootStart: b0, pid: d, [("SYSLOG_IDENTIFIER", "daemon\(d)"), ("MESSAGE", "tick")])
                }
                for i in 0..<p.perSecond {
                    let pid = next
                    next += 1
                    if next >= pidMax { next = 300 }
                    allocated += 1
                    if allocated % sampleEvery == 0 {
                        let at = t + UInt64(i) * 1_000_000 / UInt64(p.perSecond)
                        f.entry(at, boot: Boots.a, bootStart: b0, pid: pid, [("SYSLOG_IDENTIFIER", "worker"), ("_SYSTEMD_UNIT", "worker.service"), ("MESSAGE", "job")])
                    }
                }
                t += 1_000_000
                if let r = rejectAfter, t == b0 + UInt64(r) * 1_000_000 {
                    // mm/../kernel/cgroup/pids.c, pids_can_fork(): pr_cont_cgroup_path after this text, once per cgroup.
                    f.kernel(t, boot: Boots.a, bootStart: b0, "cgroup: fork rejected by pids controller in /system.slice/worker.service")
                }
            }
        }
        return try f.write(rejectAfter == nil ? "forks" : "forks-rejected")
    }

    @Test func steadyRateOnALargePIDSpace() throws {
        let path = try Self.journal(pidMax: 4_194_304, startPID: 150_000,
                                    phases: [Phase(seconds: 120, perSecond: 20), Phase(seconds: 180, perSecond: 300),
                                             Phase(seconds: 120, perSecond: 20)], sampleEvery: 7)
        let r = Fixture.analyze([path])
        let f = try #require(r.forkRate)
        #expect(f.pidMax == 4_194_304)
        #expect(f.wraps == 0)
        #expect(abs(f.peakPerSecond - 300) <= 300 * 0.1, "peak \(f.peakPerSecond)")
        #expect(r.rootCauses.isEmpty, "300 forks/s with no failures is busy, not a fork bomb")
    }

    @Test func fastForksWrapTheDefaultPIDSpace() throws {
        // 900 forks/s wraps 32768 PIDs every ~36 s.
        let path = try Self.journal(pidMax: 32768, startPID: 2_000,
                                    phases: [Phase(seconds: 60, perSecond: 30), Phase(seconds: 240, perSecond: 900)],
                                    sampleEvery: 11)
        let r = Fixture.analyze([path])
        let f = try #require(r.forkRate)
        #expect(f.pidMax == 32768)
        #expect(f.wraps >= 5)
        #expect(abs(f.peakPerSecond - 900) <= 900 * 0.2, "peak \(f.peakPerSecond)")
        // A fast rate alone is a busy machine (a build host): no exhaustion, no finding.
        #expect(!r.rootCauses.contains { $0.kind == .forkBomb }, "\(r.rootCauses.map(\.id))")
    }

    @Test func forkBombNeedsExhaustionEvidence() throws {
        let path = try Self.journal(pidMax: 32768, startPID: 2_000,
                                    phases: [Phase(seconds: 60, perSecond: 30), Phase(seconds: 240, perSecond: 900)],
                                    sampleEvery: 11, rejectAfter: 200)
        let r = Fixture.analyze([path])
        let first = try #require(r.rootCauses.first)
        #expect(first.kind == .forkBomb && first.role == .primary)
        #expect(first.subject == .unit("worker.service"))
        #expect(first.evidence.contains { $0.text.contains("fork rejected by pids controller") })
        guard case .forkBomb(let facts) = first.facts else { Issue.record("\(first.facts)"); return }
        #expect(facts.rate?.lowerBound == true, "\(facts)")
    }

    /// A PID space of 65536 that only a sysctl file states: without it the estimator takes PIDs
    /// above 32768 to mean 4194304 and misses the wraps; with it the wraps are counted.
    @Test func sysctlPIDMaxSizesThePIDSpace() throws {
        let path = try Self.journal(pidMax: 65536, startPID: 40_000,
                                    phases: [Phase(seconds: 60, perSecond: 30), Phase(seconds: 240, perSecond: 900)],
                                    sampleEvery: 11)
        let blind = try #require(Fixture.analyze([path]).forkRate)
        #expect(blind.pidMax == 4_194_304)
        let reader = JournalReader(paths: [path])
        var input = AnalysisInput(journal: reader)
        input.hostFiles = [("/etc/sysctl.d/10-pid.conf", "# small on purpose\nkernel.pid_max = 65536\n")]
        let r = Analyzer.analyze(input, options: AnalysisOptions())
        let f = try #require(r.forkRate)
        #expect(f.pidMax == 65536)
        #expect(f.pidMaxSource == .sysctl(path: "/etc/sysctl.d/10-pid.conf", line: 2))
        #expect(f.wraps > blind.wraps)
        #expect(r.host.facts?.panicSettings.pidMax?.source == .sysctl(path: "/etc/sysctl.d/10-pid.conf", line: 2))
    }
}

/// The table the fork-rate estimator asks for every entry, against a dictionary.
@Suite struct PIDTableTests {
    @Test("PIDTable returns the previous value of every PID, flat and sparse")
    func againstDictionary() {
        var table = PIDTable()
        var truth: [Int: Int64] = [:]
        var state: UInt64 = 5
        for step in 0..<50_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Int(state >> 33)
            // Mostly ordinary PIDs, some far above the flat part, a few odd ones.
            let pid = step % 97 == 0 ? PIDTable.flatLimit + r % 100_000 : (step % 501 == 0 ? -r % 50 : r % 40_000)
            let value = Int64(step)
            #expect(table.swap(pid, value) == truth[pid], "pid \(pid) at step \(step)")
            truth[pid] = value
        }
    }
}
