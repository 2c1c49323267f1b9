import Events
import Foundation
import TestSupport
import Testing
@testable import Analysis

/// Who asked for a shutdown. The sudo lines have the shape sudo logs (sudoers(5), "Log format":
/// `user : TTY=… ; PWD=… ; USER=… ; COMMAND=…`, a refusal's reason as an extra field), as seen in
/// auth logs posted to public forums and bug trackers.
struct ShutdownRequestTests {
    @Test(arguments: [
        ("   steve : TTY=tty3 ; PWD=/home/steve ; USER=root ; COMMAND=/sbin/reboot", "steve", "/sbin/reboot"),
        ("  xyzuser : TTY=pts/0 ; PWD=/home/xyzuser ; USER=root ; COMMAND=/sbin/reboot now", "xyzuser", "/sbin/reboot now"),
        ("roz : PWD=/home/roz/ros2_ws ; USER=root ; COMMAND=/sbin/reboot", "roz", "/sbin/reboot"),
        ("ops : TTY=pts/1 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/systemctl reboot", "ops", "/usr/bin/systemctl reboot"),
        ("ops : TTY=pts/1 ; PWD=/root ; USER=root ; COMMAND=/usr/sbin/shutdown -h now", "ops", "/usr/sbin/shutdown -h now"),
        ("ops : TTY=pts/1 ; PWD=/root ; USER=root ; COMMAND=/sbin/init 6", "ops", "/sbin/init 6"),
    ])
    func sudoShutdownCommands(_ line: String, _ user: String, _ command: String) throws {
        let r = try #require(ShutdownRequest.parseSudo(line, time: 0, ref: .none))
        #expect(r.kind == .sudoCommand)
        #expect(r.user == user)
        #expect(r.command == command)
    }

    @Test(arguments: [
        // Refused: the command never ran.
        "     bob : command not allowed ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/sbin/reboot",
        "   sysad : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/sysad ; USER=root ; COMMAND=/sbin/reboot",
        "user : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/user ; USER=root ; COMMAND=/sbin/reboot",
        // Not a shutdown.
        "  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/apt-get -y upgrade",
        "ops : TTY=pts/1 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
        "ops : TTY=pts/1 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/less /var/log/reboot.log",
        "pam_unix(sudo:session): session opened for user root(uid=0) by deploy(uid=1000)",
    ])
    func notAShutdownRequest(_ line: String) {
        #expect(ShutdownRequest.parseSudo(line, time: 0, ref: .none) == nil)
    }

    @Test func logindPowerKey() {
        #expect(ShutdownRequest.parseLogind("Power key pressed short.", time: 0, ref: .none)?.kind == .powerKey)
        #expect(ShutdownRequest.parseLogind("Watching system buttons on /dev/input/event0 (Power Button)", time: 0, ref: .none) == nil)
    }

    /// A planned reboot in a journal written by systemd-journal-remote: the sudo line names who
    /// asked; an earlier sudo reboot that was refused, and one an hour before, do not.
    @Test(.enabled(if: JournalRemote.isAvailable))
    func theRebootNamesWhoAskedForIt() throws {
        var f = Fixture()
        let a0 = Fixture.t0, s: UInt64 = 1_000_000
        func sudo(_ t: UInt64, _ m: String) {
            f.entry(t, boot: Boots.a, bootStart: a0, pid: 900 + Int(t % 97), [("SYSLOG_IDENTIFIER", "sudo"), ("PRIORITY", "5"), ("MESSAGE", m)])
        }
        sudo(a0 + 100 * s, "   alice : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/usr/sbin/reboot")
        sudo(a0 + 5000 * s, "     bob : command not allowed ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/sbin/reboot")
        sudo(a0 + 5010 * s, "  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/sbin/reboot")
        f.pid1(a0 + 5011 * s, boot: Boots.a, bootStart: a0, "Reached target System Reboot.",
               [("UNIT", "reboot.target"), ("JOB_TYPE", "start"), ("JOB_RESULT", "done"), ("MESSAGE_ID", "39f53479d3a045ac8e11786248231fbf")])
        f.pid1(a0 + 5012 * s, boot: Boots.a, bootStart: a0, "Shutting down.")
        let b0 = a0 + 5100 * s
        f.pid1(b0, boot: Boots.b, bootStart: b0, "Startup finished in 2.0s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        let r = Fixture.analyze([try f.write("sudo-reboot")], options: AnalysisOptions(boot: .offset(-1)))
        #expect(r.end?.kind == .clean)
        #expect(r.end?.requestedBy?.user == "deploy")
        #expect(r.end?.requestedBy?.command == "/usr/sbin/reboot")
    }

    /// A crash has no initiator, even when someone ran reboot with sudo long before.
    @Test(.enabled(if: JournalRemote.isAvailable))
    func aCrashNamesNoInitiator() throws {
        var f = Fixture()
        let a0 = Fixture.t0, s: UInt64 = 1_000_000
        f.entry(a0 + 10 * s, boot: Boots.a, bootStart: a0, pid: 901,
                [("SYSLOG_IDENTIFIER", "sudo"), ("MESSAGE", "alice : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/usr/sbin/reboot")])
        f.entry(a0 + 20 * s, boot: Boots.a, bootStart: a0, pid: 902, [("SYSLOG_IDENTIFIER", "app"), ("MESSAGE", "still here")])
        let b0 = a0 + 100 * s
        f.pid1(b0, boot: Boots.b, bootStart: b0, "Startup finished in 2.0s.", [("MESSAGE_ID", "b07a249cd024414a82dd00cd181378ff")])
        let r = Fixture.analyze([try f.write("sudo-no-reboot")], options: AnalysisOptions(boot: .offset(-1)))
        #expect(r.end?.kind != .clean)
        #expect(r.end?.requestedBy == nil)
    }
}
