import Foundation
import Journal
import TestSupport
import Testing
@testable import Analysis

/// The analysis over the real journals of the corpus: it must run on each (damaged ones
/// included) and agree with the MANIFEST's journalctl figures for boots and entries.
@Suite(.enabled(if: TestPaths.corpus != nil))
struct CorpusTests {
    @Test func everyCorpusJournalAnalyses() throws {
        for path in TestPaths.corpusFiles("journals") {
            let r = Fixture.analyze([path])
            let entries = r.boots.reduce(0) { $0 + $1.entries }
            // Every boot's entries are counted, and every boot has a way it ended.
            #expect(r.boots.allSatisfy { $0.first <= $0.last }, "\(path)")
            #expect(entries == r.inputs.filter { $0.kind == .journal }.reduce(0) { $0 + $1.entries }, "\(path)")
        }
    }

    /// MANIFEST: the KDE set read together holds 2202 entries and 3 boots, 68f2e61d…,
    /// 27acae2f…, 2dbe99dd… in that order.
    @Test func kdeSetBoots() throws {
        let files = TestPaths.corpusFiles("journals").filter { $0.contains("/kjournald-") }
        try #require(!files.isEmpty)
        let r = Fixture.analyze(files)
        #expect(r.boots.count == 3)
        // Boots not analysed are counted in their `_BOOT_ID` index, as `journalctl -b` reads them:
        // one file's index links 429 of its 430 entries of 68f2e61d (`journalctl --file … -b
        // 68f2e61d…` prints 429). Read whole, the set gives journalctl's 2202.
        #expect(r.boots.reduce(0) { $0 + $1.entries } == 2201)
        var whole = AnalysisOptions()
        whole.reading = .everyEntry
        #expect(Fixture.analyze(files, options: whole).boots.reduce(0) { $0 + $1.entries } == 2202)
        #expect(r.boots.map { String($0.bootID.prefix(8)) } == ["68f2e61d", "27acae2f", "2dbe99dd"])
        #expect(r.boots.allSatisfy { !$0.endEvidence.isEmpty })
        // journalctl -b 0 shows the next boot's journald renaming the dirty system.journal
        // (relayed by klogd) and FAT-fs finding mmcblk0p1 not unmounted: boot -1 died.
        #expect(r.boots.map(\.end)[1] == .unclean)
        #expect(r.boots[1].endEvidence.contains { $0.quoted?.contains("uncleanly shut down") == true })
        // Its user manager's last lines (user-1000.journal) say it was stopping; the system's
        // shutdown lines, if any, went with the corrupted system.journal.
        #expect(r.boots[1].endEvidence.contains(.userManagerStopping(time: Timestamp(microseconds: 1_615_649_937_345_334), who: "systemd[305]")))
        #expect(!r.boots[0].endEvidence.contains { if case .userManagerStopping = $0 { true } else { false } })
        // Boot -2 ends with systemd-shutdown and "Journal stopped"; yet the next boot found the
        // journal file and the FAT volume not closed: the shutdown got to its last stage and the
        // power went during the final sync. Clean, with the conflict said.
        #expect(r.boots[0].end == .clean)
        #expect(r.analyzedBoot == r.boots[1].bootID)
        let minusTwo = Fixture.analyze(files, options: AnalysisOptions(boot: .offset(-2)))
        #expect(minusTwo.analyzedBoot == r.boots[0].bootID)
        #expect(minusTwo.end?.kind == .clean && minusTwo.end?.conflicting == true)
        // A Raspberry Pi without an RTC: timesyncd restores a saved time, then NTP steps it.
        #expect(r.boots[0].clockJumps.count == 1 && r.boots[2].clockJumps.count == 1)
        #expect(abs((r.boots[0].uptimeSeconds ?? 0) - 825.079166) < 0.001)
        // Its journald restarted twice before the shutdown; those stops were not the end.
        #expect(minusTwo.end?.ignoredMarkers.map(\.reason) == [.journaldRestarted, .journaldRestarted])
    }

    /// Boot 27acae2f… of the KDE set logs nothing of note after its first ten seconds, then its
    /// user manager ends the session at 1 min 49 s (`journalctl -b 27acae2f -o short-monotonic`:
    /// `[108.989817] systemd[305]: Reached target Exit the Session.` is its last entry). The
    /// last words are those final lines, not the kernel lines of its tenth second shown as if
    /// they were the end; and the kernel lines klogd relayed under `kernel` (`kernel[206]:
    /// [    9.835923] bcmgenet …`) are never a second row of the kernel's own.
    @Test func kdeSetLastWordsAreTheBootsFinalLines() throws {
        let files = TestPaths.corpusFiles("journals").filter { $0.contains("/kjournald-") }
        try #require(!files.isEmpty)
        let r = Fixture.analyze(files, options: AnalysisOptions(boot: .offset(-1)))
        let boot = try #require(r.boots.first { $0.bootID.hasPrefix("27acae2f") })
        #expect(r.analyzedBoot == boot.bootID)
        let words = r.timeline.filter { $0.kind == .lastWords }
        #expect(words.count == 6)
        #expect(words.last?.detail == .text("Reached target Exit the Session."))
        // The user manager's, not PID 1's: named as journalctl names it.
        #expect(words.allSatisfy { $0.subject == "systemd[305]" }, "\(words.map(\.subject))")
        #expect(words.allSatisfy { ($0.time?.microseconds ?? 0) >= boot.last.microseconds - 1_000_000 }, "\(words)")
        // Boot -2's last words hold kernel lines (systemd-shutdown's) and no relayed copy of one.
        let minusTwo = Fixture.analyze(files, options: AnalysisOptions(boot: .offset(-2)))
        let texts = minusTwo.timeline.filter { $0.kind == .lastWords }.compactMap { row -> String? in
            if case .text(let t) = row.detail { return t }
            return nil
        }
        #expect(!texts.isEmpty && !texts.contains { $0.hasPrefix("[") }, "\(texts)")
    }

    /// The Raspberry Pi has no RTC: boot 27acae2f's system lines end at 9.8 s on the restored
    /// clock, and its user manager's lines at 108.97 s come on the clock NTP set, 15.17 s ahead
    /// (`journalctl -o short-monotonic` against the default output). The timeline says where the
    /// clock stepped, at the first entry on the new clock; a boot of the same set analysed with no
    /// step in its kept lines would have no such row.
    @Test func kdeSetClockStepIsOnTheTimeline() throws {
        let files = TestPaths.corpusFiles("journals").filter { $0.contains("/kjournald-") }
        try #require(!files.isEmpty)
        let r = Fixture.analyze(files, options: AnalysisOptions(boot: .offset(-1)))
        let steps = r.timeline.filter { $0.kind == .clockStep }
        try #require(steps.count == 1)
        #expect(steps[0].subject == "27acae2fe35a")
        #expect(steps[0].time?.microseconds == 1_615_649_937_329_969)  // 2021-03-13T15:38:57.329969Z
        guard case .clockStep(let seconds, let uptime) = steps[0].detail else { Issue.record("\(steps[0].detail)"); return }
        #expect(abs(seconds - 15.16626) < 1e-5 && abs(uptime - 108.973588) < 1e-6)
        // Rows on the old clock come before it, the user manager's last words after it.
        #expect(r.timeline.filter(\.lastWords).allSatisfy { ($0.time ?? .init(microseconds: 0)) >= steps[0].time ?? .init(microseconds: .max) })
    }

    /// RHEL 9.1 and openSUSE run systemd in the initrd: their journald logs `Journal stopped` at
    /// switch-root, seconds into the boot, and a user manager logs `Reached target Shutdown.`
    /// (RHEL). Neither journal holds the system's shutdown: neither boot ended cleanly.
    @Test(arguments: ["s4-rhel91-system.journal", "s4-opensuse15-system@"])
    func initrdJournalsAreNotClean(_ prefix: String) throws {
        let path = try #require(TestPaths.corpusFiles("journals").first { $0.split(separator: "/").last?.hasPrefix(prefix) == true })
        let r = Fixture.analyze([path])
        try #require(r.boots.count == 1)
        let end = try #require(r.end)
        #expect(end.kind != .clean, "\(prefix): \(end.evidence)")
        let initrd = try #require(end.ignoredMarkers.first)
        #expect(initrd.text == "Journal stopped" && initrd.reason == .initrd)
        #expect((initrd.uptimeSeconds ?? 99) < 10)
        // The RHEL file is still ONLINE (copied while journald ran): the boot was running then.
        if prefix.hasPrefix("s4-rhel") { #expect(end.kind == .ongoing) } else { #expect(end.kind == .unknown) }
        let boot = try #require(r.boots.first)
        #expect(boot.startSource == .journalClock)
        #expect(!boot.beginningLost())
    }

    /// The boot's row opens the timeline on the clock its first entries were written with. The
    /// RHEL 9.1 VM's clock stepped forward by 2 min 11 s at 20 s (`journalctl -o short-monotonic`
    /// against the default output): its initrd's rows are at 20:56, its start on the newest clock
    /// 20:58:36; the KDE board's by 15 s. A journal whose clock never stepped has its row at the start.
    @Test(arguments: ["s4-rhel91-system.journal", "kjournald-", "s4-opensuse15-system@"])
    func bootRowOpensTheTimeline(_ prefix: String) throws {
        let files = TestPaths.corpusFiles("journals").filter { $0.split(separator: "/").last?.hasPrefix(prefix) == true }
        try #require(!files.isEmpty)
        let r = Fixture.analyze(files, options: AnalysisOptions(boot: prefix == "kjournald-" ? .offset(-1) : .auto))
        let boot = try #require(r.boots.first { $0.bootID == r.analyzedBoot })
        let row = try #require(r.timeline.first)
        #expect(row.kind == .boot, "\(prefix): \(r.timeline.prefix(3).map(\.kind))")
        let start = try #require(boot.start)
        let time = try #require(row.time)
        #expect(r.timeline.allSatisfy { ($0.time ?? time) >= time })
        if boot.clockJumps.isEmpty {
            #expect(time == start)
        } else {
            let forward = boot.clockJumps.reduce(0.0) { $0 + $1.seconds }
            #expect(abs(start.seconds - time.seconds - forward) < 1, "\(prefix): the row is on the first clock")
        }
    }
}
