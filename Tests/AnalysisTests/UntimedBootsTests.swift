import Foundation
import KernelLog
import TestSupport
import Testing
@testable import Analysis

/// Console logs without wall-clock times (the corpus's syzkaller reports, MANIFEST §2: seven
/// crashes of different VMs) are told apart by their kernel clocks: each crash is a boot of its
/// own, not one story of seven. A log cut in two goes on from where the first part stopped: one boot.
@Suite(.enabled(if: TestPaths.corpus != nil))
struct UntimedBootsTests {
    static var syzkaller: [String] { TestPaths.corpusFiles("kernel").filter { $0.contains("/syzkaller-report-") }.sorted() }

    static func analyze(_ paths: [String], boot: BootSelection = .auto) throws -> PostmortemReport {
        let files = try paths.map { try KernelLogReader.read(path: $0) }
        return Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: files), options: AnalysisOptions(boot: boot))
    }

    @Test func crashReportsAreBootsOfTheirOwn() throws {
        let paths = Self.syzkaller
        try #require(paths.count == 7)
        let r = try Self.analyze(paths)
        let untimed = try #require(r.untimedBoots)
        #expect(untimed.count >= 5, "the clocks of at least five restart: \(untimed)")
        // The newest boot with a fatal report: syzkaller 349's jbd2 hung tasks and the panic.
        #expect(untimed.analysed == untimed.count)
        #expect(untimed.paths.map { ($0 as NSString).lastPathComponent } == ["syzkaller-report-349-hung-task-jbd2-panic.log"])
        #expect(r.rootCauses.first?.subject.name == "jbd2/sda-8")
        #expect(r.kernelEvents.filter { $0.kind == .panic }.count == 1, "one crash's panic, not five")
        // Alone, the same file gives the same verdict.
        let alone = try Self.analyze([paths[6]])
        #expect(alone.untimedBoots == nil)
        #expect(alone.rootCauses.map(\.kind) == r.rootCauses.map(\.kind))
        #expect(alone.kernelEvents.count == r.kernelEvents.count)
        // --boot 1 is the first in the files' order; --boot all reads every line as before.
        let first = try Self.analyze(paths, boot: .index(1))
        #expect(first.untimedBoots?.analysed == 1)
        #expect(first.untimedBoots?.paths.first?.hasSuffix("syzkaller-report-1000-hung-task-io-wait-replay.log") == true)
        let all = try Self.analyze(paths, boot: .all)
        #expect(all.untimedBoots == nil)
        #expect(all.kernelEvents.filter { $0.kind == .panic }.count > 1)
        // A boot that is not there is said so, and nothing is analysed.
        let none = try Self.analyze(paths, boot: .index(untimed.count + 1))
        #expect(none.rootCauses.isEmpty && none.kernelEvents.isEmpty)
        #expect(none.notes.contains(.noSuchBoot(.untimed(boots: untimed.count))))
        #expect(none.untimedBoots == UntimedBoots(count: untimed.count, analysed: nil, paths: []))
    }

    /// As for a journal's boots (journalctl -b 9): a boot that is not there is an error, exit 3,
    /// naming how many there are; one that is there is analysed.
    @Test func aMissingBootIsAnError() throws {
        let paths = Self.syzkaller
        let missing = try Command.run(TestPaths.executable, ["analyze", "--boot", "99"] + paths)
        #expect(missing.status == 3)
        #expect(missing.stderrText.contains("postmortem: no boot 99 in the input: its kernel logs hold "), "\(missing.stderrText)")
        #expect(missing.stderrText.contains("boots without wall-clock times"))
        #expect(missing.stdoutText.isEmpty)
        let there = try Command.run(TestPaths.executable, ["analyze", "--boot", "1"] + paths)
        #expect(there.status == 0, "\(there.stderrText)")
    }

    /// Without a wall clock, events and timeline rows carry the kernel's own stamps (the
    /// console's `[ 1431.920513]`), so that they can be told apart and ordered in a report.
    @Test func eventsKeepTheKernelsStamps() throws {
        let path = try #require(Self.syzkaller.first { $0.contains("report-349") })
        let r = try Self.analyze([path])
        let hung = r.kernelEvents.filter { $0.kind == .hungTask }
        #expect(hung.count == 4)
        #expect(hung.first?.uptimeSeconds == 1431.920513)
        #expect(r.kernelEvents.allSatisfy { $0.time == nil && $0.uptimeSeconds != nil })
        let stamps = r.timeline.compactMap(\.uptimeSeconds)
        #expect(stamps.count == r.timeline.count && stamps == stamps.sorted())
        // Negative: a log with a wall clock keeps its times and no stamps.
        let timed = try Self.analyze([try #require(TestPaths.corpusFiles("kernel").first { $0.hasSuffix("oomtool-rhel8-messages.1.log") })])
        #expect(timed.kernelEvents.allSatisfy { $0.time != nil && $0.uptimeSeconds == nil })
        #expect(timed.timeline.allSatisfy { $0.uptimeSeconds == nil })
    }

    @Test func aLogCutInTwoIsOneBoot() throws {
        let path = try #require(Self.syzkaller.first { $0.contains("report-349") })
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let dir = TestPaths.scratch("untimed-cut")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cut = lines.count / 2
        try (lines[..<cut].joined(separator: "\n") + "\n").write(toFile: dir + "/console.1.log", atomically: true, encoding: .utf8)
        try lines[cut...].joined(separator: "\n").write(toFile: dir + "/console.2.log", atomically: true, encoding: .utf8)
        let r = try Self.analyze([dir + "/console.1.log", dir + "/console.2.log"])
        #expect(r.untimedBoots == nil, "the second part's clock goes on from the first's")
        #expect(r.rootCauses.first?.subject.name == "jbd2/sda-8")
    }

    /// Beside a log with wall-clock times (the Synology's `dmesg -T`), untimed logs join its boot
    /// (a `dmesg` of the running machine does) only as one boot: of the seven crash reports, the
    /// last in the files' order; the others are left out and named, not mixed in.
    /// Beside a timed log, the newest untimed boot joins the newest timed boot when its kernel
    /// is that boot's (or unnamed); the syslog here is written for the test around the banner
    /// syzkaller 349's kernel prints.
    @Test func besideATimedLogOnlyOneUntimedBootJoins() throws {
        let dir = TestPaths.scratch("untimed-join")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let syslog = dir + "/kern.log"
        try """
            Jan  2 10:00:00 syzvm kernel: [    0.000000] Linux version 4.20.0-next-20190102+ (syzkaller@ci) (gcc version 8.0.1) #5 SMP PREEMPT Wed Jan 2 09:00:00 UTC 2019
            Jan  2 10:00:01 syzvm kernel: [    1.000000] Command line: console=ttyS0 root=/dev/sda

            """.write(toFile: syslog, atomically: true, encoding: .utf8)
        let r = try Self.analyze([syslog] + Self.syzkaller)
        #expect(r.boots.count == 1)
        #expect(r.kernelEvents.filter { $0.kind == .panic }.count == 1, "one crash's panic, not five")
        let leftOut = r.notes.compactMap { note -> [String]? in
            if case .untimedBootsLeftOut(let paths, _) = note { return paths } else { return nil }
        }.flatMap { $0 }
        #expect(leftOut.contains { $0.contains("report-221") })
        #expect(!leftOut.contains { $0.contains("report-349") })
    }

    /// Negative: a console log of another kernel (syzkaller 349's 4.20, beside the Synology
    /// NAS's 3.10 `dmesg -T`) is another machine's or another boot's: it does not join, and its
    /// panic is not the NAS's.
    @Test func anotherKernelDoesNotJoin() throws {
        let synology = try #require(TestPaths.corpusFiles("kernel").first { $0.hasSuffix("/s4-synology-ds6-dmesg-T.log") })
        let r = try Self.analyze([synology] + Self.syzkaller)
        #expect(r.boots.count == 1)
        #expect(r.kernelEvents.isEmpty && r.rootCauses.isEmpty)
        #expect(r.notes.contains { note in
            if case .untimedOtherKernel(let paths, "4.20.0-next-20190102+", "3.10.105") = note {
                return paths.contains { $0.hasSuffix("report-349-hung-task-jbd2-panic.log") }
            }
            return false
        })
    }
}

/// An OOM kill in a console log without a wall clock (the lines as a 4.19+ kernel prints them on
/// a serial console, `[ T…]` caller IDs as syzkaller's consoles show them): the kill is placed
/// by the kernel's stamp in the report, as its other events are.
@Suite struct ConsoleOOMTests {
    @Test func aKillKeepsTheKernelsStamp() throws {
        let text = """
            [  244.900000][ T3106] dhclient invoked oom-killer: gfp_mask=0x6200ca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0
            [  244.945440][ T3106] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0-1,global_oom,task_memcg=/,task=dhclient,pid=4526,uid=0
            [  244.946537][ T3106] Out of memory: Killed process 4526 (dhclient) total-vm:20464kB, anon-rss:1112kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:76kB oom_score_adj:0

            """
        let file = KernelLogReader.parse(bytes: Array(text.utf8), path: "/var/crash/console.log", modificationTime: nil)
        let r = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: AnalysisOptions())
        let kill = try #require(r.oomKills.first)
        #expect(r.oomKills.count == 1)
        #expect(kill.time == nil && kill.pid == 4526 && kill.comm == "dhclient")
        let stamp = try #require(kill.uptimeSeconds)
        #expect(stamp >= 244.945 && stamp <= 244.947, "\(stamp)")
        #expect(r.timeline.first { $0.kind == .oomKill }?.uptimeSeconds == kill.uptimeSeconds)
    }
}
