import Analysis
import Foundation
import Testing
@testable import Report

@Suite("text report")
struct TextReportTests {
    let unclean = ReferenceReports.unclean()

    @Test("headline states the unclean end, its time and the silence, in words")
    func uncleanHeadline() {
        let text = ReportRenderer.render(unclean, as: .text, options: RenderOptions(width: 200))
        // 13:01:40.25 → 13:05:52.25 is 252 s, which people read as 4 min 12 s.
        #expect(text.contains("Boot 3f2a9c1e7b4d… ended UNCLEANLY at 2024-07-19 13:01:40 UTC; silent for 4 min 12 s until the next boot."))
    }

    @Test("a clean reboot says so and lists no causes")
    func cleanHeadline() {
        let text = ReportRenderer.render(ReferenceReports.clean(), as: .text, options: RenderOptions(width: 200))
        #expect(text.contains("ended cleanly at 2024-07-19 22:14:03 UTC"))
        #expect(text.contains("silent for 38 s until the next boot"))
        #expect(!text.contains("UNCLEANLY"))
        #expect(text.contains("None found"))
    }

    @Test("with no cause, failed units are named in every format: a unit systemd gave up on is down")
    func noCauseNamesFailedUnits() {
        var r = ReferenceReports.clean()
        r.rootCauses = []
        let plain = ReportRenderer.render(r, as: .text, options: RenderOptions(width: 200))
        #expect(plain.contains("None found. It was a planned shutdown; nothing in the logs points at a failure."))
        var gaveUp = UnitSummary(unit: "beszel-hub.service")
        gaveUp.startLimitHit = true
        gaveUp.results = ["start-limit-hit": 1]
        var failed = UnitSummary(unit: "mcelog.service")
        failed.results = ["exit-code": 1]
        r.units = [gaveUp, failed, UnitSummary(unit: "sshd.service")]
        let sentence = "Nothing in the logs points at what ended the boot; 2 units failed: "
            + "beszel-hub.service (start-limit-hit: systemd gave up restarting it), mcelog.service (exit-code)."
        #expect(ReportRenderer.render(r, as: .text, options: RenderOptions(width: 300)).contains("None found. " + sentence))
        #expect(ReportRenderer.render(r, as: .markdown, options: RenderOptions()).contains(sentence))
        #expect(ReportRenderer.render(r, as: .html, options: RenderOptions()).contains("None found. " + sentence))
    }

    @Test("the units table says why a unit without a result of its own is listed: its start job did not complete")
    func jobFailuresInTheUnitsTable() {
        var r = ReferenceReports.clean()
        var dependency = UnitSummary(unit: "org.gnome.SettingsDaemon.XSettings.service")
        dependency.jobFailures = ["dependency": 1]
        var both = UnitSummary(unit: "vboxadd.service")
        both.results = ["exit-code": 1]
        both.jobFailures = ["failed": 1]
        r.units = [dependency, both]
        let text = TextSections(r, options: RenderOptions(width: 200)).units().joined(separator: "\n")
        #expect(text.contains("start job dependency ×1"))
        #expect(text.contains("exit-code ×1, start job failed ×1"))
        // A unit whose dependency failed is no failed unit in the no-cause sentence: it was left inactive.
        r.rootCauses = []
        #expect(!ReportRenderer.render(r, as: .text, options: RenderOptions(width: 300)).contains("XSettings.service (dependency"))
    }

    @Test("kernel logs without times holding several boots: the headline says which was analysed and how to choose another")
    func untimedBootsHeadline() {
        var r = PostmortemReport()
        r.untimedBoots = UntimedBoots(count: 5, analysed: 5, paths: ["/var/crash/console.log"])
        let text = ReportRenderer.render(r, as: .text, options: RenderOptions(width: 400))
        #expect(text.contains("No journal and no wall-clock time in the input: boot 5 of the 5 its kernel logs hold "
                              + "(told apart by their kernel clocks), read from /var/crash/console.log; --boot 1…5 chooses another."))
        // The verdict line before it says what is known, rather than the same sentence twice.
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "unknown host: how the boot ended is unknown; no cause found in the logs.")
        #expect(text.components(separatedBy: "No journal and no wall-clock time").count == 2)
    }

    /// A console log has no wall clock: its rows are placed by the kernel's own stamps, shown
    /// as dmesg prints them, in every format; a row with a wall-clock time keeps it.
    @Test("timeline rows without a wall clock show the kernel's stamp")
    func uptimeStamps() {
        var r = PostmortemReport()
        r.timeline = [
            TimelineRow(time: nil, endTime: nil, kind: .kernel(.hungTask), subject: "kernel",
                        detail: .text("INFO: task jbd2/sda-8:3563 blocked for more than 140 seconds."), count: 1, uptimeSeconds: 1431.920513),
            TimelineRow(time: nil, endTime: nil, kind: .kernel(.panic), subject: "kernel",
                        detail: .text("Kernel panic - not syncing: hung_task: blocked tasks"), count: 1, uptimeSeconds: 1432.0004),
        ]
        let text = ReportRenderer.render(r, as: .text, options: RenderOptions(width: 200))
        #expect(text.contains("2 rows, times [seconds] since the kernel started (the logs carry no wall-clock time)"))
        #expect(text.contains("[1431.921]      1  hung_task"), "\(text)")
        #expect(text.contains("[1432.000]      1  panic"))
        #expect(ReportRenderer.render(r, as: .markdown, options: RenderOptions()).contains("| \\[1432.000\\] |"))
        #expect(ReportRenderer.render(r, as: .html, options: RenderOptions()).contains("<td class=\"time\">[1431.921]</td>"))
        #expect(ReportRenderer.render(r, as: .json, options: RenderOptions()).contains("\"uptime_seconds\" : 1431.920513"))
        // A wall-clock time wins: the stamp is not kept beside it.
        let timed = TimelineRow(time: Timestamp(microseconds: 1_700_000_000_000_000), endTime: nil, kind: .kernel(.panic), subject: "kernel",
                                detail: .text("panic"), count: 1, uptimeSeconds: 12)
        #expect(timed.uptimeSeconds == nil)
        #expect(ZonedClock.uptime(.nan) == "[?]" && ZonedClock.uptime(-1) == "[?]" && ZonedClock.uptime(0.0004) == "[0.000]")
    }

    @Test("causes are listed by rank with their role, chain, evidence commands and key figures, whatever order they are stored in")
    func rankedCauses() throws {
        let lines = ReportRenderer.render(unclean, as: .text, options: RenderOptions(width: 200)).split(separator: "\n")
            .map(String.init)
        let first = try #require(lines.firstIndex { $0.contains("1. crash-loop: polyscan.service (primary cause)") })
        let second = try #require(lines.firstIndex { $0.contains("2. memory-exhaustion: ffmpeg (consequence)") })
        #expect(first < second)
        let figures = lines[first..<second].joined(separator: "\n")
        #expect(!figures.contains("%"), "no percentages: roles, not scores")
        #expect(figures.contains("from 12:12:00 to 13:02:00; persisted until the end; 1 linked consequence."))
        #expect(figures.contains("chain: crash-loop polyscan.service → memory-exhaustion ffmpeg → end of the boot"))
        #expect(figures.contains("led to: memory-exhaustion ffmpeg (crash-loop-memory: same subject polyscan.service)"))
        #expect(figures.contains("evidence: 13:02:00 polyscan.service: Scheduled restart job, restart counter is at 320245."))
        #expect(figures.contains("see: journalctl --file /var/log/journal/m/system.journal --cursor 's=6c1b;i=4a300' -n 20"))
        #expect(figures.contains("see: /etc/systemd/system/polyscan.service:9"))
        #expect(figures.contains("restart counter 320,245"))
        #expect(figures.contains("3,012 restarts observed"))
        #expect(figures.contains("peak 61/min"))
        #expect(figures.contains("- Raise RestartSec= to 5s or more."))
        let oom = lines[second...].joined(separator: "\n")
        #expect(oom.contains("global OOM kill of ffmpeg (pid 48213) at 13:00:55, anon-rss 14 GiB"))
    }

    @Test("a memory cause about a unit shows its OOM kills, not its restart figures")
    func memoryCauseFigures() throws {
        var report = unclean
        var transcode = UnitSummary(unit: "transcode.service")
        transcode.restartsObserved = 2
        transcode.restartCounterMax = 2
        transcode.oomKills = 2
        report.units.append(transcode)
        report.rootCauses[0].subject = .unit("transcode.service")
        var second = report.oomKills[0]
        second.comm = "python3"
        second.pid = 50_001
        report.oomKills.append(second)
        let cause = try #require(report.rootCauses.first { $0.kind == .memoryExhaustion })
        let figures = Verdict(report, zone: .utc).keyFigures(for: cause)
        #expect(figures == ["2 OOM kills", "first: global OOM kill of ffmpeg (pid 48213) at 13:00:55, anon-rss 14 GiB"])
        // A kill of another unit's process besides: the unit's count says whose it is (the
        // finding's summary counts all three).
        var other = report.oomKills[0]
        other.comm = "mysqld"
        other.unit = "mysql.service"
        report.oomKills.append(other)
        #expect(Verdict(report, zone: .utc).keyFigures(for: cause).first == "2 OOM kills of transcode.service")
    }

    @Test("every line fits the width", arguments: [40, 56, 80, 100, 132])
    func fitsWidth(width: Int) {
        for report in [unclean, ReferenceReports.clean(), ReferenceReports.hostile()] {
            for color in [false, true] {
                let text = ReportRenderer.render(report, as: .text, options: RenderOptions(color: color, width: width))
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    let visible = Helpers.stripANSI(String(line))
                    #expect(Helpers.fits(visible, width), "\(visible.count) > \(width): \(visible)")
                }
            }
        }
    }

    @Test("no escape codes without colour, even from hostile log text; colour when asked")
    func colour() {
        let hostile = ReferenceReports.hostile()
        let plain = ReportRenderer.render(hostile, as: .text, options: RenderOptions(color: false))
        #expect(!plain.contains("\u{1B}"))
        #expect(!plain.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(plain.contains("\\x1b[31mANSI red"))
        let coloured = ReportRenderer.render(unclean, as: .text, options: RenderOptions(color: true))
        #expect(coloured.contains("\u{1B}[1;31m\(unclean.host.hostname ?? "?") crashed at "))
        #expect(coloured.contains("\u{1B}[0m"))
        // Colour only wraps laid-out text: without the codes it is the plain report.
        #expect(Helpers.stripANSI(coloured) == ReportRenderer.render(unclean, as: .text, options: RenderOptions()))
    }

    @Test("the timeline table has one row per timeline row, aligned")
    func timelineRows() throws {
        let text = ReportRenderer.render(unclean, as: .text, options: RenderOptions(width: 100))
        let lines = text.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("  TIME      UNTIL") })
        let legend = try #require(lines.firstIndex { $0.hasPrefix("* last words") })
        let rows = Array(lines[(header + 1)..<legend])
        #expect(rows.count == unclean.timeline.count)
        let detailColumn = try #require(lines[header].range(of: "DETAIL")).lowerBound.utf16Offset(in: lines[header])
        for (row, source) in zip(rows, unclean.timeline) {
            #expect(row.hasPrefix(source.lastWords ? "* " : "  "))
            let detail = String(row.dropFirst(detailColumn))
            #expect(TimelineText.detail(source.detail).hasPrefix(detail.hasSuffix("…") ? String(detail.dropLast()) : detail))
        }
        #expect(rows[1].contains("12:12:00  13:01:39  3,012  restart"))
        #expect(lines[header - 1] == "10 rows, times in UTC on 2024-07-19")
    }

    @Test("on a narrow terminal each timeline row takes two lines and keeps its detail")
    func narrowTimeline() throws {
        let lines = TimelineRenderer.text(unclean.timeline, options: RenderOptions(width: 50)).split(separator: "\n")
            .map(String.init)
        #expect(lines.count == 1 + 2 * unclean.timeline.count + 1)
        for (i, row) in unclean.timeline.enumerated() {
            let head = lines[1 + 2 * i], detail = lines[2 + 2 * i]
            #expect(head.hasPrefix(row.lastWords ? "* " : "  "))
            #expect(head.contains(String(row.subject.prefix(20))))
            #expect(detail.hasPrefix("      "))
            #expect(detail.contains(String(TimelineText.detail(row.detail).prefix(10))))
            #expect(head.count <= 50 && detail.count <= 50)
        }
        #expect(lines[3] == "  12:12:00  3,012  restart  polyscan.service")
        #expect(lines[4].hasPrefix("      until 13:01:39: Scheduled restart job"))
    }

    @Test("times follow the chosen zone and the zone is named")
    func zones() {
        let cest = ReportRenderer.render(unclean, as: .text,
                                         options: RenderOptions(timeZone: .fixed(offsetSeconds: 7200, name: "CEST")))
        #expect(cest.contains("ended UNCLEANLY at 2024-07-19 15:01:40 CEST"))
        #expect(cest.contains("times in CEST on 2024-07-19"))
        // `.local` is the machine's zone: compare with Foundation's own formatting of the same instant.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let date = Date(timeIntervalSince1970: ReferenceReports.lastEntry.seconds)
        let name = TimeZone.current.abbreviation(for: date) ?? TimeZone.current.identifier
        let local = ReportRenderer.render(unclean, as: .text, options: RenderOptions(timeZone: .local))
        #expect(local.contains("ended UNCLEANLY at \(formatter.string(from: date)) \(name)"))
    }

    @Test("inputs line and notes")
    func inputsAndNotes() {
        let text = ReportRenderer.render(unclean, as: .text, options: RenderOptions(width: 200))
        #expect(text.contains("Inputs: 2 (1 damaged, 1 ok), 423,143 entries; system.journal damaged (1 problem)"))
        #expect(text.contains("  - Up to 5 min of non-critical messages may be missing"))
    }
}
