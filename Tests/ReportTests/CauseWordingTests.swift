import Analysis
import Foundation
import Testing
@testable import Report

/// A finding's facts worded: the sentences every format and the JSON print.
@Suite("cause wording")
struct CauseWordingTests {
    @Test("a crash loop: its restarts, counter, rate, exits and start limit; the fix quotes its own words")
    func crashLoop() {
        var f = CrashLoopFacts(unit: "polyscan.service", restarts: 320_245, counterFrom: 7, counterTo: 320_251, peakPerMinute: 61,
                               medianIntervalSeconds: 1.0, exits: [.init(name: "1/FAILURE", count: 320_245)],
                               failures: [.init(name: "exit-code", count: 320_245)], impliedStartLimit: .text("StartLimitIntervalSec=0"),
                               ownWords: "database disk image is malformed")
        #expect(CauseWording.summary(.crashLoop(f)) == "polyscan.service restarted 320,245 times (restart counter 7→320,251: the loop "
                + "had been running before the oldest entry kept), peak 61/min, median 1 s apart. Main process exits: 1/FAILURE ×320,245. "
                + "Failures: exit-code ×320,245. It never hit the start limit. Implied: StartLimitIntervalSec=0.")
        #expect(CauseWording.remediation(.crashLoop(f)).first == "Fix why the main process exits (it says: database disk image is malformed) before re-enabling it")
        #expect(CauseWording.remediation(.crashLoop(f))[1].contains("StartLimitBurst= on polyscan.service"))
        // Negative: without its own words the fix names the commonest exit; without a counter floor, "reached".
        f.ownWords = nil
        f.counterFrom = nil
        f.startLimitHit = true
        #expect(CauseWording.remediation(.crashLoop(f)).first == "Fix why the main process exits (1/FAILURE ×320,245) before re-enabling it")
        #expect(CauseWording.summary(.crashLoop(f)).contains("(restart counter reached 320,251)"))
        #expect(CauseWording.summary(.crashLoop(f)).contains("It finally hit the start limit."))
    }

    @Test("task exhaustion: each kind of evidence it had, and a lower-bound rate said so")
    func forkBomb() {
        let rate = ForkBombFacts.Rate(peakPerSecond: 912.4, lowerBound: true, medianPerSecond: 3.24, pidMax: 32768, pidMaxSource: .sysctl(path: "sysctl.conf", line: 3))
        let f = ForkBombFacts(subject: "worker.service", rejectedIn: "/system.slice/worker.service", eagainFailures: 1_200,
                              resourceFailures: 0, hungInFork: 1, rate: rate)
        #expect(CauseWording.summary(.forkBomb(f)) == "Processes could not be created: the pids controller rejected forks in "
                + "/system.slice/worker.service (it says so once per cgroup: the limit was reached); 1,200 fork/clone failures with "
                + "EAGAIN; 1 hung task blocked in process creation. PIDs advanced at up to 912/s (a lower bound: PIDs wrapped between "
                + "the entries kept) against a median of 3.2/s for the boot (pid_max 32768, from sysctl.conf:3). Most new PIDs came "
                + "from worker.service.")
        let bare = ForkBombFacts(subject: nil, rejectedIn: nil, eagainFailures: 3, resourceFailures: 0, hungInFork: 0, rate: nil)
        #expect(CauseWording.summary(.forkBomb(bare)) == "Processes could not be created: 3 fork/clone failures with EAGAIN.")
        #expect(CauseWording.remediation(.forkBomb(bare)).first?.contains("TasksMax= on unknown") == true)
    }

    @Test("memory, storage and kernel findings", arguments: [
        (CauseFacts.memoryExhaustion(.init(subject: "transcode.service", kills: 2, victims: [.init(name: "ffmpeg (transcode.service)", count: 2)],
                                           invokedBy: "kswapd0", biggestTask: "ffmpeg 14 GiB")),
         "The kernel ran out of memory 2 times; victims: ffmpeg (transcode.service) ×2. First invoked by kswapd0. Biggest task: ffmpeg 14 GiB."),
        (.memcgOOM(.init(subject: "app.service", kills: 1, victims: [.init(name: "worker", count: 1)], limitKB: 524_288, restarts: 0,
                         limitLine: "MemoryMax=512M")),
         "app.service hit its memory limit: the kernel OOM-killed 1 process in its cgroup; victims: worker. The kernel reports its "
            + "limit as 524,288 kB. Limit: MemoryMax=512M."),
        (.oomdKill(subject: "user@1000.service", kills: 1), "systemd-oomd killed user@1000.service 1 time for memory pressure."),
        (.storageIO(device: "sda", ioErrors: 3, fsErrors: 1, first: "I/O error, dev sda, sector 8"),
         "3 I/O errors and 1 filesystem error on sda. First: I/O error, dev sda, sector 8"),
        (.lockup(reports: 1, first: "watchdog: BUG: soft lockup - CPU#2 stuck for 22s!"),
         "1 CPU lockup/stall report: watchdog: BUG: soft lockup - CPU#2 stuck for 22s!"),
        (.hungTasks(reports: 3, tasks: ["jbd2/sda1-8:312", "bash:7001", "bash:7001"]),
         "3 hung-task reports: 2 tasks blocked (jbd2/sda1-8:312, bash:7001, bash:7001)."),
        (.kernelBug(text: "BUG: kernel NULL pointer dereference", function: "ext4_writepages"),
         "A kernel bug report: BUG: kernel NULL pointer dereference (in ext4_writepages)"),
        (.hardwareError(first: "mce: [Hardware Error]: CPU 0: Machine Check"), "Machine-check errors: mce: [Hardware Error]: CPU 0: Machine Check"),
        (.kernelPanic(text: "Kernel panic - not syncing: Out of memory", lastWordsOnly: true),
         "The kernel panicked: Kernel panic - not syncing: Out of memory (kept only by a kernel log / crash dump)"),
    ])
    func otherFindings(_ facts: CauseFacts, _ summary: String) {
        #expect(CauseWording.summary(facts) == summary)
        #expect(!CauseWording.remediation(facts).isEmpty)
    }

    @Test("the JSON carries the worded summary and remediation, and reads them back as that text")
    func jsonRoundTrip() throws {
        let facts = CauseFacts.storageIO(device: "sdb", ioErrors: 4, fsErrors: 0, first: nil)
        let cause = RootCause(rank: 1, id: "storage-io:sdb", kind: .storageIO, subject: .device("sdb"), facts: facts)
        let json = JSONText.encode(cause, pretty: false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["summary"] as? String == "4 I/O errors and 0 filesystem errors on sdb.")
        #expect(object["remediation"] as? [String] == CauseWording.remediation(facts))
        let back = try JSONDecoder().decode(RootCause.self, from: Data(json.utf8))
        #expect(back.facts == .text(summary: CauseWording.summary(facts), remediation: CauseWording.remediation(facts)))
        #expect(JSONText.encode(back, pretty: false) == json)
        // Without a writer there is no JSON to write: the encoder says so rather than dropping the text.
        #expect(throws: EncodingError.self) { try JSONEncoder().encode(cause) }
    }
    @Test("an implied setting's time span is written as a unit file takes it", arguments: [
        (0.5, "500ms"), (0.1467, "147ms"), (1.46, "1.5s"), (12.4, "12s"), (3600, "3600s"), (-1, "0"), (.nan, "0"), (.infinity, "0"),
    ])
    func timeSpan(_ seconds: Double, _ expected: String) {
        #expect(ImpliedSettingText.timeSpan(seconds) == expected)
    }

    @Test("fact sources are written as the reports said them before they were typed", arguments: [
        (FactSourceText.uptime(.kernelStartToLastSign(start: .journalClock, lastSign: .kernelLog)),
         "kernel start (journal-clock) to last sign of life (kernel-log)"),
        (FactSourceText.uptime(.kernelLineStamps), "uptime stamps of the boot's kernel log lines"),
        (FactSourceText.pidMax(.assumed(largestPIDSeen: 8274, pidMax: 32768)), "largest PID seen (8274): kernel default 32768 assumed"),
        (FactSourceText.pidMax(.assumed(largestPIDSeen: 40000, pidMax: 4_194_304)), "largest PID seen (40000) is above 32768: 4194304 assumed"),
        (FactSourceText.pidMax(.commandLine), "kernel command line"),
        (FactSourceText.pidMax(.sysctl(path: "/etc/sysctl.d/10-pid.conf", line: 2)), "/etc/sysctl.d/10-pid.conf:2"),
    ])
    func factSources(_ written: String, _ expected: String) {
        #expect(written == expected)
    }

    @Test("implied settings are written as a unit file says them, with what implies them", arguments: [
        (ImpliedSetting.restartAlways(afterCleanExits: 3), "Restart=always (restarted 3 times after a clean exit)"),
        (.restartDelay(seconds: 0.5), "RestartSec≈500ms (median delay from exit to the scheduled restart)"),
        (.startLimitRaised(restartsWithin10s: 9), "StartLimitIntervalSec=0 or a StartLimitBurst above 8 (9 restarts within 10 s, no start-limit hit; the default allows 5)"),
        (.startLimitOff(medianIntervalSeconds: 1), "StartLimitIntervalSec=0 or StartLimitBurst raised (restarts every 1 s without a start-limit hit)"),
    ])
    func impliedSetting(_ setting: ImpliedSetting, _ expected: String) {
        #expect(ImpliedSettingText.sentence(setting) == expected)
    }
}
