import Foundation
import KernelLog
import TestSupport
import Testing
@testable import Analysis

/// A boot whose own kernel lines hold `Kernel panic - not syncing` ended there, uncleanly: a
/// console log (no wall clock, no boot's start) and a boot rebuilt from a kern.log alike. Before,
/// the console's report had no end at all (a fleet table listed it after the clean hosts) and
/// the kern.log's boot ended "unknown" while its causes said the panic ended it.
///
/// Real text: the corpus's syzkaller console reports (MANIFEST §2, Apache-2.0) and Ubuntu 16
/// kern.log (MIT). The negatives: console reports without a panic, the kern.log as it is.
@Suite(.enabled(if: TestPaths.corpus != nil))
struct KernelPanicEndTests {
    static func path(_ name: String) throws -> String {
        try #require(TestPaths.corpusFiles("kernel").first { $0.hasSuffix("/" + name) })
    }

    static func analyze(_ paths: [String], boot: BootSelection = .auto) throws -> PostmortemReport {
        let files = try paths.map { try KernelLogReader.read(path: $0) }
        return Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: files), options: AnalysisOptions(boot: boot))
    }

    @Test func aConsoleLogWithAPanicEndedUncleanly() throws {
        let path = try Self.path("syzkaller-report-349-hung-task-jbd2-panic.log")
        let r = try Self.analyze([path])
        #expect(r.analyzedBoot == nil, "no boot: the console has neither a wall clock nor a boot's start")
        let end = try #require(r.end)
        #expect(end.kind == .unclean)
        #expect(end.evidence == [.kernelPanic(time: nil, text: "Kernel panic - not syncing: hung_task: blocked tasks", source: path + ":207")])
        #expect(end.lastEntry == nil && end.gapSeconds == nil, "no time is made up for it")
    }

    /// The sysrq crash's file holds its panic line twice: the console's (line 5, with its
    /// stamp) and syzkaller's own extract below `REPORT:` (line 33), which is not console text.
    /// The end names the console's line.
    @Test func theConsolesPanicLineIsNamed() throws {
        let path = try Self.path("syzkaller-report-337-sysrq-panic-callerid.log")
        let r = try Self.analyze([path])
        #expect(r.end?.kind == .unclean)
        #expect(r.end?.evidence == [.kernelPanic(time: nil, text: "Kernel panic - not syncing: sysrq triggered crash", source: path + ":5")])
    }

    /// Negative: an RCU stall the console shows without a panic is distress, not an end.
    @Test func aConsoleLogWithoutAPanicHasNoKnownEnd() throws {
        let r = try Self.analyze([try Self.path("syzkaller-report-145-rcu-stall.log")])
        #expect(r.kernelEvents.contains { $0.kind == .rcuStall })
        #expect(r.end?.kind == .unknown)
        #expect(r.end?.evidence == [.newestNoSigns])
    }

    /// Several consoles told apart by their clocks: the boot chosen gets its own end; an older
    /// one without a panic is unknown, not "newest"; `--boot all` is no one boot and has no end.
    @Test func eachUntimedBootHasItsOwnEnd() throws {
        let paths = TestPaths.corpusFiles("kernel").filter { $0.contains("/syzkaller-report-") }.sorted()
        try #require(paths.count == 7)
        let newest = try Self.analyze(paths)
        #expect(newest.untimedBoots?.analysed == newest.untimedBoots?.count)
        #expect(newest.end?.kind == .unclean)
        let first = try Self.analyze(paths, boot: .index(1))
        #expect(first.untimedBoots?.paths.first?.hasSuffix("syzkaller-report-1000-hung-task-io-wait-replay.log") == true)
        #expect(first.end?.kind == .unknown)
        #expect(first.end?.evidence == [.noSigns])
        #expect(try Self.analyze(paths, boot: .all).end == nil)
    }

    /// A boot rebuilt from a kern.log ends where its kernel panicked, with the line's time.
    /// The Ubuntu 16 kern.log's second boot, followed by the panic lines of syzkaller 349 as a
    /// remote syslog receiving the console would have written them (the lines are the kernel's;
    /// the syslog prefix and the stamps are ours).
    @Test func aTextBootEndsAtItsPanic() throws {
        let kernLog = try String(contentsOfFile: try Self.path("s4-ubuntu16-kern.log"), encoding: .utf8)
        let console = try String(contentsOfFile: try Self.path("syzkaller-report-349-hung-task-jbd2-panic.log"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        // Lines 207–211: the panic, the CPU and hardware lines, the call trace's start.
        let panicLines = console[206...210].map { line -> String in
            let text = line.split(separator: "]", maxSplits: 2)[2].drop { $0 == " " }
            return "Dec 15 00:50:01 flint kernel: [  201.000000] " + text
        }
        #expect(panicLines.first == "Dec 15 00:50:01 flint kernel: [  201.000000] Kernel panic - not syncing: hung_task: blocked tasks")
        let dir = TestPaths.scratch("panic-kern-log")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/kern.log"
        try (kernLog + panicLines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let kernLogLines = kernLog.split(separator: "\n").count

        let r = try Self.analyze([path])
        #expect(r.boots.count == 2 && r.analyzedBoot == r.boots.last?.bootID)
        let end = try #require(r.end)
        #expect(end.kind == .unclean)
        let panicTime = try #require(r.kernelEvents.last { $0.kind == .panic }?.time)
        #expect(end.evidence.contains(.kernelPanic(time: panicTime, text: "Kernel panic - not syncing: hung_task: blocked tasks",
                                                   source: "\(path):\(kernLogLines + 1)")))

        // Negative: the kern.log as it is, no panic: its newest boot's end is not known.
        let plain = try Self.analyze([try Self.path("s4-ubuntu16-kern.log")])
        #expect(plain.end?.kind == .unknown)
        #expect(plain.end?.evidence.contains { if case .kernelPanic = $0 { true } else { false } } == false)
    }

    /// A console whose kernel stopped the machine in order (`reboot: Restarting system` after
    /// syzkaller 145's RCU stall: the stall was before, the end is the reboot) ended cleanly; the
    /// same stop followed by `Reboot failed` and a soft lockup (syzkaller 264's line) did not.
    /// The kernel's lines are real; the stop lines are kernel/reboot.c's, with our stamps.
    @Test func aConsoleEndingWithTheKernelsStopEndedCleanly() throws {
        let stall = try String(contentsOfFile: try Self.path("syzkaller-report-145-rcu-stall.log"), encoding: .utf8)
        let lockup = try #require(try String(contentsOfFile: try Self.path("syzkaller-report-264-soft-lockup-panic.log"), encoding: .utf8)
            .split(separator: "\n").first { $0.contains("soft lockup - CPU#") })
        let dir = TestPaths.scratch("console-stop")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clean = dir + "/clean.log", failed = dir + "/failed.log"
        try (stall + "[  400.100000] reboot: Restarting system\n").write(toFile: clean, atomically: true, encoding: .utf8)
        let r = try Self.analyze([clean])
        #expect(r.kernelEvents.contains { $0.kind == .rcuStall })
        #expect(r.end?.kind == .clean)
        let lines = stall.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(r.end?.evidence == [.kernelStopped(time: nil, text: "reboot: Restarting system", source: "\(clean):\(lines)")])
        let cli = try Command.run(TestPaths.executable, ["analyze", clean])
        #expect(cli.stdoutText.hasPrefix("unknown host shut down cleanly"), "\(cli.stdoutText)")

        let stamp = lockup.split(separator: "]", maxSplits: 1)
        try (stall + "[  400.100000] reboot: Restarting system\n[  401.100000] Reboot failed -- System halted\n[  460.000000]"
             + stamp[1] + "\n").write(toFile: failed, atomically: true, encoding: .utf8)
        let f = try Self.analyze([failed])
        #expect(f.kernelEvents.contains { $0.kind == .softLockup })
        #expect(f.end?.kind == .unknown)
    }

    /// A boot rebuilt from a kern.log (a console captured with times) whose last kernel line is
    /// the kernel's power-down ended cleanly. Negative: the log as it is, unknown (above).
    @Test func aTextBootEndsCleanlyAtTheKernelsStop() throws {
        let kernLog = try String(contentsOfFile: try Self.path("s4-ubuntu16-kern.log"), encoding: .utf8)
        let dir = TestPaths.scratch("stop-kern-log")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/kern.log"
        try (kernLog + "Dec 15 00:50:01 flint kernel: [  201.000000] reboot: Power down\n").write(toFile: path, atomically: true, encoding: .utf8)
        let r = try Self.analyze([path])
        #expect(r.end?.kind == .clean)
        #expect(r.end?.evidence.contains { if case .kernelStopped(_, "reboot: Power down", _) = $0 { true } else { false } } == true)
    }

    /// Negative: OOM kills without a panic (CentOS 6 excerpt, 17 kills, the log stops mid-boot)
    /// are no panic evidence.
    @Test func oomKillsAreNoPanic() throws {
        let r = try Self.analyze([try Self.path("oomtool-centos6-messages.lines13977-29019.log")])
        #expect(r.oomKills.count == 17)
        #expect(r.end?.evidence.contains { if case .kernelPanic = $0 { true } else { false } } == false)
        #expect(r.end?.kind != .unclean)
    }
}

/// kernel/reboot.c's stop lines, as printed since 3.12 and before; lines that only look alike are not.
@Suite struct SystemStopLineTests {
    @Test(arguments: ["reboot: Restarting system", "reboot: Power down", "reboot: System halted",
                      "reboot: Restarting system with command 'bootloader'", "Restarting system.", "Power down.", "System halted."])
    func recognised(_ line: String) { #expect(KernelMessage.isSystemStop(line)) }

    @Test(arguments: ["Restarting system service foo", "reboot: machine restart", "Reboot failed -- System halted",
                      "systemd-shutdown[1]: Powering off.", "Power down request", ""])
    func notAStop(_ line: String) { #expect(!KernelMessage.isSystemStop(line)) }
}
