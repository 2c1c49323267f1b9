import Foundation
import Journal
import TestSupport
import Testing
@testable import Analysis
import Events

/// How boots end and in which order they came, on generated machines that set the traps real
/// ones set: systemd in the initrd, journald restarts, user managers reaching their own
/// shutdown.target, power cuts, boards without an RTC.
@Suite(.enabled(if: Scenario.generatorAvailable), .serialized)
struct BootEndScenarioTests {
    static let names = ["initrd-crash", "journald-restart-crash", "user-shutdown-crash", "power-cut", "clean-shutdown",
                        "rtc-less"]

    /// Every boot, in the machine's order, with the end the generator gave it.
    @Test(arguments: names)
    func endsAndOrder(_ name: String) throws {
        let s = try Scenario.generate(name)
        let r = s.analyze()
        #expect(r.boots.map(\.bootID) == s.truth.boots.map(\.boot_id), "\(name)")
        #expect(r.boots.map(\.end.rawValue) == s.truth.boots.map(\.end), "\(name)")
        #expect(r.analyzedBoot == s.truth.analyzed_boot, "\(name)")
        let analysed = try #require(s.truth.boots.first { $0.boot_id == s.truth.analyzed_boot })
        #expect(r.end?.kind.rawValue == analysed.end, "\(name)")
    }

    /// The kernel's start and the monotonic run time of every boot, against the generator's clock.
    @Test(arguments: names)
    func startAndUptime(_ name: String) throws {
        let s = try Scenario.generate(name)
        let r = s.analyze()
        for (got, want) in zip(r.boots, s.truth.boots) {
            let start = try #require(want.start.flatMap(CivilTime.parseISO8601))
            let gotStart = try #require(got.start, "\(name): \(got.bootID) has no start")
            #expect(abs(gotStart.microseconds - start) <= 1_000, "\(name): \(gotStart) vs \(want.start ?? "")")
            #expect(got.startSource == .journalClock)
            // truth counts the entries wholly before a tear; the reader also keeps the one entry
            // cut at EOF, which may be a little later.
            let uptime = try #require(want.uptime_seconds)
            let ran = try #require(got.uptimeSeconds)
            #expect(ran > uptime - 0.001 && ran < uptime + 2, "\(name): ran \(ran) vs \(uptime)")
        }
    }

    @Test func initrdJournalStopIsNotTheEnd() throws {
        let r = try Scenario.generate("initrd-crash").analyze()
        #expect(r.end?.kind == .unclean)
        let ignored = try #require(r.end?.ignoredMarkers.first)
        #expect(ignored.text == "Journal stopped" && ignored.reason == .initrd)
        #expect((ignored.uptimeSeconds ?? 99) < 10)
        #expect(r.end?.conflicting == false)
    }

    @Test func journaldRestartIsNotTheEnd() throws {
        let r = try Scenario.generate("journald-restart-crash").analyze()
        #expect(r.end?.kind == .unclean)
        #expect(r.end?.ignoredMarkers.map(\.reason) == [.journaldRestarted])
        // The restart was within the tail: only the later `Journal started` rules it out.
        let lastEntry = try #require(r.end?.lastEntry)
        let stop = try #require(r.end?.ignoredMarkers.first?.time)
        #expect(lastEntry.microseconds - stop.microseconds < Int64(BootEndClassifier.tailSeconds) * 1_000_000)
    }

    /// User managers reach their own shutdown.target; with USER_UNIT and without (older systemd).
    @Test func userManagersDoNotSpeakForTheSystem() throws {
        let s = try Scenario.generate("user-shutdown-crash")
        let reader = JournalReader(paths: [s.root + "/var/log/journal"])
        var userShutdowns = 0
        reader.scan(fields: ["MESSAGE", "_PID"]) { e in
            if e.value(0).map({ String(decoding: $0, as: UTF8.self) }) == "Reached target Shutdown.",
               e.value(1).flatMap(EntryFields.int).map({ $0 != 1 }) == true { userShutdowns += 1 }
        }
        #expect(userShutdowns == 2)
        let r = s.analyze()
        #expect(r.end?.kind == .unclean)
        #expect(r.end?.evidence.first == .noShutdownMarkers)
    }

    /// Every trap, then an orderly reboot: clean, with the markers that did not count named.
    @Test func cleanShutdownWithTraps() throws {
        let r = try Scenario.generate("clean-shutdown").analyze()
        #expect(r.end?.kind == .clean)
        #expect(r.end?.conflicting == false)
        #expect(r.end?.ignoredMarkers.map(\.reason) == [.initrd, .journaldRestarted])
        #expect(r.end?.evidence.contains { $0.quoted?.contains("Journal stopped") == true } == true)
    }

    @Test func powerCut() throws {
        let r = try Scenario.generate("power-cut").analyze()
        #expect(r.end?.kind == .unclean)
        #expect(r.end?.evidence.contains { $0.quoted?.contains("uncleanly shut down") == true } == true)
        #expect(r.end?.evidence.contains(where: \.isTornLastFile) == true)
    }

    /// A board without an RTC: every boot starts at the same made-up time. The order comes from
    /// seqnums and files, the run times from the monotonic clock, and `--boot -1` and the
    /// default pick the boot that lost power.
    @Test func rtcLessBoots() throws {
        let s = try Scenario.generate("rtc-less")
        let t = s.truth
        try #require(t.boots.count == 4)
        let firsts = Set(t.boots.compactMap(\.first))
        #expect(firsts.count == 1, "every boot's first entry is at the same wall-clock time: \(firsts)")
        let r = s.analyze()
        #expect(r.boots.map(\.bootID) == t.boots.map(\.boot_id))
        #expect(r.analyzedBoot == t.boots[2].boot_id)
        let minusOne = s.analyze(AnalysisOptions(boot: .offset(-1)))
        #expect(minusOne.analyzedBoot == t.boots[2].boot_id)
        let minusTwo = s.analyze(AnalysisOptions(boot: .offset(-2)))
        #expect(minusTwo.analyzedBoot == t.boots[1].boot_id)
        // Boot 1 ran 50 minutes; first to last entry by wall clock would say months.
        #expect(abs((r.boots[0].uptimeSeconds ?? 0) - 3000) < 30)
        #expect(r.boots[0].last.microseconds - r.boots[0].first.microseconds > 30 * 86_400 * 1_000_000)
        // NTP stepped the clocks of boots 1, 2 and 4 forward; boot 3 never had it set.
        for i in [0, 1] {
            let jump = try #require(r.boots[i].clockJumps.first)
            #expect(jump.seconds > 80 * 86_400 && abs(jump.uptimeSeconds - 25) < 1)
        }
        #expect(r.boots[2].clockJumps.isEmpty)
        #expect(r.boots[2].clockBehind == true)
        #expect(r.end?.gapSeconds == nil)
    }

    /// The reference incident: the journal kept only the last minutes of a 13-hour boot whose unit
    /// had been crash-looping all along. The boot's start is the kernel's, and the loop's start
    /// is estimated from its restart counter and rate.
    @Test func referenceIncidentStartAndLoop() throws {
        let s = try Scenario.generate("reference-incident")
        let r = s.analyze()
        let truth = try #require(s.truth.boots.first { $0.boot_id == s.truth.analyzed_boot })
        let boot = try #require(r.boots.first { $0.bootID == r.analyzedBoot })
        let start = try #require(truth.start.flatMap(CivilTime.parseISO8601))
        #expect(boot.start?.microseconds == start)
        let end = try #require(r.end?.lastSignOfLife)
        let hours = Double(end.microseconds - start) / 3.6e9
        #expect(hours > 12.5 && hours < 13.5, "\(hours) h")
        #expect(boot.beginningLost())
        #expect(abs((boot.firstEntryUptimeSeconds ?? 0) - (truth.first_entry_uptime_seconds ?? -1)) < 0.001)
        // kern.log and pstore outlive the journal: the end of life is the panic, after the last entry.
        #expect(r.end?.lastSignSource != .journal)
        #expect(end > (r.end?.lastEntry ?? end))
        let loop = try #require(r.units.first { $0.unit == "polyscan.service" })
        let estimate = try #require(loop.loopStartEstimate)
        let first = try #require(loop.firstRestart)
        #expect(estimate.restartsBefore == (loop.restartCounterMin ?? 0) - 1)
        #expect(estimate.start.microseconds >= start && estimate.start < first)
        // The generator's loop began within a few minutes of the boot's start (317,245 restarts
        // at about 0.146 s).
        #expect(Double(estimate.start.microseconds - start) / 1e6 < 1200)
        #expect(r.timeline.contains { row in
            guard row.kind == .loopStart, case .loopStartEstimate(let unit, let before, _, _) = row.detail else { return false }
            return unit == loop.unit && before == estimate.restartsBefore
        })
        #expect(r.timeline.first?.kind == .boot && r.timeline.first?.time?.microseconds == start)
    }
}
