import Analysis
import Foundation
import Testing
@testable import Report

/// Reports are built from damaged files; whatever numbers end up in one, rendering must not trap.
@Suite("odd values")
struct OddValuesTests {
    /// `earliest` is `Int64.min` for the renderers; the JSON test uses 0, the earliest a journal's
    /// unsigned realtime can give, because `Timestamp`'s own ISO 8601 encoder (in Analysis) traps on `Int64.min`.
    static func odd(earliest: Int64 = .min) -> PostmortemReport {
        var r = ReferenceReports.unclean()
        let far = Timestamp(microseconds: .max), early = Timestamp(microseconds: earliest)
        r.boots[0].first = early
        r.boots[0].last = far
        r.end = BootEnd(kind: .unclean, lastEntry: far, nextBootFirst: early, gapSeconds: -.infinity, evidence: [])
        r.units[0].restartsPerMinute = [SeriesPoint(start: early, value: .nan), SeriesPoint(start: far, value: .infinity),
                                        SeriesPoint(start: ReferenceReports.lastEntry, value: -5)]
        r.units[0].medianRestartIntervalSeconds = .nan
        r.units[0].restartCounterMax = .min
        r.oomKills[0].anonRSSKB = .max
        r.oomKills[0].time = early
        r.forkRate?.series = [ForkRatePoint(start: far, perSecond: .greatestFiniteMagnitude)]
        r.forkRate?.peakPerSecond = .greatestFiniteMagnitude
        r.rootCauses[0].start = far
        r.rootCauses[0].end = early
        r.timeline[0].count = .min
        r.timeline[1].time = early
        r.timeline[1].endTime = far
        r.kernelEvents[0].time = far
        return r
    }

    @Test("every format renders; text still fits; JSON is still JSON", arguments: [40, 100])
    func renders(width: Int) throws {
        let report = Self.odd()
        let text = ReportRenderer.render(report, as: .text, options: RenderOptions(width: width))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= width }, "\(text.split(separator: "\n").filter { $0.count > width })")
        for zone in [DisplayZone.utc, .local, .fixed(offsetSeconds: 50_400, name: "+14")] {
            for format in [ReportFormat.text, .markdown, .html] {
                #expect(!ReportRenderer.render(report, as: format, options: RenderOptions(timeZone: zone)).isEmpty)
            }
        }
        #expect(!TimelineRenderer.csv(report.timeline, options: RenderOptions()).isEmpty)
        #expect(!BootsRenderer.table(report.boots, options: RenderOptions()).isEmpty)
        // A NaN cannot be written as JSON: the output says so instead of being cut short.
        let json = ReportRenderer.render(Self.odd(earliest: 0), as: .json, options: RenderOptions())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["error"] as? String == "json-encoding-failed")
    }
}
