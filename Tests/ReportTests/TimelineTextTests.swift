import Analysis
import Foundation
import Testing
@testable import Report

@Suite("timeline details")
struct TimelineTextTests {
    @Test("each detail is written as one sentence from its facts", arguments: [
        (TimelineDetail.text("Rebooting."), "Rebooting."),
        (.kernelReport(headline: "INFO: task kworker/3:1:212 blocked for more than 120 seconds.", furtherLines: 0),
         "INFO: task kworker/3:1:212 blocked for more than 120 seconds."),
        (.kernelReport(headline: "Kernel panic - not syncing: softlockup: hung tasks", furtherLines: 14),
         "Kernel panic - not syncing: softlockup: hung tasks (+14 lines)"),
        (.kernelReport(headline: "oom-kill:constraint=CONSTRAINT_NONE", furtherLines: 1), "oom-kill:constraint=CONSTRAINT_NONE (+1 line)"),
        (.bootBegins(bootID: "9b094a1e218e4d6f8a2b3c4d5e6f7a8b", entries: 412_903, textOnly: false, startKnown: true),
         "boot 9b094a1e218e4d6f8a2b3c4d5e6f7a8b begins (412,903 entries)"),
        (.bootBegins(bootID: "text-boot-1", entries: 18_124, textOnly: true, startKnown: true), "boot text-boot-1 begins (18,124 log lines)"),
        (.bootBegins(bootID: "text-boot-1", entries: 1, textOnly: true, startKnown: false),
         "the logs of boot text-boot-1 begin (1 log line); its start is not in them"),
        (.journalKeptFrom(secondsIntoBoot: 7260, textOnly: false),
         "the journal kept begins 2 h 1 min into the boot; what came before was rotated or vacuumed away"),
        (.journalKeptFrom(secondsIntoBoot: 7260, textOnly: true),
         "the logs kept begin 2 h 1 min into the boot; what came before was rotated away or not collected"),
        (.clockStep(seconds: 15.16626, uptimeSeconds: 108.973588),
         "the wall clock stepped forward by 15 s, 1 min 49 s into the boot: rows before this one are on the old clock"),
        (.clockStep(seconds: -3_600, uptimeSeconds: 0.5),
         "the wall clock stepped back by 1 h, 500 ms into the boot: rows before this one are on the old clock"),
        (.loopStartEstimate(unit: "a.service", restartsBefore: 317_245, meanIntervalSeconds: 0.146, cappedAtBootStart: true),
         "estimate: a.service began restarting about here (317,245 restarts before the oldest entry kept, one per 146 ms); capped at the boot's start"),
        (.restarts(unit: "a.service", count: 3_012, peakPerMinute: 410, counterMax: 320_245, commonestExit: "1/FAILURE", commonestExitCount: 3_011),
         "a.service restarted 3,012 times, peak 410/min, restart counter up to 320,245; exits 1/FAILURE ×3,011"),
        (.restarts(unit: "a.service", count: 3, peakPerMinute: 1, counterMax: nil, commonestExit: nil, commonestExitCount: 0),
         "a.service restarted 3 times, peak 1/min"),
        (.restartScheduled(unit: "a.service"), "a.service: restart scheduled"),
        (.failures(unit: "a.service", count: 4, firstResult: "exit-code"), "a.service failed 4 times (exit-code)"),
        (.failed(unit: "a.service", result: "timeout"), "a.service: failed with result 'timeout'"),
        (.startLimitHit(unit: "a.service"), "a.service: start request repeated too quickly, systemd gave up"),
        (.oomKills(kind: .memcg, count: 12, victims: ["ffmpeg", "x264"]), "12 memcg OOM kills; victims ffmpeg, x264"),
        (.oomKill(kind: .global, victim: "ffmpeg", pid: 48213, anonRSSKB: 14_680_064, unit: "video.service", invokedBy: "kswapd0"),
         "global OOM kill: ffmpeg (pid 48213), anon-rss 14,680,064 kB in video.service, invoked by kswapd0"),
        (.oomKill(kind: .oomd, victim: nil, pid: nil, anonRSSKB: nil, unit: nil, invokedBy: nil), "oomd OOM kill: ? (pid ?)"),
        (.forkFailures(count: 1_200, first: "fork failed: Resource temporarily unavailable"),
         "1,200 fork failures, first: fork failed: Resource temporarily unavailable"),
        (.forkRate(perSecond: 414.4, lowerBound: true), "processes created at 414/s (peak one-minute average, a lower bound)"),
        (.kernelBurst(kind: .hungTask, count: 3, first: "INFO: task a:1 blocked for more than 120 seconds."),
         "3 × hung_task: first INFO: task a:1 blocked for more than 120 seconds."),
        (.bootEnd(kind: .unclean, lastSign: .kernelLog, lastSignAfterJournalSeconds: 23, silenceSeconds: 38),
         "the boot ended uncleanly; the last sign of life came from a kernel log, 23 s after the journal's last entry; the next boot began after 38 s of silence"),
        (.bootEnd(kind: .clean, lastSign: nil, lastSignAfterJournalSeconds: nil, silenceSeconds: nil), "the boot ended cleanly"),
        (.bootEnd(kind: .ongoing, lastSign: nil, lastSignAfterJournalSeconds: nil, silenceSeconds: nil),
         "the boot was still running at its last entry"),
        (.bootEnd(kind: .unknown, lastSign: .pstore, lastSignAfterJournalSeconds: 4, silenceSeconds: nil),
         "how the boot ended is unknown; the last sign of life came from pstore, 4 s after the journal's last entry"),
        // A short journal's few processes: a rate below one keeps two significant digits.
        (.forkRate(perSecond: 0.033_333, lowerBound: false), "processes created at 0.033/s (peak one-minute average)"),
        (.forkRate(perSecond: 56.23, lowerBound: false), "processes created at 56.2/s (peak one-minute average)"),
    ])
    func sentence(_ detail: TimelineDetail, _ expected: String) {
        #expect(TimelineText.detail(detail) == expected)
    }

    @Test("the JSON detail is the sentence every other format shows")
    func jsonDetail() throws {
        let report = ReferenceReports.unclean()
        let json = ReportRenderer.render(report, as: .json, options: RenderOptions())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let rows = try #require(object["timeline"] as? [[String: Any]])
        #expect(rows.count == report.timeline.count)
        for (row, source) in zip(rows, report.timeline) {
            #expect(row["detail"] as? String == TimelineText.detail(source.detail))
            #expect(row["kind"] as? String == source.kind.name)
        }
        let csv = TimelineRenderer.csv(report.timeline, options: RenderOptions())
        for source in report.timeline where !TimelineText.detail(source.detail).contains(",") {
            #expect(csv.contains(TimelineText.detail(source.detail)))
        }
    }

    @Test("a row is not written as JSON without the report's sentence writer: no half-made detail")
    func noWriter() {
        let row = TimelineRow(time: nil, endTime: nil, kind: .restart, subject: "a.service",
                              detail: .restartScheduled(unit: "a.service"), count: 1)
        #expect(throws: EncodingError.self) { try JSONEncoder().encode(row) }
        #expect(TimelineRenderer.json([row]).contains("\"detail\" : \"a.service: restart scheduled\""))
    }
}
