import Foundation
import KernelLog
import TestSupport
import Testing
@testable import Analysis

/// Host facts: the settings that turn a stall into a panic, from the command line and the
/// sysctl files in systemd-sysctl's order; the OS; and the facts of real kernel logs.
@Suite("Host facts")
struct HostFactsTests {
    @Test("sysctl.d: /etc hides a same-named /usr/lib file, files apply by name, sysctl.conf last, and they win over the command line")
    func precedence() {
        let files: [(path: String, text: String)] = [
            ("/usr/lib/sysctl.d/50-default.conf", "kernel.panic = 0\nkernel.pid_max = 4194304\n"),
            ("/etc/sysctl.d/50-default.conf", "# local copy\nkernel.panic = 10\n"),
            ("/etc/sysctl.d/10-lockup.conf", "; off again\n-kernel/softlockup_panic=0\n"),
            ("/usr/lib/sysctl.d/99-hung.conf", "kernel.hung_task_panic = 1\n"),
            ("/etc/sysctl.conf", "vm.panic_on_oom=1\nkernel.panic = 30\n"),
            ("/etc/os-release", "NAME=\"Fedora Linux\"\nVERSION=\"40 (Server Edition)\"\nID=fedora\nVERSION_ID=40\n"),
        ]
        var builder = HostFactsBuilder()
        builder.observe(kernelText: "Command line: BOOT_IMAGE=/vmlinuz softlockup_panic=1 nmi_watchdog=panic pid_max=65536",
                        source: "kern.log:2")
        let facts = builder.finish(hostFiles: files, boot: nil, end: nil)
        let p = facts.panicSettings
        #expect(p.softlockupPanic?.value == "0")
        #expect(p.softlockupPanic?.source == .sysctl(path: "/etc/sysctl.d/10-lockup.conf", line: 2))
        #expect(p.softlockupPanic?.overrides == [.assignment(value: "1", source: .commandLine(readAt: "kern.log:2"))])
        #expect(p.hungTaskPanic == PanicSetting(value: "1", source: .sysctl(path: "/usr/lib/sysctl.d/99-hung.conf", line: 1)))
        #expect(p.panicOnOOM?.source == .sysctl(path: "/etc/sysctl.conf", line: 1))
        // 50-default.conf from /etc (10), then sysctl.conf (30), applied last.
        #expect(p.panicTimeout?.value == "30")
        #expect(p.panicTimeout?.overrides == [.assignment(value: "10", source: .sysctl(path: "/etc/sysctl.d/50-default.conf", line: 2))])
        #expect(p.nmiWatchdog?.value == "panic")
        // The /usr/lib file of the same name is hidden: pid_max stays the command line's.
        #expect(p.pidMax?.value == "65536")
        #expect(facts.os == OSFacts(name: "Fedora Linux 40 (Server Edition)", id: "fedora", versionID: "40", source: "/etc/os-release"))
    }

    @Test("nothing known gives no facts; the kernel's pid_max default is used when nothing sets it")
    func emptyAndDefaults() {
        var empty = HostFactsBuilder()
        #expect(empty.finish(hostFiles: [], boot: nil, end: nil).isEmpty)
        var b = HostFactsBuilder()
        b.observe(kernelText: "pid_max: default: 32768 minimum: 301", source: "dmesg:40")
        b.observe(kernelText: "8388607 pages RAM", source: "messages:9")
        b.observe(kernelText: "Total swap = 0kB", source: "messages:8")
        b.observe(kernelText: "Total swap = 2097148kB", source: "messages:20")
        let f = b.finish(hostFiles: [("/etc/os-release", "# no names here\n")], boot: nil, end: nil)
        #expect(f.panicSettings.pidMax == PanicSetting(value: "32768", source: .kernelDefault(readAt: "dmesg:40")))
        #expect(f.memory?.totalKB == 33_554_428)
        #expect(f.memory?.swapKB == 2_097_148, "the last OOM report's swap")
        #expect(f.memory?.sources == [.swapFromOOMReport(readAt: "messages:20"), .ramFromPageCount(readAt: "messages:9", pages: 8_388_607)])
        #expect(f.os == nil)
    }

    @Test("uptime at the end runs from the kernel's start to the last sign of life")
    func uptime() {
        var boot = BootSummary(bootID: "b", first: Timestamp(microseconds: 10_000_000), last: Timestamp(microseconds: 20_000_000),
                               entries: 2, end: .unclean, endEvidence: [])
        boot.start = Timestamp(microseconds: 1_000_000)
        boot.startSource = .journalClock
        boot.uptimeSeconds = 19
        var end = BootEnd(kind: .unclean, lastEntry: boot.last, nextBootFirst: nil, gapSeconds: nil, evidence: [])
        end.lastSignOfLife = Timestamp(microseconds: 31_000_000)
        end.lastSignSource = .pstore
        var b = HostFactsBuilder()
        let f = b.finish(hostFiles: [], boot: boot, end: end)
        #expect(f.uptimeAtEndSeconds == 30)
        #expect(f.uptimeSource == .kernelStartToLastSign(start: .journalClock, lastSign: .pstore))
        var c = HostFactsBuilder()
        #expect(c.finish(hostFiles: [], boot: boot, end: nil).uptimeAtEndSeconds == 19)
    }
}

extension HostFactsTests {
    @Test("kernel logs alone with two boots: the facts are the last boot's, the first boot's lines are not mixed in")
    func lastBootOfADmesg() throws {
        let dir = TestPaths.scratch("hostfacts-dmesg")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/dmesg.txt"
        try """
        [    0.000000] Linux version 5.10.0-9-amd64 (debian-kernel@lists.debian.org) #1 SMP
        [    0.000000] Command line: ro softlockup_panic=1
        [    0.000000] Memory: 100K/200K available (1K kernel code)
        [    0.000000] Hypervisor detected: KVM
        [   10.000000] hello
        [    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP
        [    0.000000] Memory: 300K/400K available (1K kernel code)
        [    5.000000] smp: Brought up 1 node, 4 CPUs

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let file = try KernelLogReader.read(path: path)
        let f = try #require(Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: AnalysisOptions()).host.facts)
        #expect(f.kernel?.version == "6.1.0-18-amd64")
        #expect(f.kernel?.commandLine == nil)
        #expect(f.panicSettings.softlockupPanic == nil)
        #expect(f.memory?.totalKB == 400 && f.memory?.availableKB == 300)
        #expect(f.cpus?.online == 4 && f.cpus?.source == path + ":8")
        #expect(f.virtualization == nil)
    }
}

/// The real kernel logs of the corpus (MANIFEST §2), analysed alone: the facts of the last boot each holds.
@Suite(.enabled(if: TestPaths.corpus != nil))
struct CorpusHostFactsTests {
    static func facts(_ name: String, boot: BootSelection = .auto) throws -> HostFacts? {
        let path = try #require(TestPaths.corpus).appending("/kernel/" + name)
        let file = try KernelLogReader.read(path: path)
        return Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: AnalysisOptions(boot: boot)).host.facts
    }

    /// `grep -E 'Linux version|Memory:|Adding|Booted up|DMI:|Hypervisor' s4-ubuntu16-kern.log`, second boot.
    @Test func ubuntu16VirtualBox() throws {
        let f = try #require(try Self.facts("s4-ubuntu16-kern.log"))
        #expect(f.kernel?.version == "4.4.0-142-generic")
        #expect(f.memory?.totalKB == 2_096_696 && f.memory?.availableKB == 2_026_512)
        let usable: Int64 = 2_096_696 - 70_184
        #expect(f.memory?.usableKB == usable)
        #expect(f.memory?.swapKB == 998_396)
        #expect(f.cpus?.online == 2 && f.cpus?.present == 2 && f.cpus?.nodes == 1)
        #expect(f.virtualization?.hypervisor == "KVM")
        #expect(f.virtualization?.dmi == "innotek GmbH VirtualBox/VirtualBox")
        // The facts are the second boot's: its banner is on line 1 + the first boot's lines.
        #expect(f.kernel?.source.hasSuffix(":1") == false)
    }

    /// Ubuntu 16.04's rsyslog starts some 30 s into each boot and receives the kernel's lines up
    /// to then in one burst, all stamped with that second: boot 1's lines say `Dec 15 00:41:04`
    /// up to `[   33.579050]`, boot 2's `Dec 15 00:46:40` up to `[   40.956670]`. Each boot began
    /// that long before its burst, and ran at least that long; the VM's glitched
    /// `[1266851105.691884] Initializing CPU#1` is no clock.
    @Test func ubuntu16BootsFromTheirBurst() throws {
        let path = try #require(TestPaths.corpus).appending("/kernel/s4-ubuntu16-kern.log")
        let file = try KernelLogReader.read(path: path)
        let r = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: AnalysisOptions())
        try #require(r.boots.count == 2)
        for (boot, uptime) in zip(r.boots, [33.579050, 40.956670]) {
            let start = try #require(boot.start)
            #expect(boot.last.microseconds - start.microseconds == Int64((uptime * 1e6).rounded()), "\(boot.bootID)")
            #expect(abs((boot.uptimeSeconds ?? 0) - uptime) < 1e-6, "\(boot.bootID)")
        }
    }

    /// CentOS 6, 2.6.32: lower-case `k`, `Brought up 12 CPUs`, swap on LVM, no DMI line kept.
    @Test func centos6() throws {
        // The excerpt holds the end of a boot that ran out of memory (analysed by default, its banner
        // long gone) and the next boot, whose banner and counts these are.
        let f = try #require(try Self.facts("oomtool-centos6-messages.lines29020-34188.log", boot: .offset(0)))
        #expect(f.kernel?.version == "2.6.32-642.11.1.el6.x86_64")
        #expect(f.kernel?.commandLine?.contains("crashkernel=auto") == true)
        #expect(f.memory?.totalKB == 34_340_864)
        #expect(f.memory?.swapKB == 2_097_148)
        #expect(f.cpus?.online == 12)
        // `pid_max: default: 49152 minimum: 384`: 4096 per CPU on 12 CPUs; nothing else set.
        #expect(f.panicSettings.pidMax?.value == "49152")
        #expect(f.panicSettings.pidMax.map { if case .kernelDefault = $0.source { true } else { false } } == true)
        #expect(f.panicSettings.softlockupPanic == nil && f.panicSettings.panicOnOOM == nil)
    }

    /// A syzkaller console log that starts mid-boot has no banner: no kernel facts are invented.
    @Test func noBanner() throws {
        let f = try Self.facts("syzkaller-report-221-hung-task-panic.log")
        #expect(f?.kernel == nil && f?.memory == nil)
    }
}

/// The corpus's RHEL 9.1 and openSUSE journals against journalctl as the oracle: the kernel's
/// own lines as `journalctl -k -o cat` prints them, picked apart here with regular expressions.
@Suite(.enabled(if: TestPaths.corpus != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl")))
struct CorpusJournalHostFactsTests {
    static func first(_ pattern: String, in text: String) throws -> [String]? {
        let re = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        guard let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return (1..<m.numberOfRanges).compactMap { Range(m.range(at: $0), in: text).map { String(text[$0]) } }
    }

    @Test(arguments: ["s4-rhel91-system.journal",
                      "s4-opensuse15-system@29912846da1c4d1d8d50dd155c553bdc-0000000000005156-00060c85794a2d40.journal"])
    func againstJournalctl(_ name: String) throws {
        let path = try #require(TestPaths.corpus).appending("/journals/" + name)
        let kernel = try Command.run("/usr/bin/journalctl", ["--file", path, "-k", "-o", "cat", "--no-pager"]).stdoutText
        let f = try #require(Fixture.analyze([path]).host.facts)
        #expect(f.kernel?.version == (try Self.first(#"^Linux version (\S+)"#, in: kernel))?.first)
        #expect(f.kernel?.commandLine == (try Self.first(#"^Command line: (.*)$"#, in: kernel))?.first)
        let memory = try #require(try Self.first(#"^Memory: (\d+)K/(\d+)K available .*, (\d+)K reserved, (\d+)K cma-reserved"#, in: kernel))
        #expect(f.memory?.availableKB == Int64(memory[0]) && f.memory?.totalKB == Int64(memory[1]))
        // RAM less the kernel's reservations: on RHEL 9 the first figure is a seventh of RAM
        // (deferred page initialisation), what the kernel manages is most of it.
        let usable = try #require(Int64(memory[1])) - #require(Int64(memory[2])) - #require(Int64(memory[3]))
        #expect(f.memory?.usableKB == usable)
        #expect(f.memory?.swapKB == (try Self.first(#"^Adding (\d+)k swap on"#, in: kernel)).flatMap { Int64($0[0]) })
        let cpus = try #require(try Self.first(#"^smp: Brought up (\d+) nodes?, (\d+) CPUs?"#, in: kernel))
        #expect(f.cpus?.nodes == Int(cpus[0]) && f.cpus?.online == Int(cpus[1]))
        #expect(f.virtualization?.hypervisor == (try Self.first(#"^Hypervisor detected: (.*)$"#, in: kernel))?.first)
        #expect(f.virtualization?.dmi == (try Self.first(#"^DMI: (.*), BIOS "#, in: kernel))?.first)
        #expect(f.panicSettings.pidMax?.value == (try Self.first(#"^pid_max: default: (\d+)"#, in: kernel))?.first)
        #expect(f.kernel?.version != nil && f.virtualization != nil)
    }
}
