import Testing
@testable import KernelLog

/// The kernel lines that state host facts, on real kernel text. Sources (messages without their
/// syslog prefix and dmesg stamp):
/// - jtmoon79/super-speedy-syslog-searcher `logs/Ubuntu16/kern.log` @ 1aed86246f06e1e3f68f692d81b45c2e22be60b5,
///   MIT licence (© 2022 James Thomas Moon): Ubuntu 16.04, kernel 4.4.0-142, VirtualBox guest.
/// - LukeShirnia/out-of-memory `tests/assets/logs/messages` @ a246c8da6834a5b5e66746f27c8a3d442ded933d,
///   Apache-2.0: CentOS 6, kernel 2.6.32, bare metal, OOM reports.
@Suite("Kernel host-fact lines")
struct KernelHostLineTests {
    @Test("Ubuntu 16.04 boot lines (4.4 kernel)")
    func ubuntu16() {
        #expect(KernelHostLine.parse("Linux version 4.4.0-142-generic (buildd@lcy01-amd64-022) (gcc version 5.4.0 20160609 (Ubuntu 5.4.0-6ubuntu1~16.04.10) ) #168-Ubuntu SMP Wed Jan 16 21:01:15 UTC 2019")
                == .banner(version: "4.4.0-142-generic", text: "Linux version 4.4.0-142-generic (buildd@lcy01-amd64-022) (gcc version 5.4.0 20160609 (Ubuntu 5.4.0-6ubuntu1~16.04.10) ) #168-Ubuntu SMP Wed Jan 16 21:01:15 UTC 2019"))
        #expect(KernelHostLine.parse("DMI: innotek GmbH VirtualBox/VirtualBox, BIOS VirtualBox 12/01/2006")
                == .dmi(product: "innotek GmbH VirtualBox/VirtualBox", bios: "VirtualBox 12/01/2006"))
        #expect(KernelHostLine.parse("Hypervisor detected: KVM") == .hypervisor("KVM"))
        #expect(KernelHostLine.parse("smpboot: Allowing 2 CPUs, 0 hotplug CPUs") == .cpusPossible(2))
        #expect(KernelHostLine.parse("Memory: 2026512K/2096696K available (8094K kernel code, 791K rwdata, 3180K rodata, 932K init, 800K bss, 70184K reserved, 0K cma-reserved, 1183688K highmem)")
                == .memory(availableKB: 2_026_512, totalKB: 2_096_696, reservedKB: 70_184))
        #expect(KernelHostLine.parse("x86: Booted up 1 node, 2 CPUs") == .cpusBroughtUp(nodes: 1, cpus: 2))
        #expect(KernelHostLine.parse("Adding 998396k swap on /dev/sda5.  Priority:-1 extents:1 across:998396k FS")
                == .swapAdded(kb: 998_396, device: "/dev/sda5"))
    }

    @Test("CentOS 6 boot and OOM lines (2.6.32 kernel)")
    func centos6() {
        #expect(KernelHostLine.parse("Memory: 32801968k/34340864k available (5460k kernel code, 832972k absent, 705924k reserved, 6959k data, 1316k init)")
                == .memory(availableKB: 32_801_968, totalKB: 34_340_864, reservedKB: 832_972 + 705_924))
        #expect(KernelHostLine.parse("Brought up 12 CPUs") == .cpusBroughtUp(nodes: nil, cpus: 12))
        #expect(KernelHostLine.parse("Adding 2097148k swap on /dev/mapper/vglocal20160917-swap00.  Priority:-1 extents:1 across:2097148k ")
                == .swapAdded(kb: 2_097_148, device: "/dev/mapper/vglocal20160917-swap00"))
        #expect(KernelHostLine.parse("Total swap = 2097148kB") == .totalSwap(kb: 2_097_148))
        #expect(KernelHostLine.parse("8388607 pages RAM") == .pagesRAM(8_388_607))
        #expect(KernelHostLine.parse("0 pages HighMem/MovableOnly") == nil)
    }

    @Test("newer shapes: smp, CPU topo, Allowed N of M, pid_max default, both command-line prefixes")
    func newer() {
        #expect(KernelHostLine.parse("smp: Brought up 2 nodes, 64 CPUs") == .cpusBroughtUp(nodes: 2, cpus: 64))
        #expect(KernelHostLine.parse("smpboot: Allowed 4 of 16 present CPUs") == .cpusAllowed(allowed: 4, present: 16))
        #expect(KernelHostLine.parse("CPU topo: Allowing 2 present CPUs plus 0 hotplug CPUs") == .cpusPossible(2))
        #expect(KernelHostLine.parse("pid_max: default: 32768 minimum: 301") == .pidMaxDefault(32768))
        #expect(KernelHostLine.parse("Command line: BOOT_IMAGE=/boot/vmlinuz ro quiet") == .commandLine("BOOT_IMAGE=/boot/vmlinuz ro quiet"))
        #expect(KernelHostLine.commandLine(in: "Kernel command line: ro panic=10") == "ro panic=10")
    }

    @Test("lookalikes are not facts")
    func negatives() {
        for text in ["Memory cgroup out of memory: Killed process 1 (x)", "Memory: lots", "Memory: 12K/ available",
                     "Linux version unknown", "DMI: Memory slots populated: 0/0", "Adding 12 to the queue",
                     "Total swap = 12 pages", "Hypervisor detected: ", "smpboot: CPU0: Intel Xeon", "Brought up the interface",
                     "smp: Brought up 1 node", "pid_max: default: none", "", "x86: Booted up nothing",
                     "Adding 99999999999999999999999k swap on /dev/sda1."] {
            #expect(KernelHostLine.parse(text) == nil, "\(text)")
        }
    }

    @Test("command line parameters: last one wins, quotes, bare words, negative numbers")
    func commandLine() {
        let c = KernelCommandLine(#"BOOT_IMAGE=/vmlinuz ro pid_max=4096 quiet dyndbg="file x.c +p" pid_max=65536 panic=-1 nmi_watchdog=panic"#)
        #expect(c.int("pid_max") == 65536)
        #expect(c.int("panic") == -1)
        #expect(c.value("dyndbg") == "file x.c +p")
        #expect(c.value("nmi_watchdog") == "panic")
        #expect(c.int("nmi_watchdog") == nil)
        #expect(c.parameters.contains { $0.key == "ro" && $0.value == nil })
        #expect(c.value("softlockup_panic") == nil)
        #expect(KernelCommandLine("pid_max=12x").int("pid_max") == nil)
        #expect(KernelCommandLine("panic=-").int("panic") == nil)
        #expect(KernelCommandLine("ro panic=5 -- panic=0 single").int("panic") == 5)
        #expect(KernelCommandLine("ro --").parameters.map(\.key) == ["ro"])
    }
}

/// The release a report header names: the corpus's shapes (syzkaller 4.20 `CPU: … Not tainted`,
/// the hung-task report's indented line, CentOS 6's `Pid: …, comm:`), a tainted kernel's flags,
/// and lines that only mention taint.
@Suite struct RunningReleaseTests {
    @Test(arguments: [
        ("CPU: 3 PID: 1054 Comm: khungtaskd Not tainted 4.20.0-next-20190102+ #5", "4.20.0-next-20190102+"),
        ("      Not tainted 4.20.0-next-20190102+ #5", "4.20.0-next-20190102+"),
        ("Pid: 23212, comm: php-fpm Not tainted 2.6.32-642.11.1.el6.x86_64 #1", "2.6.32-642.11.1.el6.x86_64"),
        ("CPU: 0 PID: 5831 Comm: bash Tainted: G        W         4.20.0-next-20190102 #3", "4.20.0-next-20190102"),
        ("CPU: 1 PID: 1 Comm: systemd Tainted: P           OE     6.1.0-18-amd64 #1 Debian 6.1.76-1", "6.1.0-18-amd64"),
    ] as [(String, String)])
    func release(_ line: String, _ expected: String) {
        #expect(KernelHostLine.runningRelease(in: line) == expected)
    }

    @Test(arguments: ["Disabling lock debugging due to kernel taint", "module verification failed: signature and/or required key missing - tainting kernel",
                      "Not tainted", "Tainted: G"])
    func noRelease(_ line: String) {
        #expect(KernelHostLine.runningRelease(in: line) == nil)
    }
}
