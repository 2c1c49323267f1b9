import Foundation
import Journal
import TestSupport
import Testing
@testable import Analysis
import KernelLog

/// Which shutdown markers speak for a boot's end, on journals written by systemd-journal-remote:
/// the rules that must fire, and the cases where they must not.
@Suite(.enabled(if: JournalRemote.isAvailable))
struct ShutdownMarkerTests {
    static let s: UInt64 = 1_000_000

    static func journald(_ f: inout Fixture, _ t: UInt64, boot: String, start: UInt64, pid: Int, _ message: String, id: String) {
        f.entry(t, boot: boot, bootStart: start, pid: pid,
                [("SYSLOG_IDENTIFIER", "systemd-journald"), ("_TRANSPORT", "driver"), ("MESSAGE", message), ("MESSAGE_ID", id)])
    }

    /// PID 1 through /dev/kmsg: kernel transport, `SYSLOG_IDENTIFIER=systemd`, no `_PID`.
    static func kmsgPID1(_ f: inout Fixture, _ t: UInt64, boot: String, start: UInt64, _ message: String) {
        f.export.add(realtime: t, monotonic: t - start + 1_000_000, bootID: boot,
                     [("_HOSTNAME", f.host), ("_MACHINE_ID", f.machineID), ("_TRANSPORT", "kernel"),
                      ("SYSLOG_IDENTIFIER", "systemd"), ("SYSLOG_PID", "1"), ("PRIORITY", "6"), ("MESSAGE", message)])
    }

    /// Boot A: the initrd's journald stops at switch-root, PID 1 reaches shutdown.target half an
    /// hour before the end (a `systemctl isolate` gone wrong, say), a user manager without USER_UNIT
    /// reaches its own Shutdown at the very end. None of it is the end: it is unknown. Boot B
    /// follows with nothing to say about A.
    @Test func markersThatDoNotCount() throws {
        var f = Fixture()
        let a0 = Fixture.t0, s = Self.s
        f.kernel(a0, boot: Boots.a, bootStart: a0, "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)")
        Self.journald(&f, a0 + 1 * s, boot: Boots.a, start: a0, pid: 180, "Journal started", id: "f77379a8490b408bbe5f6940505a777b")
        f.pid1(a0 + 2 * s, boot: Boots.a, bootStart: a0, "Switching root.")
        Self.journald(&f, a0 + 2 * s + 40_000, boot: Boots.a, start: a0, pid: 180, "Journal stopped", id: "d93fb3c9c24d451a97cea615ce59c00b")
        Self.journald(&f, a0 + 3 * s, boot: Boots.a, start: a0, pid: 402, "Journal started", id: "f77379a8490b408bbe5f6940505a777b")
        f.pid1(a0 + 600 * s, boot: Boots.a, bootStart: a0, "Reached target Shutdown.",
               [("UNIT", "shutdown.target"), ("JOB_TYPE", "start"), ("JOB_RESULT", "done"), ("MESSAGE_ID", "39f53479d3a045ac8e11786248231fbf")])
        f.entry(a0 + 2390 * s, boot: Boots.a, bootStart: a0, pid: 4529,
                [("SYSLOG_IDENTIFIER", "systemd"), ("MESSAGE", "Reached target Shutdown.")])
        f.entry(a0 + 2400 * s, boot: Boots.a, bootStart: a0, pid: 812, [("SYSLOG_IDENTIFIER", "app"), ("MESSAGE", "still here")])
        let b0 = a0 + 2500 * s
        f.pid1(b0, boot: Boots.b, bootStart: b0, "Startup finished in 2.0s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        let r = Fixture.analyze([try f.write("markers-ignored")], options: AnalysisOptions(boot: .offset(-1)))
        #expect(r.analyzedBoot == Boots.a)
        #expect(r.end?.kind == .unknown)
        #expect(r.end?.ignoredMarkers.map(\.reason) == [.initrd, .farFromEnd])
        #expect(r.end?.ignoredMarkers.map(\.text) == ["Journal stopped", "Reached target Shutdown."])
        #expect(!r.timeline.contains { $0.kind == .shutdown })
    }

    /// The same boot ending with PID 1 writing to /dev/kmsg late in the shutdown, and journald's
    /// last stop after its restart: clean.
    @Test func kmsgPID1AndFinalJournaldCount() throws {
        var f = Fixture()
        let a0 = Fixture.t0, s = Self.s
        Self.journald(&f, a0 + 1 * s, boot: Boots.a, start: a0, pid: 180, "Journal started", id: "f77379a8490b408bbe5f6940505a777b")
        f.pid1(a0 + 2 * s, boot: Boots.a, bootStart: a0, "Switching root.")
        Self.journald(&f, a0 + 2 * s + 40_000, boot: Boots.a, start: a0, pid: 180, "Journal stopped", id: "d93fb3c9c24d451a97cea615ce59c00b")
        Self.journald(&f, a0 + 3 * s, boot: Boots.a, start: a0, pid: 402, "Journal started", id: "f77379a8490b408bbe5f6940505a777b")
        Self.journald(&f, a0 + 1000 * s, boot: Boots.a, start: a0, pid: 402, "Journal stopped", id: "d93fb3c9c24d451a97cea615ce59c00b")
        Self.journald(&f, a0 + 1001 * s, boot: Boots.a, start: a0, pid: 977, "Journal started", id: "f77379a8490b408bbe5f6940505a777b")
        f.entry(a0 + 2300 * s, boot: Boots.a, bootStart: a0, pid: 812, [("SYSLOG_IDENTIFIER", "app"), ("MESSAGE", "stopping")])
        Self.kmsgPID1(&f, a0 + 2301 * s, boot: Boots.a, start: a0, "Reached target System Reboot.")
        Self.journald(&f, a0 + 2302 * s, boot: Boots.a, start: a0, pid: 977, "Journal stopped", id: "d93fb3c9c24d451a97cea615ce59c00b")
        let b0 = a0 + 2400 * s
        f.pid1(b0, boot: Boots.b, bootStart: b0, "Startup finished in 2.0s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        let r = Fixture.analyze([try f.write("markers-counted")], options: AnalysisOptions(boot: .offset(-1)))
        #expect(r.end?.kind == .clean)
        #expect(r.end?.evidence.count == 2)
        #expect(r.end?.evidence.first?.quoted?.contains("Reached target System Reboot.") == true)
        #expect(r.end?.ignoredMarkers.map(\.reason) == [.initrd, .journaldRestarted])
        #expect(r.timeline.filter { $0.kind == .shutdown }.count == 2)
    }

    /// A clean shutdown that a kernel crash dump contradicts: the machine died during the shutdown.
    @Test func markersLoseToAPanicAfterTheEnd() throws {
        var f = Fixture()
        let a0 = Fixture.t0, s = Self.s
        f.pid1(a0 + 100 * s, boot: Boots.a, bootStart: a0, "Reached target System Reboot.", [("UNIT", "reboot.target")])
        f.entry(a0 + 101 * s, boot: Boots.a, bootStart: a0, pid: 812, [("SYSLOG_IDENTIFIER", "app"), ("MESSAGE", "bye")])
        let path = try f.write("markers-panic")
        let panic = KernelRecord(text: "Kernel panic - not syncing: Fatal exception", monotonicUSec: 110 * s,
                                 wallclockUSec: Int64(a0 + 109 * s), clock: .bootAnchor, bootID: Boots.a,
                                 sources: [RecordSource(path: "/var/lib/systemd/pstore/1/dmesg-efi-1", line: 3, format: .pstore)],
                                 isLastWords: true)
        var input = AnalysisInput(journal: JournalReader(paths: [path]), unitFiles: [])
        input.kernelRecords = [panic]
        let r = Analyzer.analyze(input, options: AnalysisOptions())
        #expect(r.end?.kind == .unclean)
        #expect(r.end?.conflicting == true)
        #expect(r.end?.lastSignSource == .pstore)
        #expect(r.end?.lastSignOfLife?.microseconds == Int64(a0 + 109 * s))
        #expect(r.end?.evidence.contains(where: \.isShutdownBegun) == true)
    }

    /// The kernel's start from text logs alone: the `Linux version` line's stamp minus its uptime,
    /// tightened by the lines received in the same burst, else the earliest stamp-minus-uptime;
    /// a time rebuilt from the journal's own clock is no witness.
    @Test func kernelStartFromText() {
        let src = [RecordSource(path: "kern.log", line: 1, format: .syslog)]
        let t = Int64(Fixture.t0)
        let banner = KernelRecord(text: "Linux version 6.1.0", monotonicUSec: 0, wallclockUSec: t + 5_000_000, clock: .syslog, sources: src)
        let later = KernelRecord(text: "EXT4-fs (sda1): mounted", monotonicUSec: 4_500_000, wallclockUSec: t + 5_000_000,
                                 clock: .syslog, sources: src)
        let anchored = KernelRecord(text: "x", monotonicUSec: 9_000_000, wallclockUSec: t, clock: .bootAnchor, sources: src)
        // Received in one burst with the banner (a syslog daemon that started late): the burst's
        // latest line tells the start.
        #expect(Analyzer.kernelStart(fromText: [banner, later])?.0 == t + 500_000)
        #expect(Analyzer.kernelStart(fromText: [banner, later])?.1 == .kernelBanner)
        // Negative: a line received after the burst is not used with a banner (the clock may have
        // been set since), nor a line whose uptime would put the start before 1990.
        let afterBurst = KernelRecord(text: "e1000: link up", monotonicUSec: 9_900_000, wallclockUSec: t + 10_000_000,
                                      clock: .syslog, sources: src)
        let glitch = KernelRecord(text: "Initializing CPU#1", monotonicUSec: 1_266_851_105_691_884, wallclockUSec: t + 5_000_000,
                                  clock: .syslog, sources: src)
        #expect(Analyzer.kernelStart(fromText: [banner, afterBurst, glitch])?.0 == t + 5_000_000)
        #expect(Analyzer.kernelStart(fromText: [later, anchored])?.0 == t + 500_000)
        #expect(Analyzer.kernelStart(fromText: [later])?.1 == .dmesgUptime)
        #expect(Analyzer.kernelStart(fromText: [anchored]) == nil)
    }

    /// fsck at the next boot: e2fsck replaying the journal (e2fsck/unix.c) says the previous boot
    /// did not unmount; a clean check says nothing.
    @Test(arguments: [("/dev/sda2: recovering journal", true),
                      ("Dirty bit is set. Fs was not properly unmounted and some data may be corrupt.", true),
                      ("/dev/sda2: clean, 11/65536 files, 12/262144 blocks", false)])
    func fsckAtTheNextBoot(_ line: String, unclean: Bool) throws {
        var f = Fixture()
        let a0 = Fixture.t0, s = Self.s
        f.entry(a0 + 100 * s, boot: Boots.a, bootStart: a0, pid: 812, [("SYSLOG_IDENTIFIER", "app"), ("MESSAGE", "working")])
        let b0 = a0 + 200 * s
        f.entry(b0 + 3 * s, boot: Boots.b, bootStart: b0, pid: 301, [("SYSLOG_IDENTIFIER", "systemd-fsck"), ("MESSAGE", line)])
        f.pid1(b0 + 9 * s, boot: Boots.b, bootStart: b0, "Startup finished in 8.0s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        let r = Fixture.analyze([try f.write("fsck")], options: AnalysisOptions(boot: .offset(-1)))
        #expect(r.end?.kind == (unclean ? .unclean : .unknown))
        #expect(r.end?.evidence.contains { if case .nextBootNotice(let text, _) = $0 { text.hasPrefix(line) } else { false } } == unclean)
    }

    /// logind announces a reboot, then nothing from PID 1: the shutdown never got under way.
    /// With PID 1's targets after it, the announcement stands with them.
    @Test(arguments: [false, true])
    func logindAloneIsNotAnEnd(_ pid1Follows: Bool) throws {
        var f = Fixture()
        let a0 = Fixture.t0, s = Self.s
        f.entry(a0 + 100 * s, boot: Boots.a, bootStart: a0, pid: 512,
                [("SYSLOG_IDENTIFIER", "systemd-logind"), ("MESSAGE", "System is rebooting."),
                 ("MESSAGE_ID", "98268866d1d54a499c4e98921d93bc40"), ("SHUTDOWN", "reboot")])
        if pid1Follows {
            f.pid1(a0 + 101 * s, boot: Boots.a, bootStart: a0, "Reached target System Reboot.", [("UNIT", "reboot.target")])
        }
        f.entry(a0 + 102 * s, boot: Boots.a, bootStart: a0, pid: 812, [("SYSLOG_IDENTIFIER", "app"), ("MESSAGE", "bye")])
        let b0 = a0 + 200 * s
        f.pid1(b0, boot: Boots.b, bootStart: b0, "Startup finished in 2.0s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        let r = Fixture.analyze([try f.write("logind")], options: AnalysisOptions(boot: .offset(-1)))
        #expect(r.end?.kind == (pid1Follows ? .clean : .unknown))
        #expect(r.end?.ignoredMarkers.map(\.reason) == (pid1Follows ? [] : [.announcedOnly]))
        #expect(r.end?.evidence.contains { $0.quoted?.contains("System is rebooting.") == true } == pid1Follows)
    }

    /// A boot whose file journald never closed (header still ONLINE, nothing torn) while a later
    /// boot wrote to another file: an unclean end. The same file closed (OFFLINE) says nothing.
    @Test(arguments: [true, false])
    func onlineFileOfAnOlderBoot(_ leftOnline: Bool) throws {
        var a = Fixture(), b = Fixture()
        let a0 = Fixture.t0, s = Self.s
        a.entry(a0 + 100 * s, boot: Boots.a, bootStart: a0, pid: 812, [("SYSLOG_IDENTIFIER", "app"), ("MESSAGE", "working")])
        let b0 = a0 + 200 * s
        b.pid1(b0, boot: Boots.b, bootStart: b0, "Startup finished in 2.0s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        let first = try a.write("online-a", name: "system@0123456789abcdef0123456789abcdef-0000000000000001-0006111820924b2f.journal")
        if leftOnline {
            let h = try FileHandle(forUpdating: URL(fileURLWithPath: first))
            try h.seek(toOffset: 16)
            try h.write(contentsOf: Data([1]))
            try h.close()
        }
        let second = try b.write("online-b")
        let r = Fixture.analyze([first, second], options: AnalysisOptions(boot: .offset(-1)))
        #expect(r.analyzedBoot == Boots.a)
        #expect(r.end?.kind == (leftOnline ? .unclean : .unknown))
        #expect(r.end?.evidence.contains(where: \.isLastFileLeftOnline) == leftOnline)
    }
}
