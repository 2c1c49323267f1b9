import Foundation
import KernelLog
import TestSupport
import Testing

/// A made-up boot whose right answers are known by construction: the kernel started at
/// T0 (monotonic 0 = T0), the journal stopped at T0 + 200 s, the host's syslog ran at UTC+2.
@Suite struct KernelClockByConstruction {
    static let bootB = "b0000000000000000000000000000001"
    static let bootC = "c0000000000000000000000000000002"
    static let t0 = usec(2024, 3, 10, 8, 0, 0)
    static let journalSource = RecordSource(path: "journal", line: 0, format: .journal)

    static func journalRecord(_ text: String, mono: UInt64, wall: Int64) -> KernelRecord {
        KernelRecord(text: text, monotonicUSec: mono, wallclockUSec: wall, clock: .journal, sources: [journalSource])
    }

    static var anchors: [JournalBootAnchor] {
        let b = JournalBootAnchor(
            bootID: bootB, firstRealtime: t0 + 4_000_000, lastRealtime: t0 + 200_000_000,
            anchors: [(t0 + 5_000_000, 5_000_000), (t0 + 100_000_000, 100_000_000)],
            kernelRecords: [
                journalRecord("Linux version 6.1.0-test (x) #1 SMP", mono: 0, wall: t0 + 4_000_000),
                journalRecord("usb 1-1: new high-speed USB device number 2 using ehci-pci", mono: 2_345_678, wall: t0 + 4_100_000),
                journalRecord("EXT4-fs (sda1): mounted filesystem with ordered data mode", mono: 7_000_000, wall: t0 + 7_000_100),
            ])
        // An earlier boot of the same kernel: its first line is the same, nothing else is.
        let c0 = usec(2024, 3, 9, 20, 0, 0)
        let c = JournalBootAnchor(
            bootID: bootC, firstRealtime: c0 + 3_000_000, lastRealtime: c0 + 3_600_000_000,
            anchors: [(c0 + 3_000_000, 3_000_000)],
            kernelRecords: [
                journalRecord("Linux version 6.1.0-test (x) #1 SMP", mono: 0, wall: c0 + 3_000_000),
                journalRecord("usb 1-1: new high-speed USB device number 2 using ehci-pci", mono: 2_811_002, wall: c0 + 3_100_000),
            ])
        return [c, b]
    }

    static let kernLog = """
        Mar 10 10:00:04 host kernel: [    0.000000] Linux version 6.1.0-test (x) #1 SMP
        Mar 10 10:00:04 host kernel: [    2.345678] usb 1-1: new high-speed USB device number 2 using ehci-pci
        Mar 10 10:00:07 host kernel: [    7.000000] EXT4-fs (sda1): mounted filesystem with ordered data mode
        Mar 10 10:00:30 host kernel: audit: type=1400 audit(0.0:1): only in kern.log
        Mar 10 10:04:10 host kernel: [  250.000000] Kernel panic - not syncing: Fatal exception

        """

    static func placed() -> PlacedKernelLog {
        // No modification time: the year guess comes from today's date and must be fixed by the journal.
        let kern = KernelLogReader.parse(bytes: Array(kernLog.utf8), path: "/var/log/kern.log", modificationTime: nil)
        let dmesg = KernelLogReader.parse(bytes: Array("""
            [    2.345678] usb 1-1: new high-speed USB device number 2 using ehci-pci
            [  150.000000] only in dmesg

            """.utf8), path: "/tmp/dmesg.txt", modificationTime: nil)
        var pstore = KernelLogReader.parse(bytes: Array("""
            Panic#1 Part1
            <4>[  249.900000] Oops: 0000 [#1] SMP
            <0>[  250.000000] Kernel panic - not syncing: Fatal exception

            """.utf8), path: "/sys/fs/pstore/dmesg-ramoops-0", modificationTime: nil)
        pstore.recordTimeUSec = t0 + 251_000_000
        return KernelClock.place(files: [kern, dmesg, pstore], journal: anchors)
    }

    @Test func bootsMatchedByKernelLinesAndRecordTime() {
        let p = Self.placed()
        let byPath = Dictionary(p.bootMatches.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byPath["/var/log/kern.log"]?.bootID == Self.bootB)
        #expect(byPath["/var/log/kern.log"]?.method == .kernelLines)
        #expect(byPath["/tmp/dmesg.txt"]?.bootID == Self.bootB)
        #expect(byPath["/sys/fs/pstore/dmesg-ramoops-0"]?.bootID == Self.bootB)
        #expect(byPath["/sys/fs/pstore/dmesg-ramoops-0"]?.method == .recordTime)
    }

    @Test func monotonicMappedThroughTheAnchor() throws {
        let p = Self.placed()
        let panic = try #require(p.records.first { $0.text == "Kernel panic - not syncing: Fatal exception" })
        #expect(panic.wallclockUSec == Self.t0 + 250_000_000)
        #expect(panic.clock == .bootAnchor)
        #expect(panic.bootID == Self.bootB)
        #expect(panic.isLastWords)
        // Read from kern.log and pstore: one record.
        #expect(Set(panic.sources.map(\.path)) == ["/var/log/kern.log", "/sys/fs/pstore/dmesg-ramoops-0"])
        #expect(p.records.filter { $0.text == panic.text }.count == 1)
        let oops = try #require(p.records.first { $0.text.hasPrefix("Oops: ") })
        #expect(oops.wallclockUSec == Self.t0 + 249_900_000 && oops.isLastWords)
        let onlyDmesg = try #require(p.records.first { $0.text == "only in dmesg" })
        #expect(onlyDmesg.wallclockUSec == Self.t0 + 150_000_000)
        #expect(!onlyDmesg.isLastWords)
        // 100 ppm of 50 s from the nearest anchor, plus 1 ms.
        #expect(onlyDmesg.uncertaintyUSec == 1_000 + 5_000)
    }

    @Test func yearAndZoneFromTheJournal() throws {
        let p = Self.placed()
        let audit = try #require(p.records.first { $0.text.hasSuffix("only in kern.log") })
        // 10:00:30 at UTC+2 on 2024-03-10, although the file-based guess said this year.
        #expect(audit.wallclockUSec == Self.t0 + 30_000_000)
        #expect(audit.clock == .syslogInferredYear)
        #expect(audit.bootID == Self.bootB)
        #expect(!audit.isLastWords)
        #expect(p.notes.contains { $0.contains("/var/log/kern.log") && $0.contains("+2.0 h") })
    }

    @Test func sameLineFromJournalAndTextIsOneRecord() throws {
        let p = Self.placed()
        let usb = p.records.filter { $0.text.hasPrefix("usb 1-1: new high-speed") }
        // One in boot C (journal only), one in boot B read three times.
        try #require(usb.count == 2)
        let b = try #require(usb.first { $0.bootID == Self.bootB })
        #expect(Set(b.sources.map(\.path)) == ["journal", "/var/log/kern.log", "/tmp/dmesg.txt"])
        #expect(b.wallclockUSec == Self.t0 + 4_100_000)
        #expect(b.clock == .journal)
        #expect(b.hostname == "host")
        #expect(usb.first { $0.bootID == Self.bootC }?.sources.count == 1)
        // journal 5 + audit + panic + oops + "only in dmesg"
        #expect(p.records.count == 9)
        let times = p.records.compactMap(\.wallclockUSec)
        #expect(times.count == p.records.count)
        #expect(times == times.sorted())
        #expect(p.records.filter(\.isLastWords).count == 2)
    }

    @Test func withoutJournalTheSyslogTimeStands() {
        let kern = KernelLogReader.parse(bytes: Array(Self.kernLog.utf8), path: "/var/log/kern.log",
                                         modificationTime: usec(2024, 3, 11, 0, 0, 0))
        let p = KernelClock.place(files: [kern], journal: [])
        #expect(p.records.count == 5)
        #expect(p.records.first?.wallclockUSec == usec(2024, 3, 10, 10, 0, 4))
        #expect(p.records.allSatisfy { $0.bootID == nil && !$0.isLastWords && $0.clock == .syslogInferredYear })
        #expect(p.notes.contains { $0.contains("read as UTC") })
    }

    @Test func dmesgWithoutAnyAnchorHasNoWallClock() {
        let f = KernelLogReader.parse(bytes: Array("[    1.000000] a\n[    2.000000] b\n".utf8), path: "d", modificationTime: nil)
        let p = KernelClock.place(files: [f], journal: [])
        #expect(p.records.map(\.clock) == [.none, .none])
        #expect(p.records.map(\.text) == ["a", "b"])
    }
}

@Suite struct KernelMessageKinds {
    @Test(arguments: [
        ("Memory cgroup out of memory: Killed process 4242 (java) total-vm:100kB, anon-rss:50kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:12kB oom_score_adj:0", KernelEventKind.oomKill),
        ("Out of memory (oom_kill_allocating_task): Killed process 77 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0", .oomKill),
        ("Killed process 1234 (python) total-vm:1kB, anon-rss:1kB, file-rss:1kB", .oomKill),
        ("oom_reaper: reaped process 4242 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB", .oomReaper),
        ("Out of memory: Kill process 40738 (mysqld) score 16 or sacrifice child", .oomVictimSelected),
        ("NMI watchdog: Watchdog detected hard LOCKUP on cpu 3", .hardLockup),
        ("rcu: INFO: rcu_preempt self-detected stall on CPU", .rcuStall),
        ("rcu: INFO: rcu_sched detected stalls on CPUs/tasks:", .rcuStall),
        ("Oops: 0000 [#1] SMP PTI", .oops),
        ("general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP", .oops),
        ("kernel BUG at mm/slub.c:321!", .bug),
        ("BUG: unable to handle page fault for address: ffffffffffffffe8", .bug),
        ("BUG: KASAN: use-after-free in foo+0x1/0x2", .bug),
        ("WARNING: CPU: 2 PID: 411 at fs/ext4/inode.c:3890 ext4_set_page_dirty+0x40/0x60", .warning),
        ("blk_update_request: I/O error, dev sda, sector 2048 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0", .ioError),
        ("I/O error, dev nvme0n1, sector 12345 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2", .ioError),
        ("Buffer I/O error on dev sdb1, logical block 0, async page read", .ioError),
        ("critical medium error, dev sdb, sector 81920 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0", .ioError),
        ("EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0", .fsError),
        ("XFS (dm-0): metadata I/O error in \"xfs_trans_read_buf_map\" at daddr 0x2 len 1 error 5", .fsError),
        ("BTRFS error (device sda2): parent transid verify failed on 1234 wanted 5 found 6", .fsError),
        ("cgroup: fork rejected by pids controller in /system.slice/forkbomb.service", .forkRejected),
        ("mce: [Hardware Error]: Machine check events logged", .mce),
        ("python3[12345]: segfault at 0 ip 00007f sp 00007ffd error 4 in libc.so.6[7f+195000]", .segfault),
        ("Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)", .bootBanner),
        ("---[ end Kernel panic - not syncing: Fatal exception ]---", .panic),
        ("watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [a:1]", .softLockup),
    ])
    func classify(_ text: String, _ kind: KernelEventKind) {
        #expect(KernelMessage.classify(text) == kind)
    }

    @Test(arguments: ["usb 1-1: new high-speed USB device", "Linux version", "", "Killed processes", "INFO: task list"])
    func notEvents(_ text: String) {
        #expect(KernelMessage.classify(text) == nil)
    }

    @Test func structuredLines() throws {
        let memcg = try #require(OOMKillLine("Memory cgroup out of memory: Killed process 4242 (java foo) total-vm:100kB, anon-rss:50kB, file-rss:0kB, shmem-rss:2kB, UID:1000 pgtables:12kB oom_score_adj:-500"))
        #expect(memcg.kind == .memcg && memcg.pid == 4242 && memcg.comm == "java foo" && memcg.shmemRSSkB == 2)
        #expect(memcg.uid == 1000 && memcg.oomScoreAdj == -500)
        let alloc = try #require(OOMKillLine("Out of memory (oom_kill_allocating_task): Killed process 77 (x) total-vm:1kB"))
        #expect(alloc.kind == .allocating)
        let old = try #require(OOMKillLine("Killed process 1234 (python) total-vm:2048kB, anon-rss:1024kB, file-rss:4kB"))
        #expect(old.pid == 1234 && old.comm == "python" && old.totalVMkB == 2048 && old.uid == nil)
        #expect(OOMKillLine("Killed process") == nil)
        // A PID is never negative or zero: such a line is damage, not a kill.
        #expect(OOMKillLine("Out of memory: Killed process -5 (x) total-vm:1kB") == nil)
        #expect(OOMKillLine("Killed process 0 (x)") == nil)
        #expect(OOMVictimSelectedLine("Out of memory: Kill process -3 (x) score 1 or sacrifice child") == nil)
        #expect(OOMSummaryLine("oom-kill:constraint=CONSTRAINT_NONE,task=x,pid=-4498,uid=-1")?.pid == nil)
        #expect(OOMTaskRow("[  -4498]  1000 -4498  2220000  2220000 17842176        0             0 ffmpeg") == nil)
        let memcgSummary = try #require(OOMSummaryLine("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0-1,3,oom_memcg=/kubepods/pod1,task_memcg=/kubepods/pod1/c1,task=java,pid=4242,uid=1000"))
        #expect(memcgSummary.memsAllowed == "0-1,3" && memcgSummary.oomMemcg == "/kubepods/pod1" && !memcgSummary.isGlobal)
        #expect(memcgSummary.pid == 4242 && memcgSummary.task == "java")
        let soft = try #require(SoftLockupLine("watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [kworker/3:1:123]"))
        #expect(soft.cpu == 3 && soft.seconds == 23 && soft.comm == "kworker/3:1" && soft.pid == 123)
        #expect(ForkRejectedLine("cgroup: fork rejected by pids controller in /user.slice/user-1000.slice/session-2.scope")?.cgroup
                == "/user.slice/user-1000.slice/session-2.scope")
        let io = try #require(IOErrorLine("blk_update_request: I/O error, dev sda, sector 2048 op 0x0:(READ) flags 0x0"))
        #expect(io.device == "sda" && io.sector == 2048)
        let buffer = try #require(IOErrorLine("Buffer I/O error on dev sdb1, logical block 7, async page read"))
        #expect(buffer.device == "sdb1" && buffer.logicalBlock == 7 && buffer.sector == nil)
        let inv = try #require(OOMInvokedLine("a b invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO), order=2, oom_score_adj=-17"))
        #expect(inv.comm == "a b" && inv.gfpMask == "0x100cca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO)" && inv.order == 2 && inv.oomScoreAdj == -17)
        #expect(HungTaskLine("INFO: task a:b:12 blocked for more than 120 seconds.")?.comm == "a:b")
        #expect(HungTaskLine("INFO: task nothing here") == nil)
        #expect(OOMTaskRow("[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name") == nil)
        let row = try #require(OOMTaskRow("[  788]     0   788     2671        1   7     -17         -1000 udevd"))
        #expect(row.pid == 788 && row.oomScoreAdj == -1000 && row.pgtablesBytes == nil && row.name == "udevd")
    }
}

/// Real kernel entries of a real journal (openSUSE, 519 `kernel` lines), written out as a
/// dmesg text by the test, with the journal's last ten kernel lines withheld: the text must
/// match the boot, merge with every journal line, and put the ten "last words" on the
/// journal's clock within a few milliseconds of the realtime journald gave them.
@Suite struct KernelClockAgainstRealJournal {
    struct Entry { var text: String; var realtime: Int64; var monotonic: UInt64; var source: UInt64; var boot: String }

    static func entries() throws -> [Entry]? {
        guard let root = TestPaths.corpus else { return nil }
        let journal = root + "/journals/s4-opensuse15-system@29912846da1c4d1d8d50dd155c553bdc-0000000000005156-00060c85794a2d40.journal"
        guard FileManager.default.fileExists(atPath: journal) else { return nil }
        let r = try Command.run("/usr/bin/journalctl", ["--file", journal, "-o", "json", "--no-pager",
                                                        "_TRANSPORT=kernel", "SYSLOG_IDENTIFIER=kernel"])
        guard r.status == 0 else { return nil }
        var out: [Entry] = []
        for line in r.stdoutText.split(separator: "\n") {
            guard let d = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let text = d["MESSAGE"] as? String, !text.contains("\n"),
                  let rt = (d["__REALTIME_TIMESTAMP"] as? String).flatMap({ Int64($0) }),
                  let mono = (d["__MONOTONIC_TIMESTAMP"] as? String).flatMap({ UInt64($0) }),
                  let src = (d["_SOURCE_MONOTONIC_TIMESTAMP"] as? String).flatMap({ UInt64($0) }),
                  let boot = d["_BOOT_ID"] as? String else { continue }
            out.append(Entry(text: text, realtime: rt, monotonic: mono, source: src, boot: boot))
        }
        return out
    }

    @Test(.enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus")) func dmesgTextPlacedOnTheJournalClock() throws {
        let all = try #require(try Self.entries())
        try #require(all.count > 100)
        // Withhold the ten newest by the kernel's stamp (journal order is receive order).
        let byStamp = all.sorted { $0.source < $1.source }
        let kept = Array(byStamp.dropLast(10)).sorted { $0.realtime < $1.realtime }, withheld = Array(byStamp.suffix(10))
        let bootID = try #require(all.first?.boot)
        let source = RecordSource(path: "journal", line: 0, format: .journal)
        let records = kept.map {
            KernelRecord(text: $0.text, monotonicUSec: $0.source, wallclockUSec: $0.realtime, clock: .journal, sources: [source])
        }
        let anchors = stride(from: 0, to: kept.count, by: 50).map { (realtime: kept[$0].realtime, monotonic: kept[$0].monotonic) }
        let anchor = JournalBootAnchor(bootID: bootID, firstRealtime: kept[0].realtime, lastRealtime: kept[kept.count - 1].realtime,
                                       anchors: anchors, kernelRecords: records)
        let dmesg = all.map { e in String(format: "[%5d.%06d] ", Int(e.source / 1_000_000), Int(e.source % 1_000_000)) + e.text }
            .joined(separator: "\n") + "\n"
        let file = KernelLogReader.parse(bytes: Array(dmesg.utf8), path: "/tmp/dmesg", modificationTime: nil)
        #expect(file.records.count == all.count)
        #expect(file.boots.count == 1)
        let placed = KernelClock.place(files: [file], journal: [anchor])
        #expect(placed.bootMatches.first?.bootID == bootID)
        #expect(placed.bootMatches.first?.method == .kernelLines)
        #expect(placed.records.count == all.count)
        #expect(placed.records.filter { $0.sources.count == 2 }.count == kept.count)
        let lastRealtime = anchor.lastRealtime
        for truth in withheld {
            let r = try #require(placed.records.first { $0.text == truth.text && $0.monotonicUSec == truth.source })
            #expect(r.sources.count == 1 && r.sources.first?.path == "/tmp/dmesg")
            #expect(r.clock == .bootAnchor && r.bootID == bootID)
            let w = try #require(r.wallclockUSec)
            // When printk ran, by journald's own fields: receive time minus the read delay.
            let event = truth.realtime - (Int64(truth.monotonic) - Int64(truth.source))
            // printk's clock and CLOCK_MONOTONIC differ by a few ms on this machine.
            #expect(abs(w - event) < 20_000, "\(r.text): \(w - event) µs")
            if event > lastRealtime + 20_000 { #expect(r.isLastWords, "\(r.text)") }
            if event < lastRealtime - 20_000 { #expect(!r.isLastWords, "\(r.text)") }
        }
        #expect(placed.records.filter { $0.isLastWords && $0.sources.count > 1 }.isEmpty)
    }
}

@Suite struct KernelClockScale {
    /// 40 000 repeats of one line in both the journal and a text log: merged pairwise, quickly.
    @Test func repeatedLinesDoNotGoQuadratic() {
        let boot = "d0000000000000000000000000000003"
        let t0 = usec(2024, 5, 1, 0, 0, 0)
        let n = 40_000
        let source = RecordSource(path: "journal", line: 0, format: .journal)
        let records = (0..<n).map { i in
            KernelRecord(text: "Call Trace:", monotonicUSec: UInt64(10_000_000 + i * 1_000), wallclockUSec: t0 + 10_000_000 + Int64(i) * 1_000,
                         clock: .journal, sources: [source])
        }
        let anchor = JournalBootAnchor(bootID: boot, firstRealtime: t0, lastRealtime: t0 + 100_000_000,
                                       anchors: [(t0, 0)], kernelRecords: records)
        let text = (0..<n).map { String(format: "[%5d.%06d] Call Trace:", 10 + $0 / 1000, ($0 % 1000) * 1000) }.joined(separator: "\n")
        let file = KernelLogReader.parse(bytes: Array(text.utf8), path: "dmesg", modificationTime: nil)
        let start = Date()
        let placed = KernelClock.place(files: [file], journal: [anchor])
        let seconds = Date().timeIntervalSince(start)
        #expect(placed.records.count == n)
        #expect(placed.records.allSatisfy { $0.sources.count == 2 })
        #expect(seconds < 30, "\(seconds) s")
    }
}
