import Foundation
import KernelLog
import TestSupport
import Testing
@testable import Analysis

/// An OOM report that killed nothing: the logs end inside it (the machine stopped while out of
/// memory, the kill never written), the killer found nothing to kill, or the kernel panicked for
/// memory instead. Real text: RHEL 8's report cut in its task dump
/// (Tests/KernelLogTests/Fixtures/text/oomtool-rhel8-oom-report-cut.log, Apache-2.0), and the
/// corpus's syzkaller console where a panic of another kind cut an OOM report short.
@Suite struct UnkilledOOMTests {
    static let fixture = TestPaths.packageRoot + "/Tests/KernelLogTests/Fixtures/text/oomtool-rhel8-oom-report-cut.log"
    static let host = "Sep 29 08:12:34 hnsin-varnish kernel: "
    /// Lines 95-96 of the same file: the report's summary and kill.
    static let kill = [
        host + "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
            + "task_memcg=/system.slice/varnish.service,task=cache-main,pid=3117813,uid=991",
        host + "Out of memory: Killed process 3117813 (cache-main) total-vm:11705436kB, anon-rss:4805020kB, file-rss:53964kB, "
            + "shmem-rss:0kB, UID:991 pgtables:21664kB oom_score_adj:0",
    ]

    static func cutReport() throws -> [String] {
        try String(contentsOfFile: fixture, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("# ") }.map(String.init)
    }

    static func analyze(_ lines: [String]) -> PostmortemReport {
        let file = KernelLogReader.parse(bytes: Array((lines.joined(separator: "\n") + "\n").utf8), path: "/var/log/messages",
                                         modificationTime: nil)
        return Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: AnalysisOptions())
    }

    static func memoryFacts(_ r: PostmortemReport) -> (cause: RootCause, facts: MemoryExhaustionFacts)? {
        for c in r.rootCauses {
            if case .memoryExhaustion(let f) = c.facts { return (c, f) }
        }
        return nil
    }

    @Test func logsEndInsideTheReport() throws {
        let r = Self.analyze(try Self.cutReport())
        let (cause, f) = try #require(Self.memoryFacts(r))
        #expect(cause.role == .primary && cause.subject == .system)
        #expect(f.kills == 0 && f.unkilled == .logsEnd && f.invokedBy == "in:imjournal")
        #expect(f.biggestTask == "systemd-journal (610): 114336 kB")
        #expect(cause.evidence.first?.text.hasPrefix("in:imjournal invoked oom-killer") == true)
        // No kill is made up: the kill counts and the kill alert's signal stay empty.
        #expect(r.oomKills.isEmpty && !r.kernelEvents.contains { $0.kind == .oomKill })
        // The timeline has its moment.
        let row = try #require(r.timeline.first { $0.kind == .outOfMemory })
        #expect(row.detail == .outOfMemory(invokedBy: "in:imjournal", unkilled: .logsEnd) && row.time == cause.start)
    }

    @Test("the report's kill written: a kill, nothing unkilled")
    func killFollows() throws {
        let r = Self.analyze(try Self.cutReport() + Self.kill)
        let (_, f) = try #require(Self.memoryFacts(r))
        #expect(f.kills == 1 && f.unkilled == nil && f.victims.first?.name == "cache-main (varnish.service)")
        #expect(!r.timeline.contains { $0.kind == .outOfMemory } && r.timeline.contains { $0.kind == .oomKill })
    }

    @Test("negative: the logs go on for hours after the report, or it is a memory cgroup's")
    func notTheEnd() throws {
        // A line of the same host two hours later (the file's first line, its stamp moved).
        let later = "Sep 29 10:12:34 hnsin-varnish kernel: Hardware name: Red Hat RHEL/RHEL-AV, BIOS 1.15.0-2.module+el8.6.0+14757+c25ee005 04/01/2014"
        let goesOn = Self.analyze(try Self.cutReport() + [later])
        #expect(Self.memoryFacts(goesOn) == nil && !goesOn.timeline.contains { $0.kind == .outOfMemory })
        // mm/memcontrol.c's charge line inside the report: a cgroup's limit, not the machine's memory.
        var memcg = try Self.cutReport()
        memcg.insert(Self.host + "memory: usage 524288kB, limit 524288kB, failcnt 2345", at: 4)
        #expect(Self.memoryFacts(Self.analyze(memcg)) == nil)
    }

    @Test("a panic for memory (mm/oom_kill.c's messages): the exhaustion led to it")
    func panicForMemory() throws {
        // The kernel's own format strings, as `panic()` prints them.
        let onOOM = Self.analyze(try Self.cutReport() + [Self.host + "Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled"])
        let (cause, f) = try #require(Self.memoryFacts(onOOM))
        #expect(f.unkilled == .panicked && cause.role == .primary)
        #expect(cause.ledTo.contains { $0.rule == .memoryPanic })
        let none = Self.analyze(try Self.cutReport() + [Self.host + "Out of memory and no killable processes...",
                                                         Self.host + "Kernel panic - not syncing: System is deadlocked on memory"])
        #expect(Self.memoryFacts(none)?.facts.unkilled == .noKillableProcess)
    }

    /// syzkaller's console (Apache-2.0, MANIFEST §2): `syz-executor642 invoked oom-killer` is
    /// printed after "Kernel panic - not syncing: corrupted stack end detected inside scheduler";
    /// the panic cut the report short, and is the cause. Without the panic line, the same report
    /// is one the log ends inside, placed by the kernel's own clock (no wall clock in a console).
    @Test(.enabled(if: TestPaths.corpus != nil))
    func panicOfAnotherKindCutItShort() throws {
        let path = try #require(TestPaths.corpus) + "/kernel/syzkaller-report-334-oom-then-panic.log"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let r = Self.analyze(lines)
        #expect(Self.memoryFacts(r) == nil)
        #expect(r.rootCauses.first?.kind == .kernelPanic)
        let withoutPanic = Self.analyze(lines.filter { !$0.contains("Kernel panic - not syncing") })
        #expect(Self.memoryFacts(withoutPanic)?.facts.unkilled == .logsEnd)
    }
}
