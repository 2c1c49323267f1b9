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
