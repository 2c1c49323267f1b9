import Analysis
@testable import Report

/// Reports shaped like the reference incident (a crash-looping unit, a global OOM kill, a fork storm,
/// an unclean end with a 4-minute silence and kernel last words) and like a healthy reboot. The
/// renderers are what is under test, so the reports are built by hand with figures chosen here.
enum ReferenceReports {
    static let crashedBoot = "3f2a9c1e7b4d4e0f9a8b7c6d5e4f3a2b"
    static let nextBoot = "b7e14c2d9f3a4b5c8d6e7f8091a2b3c4"
    static let earlierBoot = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    static let machine = "4f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f"

    /// 2024-07-19 at the given UTC wall-clock time.
    static func at(_ hour: Int, _ minute: Int, _ second: Int, _ micro: Int = 0, day: Int = 19) -> Timestamp {
        Timestamp(microseconds: CivilTime(year: 2024, month: 7, day: day, hour: hour, minute: minute, second: second,
                                          microsecond: micro).microsecondsSinceEpoch)
    }

    /// Restart counter 320,245; 3,012 restarts observed over 50 minutes (12 minutes at 61, 38 at 60).
    static let restartsPerMinute: [SeriesPoint] = (0..<50).map { i in
        SeriesPoint(start: at(12, 12 + i, 0), value: i % 4 == 1 ? 61 : 60)
    }

    /// The lost minutes' worth of silence: last entry 13:01:40.25, next boot 13:05:52.25, i.e. 252 s.
    static let lastEntry = at(13, 1, 40, 250_000)
    static let nextBootFirst = at(13, 5, 52, 250_000)

    static func unclean() -> PostmortemReport {
        var r = PostmortemReport()
        r.generator = "postmortem 0.1.0"
        r.host = HostInfo(hostname: "media-07", machineID: machine)
        r.inputs = [
            InputSummary(path: "/var/log/journal/\(machine)/system.journal", kind: .journal, entries: 412_903,
                         health: InputHealth(status: .damaged, state: .online, entriesLinked: 412_880,
                                             entriesRecovered: 23,
                                             problems: ["offset 0x7f3a10: entry object truncated (size 9000 > file end)"])),
            InputSummary(path: "/var/log/kern.log", kind: .kernelLog, entries: 10_240,
                         health: InputHealth(status: .ok)),
        ]
        r.boots = [
            BootSummary(bootID: earlierBoot, first: at(7, 0, 0, day: 18), last: at(7, 59, 58), entries: 120_400,
                        end: .clean, endEvidence: [.text("Journal stopped")]),
            BootSummary(bootID: crashedBoot, first: at(8, 0, 12), last: lastEntry, entries: 290_123, end: .unclean,
                        endEvidence: [.text("no shutdown messages"), .text("next boot: File system.journal corrupted or uncleanly shut down")]),
            BootSummary(bootID: nextBoot, first: nextBootFirst, last: at(13, 20, 0), entries: 2_380, end: .ongoing,
                        endEvidence: []),
        ]
        r.analyzedBoot = crashedBoot
        r.end = BootEnd(kind: .unclean, lastEntry: lastEntry, nextBootFirst: nextBootFirst, gapSeconds: 252,
                        evidence: [.text("no shutdown messages in the last 5 min"),
                                   .text("next boot: File /var/log/journal/\(machine)/system.journal corrupted or uncleanly shut down")])
        var unit = UnitSummary(unit: "polyscan.service")
        unit.starts = 3_013
        unit.restartsObserved = 3_012
        unit.restartCounterMax = 320_245
        unit.restartCounterMin = 317_246
        unit.firstRestart = at(12, 12, 0, 400_000)
        unit.lastRestart = at(13, 1, 39, 900_000)
        unit.peakRestartsPerMinute = 61
        unit.exitStatuses = ["1/FAILURE": 3_012]
        unit.results = ["exit-code": 3_012]
        unit.crashLoop = true
        unit.medianRestartIntervalSeconds = 0.98
        unit.impliedSettings = [.text("Restart=always"), .text("RestartSec=100ms"), .text("StartLimitIntervalSec=0")]
        unit.unitFileLines = ["/etc/systemd/system/polyscan.service:9: Restart=always"]
        unit.restartsPerMinute = restartsPerMinute
        var quiet = UnitSummary(unit: "nginx.service")
        quiet.starts = 1
        r.units = [unit, quiet]
        var kill = OOMKillSummary(time: at(13, 0, 55, 120_000), kind: .global)
        kill.pid = 48_213
        kill.comm = "ffmpeg"
        kill.uid = 1001
        kill.anonRSSKB = 14_680_064
        kill.totalVMKB = 16_012_345
        kill.constraint = "CONSTRAINT_NONE"
        kill.taskMemcg = "/system.slice/transcode.service"
        kill.unit = "transcode.service"
        kill.invokedBy = "polyscan"
        kill.biggestTasks = ["ffmpeg (48213): 14680064 kB", "polyscan (51877): 65536 kB"]
        kill.evidence = ["s=6c1b…;i=4a2f1"]
        r.oomKills = [kill]
        let fork: [ForkRatePoint] = (0..<50).map { i in
            ForkRatePoint(start: at(12, 12 + i, 0), perSecond: 180 + Double(i * 4) + (i == 46 ? 50 : 0))
        }
        r.forkRate = ForkRate(method: "pid-advance", pidMax: 4_194_304, pidMaxSource: .text("kernel.pid_max in sysctl.conf"),
                              series: fork, peakPerSecond: 414, peakAt: at(12, 58, 0), lowerBound: false, wraps: 2,
                              forkFailures: 17)
        r.kernelEvents = [
            KernelEventSummary(time: at(13, 1, 10), kind: .hungTask,
                               text: "INFO: task kworker/3:1:212 blocked for more than 120 seconds.",
                               source: "s=6c1b…;i=4a311"),
            KernelEventSummary(time: at(13, 2, 30), kind: .softLockup,
                               text: "watchdog: BUG: soft lockup - CPU#2 stuck for 23s! [polyscan:51877]",
                               source: "/var/log/kern.log:10233", lastWords: true),
            KernelEventSummary(time: at(13, 2, 31), kind: .panic,
                               text: "Kernel panic - not syncing: softlockup: hung tasks",
                               source: "/var/log/kern.log:10240", lastWords: true, reason: "softlockup: hung tasks"),
        ]
        r.rootCauses = [
            RootCause(rank: 2, id: "memory-exhaustion", kind: .memoryExhaustion, subject: .process(comm: "ffmpeg", pid: 48213),
                      role: .consequence, start: at(13, 1, 46), end: at(13, 1, 46), persistedToEnd: true,
                      facts: .text(summary: "The kernel's global OOM killer killed ffmpeg (14 GiB anonymous memory) 45 s before the "
                                       + "journal went silent; memory was exhausted machine-wide while polyscan.service restarted.",
                                   remediation: ["Cap transcode.service with MemoryMax= so that a runaway ffmpeg is killed in its cgroup.",
                                                 "Enable systemd-oomd for user and system slices."]),
                      evidence: [EvidenceLine(time: at(13, 1, 46), source: .file(path: "/var/log/kern.log", line: 10101),
                                              text: "Out of memory: Killed process 48213 (ffmpeg) total-vm:16012345kB, anon-rss:14680064kB")],
                      ledTo: [CauseLink(to: "end", rule: .panicEnd, conditions: [])],
                      causedBy: ["crash-loop:polyscan.service"]),
            RootCause(rank: 1, id: "crash-loop:polyscan.service", kind: .crashLoop, subject: .unit("polyscan.service"),
                      role: .primary, start: at(12, 12, 0), end: at(13, 2, 0), persistedToEnd: true,
                      facts: .text(summary: "polyscan.service exited with status 1 and was restarted about once a second for 50 minutes "
                                       + "(restart counter 320,245), forking hundreds of processes a second until the machine "
                                       + "ran out of memory and locked up.",
                                   remediation: ["Set StartLimitIntervalSec= and StartLimitBurst= so that systemd stops restarting "
                                                     + "polyscan.service after a few failures.",
                                                 "Raise RestartSec= to 5s or more.",
                                                 "Find why polyscan exits with status 1: journalctl -u polyscan.service -b -1."]),
                      evidence: [EvidenceLine(time: at(13, 2, 0), source: .journal(file: "/var/log/journal/m/system.journal", cursor: "s=6c1b;i=4a300"),
                                              text: "polyscan.service: Scheduled restart job, restart counter is at 320245."),
                                 EvidenceLine(time: at(13, 2, 0), source: .journal(file: nil, cursor: "s=6c1b;i=4a2ff"),
                                              text: "polyscan.service: Main process exited, code=exited, status=1/FAILURE"),
                                 EvidenceLine(time: nil, source: .file(path: "/etc/systemd/system/polyscan.service", line: 9),
                                              text: "Restart=always")],
                      ledTo: [CauseLink(to: "memory-exhaustion", rule: .crashLoopMemory, conditions: [.sameSubject("polyscan.service")])],
                      chain: ["memory-exhaustion", "end"]),
        ]
        r.timeline = [
            TimelineRow(time: at(8, 0, 12), endTime: nil, kind: .boot, subject: crashedBoot, detail: .text("first entry of the boot"),
                        count: 1),
            TimelineRow(time: at(12, 12, 0, 400_000), endTime: at(13, 1, 39, 900_000), kind: .restart,
                        subject: "polyscan.service",
                        detail: .text("Scheduled restart job, restart counter is at 320245."), count: 3_012),
            TimelineRow(time: at(12, 12, 0, 300_000), endTime: at(13, 1, 39, 800_000), kind: .unitFailed,
                        subject: "polyscan.service", detail: .text("Main process exited, code=exited, status=1/FAILURE"),
                        count: 3_012),
            TimelineRow(time: at(12, 58, 0), endTime: nil, kind: .forkRate, subject: "system",
                        detail: .text("414 forks/s (one-minute average), PIDs wrapped twice"), count: 1),
            TimelineRow(time: at(13, 0, 55, 120_000), endTime: nil, kind: .oomKill, subject: "ffmpeg",
                        detail: .text("Out of memory: Killed process 48213 (ffmpeg) total-vm:16012345kB, anon-rss:14680064kB, "
                            + "file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:30000kB oom_score_adj:0"), count: 1),
            TimelineRow(time: at(13, 1, 10), endTime: nil, kind: .kernel(.hungTask), subject: "kworker/3:1",
                        detail: .text("INFO: task kworker/3:1:212 blocked for more than 120 seconds."), count: 1),
            TimelineRow(time: lastEntry, endTime: nil, kind: .lastWords, subject: "journal",
                        detail: .text("the journal's last entry"), count: 1),
            TimelineRow(time: at(13, 2, 30), endTime: nil, kind: .kernel(.softLockup), subject: "CPU#2",
                        detail: .text("watchdog: BUG: soft lockup - CPU#2 stuck for 23s! [polyscan:51877]"), count: 1,
                        lastWords: true),
            TimelineRow(time: at(13, 2, 31), endTime: nil, kind: .kernel(.panic), subject: "kernel",
                        detail: .text("Kernel panic - not syncing: softlockup: hung tasks"), count: 1, lastWords: true),
            TimelineRow(time: nextBootFirst, endTime: nil, kind: .boot, subject: nextBoot, detail: .text("next boot's first entry"),
                        count: 1),
        ]
        r.notes = [.text("Up to 5 min of non-critical messages may be missing before the end (journald SyncIntervalSec)."),
                   .text("23 entries were recovered from past the journal's last linked entry.")]
        return r
    }

    /// A boot that was shut down and rebooted properly: nothing to blame.
    static func clean() -> PostmortemReport {
        var r = PostmortemReport()
        r.generator = "postmortem 0.1.0"
        r.host = HostInfo(hostname: "db-02", machineID: machine)
        r.inputs = [InputSummary(path: "/var/log/journal/\(machine)/system@abc.journal", kind: .journal, entries: 51_234,
                                 health: InputHealth(status: .ok, state: .archived))]
        let last = at(22, 14, 3, 500_000)
        let next = at(22, 14, 41, 0)
        r.boots = [
            BootSummary(bootID: crashedBoot, first: at(6, 0, 0), last: last, entries: 51_000, end: .clean,
                        endEvidence: [.text("systemd-shutdown: Rebooting.")]),
            BootSummary(bootID: nextBoot, first: next, last: at(22, 30, 0), entries: 234, end: .ongoing, endEvidence: []),
        ]
        r.analyzedBoot = crashedBoot
        r.end = BootEnd(kind: .clean, lastEntry: last, nextBootFirst: next, gapSeconds: 37.5,
                        evidence: [.text("systemd-shutdown: Rebooting.")])
        var unit = UnitSummary(unit: "postgresql.service")
        unit.starts = 1
        r.units = [unit]
        r.timeline = [
            TimelineRow(time: at(22, 13, 50), endTime: nil, kind: .shutdown, subject: "systemd",
                        detail: .text("Reached target System Shutdown."), count: 1),
            TimelineRow(time: last, endTime: nil, kind: .shutdown, subject: "systemd-shutdown", detail: .text("Rebooting."),
                        count: 1),
            TimelineRow(time: next, endTime: nil, kind: .boot, subject: nextBoot, detail: .text("next boot's first entry"), count: 1),
        ]
        return r
    }

    /// A report by name, so that parameterised tests print a word rather than the whole report.
    static func named(_ name: String) -> PostmortemReport {
        switch name {
        case "clean": return clean()
        case "hostile": return hostile()
        case "full": return full()
        case "minimal": return minimal()
        default: return unclean()
        }
    }

    static let hostileUnit = "<script>alert(1)</script>"

    /// The reference incident with strings an attacker on the machine could have put in its logs.
    static func hostile() -> PostmortemReport {
        var r = unclean()
        r.host.hostname = "evil\"host'&<b>"
        r.units[0].unit = hostileUnit
        r.rootCauses[1].subject = .unit(hostileUnit)
        r.rootCauses[1].facts = .text(summary: "loop | with pipes | and \u{1B}[31mANSI red\u{1B}[0m and a\nnewline & an <img src=x onerror=alert(2)>",
                                      remediation: CauseWording.remediation(r.rootCauses[1].facts))
        r.timeline[1].subject = hostileUnit
        r.timeline[1].detail = .text("a | b | c, \"quoted\", \u{1B}]0;title\u{07} <iframe src=\"https://evil.example/\">\nnext line")
        r.kernelEvents[1].text = "</title><script>alert(3)</script>"
        r.notes.append(.text("note with `backticks` and *stars* and [link](https://evil.example)"))
        return r
    }

    /// Every optional field set, so that a schema check sees every key the model can write.
    static func full() -> PostmortemReport {
        var r = unclean()
        r.journalErrorsPerMinute = [SeriesPoint(start: at(12, 58, 0), value: 412)]
        r.units[1].restartCounterMax = 0
        r.units[1].firstRestart = at(9, 0, 0)
        r.units[1].lastRestart = at(9, 0, 1)
        r.units[1].medianRestartIntervalSeconds = 1
        r.timeline[0].endTime = at(8, 0, 13)
        r.kernelEvents[0].time = at(13, 1, 10)
        // A console log's line, without a wall clock: placed by the kernel's stamp.
        r.kernelEvents.append(KernelEventSummary(time: nil, kind: .hungTask, text: "INFO: task jbd2/sda-8:3563 blocked for more than 140 seconds.",
                                                 source: "/var/crash/console-2.log:6", uptimeSeconds: 1431.920513))
        r.timeline.append(TimelineRow(time: nil, endTime: nil, kind: .kernel(.hungTask), subject: "kernel",
                                      detail: .text("INFO: task jbd2/sda-8:3563 blocked for more than 140 seconds."), count: 1,
                                      uptimeSeconds: 1431.920513))
        var consoleKill = OOMKillSummary(time: nil, kind: .global)
        consoleKill.comm = "dhclient"
        consoleKill.pid = 4526
        consoleKill.uptimeSeconds = 244.946537
        r.oomKills.append(consoleKill)
        r.oomKills[0].oomMemcg = "/system.slice"
        r.oomKills[0].memcgLimitKB = 524_288
        r.boots[1].start = at(7, 59, 40)
        r.boots[1].startSource = .journalClock
        r.boots[1].uptimeSeconds = 18_120.25
        r.boots[1].firstEntryUptimeSeconds = 600
        r.boots[1].clockJumps = [ClockJump(uptimeSeconds: 25, from: at(8, 0, 5), to: at(8, 0, 9))]
        r.boots[2].clockBehind = true
        r.boots[2].textOnly = true
        r.end?.lastSignOfLife = at(13, 1, 52)
        r.end?.lastSignSource = .pstore
        r.end?.nextBootStart = at(13, 5, 50)
        r.end?.ignoredMarkers = [IgnoredShutdownMarker(time: at(8, 0, 14), text: "Journal stopped", reason: .initrd,
                                                       uptimeSeconds: 2.1)]
        r.end?.conflicting = true
        r.window = TimeWindow(since: at(8, 0, 0), until: at(13, 5, 0), entries: 1_234)
        r.untimedBoots = UntimedBoots(count: 3, analysed: 2, paths: ["/var/crash/console-2.log"])
        r.end?.requestedBy = ShutdownInitiator(kind: .sudoCommand, time: at(13, 0, 2), user: "deploy", command: "/usr/sbin/reboot",
                                               text: "deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/sbin/reboot",
                                               source: "s=1;i=2")
        r.units[0].loopStartEstimate = LoopStartEstimate(start: at(8, 1, 0), restartsBefore: 317_245,
                                                         meanIntervalSeconds: 0.146, boundedByBootStart: false)
        r.units[0].ownWords = [UnitMessage(pattern: "fatal: cannot open index #", example: "fatal: cannot open index 7",
                                           count: 3_000, priority: 3)]
        var provenance = UnitProvenance()
        provenance.files = ["/etc/systemd/system/polyscan.service"]
        provenance.settings = ["/etc/systemd/system/polyscan.service:9: Restart=always"]
        provenance.package = "polyscan"
        provenance.wantedBy = ["multi-user.target"]
        provenance.firstBoot = crashedBoot
        r.units[0].provenance = provenance
        r.rootCauses[0].subject = .process(comm: "ffmpeg", pid: 48213)
        r.rootCauses[0].ledTo = [CauseLink(to: "end", rule: .memoryReclaimStall,
                                           conditions: [.namesResource("kswapd"), .withinWindow(seconds: 12)])]
        r.rootCauses.append(RootCause(rank: 3, id: "lockup:CPU#2", kind: .lockup, subject: .cpu(2), role: .unrelated,
                                      facts: .text(summary: "soft lockup", remediation: []), causedBy: []))
        r.detection = detection()
        r.host.facts = hostFacts()
        return r
    }

    /// A back-test with one rule that fired and one that could not: every detection field in use.
    static func detection() -> DetectionSummary {
        var fired = RuleBacktest(rule: .crashLoop, alert: "PostmortemServiceCrashLoop",
                                 expression: "increase(node_systemd_service_restart_total[5m]) > 3", forSeconds: 60)
        fired.firedAt = at(12, 14, 0)
        fired.firedFor = ["media-worker.service"]
        fired.leadBeforeFirstSymptomSeconds = 2520
        fired.leadBeforeLastSignOfLifeSeconds = 2860.25
        fired.peak = 305
        var late = RuleBacktest(rule: .hungTasks, alert: "PostmortemHungTasks",
                                expression: "increase(postmortem_kernel_hung_tasks_total[5m]) > 0", forSeconds: 0)
        late.notFired = .afterLastSample
        late.signalAt = at(13, 1, 50)
        late.peak = 0
        var d = DetectionSummary(stepSeconds: 60, start: at(12, 13, 0), firstSymptom: at(12, 56, 0), lastSignOfLife: lastEntry,
                                 series: [SignalSeries(metric: "node_systemd_service_restart_total",
                                                       labels: ["name": "media-worker.service"], exporter: .nodeExporter,
                                                       estimate: false, values: [317_233, 317_294, nil, 317_415])],
                                 rules: [fired, late])
        d.dropIns = [DropInSummary(unit: "media-worker.service",
                                   path: "/etc/systemd/system/media-worker.service.d/50-postmortem.conf",
                                   text: "[Unit]\nStartLimitIntervalSec=5min\nStartLimitBurst=5\n\n[Service]\nRestartSec=10s\n")]
        return d
    }

    /// Every optional field left out and every list empty.
    static func minimal() -> PostmortemReport {
        var r = PostmortemReport()
        r.inputs = [InputSummary(path: "x", kind: .journal, entries: 0, health: InputHealth(status: .unreadable))]
        r.boots = [BootSummary(bootID: crashedBoot, first: at(1, 0, 0), last: at(1, 0, 0), entries: 1, end: .unknown,
                               endEvidence: [])]
        r.end = BootEnd(kind: .unknown, lastEntry: nil, nextBootFirst: nil, gapSeconds: nil, evidence: [])
        r.units = [UnitSummary(unit: "a.service")]
        r.units[0].restartsPerMinute = [SeriesPoint(start: at(1, 0, 0), value: 0)]
        r.oomKills = [OOMKillSummary(time: nil, kind: .oomd)]
        r.forkRate = ForkRate(method: "pid-advance", pidMax: nil, pidMaxSource: nil,
                              series: [ForkRatePoint(start: at(1, 0, 0), perSecond: 0)], peakPerSecond: 0, peakAt: nil,
                              lowerBound: true, wraps: 0, forkFailures: 0)
        r.kernelEvents = [KernelEventSummary(time: nil, kind: .mce, text: "", source: "")]
        r.rootCauses = [RootCause(rank: 1, id: "", kind: .lockup, subject: .cpu(nil), facts: .text(summary: "", remediation: []))]
        r.timeline = [TimelineRow(time: nil, endTime: nil, kind: .boot, subject: "", detail: .text(""), count: 1)]
        r.detection = DetectionSummary(stepSeconds: 60, start: at(1, 0, 0), firstSymptom: nil, lastSignOfLife: nil,
                                       series: [SignalSeries(metric: "x", labels: [:], exporter: .postmortem, values: [])],
                                       rules: [RuleBacktest(rule: .lockup, alert: "A", expression: "x > 0", forSeconds: 0)])
        return r
    }
}
