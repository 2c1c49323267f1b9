import KernelLog
import TestSupport
import Testing

/// A syslog daemon starts with each boot and logs its start, and the kernel lines it finds
/// buffered, before the kernel's `[    0.000000]` and `Linux version` lines: those lines are the
/// new boot's. The real case is the corpus's CentOS 6 reboot (`CorpusKernelLogTests`); these
/// cover the other shapes, with lines as rsyslog 4.2 (Ubuntu 10.04) and 5.8 (CentOS 6) write
/// them, and where the rule must not move a line: the old daemon's stop and a restart mid-boot.
@Suite struct SyslogDaemonBootTests {
    static let mtime = usec(2014, 12, 31, 0, 0, 0)

    /// rsyslog 4.2 on Ubuntu: a clean reboot, the new boot's kernel lines stamped.
    static let ubuntuReboot = """
        May  3 22:04:34 orion kernel: [ 2426.935501] nautilus[2901]: segfault at bf34efdc ip 0628e835 sp bf34efe0 error 6 in libc-2.11.1.so[6233000+153000]
        May  3 22:05:23 orion kernel: Kernel logging (proc) stopped.
        May  3 22:05:23 orion rsyslogd: [origin software="rsyslogd" swVersion="4.2.0" x-pid="815" x-info="http://www.rsyslog.com"] exiting on signal 15.
        May  3 22:05:54 orion kernel: imklog 4.2.0, log source = /proc/kmsg started.
        May  3 22:05:54 orion rsyslogd: [origin software="rsyslogd" swVersion="4.2.0" x-pid="844" x-info="http://www.rsyslog.com"] (re)start
        May  3 22:05:54 orion rsyslogd: rsyslogd's groupid changed to 103
        May  3 22:05:54 orion rsyslogd: rsyslogd's userid changed to 101
        May  3 22:05:54 orion kernel: [    0.000000] Initializing cgroup subsys cpuset
        May  3 22:05:54 orion kernel: [    0.000000] Linux version 2.6.32-21-generic (buildd@rothera) (gcc version 4.4.3 (Ubuntu 4.4.3-4ubuntu5) ) #32-Ubuntu SMP Fri Apr 16 08:10:02 UTC 2010 (Ubuntu 2.6.32-21.32-generic 2.6.32.11+drm33.2)
        May  3 22:05:54 orion kernel: [    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-2.6.32-21-generic root=UUID=0e2b2f5c ro quiet splash
        May  3 22:05:54 orion kernel: [   14.591202] r8169: eth0: link up

        """

    @Test func daemonStartLinesOpenTheNewBootAndItsStopEndsTheOld() throws {
        let f = parse(Self.ubuntuReboot, path: "/test/syslog", mtime: Self.mtime)
        try #require(f.boots.count == 2)
        #expect(f.boots[0].lastWallclockUSec == usec(2014, 5, 3, 22, 5, 23))
        #expect(f.boots[1].firstLine == 4)
        #expect(f.boots[1].firstWallclockUSec == usec(2014, 5, 3, 22, 5, 54))
        let boots = Dictionary(uniqueKeysWithValues: f.messages.map { ($0.record.sources.first?.line ?? 0, $0.record.textBoot) })
        #expect(boots[3] == 0, "the old daemon's stop is the old boot's")
        #expect(boots[5] == 1 && boots[6] == 1 && boots[7] == 1, "the new daemon's start lines are the new boot's")
    }

    /// A reboot within seconds (a VM): the old daemon's stop still ends the old boot.
    @Test func aFastRebootKeepsTheStopInTheOldBoot() throws {
        let text = Self.ubuntuReboot.replacingOccurrences(of: "22:05:23", with: "22:05:52")
        let f = parse(text, path: "/test/syslog", mtime: Self.mtime)
        try #require(f.boots.count == 2)
        #expect(f.boots[0].lastWallclockUSec == usec(2014, 5, 3, 22, 5, 52))
        #expect(f.boots[1].firstLine == 4)
        #expect(f.messages.first { $0.record.text.hasSuffix("exiting on signal 15.") }?.record.textBoot == 0)
    }

    /// rsyslog restarted by a package upgrade mid-boot: its stop and start are no boot.
    @Test func aDaemonRestartMidBootIsNoBoot() throws {
        let text = """
            Dec 12 08:47:20 db kernel: [55063.459661] e1000: eth0 NIC Link is Down
            Dec 12 08:47:23 db rsyslogd: [origin software="rsyslogd" swVersion="5.8.10" x-pid="2563" x-info="http://www.rsyslog.com"] exiting on signal 15.
            Dec 12 08:47:24 db kernel: imklog 5.8.10, log source = /proc/kmsg started.
            Dec 12 08:47:24 db rsyslogd: [origin software="rsyslogd" swVersion="5.8.10" x-pid="9726" x-info="http://www.rsyslog.com"] start
            Dec 12 09:16:53 db kernel: [55068.459661] e1000: eth0 NIC Link is Down
            Dec 12 09:16:59 db kernel: [55074.473418] e1000: eth0 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None

            """
        let f = parse(text, path: "/test/messages", mtime: Self.mtime)
        #expect(f.boots.count == 1)
        #expect(f.boots.first?.lastWallclockUSec == usec(2014, 12, 12, 9, 16, 59))
    }

    @Test(arguments: [
        ("Kernel logging (proc) stopped.", nil, SyslogDaemonLine.stopping),
        ("imklog 5.8.10, log source = /proc/kmsg started.", nil, .starting),
        ("klogd 1.4.1, log source = /proc/kmsg started.", nil, .starting),
        ("[origin software=\"rsyslogd\" swVersion=\"5.8.10\" x-pid=\"2563\" x-info=\"http://www.rsyslog.com\"] start", "rsyslogd", .starting),
        ("[origin software=\"rsyslogd\" swVersion=\"8.2102.0\" x-pid=\"899\" x-info=\"https://www.rsyslog.com\"] exiting on signal 15.", "rsyslogd", .stopping),
        ("syslog-ng starting up; version='3.25.1'", "syslog-ng", .starting),
        ("syslog-ng shutting down; version='3.25.1'", "syslog-ng", .stopping),
    ] as [(String, String?, SyslogDaemonLine)])
    func loggerLines(text: String, program: String?, expected: SyslogDaemonLine) {
        #expect(SyslogDaemonLine(text: text, program: program) == expected)
    }

    @Test(arguments: [
        ("Initializing cgroup subsys cpuset", nil),
        ("imklog 5.8.10, log source = /proc/kmsg started.", "sshd"),
        ("Started System Logging Service.", "systemd"),
    ] as [(String, String?)])
    func notLoggerLines(text: String, program: String?) {
        #expect(SyslogDaemonLine(text: text, program: program) == nil)
    }
}
