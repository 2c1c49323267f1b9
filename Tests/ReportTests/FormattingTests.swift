import Analysis
import Foundation
import Testing
import TestSupport
@testable import Report

@Suite("formatting for people")
struct FormattingTests {
    @Test("counts get thousands separators", arguments: [(0, "0"), (999, "999"), (1_000, "1,000"), (320_245, "320,245"),
                                                        (-4_194_304, "-4,194,304"), (Int.max, "9,223,372,036,854,775,807")])
    func counts(value: Int, expected: String) {
        #expect(HumanFormat.count(value) == expected)
    }

    @Test("durations use their two largest units", arguments: [
        (0.35, "350 ms"), (2.5, "2.5 s"), (12, "12 s"), (60, "1 min"), (252, "4 min 12 s"), (3_600, "1 h"),
        (3_900, "1 h 5 min"), (90_000, "1 d 1 h"), (89_999, "1 d 1 h"), (3_599.6, "1 h"), (86_399, "1 d"), (-30, "-30 s"), (Double.nan, "n/a"),
    ])
    func durations(seconds: Double, expected: String) {
        #expect(HumanFormat.duration(seconds: seconds) == expected)
    }

    @Test("sizes in binary units, numbers with separators")
    func sizesAndNumbers() {
        #expect(HumanFormat.kibibytes(512) == "512 KiB")
        #expect(HumanFormat.kibibytes(1_536) == "1.5 MiB")
        #expect(HumanFormat.kibibytes(14_680_064) == "14 GiB")
        #expect(HumanFormat.number(1_234.56, decimals: 1) == "1,234.6")
        // Rates: whole above 100, one decimal above 1, two significant digits below.
        #expect(HumanFormat.rate(1_234.56) == "1,235")
        #expect(HumanFormat.rate(56.23) == "56.2")
        #expect(HumanFormat.rate(0.5) == "0.5")
        #expect(HumanFormat.rate(0.033_333) == "0.033")
        #expect(HumanFormat.rate(0.000_000_1) == "0")
        #expect(HumanFormat.rate(0) == "0")
        #expect(HumanFormat.rate(.infinity) == "∞")
    }

    @Test("zoned times agree with Foundation's formatter", arguments: [0, 7_200, -34_200, 20_700])
    func zonedTimes(offset: Int) throws {
        let zone = try #require(TimeZone(secondsFromGMT: offset))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let iso = ISO8601DateFormatter()
        iso.timeZone = zone
        iso.formatOptions = [.withInternetDateTime]
        let clock = ZonedClock(zone: .fixed(offsetSeconds: offset, name: "X"))
        for t in [ReferenceReports.lastEntry, ReferenceReports.at(23, 59, 59, 999_999, day: 31),
                  Timestamp(microseconds: 951_782_400_000_000)] {
            let date = Date(timeIntervalSince1970: Double(t.microseconds / 1_000_000))
            #expect(clock.dateTime(t) == formatter.string(from: date))
            // Foundation writes `Z` for a zero offset only in UTC; ours does so for `.utc` alone.
            let expected = iso.string(from: date).replacingOccurrences(of: "Z", with: "+00:00")
            let ours = clock.iso8601(t)
            #expect(ours.prefix(19) == expected.prefix(19))
            #expect(ours.suffix(6) == expected.suffix(6))
        }
        #expect(ZonedClock(zone: .utc).iso8601(ReferenceReports.lastEntry) == ReferenceReports.lastEntry.iso8601)
    }

    @Test("a named zone keeps its daylight-saving rules: winter and summer times of one report")
    func namedZone() throws {
        let berlin = DisplayZone.named("Europe/Berlin")
        let january = Timestamp(microseconds: 1_704_103_200_000_000)  // 2024-01-01 10:00 UTC
        let july = Timestamp(microseconds: 1_719_828_000_000_000)     // 2024-07-01 10:00 UTC
        let tz = try #require(TimeZone(identifier: "Europe/Berlin"))
        for t in [january, july] {
            #expect(berlin.offsetSeconds(at: t) == tz.secondsFromGMT(for: Date(timeIntervalSince1970: t.seconds)))
        }
        #expect(berlin.offsetSeconds(at: january) != berlin.offsetSeconds(at: july))
        #expect(ZonedClock(zone: berlin).dateTime(july).hasSuffix("12:00:00"))
        #expect(ZonedClock(zone: berlin).dateTime(january).hasSuffix("11:00:00"))
        #expect(berlin.name(at: july) == "Europe/Berlin (UTC+02:00)")
        #expect(DisplayZone.named("America/St_Johns").name(at: january) == "America/St_Johns (UTC-03:30)")
        // A name the database does not know is shown as what it then is: UTC.
        #expect(DisplayZone.named("Mars/Olympus").offsetSeconds(at: july) == 0)
        #expect(DisplayZone.named("Mars/Olympus").name(at: july) == "UTC")
        #expect(DisplayZone.machine("Etc/UTC") == .utc)
        #expect(DisplayZone.machine("Asia/Tokyo") == .named("Asia/Tokyo"))
    }

    @Test("wrapping keeps every word, in order, within the width")
    func wrapping() {
        let text = "polyscan.service exited with status 1 and was restarted about once a second /a/very/long/path/that/cannot/fit"
        for width in [5, 12, 30] {
            let lines = TextLayout.wrap(text, width: width)
            // A word longer than the width stands alone and whole (paths are never split).
            #expect(lines.allSatisfy { $0.count <= width || !$0.contains(" ") })
            #expect(lines.contains("/a/very/long/path/that/cannot/fit"))
            #expect(lines.joined().filter { $0 != " " } == text.filter { $0 != " " })
        }
    }
}

@Suite("timeline, boots and fleet outputs")
struct TableOutputTests {
    @Test("CSV reads back with python's csv module to the same fields, made terminal-safe",
          .enabled(if: Helpers.python3 != nil))
    func csv() throws {
        let rows = ReferenceReports.hostile().timeline
        let csv = TimelineRenderer.csv(rows, options: RenderOptions())
        // Journal bytes never reach the terminal raw: no escape, bell, CR or bidi override.
        #expect(!csv.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || TextLayout.isControl($0) && $0 != "\n" })
        let dir = TestPaths.scratch("csv")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Helpers.write(csv, named: "t.csv", in: dir)
        let result = try Helpers.python("import csv, json, sys\nprint(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))",
                                        [path])
        let parsed = try JSONDecoder().decode([[String]].self, from: Data(result.stdout))
        #expect(parsed.first == ["time", "end_time", "count", "kind", "subject", "detail", "last_words"])
        #expect(parsed.count == rows.count + 1)
        for (fields, row) in zip(parsed.dropFirst(), rows) {
            #expect(fields == [row.time?.iso8601 ?? "", row.endTime?.iso8601 ?? "", String(row.count), row.kind.name,
                               row.subject, TimelineText.detail(row.detail), row.lastWords ? "true" : "false"].map(TextLayout.terminalSafe))
        }
        let zoned = TimelineRenderer.csv(rows, options: RenderOptions(timeZone: .fixed(offsetSeconds: 7200, name: "CEST")))
        #expect(zoned.contains("2024-07-19T15:01:40.250000+02:00,"))
    }

    @Test("timeline JSON decodes to the same rows; the text table fits its width")
    func timelineJSONAndText() throws {
        let rows = ReferenceReports.unclean().timeline
        let back = try JSONDecoder().decode([TimelineRow].self, from: Data(TimelineRenderer.json(rows).utf8))
        #expect(back == rows)
        let text = TimelineRenderer.text(rows, options: RenderOptions(width: 72))
        let lines = text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 72 })
        #expect(lines.count == rows.count + 3)
        #expect(TimelineRenderer.text([], options: RenderOptions()) == "0 rows, times in UTC\n")
    }

    @Test("boots table: one line per boot, in the order given (the machine's), indexed like journalctl")
    func boots() throws {
        let boots = ReferenceReports.unclean().boots
        let lines = BootsRenderer.table(Array(boots), options: RenderOptions()).split(separator: "\n").map(String.init)
        #expect(lines.count == boots.count + 1)
        #expect(lines[0].hasPrefix("IDX  BOOT ID"))
        #expect(lines[1].hasPrefix(" -2  \(ReferenceReports.earlierBoot)  2024-07-18 07:00:00  2024-07-19 07:59:58     1 d 1 h"))
        #expect(lines[2].hasPrefix(" -1  \(ReferenceReports.crashedBoot)  2024-07-19 08:00:12"))
        #expect(lines[2].hasSuffix("unclean"))
        #expect(lines[3].hasPrefix("  0  \(ReferenceReports.nextBoot)"))
        let coloured = BootsRenderer.table(Array(boots), options: RenderOptions(color: true))
        #expect(coloured.contains("\u{1B}[31m"))
        #expect(Helpers.stripANSI(coloured) == lines.joined(separator: "\n") + "\n")
        // The analysis orders boots by seqnum and files; the table never re-sorts them by wall clock.
        let swapped = BootsRenderer.table([boots[1], boots[0], boots[2]], options: RenderOptions()).split(separator: "\n")
        #expect(swapped[1].hasPrefix(" -2  \(ReferenceReports.crashedBoot)"))
        // "Ran for" comes from the monotonic clock when the boot has it, and wall-clock steps are said.
        var timed = Array(boots)
        timed[0].uptimeSeconds = 240
        timed[0].clockJumps = [ClockJump(uptimeSeconds: 25, from: ReferenceReports.at(7, 0, 25, day: 18),
                                         to: ReferenceReports.at(7, 0, 25))]
        let monotonic = BootsRenderer.table(timed, options: RenderOptions()).split(separator: "\n").map(String.init)
        #expect(monotonic[1].contains("  4 min  "))
        #expect(monotonic.last == "boot -2: wall clock stepped +1 d at 25 s (uptime); run times use the monotonic clock")
    }

    @Test("fleet rows summarise a report; JSON Lines decode back; the table has a line per host")
    func fleet() throws {
        let rows = [FleetSummary.FleetRow(report: ReferenceReports.unclean(), host: "dir-a"),
                    FleetSummary.FleetRow(report: ReferenceReports.clean(), host: "dir-b"),
                    FleetSummary.FleetRow(host: "dir-c", failure: "no journal files found")]
        #expect(rows[0].host == "media-07")
        #expect(rows[0].end == .unclean)
        #expect(rows[0].rootCauseKind == "crash-loop")
        #expect(rows[0].rootCauseSubject == "polyscan.service")
        #expect(rows[0].crashLoopingUnits == 1)
        #expect(rows[0].oomKills == 1)
        #expect(rows[0].kernelEvents == 3)
        #expect(rows[0].gapSeconds == 252)
        #expect(rows[1].rootCauseKind == nil)
        let lines = FleetSummary.jsonLines(rows).split(separator: "\n")
        #expect(lines.count == rows.count)
        for (line, row) in zip(lines, rows) {
            #expect(try JSONDecoder().decode(FleetSummary.FleetRow.self, from: Data(line.utf8)) == row)
        }
        #expect(lines[0].contains("\"crash_looping_units\":1"))
        let table = FleetSummary.table(rows).split(separator: "\n").map(String.init)
        #expect(table.count == rows.count + 1)
        #expect(table[1].hasPrefix("media-07  3f2a9c1e7b4d  unclean  2024-07-19 13:01:40  4 min 12 s  crash-loop"))
        #expect(table[3].contains("error") && table[3].contains("no journal files found"))
    }
}
