import Foundation
import KernelLog
import TestSupport
import Testing

/// What each corpus kernel log must yield. Kind counts are the MANIFEST's `grep -c` figures
/// (section 2), less matches inside a syzkaller metadata header (which the reader skips);
/// record counts of syslog files are `grep -c ' kernel: '`; texts and stamps were read off
/// the files by eye.
struct CorpusExpectation: Sendable, CustomTestStringConvertible {
    var name: String
    var format: KernelLogFormat
    var kinds: [KernelEventKind: Int]
    var records: Int?
    var boots: Int
    var headerLines: Int = 0
    var testDescription: String { name }
}

let corpusExpectations: [CorpusExpectation] = [
    CorpusExpectation(name: "oomtool-centos6-messages.lines13977-29019.log", format: .syslog,
                      kinds: [.oomInvoked: 17, .oomKill: 17, .oomVictimSelected: 17, .oomSummary: 0, .bootBanner: 0, .panic: 0],
                      records: 15036, boots: 1),
    CorpusExpectation(name: "oomtool-centos6-messages.lines29020-34188.log", format: .syslog,
                      kinds: [.oomInvoked: 3, .oomKill: 3, .oomVictimSelected: 3, .bootBanner: 1], records: 3900, boots: 2),
    CorpusExpectation(name: "oomtool-rhel8-messages.1.log", format: .syslog,
                      kinds: [.oomInvoked: 1, .oomKill: 1, .oomSummary: 1, .hungTask: 0], records: 96, boots: 1),
    CorpusExpectation(name: "s4-synology-ds6-dmesg-T.log", format: .dmesgT, kinds: [.bootBanner: 1], records: 19, boots: 1),
    CorpusExpectation(name: "s4-ubuntu16-kern.log", format: .syslog,
                      kinds: [.bootBanner: 2, .oomInvoked: 0, .oomKill: 0, .hungTask: 0, .panic: 0], records: 1087, boots: 2),
    // 38 lines: 4 metadata + blank, the torn line and the replay marker are not records.
    CorpusExpectation(name: "syzkaller-report-1000-hung-task-io-wait-replay.log", format: .dmesg,
                      kinds: [.hungTask: 1, .panic: 0], records: 31, boots: 1, headerLines: 5),
    // MANIFEST counts 2 `rcu.*detected stall`; one is the `TITLE:` header line.
    CorpusExpectation(name: "syzkaller-report-145-rcu-stall.log", format: .dmesg, kinds: [.rcuStall: 1], records: 61,
                      boots: 1, headerLines: 4),
    CorpusExpectation(name: "syzkaller-report-221-hung-task-panic.log", format: .dmesg, kinds: [.panic: 1, .hungTask: 0],
                      records: 30, boots: 1, headerLines: 5),
    CorpusExpectation(name: "syzkaller-report-264-soft-lockup-panic.log", format: .dmesg, kinds: [.softLockup: 1, .panic: 1],
                      records: 103, boots: 1, headerLines: 7),
    CorpusExpectation(name: "syzkaller-report-334-oom-then-panic.log", format: .dmesg, kinds: [.oomInvoked: 1, .panic: 1],
                      records: 40, boots: 1, headerLines: 5),
    // MANIFEST counts 2 panic lines; the second is in syzkaller's unstamped `REPORT:` copy at
    // the end (lines 33-53 of the file), which is not read as records.
    CorpusExpectation(name: "syzkaller-report-337-sysrq-panic-callerid.log", format: .dmesg, kinds: [.panic: 1],
                      records: 26, boots: 1, headerLines: 4),
    // MANIFEST counts 8 hung-task lines: 4 reports and their copies after `REPORT:`.
    CorpusExpectation(name: "syzkaller-report-349-hung-task-jbd2-panic.log", format: .dmesg, kinds: [.hungTask: 4, .panic: 1],
                      records: 214, boots: 1, headerLines: 5),
]

func corpusPath(_ name: String) -> String? {
    guard let root = TestPaths.corpus else { return nil }
    let p = root + "/kernel/" + name
    return FileManager.default.fileExists(atPath: p) ? p : nil
}

/// A fixed modification time, so inferred years do not depend on when the corpus was copied.
func usec(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, _ us: Int = 0) -> Int64 {
    var c = DateComponents()
    (c.year, c.month, c.day, c.hour, c.minute, c.second) = (y, mo, d, h, mi, s)
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: "UTC") ?? .current
    let date = cal.date(from: c) ?? Date(timeIntervalSince1970: 0)
    return Int64(date.timeIntervalSince1970.rounded()) * 1_000_000 + Int64(us)
}

/// A corpus kernel log, parsed; the suites that call it run only when the corpus is there,
/// so a file missing from it is an error.
func readCorpus(_ name: String, mtime: Int64? = nil) throws -> KernelLogFile {
    guard let path = corpusPath(name) else { throw TestSupportError("corpus file \(name) is missing") }
    if let mtime {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        return KernelLogReader.parse(bytes: bytes, path: path, modificationTime: mtime)
    }
    return try KernelLogReader.read(path: path)
}

func kindCounts(_ file: KernelLogFile) -> [KernelEventKind: Int] {
    var out: [KernelEventKind: Int] = [:]
    for r in file.records { if let k = KernelMessage.classify(r.text) { out[k, default: 0] += 1 } }
    return out
}

@Suite(.enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus")) struct CorpusKernelLogs {
    @Test func everyCorpusFileHasAnExpectation() throws {
        let files = TestPaths.corpusFiles("kernel").map { ($0 as NSString).lastPathComponent }
        try #require(!files.isEmpty)
        let known = Set(corpusExpectations.map(\.name))
        for f in files { #expect(known.contains(f), "no expectation for \(f)") }
    }

    @Test(arguments: corpusExpectations)
    func corpusFile(_ e: CorpusExpectation) throws {
        let file = try readCorpus(e.name)
        #expect(file.format == e.format)
        let counts = kindCounts(file)
        for (kind, n) in e.kinds { #expect(counts[kind, default: 0] == n, "\(kind)") }
        if let n = e.records { #expect(file.records.count == n) }
        #expect(file.boots.count == e.boots)
        #expect(file.skipped.headerLines == e.headerLines)
        #expect(file.skipped.count <= 2, "\(file.skipped.samples)")
        // Every record points back at its line, in order.
        let lines = file.records.compactMap { $0.sources.first?.line }
        #expect(lines == lines.sorted())
        #expect(file.records.allSatisfy { $0.textBoot != nil })
    }

    @Test func ubuntuKernLogBoots() throws {
        let file = try readCorpus("s4-ubuntu16-kern.log", mtime: usec(2019, 12, 20, 0, 0, 0))
        try #require(file.boots.count == 2)
        #expect(file.boots[0].firstLine == 1)
        #expect(file.boots[1].firstLine == 545)
        #expect(file.boots[0].kernelVersion == "4.4.0-142-generic")
        #expect(file.boots[1].kernelVersion == "4.4.0-142-generic")
        #expect(file.boots[0].firstWallclockUSec == usec(2019, 12, 15, 0, 41, 4))
        #expect(file.boots[1].firstWallclockUSec == usec(2019, 12, 15, 0, 46, 40))
        #expect(file.boots[0].lastMonotonicUSec == 33_579_050)
        #expect(file.boots[1].lastMonotonicUSec == 40_956_670)
        let r = file.records[3]
        #expect(r.text.hasPrefix("Linux version 4.4.0-142-generic (buildd@lcy01-amd64-022)"))
        #expect(r.monotonicUSec == 0)
        #expect(r.hostname == "flint")
        #expect(r.clock == .syslogInferredYear)
        let last = try #require(file.records.last)
        #expect(last.text == "snd_intel8x0 0000:00:05.0: white list rate for 1028:0177 is 48000")
        #expect(last.monotonicUSec == 40_956_670)
        #expect(last.sources.first?.line == 1087)
    }

    @Test func centosRebootAndVictims() throws {
        let mtime = usec(2017, 7, 1, 0, 0, 0)
        let a = try readCorpus("oomtool-centos6-messages.lines13977-29019.log", mtime: mtime)
        let b = try readCorpus("oomtool-centos6-messages.lines29020-34188.log", mtime: mtime)
        // The reboot: imklog's own line at 13:16:08 opens the second boot.
        try #require(b.boots.count == 2)
        let reboot = b.boots[1]
        #expect(reboot.firstLine == 3090)
        #expect(b.records[reboot.records.lowerBound].text == "imklog 5.8.10, log source = /proc/kmsg started.")
        #expect(reboot.firstWallclockUSec == usec(2017, 6, 20, 13, 16, 8))
        #expect(reboot.kernelVersion == "2.6.32-642.11.1.el6.x86_64")
        #expect(reboot.commandLine?.hasPrefix("ro root=UUID=5ac74a4c-a499-451b-a5d2-9d836122aa8f") == true)
        #expect(b.boots[0].lastMonotonicUSec == 15_180_376_731_468)
        // rsyslogd's start line (3091) sits between imklog's and the kernel's first lines: the
        // new boot's too, so the old boot's last line is its last OOM kill, not the reboot.
        #expect(b.boots[0].lastWallclockUSec == usec(2017, 6, 20, 12, 48, 24))
        let start = try #require(b.messages.first { $0.record.text.hasSuffix("] start") })
        #expect(start.identifier == "rsyslogd")
        #expect(start.record.sources.first?.line == 3091)
        #expect(start.record.textBoot == 1)
        // Victims in order, 2.6.32 format.
        let victims = (a.records + b.records).compactMap { OOMKillLine($0.text) }
        let expected: [(Int, String)] = [(40738, "mysqld"), (13929, "php-fpm"), (14278, "php-fpm"), (14290, "php-fpm"),
            (14293, "php-fpm"), (14301, "php-fpm"), (14302, "php-fpm"), (14303, "php-fpm"), (14334, "php-fpm"),
            (14335, "php-fpm"), (14358, "php-fpm"), (14361, "php-fpm"), (14362, "php-fpm"), (14393, "php-fpm"),
            (14396, "php-fpm"), (14397, "php-fpm"), (14418, "php-fpm"), (14419, "php-fpm"), (14420, "php-fpm"),
            (14421, "php-fpm")]
        #expect(victims.map(\.pid) == expected.map(\.0))
        #expect(victims.map(\.comm) == expected.map(\.1))
        let first = try #require(victims.first)
        #expect(first.uid == 27)
        #expect(first.totalVMkB == 6_424_316)
        #expect(first.anonRSSkB == 13_128)
        #expect(first.fileRSSkB == 4)
        #expect(first.kind == .global)
        let selected = a.records.compactMap { OOMVictimSelectedLine($0.text) }
        #expect(selected.first?.pid == 40738)
        #expect(selected.first?.score == 16)
        // First record: `Jun 20 12:47:02 new-db1 kernel: [15180285.537297] php-fpm invoked oom-killer: …`
        let r = try #require(a.records.first)
        #expect(r.sources.first?.line == 2)
        #expect(r.wallclockUSec == usec(2017, 6, 20, 12, 47, 2))
        #expect(r.monotonicUSec == 15_180_285_537_297)
        let invoked = try #require(OOMInvokedLine(r.text))
        #expect(invoked.comm == "php-fpm")
        #expect(invoked.gfpMask == "0x280da")
        #expect(invoked.order == 0)
        #expect(invoked.oomScoreAdj == 0)
        // rsyslog's own lines are counted, not records.
        #expect(a.skipped.otherPrograms == 15043 - 15036)
        // 2.6.32 task rows: `[  788]     0   788     2671        1   7     -17         -1000 udevd`
        let header = try #require(a.records.lazy.compactMap { OOMTaskHeader($0.text) }.first)
        #expect(header.columns.contains("oom_adj"))
        let row = try #require(a.records.lazy.compactMap { OOMTaskRow($0.text, header: header) }.first)
        #expect(row.pid == 788 && row.uid == 0 && row.tgid == 788 && row.totalVM == 2671 && row.rss == 1)
        #expect(row.oomScoreAdj == -1000 && row.name == "udevd" && row.pgtablesBytes == nil)
    }

    @Test func rhel8ModernOOM() throws {
        let file = try readCorpus("oomtool-rhel8-messages.1.log", mtime: usec(2024, 10, 1, 0, 0, 0))
        let kill = try #require(file.records.lazy.compactMap { OOMKillLine($0.text) }.first)
        #expect(kill.pid == 3117813 && kill.comm == "cache-main" && kill.kind == .global)
        #expect(kill.totalVMkB == 11_705_436 && kill.anonRSSkB == 4_805_020 && kill.fileRSSkB == 53_964)
        #expect(kill.shmemRSSkB == 0 && kill.uid == 991 && kill.pgtablesKB == 21_664 && kill.oomScoreAdj == 0)
        let summary = try #require(file.records.lazy.compactMap { OOMSummaryLine($0.text) }.first)
        #expect(summary.constraint == "CONSTRAINT_NONE")
        #expect(summary.nodemask == "(null)" && summary.cpuset == "/" && summary.memsAllowed == "0")
        #expect(summary.taskMemcg == "/system.slice/varnish.service" && summary.task == "cache-main")
        #expect(summary.pid == 3117813 && summary.uid == 991 && summary.isGlobal && summary.oomMemcg == nil)
        let invoked = try #require(file.records.lazy.compactMap { OOMInvokedLine($0.text) }.first)
        #expect(invoked.comm == "in:imjournal" && invoked.gfpMask == "0x6200ca(GFP_HIGHUSER_MOVABLE)")
        #expect(invoked.order == 0 && invoked.oomScoreAdj == 0)
        // `#012` joins become newlines.
        let memInfo = try #require(file.records.first { $0.text.hasPrefix("active_anon:33632") })
        #expect(!memInfo.text.contains("#012"))
        #expect(memInfo.text.split(separator: "\n").count == 6)
        #expect(memInfo.text.contains("\n active_file:43 inactive_file:127"))
        // Modern task rows: `[3117813]   991 3117813  2926359  1214746 22183936        0             0 cache-main`
        let rows = file.records.compactMap { OOMTaskRow($0.text) }
        #expect(rows.count == 35)
        let victim = try #require(rows.first { $0.pid == 3117813 })
        #expect(victim.uid == 991 && victim.totalVM == 2_926_359 && victim.rss == 1_214_746)
        #expect(victim.pgtablesBytes == 22_183_936 && victim.swapents == 0 && victim.oomScoreAdj == 0 && victim.name == "cache-main")
        #expect(rows.first { $0.name == "sshd" }?.oomScoreAdj == -1000)
        #expect(file.records.first?.wallclockUSec == usec(2024, 9, 29, 8, 12, 34))
        #expect(file.records.first?.monotonicUSec == nil)
    }

    @Test func synologyDmesgT() throws {
        let file = try readCorpus("s4-synology-ds6-dmesg-T.log")
        let r = try #require(file.records.first)
        #expect(r.text == "Booting Linux on physical CPU 0x0")
        #expect(r.wallclockUSec == usec(2019, 2, 11, 19, 22, 56))
        #expect(r.clock == .dmesgT)
        #expect(file.boots.first?.kernelVersion == "3.10.105")
        #expect(file.boots.first?.commandLine?.hasPrefix("console=ttyS0,2100 ip=off") == true)
    }

    @Test func syzkallerTornLineAndReplay() throws {
        let file = try readCorpus("syzkaller-report-1000-hung-task-io-wait-replay.log")
        #expect(!file.records.contains { $0.text == "INFO: t" })
        #expect(!file.records.contains { $0.text.contains("replaying previous printk") })
        let r = try #require(file.records.first)
        #expect(r.text == "INFO: task udevd:5612 blocked in I/O wait for more than 143 seconds.")
        #expect(r.monotonicUSec == 584_319_520)
        #expect(r.callerID == "T31")
        #expect(r.sources.first?.line == 8)
        #expect(file.skipped.samples.contains { $0.line == 6 && $0.reason.contains("torn") })
        let hung = try #require(HungTaskLine(r.text))
        #expect(hung.comm == "udevd" && hung.pid == 5612 && hung.seconds == 143 && hung.inIOWait)
        // The metadata header (`TITLE:` …) is not a record.
        #expect(!file.records.contains { $0.text.hasPrefix("TITLE:") || $0.text.hasPrefix("TYPE:") })
    }

    @Test func syzkallerHungTasksAndCallerIDs() throws {
        let file = try readCorpus("syzkaller-report-349-hung-task-jbd2-panic.log")
        // `grep -c 'blocked for more than'` gives 8: four stamped reports and their copies in
        // syzkaller's unstamped `REPORT:` section (lines 222-422), which is not read again.
        let hung = file.records.compactMap { HungTaskLine($0.text) }
        #expect(hung.count == 4)
        #expect(file.skipped.reportCopyLines == 201)
        #expect(file.notes.contains { $0.contains("REPORT:") })
        #expect(hung.first?.comm == "jbd2/sda-8" && hung.first?.pid == 3563 && hung.first?.seconds == 140)
        #expect(hung.first?.inIOWait == false)
        #expect(hung.map(\.comm).contains("kworker/u12:5"))
        // grep -o '\]\[ *[TC][0-9]*\]': 171 × T1054, 41 × C1, 1 × C0, 1 × C2.
        let callers = file.records.compactMap(\.callerID)
        #expect(callers.filter { $0 == "T1054" }.count == 171)
        #expect(callers.filter { $0 == "C1" }.count == 41)
        #expect(Set(callers) == ["T1054", "C0", "C1", "C2"])
        #expect(file.records.first?.callerID == "T1054")
        let panic = try #require(file.records.first { KernelMessage.classify($0.text) == .panic })
        #expect(panic.text == "Kernel panic - not syncing: hung_task: blocked tasks")
        #expect(KernelMessage.panicReason(panic.text) == "hung_task: blocked tasks")
        #expect(panic.monotonicUSec == 1_432_309_388)
        #expect(panic.sources.first?.line == 207)
    }

    @Test func syzkallerOthers() throws {
        do {
            let f = try readCorpus("syzkaller-report-264-soft-lockup-panic.log")
            let s = try #require(f.records.lazy.compactMap { SoftLockupLine($0.text) }.first)
            #expect(s.cpu == 1 && s.seconds == 134 && s.comm == "syz-executor4" && s.pid == 4588)
            #expect(f.records.first?.text == "watchdog: BUG: soft lockup - CPU#1 stuck for 134s! [syz-executor4:4588]")
            #expect(f.records.first?.monotonicUSec == 281_646_907)
        }
        do {
            let f = try readCorpus("syzkaller-report-337-sysrq-panic-callerid.log")
            #expect(f.records.first?.callerID == "T5831")
            #expect(f.records.first?.monotonicUSec == 3_416_916_116)
            #expect(f.records.first?.text == "Kernel panic - not syncing: sysrq triggered crash")
            #expect(f.records.first.flatMap { KernelMessage.panicReason($0.text) } == "sysrq triggered crash")
            // Only a panic line has a reason: the soft lockup and OOM reports' other lines have none.
            #expect(f.records.dropFirst().allSatisfy { KernelMessage.panicReason($0.text) == nil || $0.text.contains("not syncing") })
        }
        do {
            let f = try readCorpus("syzkaller-report-145-rcu-stall.log")
            #expect(f.records.first?.text == "INFO: rcu_sched detected stalls on CPUs/tasks:")
            #expect(f.records.first?.monotonicUSec == 323_830_017)
            #expect(f.records.first?.callerID == nil)
        }
        do {
            let f = try readCorpus("syzkaller-report-334-oom-then-panic.log")
            let inv = try #require(f.records.lazy.compactMap { OOMInvokedLine($0.text) }.first)
            #expect(inv.comm == "syz-executor642" && inv.oomScoreAdj == 1000 && inv.order == 0)
            #expect(inv.gfpMask == "0x6202c2(GFP_HIGHUSER|__GFP_NOWARN)")
        }
        do {
            let f = try readCorpus("syzkaller-report-221-hung-task-panic.log")
            #expect(f.records.first?.text == "Kernel panic - not syncing: hung_task: blocked tasks")
            #expect(f.records.first?.monotonicUSec == 246_756_084)
        }
    }
}

/// Every input line is a record or is counted somewhere, for every corpus file.
@Suite struct LineAccounting {
    static func lineCount(_ bytes: [UInt8]) -> Int {
        let newlines = bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return newlines + ((bytes.last.map { $0 != 0x0A } ?? false) ? 1 : 0)
    }

    static func accounted(_ f: KernelLogFile) -> Int {
        let s = f.skipped
        return f.records.count + s.count + s.otherPrograms + s.headerLines + s.markerLines + s.blankLines + s.continuationLines
            + s.reportCopyLines
    }

    @Test(.enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus")) func everyCorpusLineIsAccountedFor() throws {
        let paths = TestPaths.corpusFiles("kernel")
        try #require(!paths.isEmpty)
        for path in paths {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let f = KernelLogReader.parse(bytes: bytes, path: path, modificationTime: 0)
            #expect(Self.accounted(f) == Self.lineCount(bytes), "\(path)")
            #expect(!f.records.isEmpty, "\(path)")
        }
    }

    @Test func hostileInputIsAccountedFor() throws {
        var rng = SplitMix64(state: 7)
        let random = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let ls = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "/bin/ls")))
        for bytes in [random, ls] {
            let f = KernelLogReader.parse(bytes: bytes, path: "hostile", modificationTime: nil)
            #expect(Self.accounted(f) == Self.lineCount(bytes))
        }
    }
}
