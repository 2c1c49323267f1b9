import Foundation
import Testing
import TestSupport

/// Syslog stamps carry no year: the reader guesses it from the file's modification time, and
/// kernel lines also in the journal then give the real one. The report must not depend on
/// when the file was copied (a fresh clone of the samples, a tarball unpacked next year).
@Suite("the year of yearless syslog stamps")
struct YearGuessTests {
    static let sample = TestPaths.packageRoot + "/samples/reference-incident"

    static func copy(kernLogOnly: Bool, mtime: Date) throws -> String {
        let dir = TestPaths.scratch("year-guess")
        if kernLogOnly {
            try FileManager.default.createDirectory(atPath: dir + "/var/log", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: sample + "/var/log/kern.log", toPath: dir + "/var/log/kern.log")
        } else {
            try FileManager.default.removeItem(atPath: dir)
            try FileManager.default.copyItem(atPath: sample, toPath: dir)
        }
        try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: dir + "/var/log/kern.log")
        return dir
    }

    static func date(_ year: Int) -> Date {
        var c = DateComponents()
        (c.year, c.month, c.day) = (year, 6, 1)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar.date(from: c) ?? Date()
    }

    static func analyze(_ dir: String) throws -> String {
        let r = try Command.run(TestPaths.executable, ["analyze", "--utc", "--quiet", "-o", "json", dir])
        #expect(r.status == 0, "\(r.stderrText)")
        return r.stdoutText.replacingOccurrences(of: dir, with: "HOST")
    }

    @Test("with the journal, the report is the same whatever the kern.log's modification time, and says where the year came from")
    func journalGivesTheYear() throws {
        let early = try Self.copy(kernLogOnly: false, mtime: Self.date(2024))
        let late = try Self.copy(kernLogOnly: false, mtime: Self.date(2031))
        defer { for d in [early, late] { try? FileManager.default.removeItem(atPath: d) } }
        let (a, b) = (try Self.analyze(early), try Self.analyze(late))
        #expect(a == b)
        #expect(b.contains("HOST/var/log/kern.log: local times placed on the journal's clock using 206 kernel lines also in the journal; the year (2024) from them"))
        #expect(!b.contains("inferred"))
        // The kern.log's lines are on the journal's 2024 clock.
        #expect(b.contains("\"source\" : \"HOST/var/log/kern.log:224\",\n      \"text\" : \"INFO: task systemd-journal:232 blocked for more than 120 seconds.\",\n      \"time\" : \"2024-02-11T09:52:02.069574Z\""))
    }

    @Test("without a journal, the reader's guess stands and is named with its source")
    func guessStands() throws {
        let dir = try Self.copy(kernLogOnly: true, mtime: Self.date(2031))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try Self.analyze(dir)
        #expect(text.contains("HOST/var/log/kern.log: syslog stamps carry no year; inferred 2031 from the file's modification time"), "\(text)")
        #expect(!text.contains("the year (2024)"))
    }
}

/// The line a damaged journal file gets on stderr, on the sample's torn file (journalctl
/// `--header` says it holds 2,687 entries and journald left it online).
@Suite("a damaged file's stderr line")
struct DamagedFileLineTests {
    @Test("names the state, groups its numbers as the report does, and says where the problems are listed")
    func tornFile() throws {
        let sample = TestPaths.packageRoot + "/samples/reference-incident"
        let r = try Command.run(TestPaths.executable, ["analyze", "--utc", "-o", "json", sample])
        #expect(r.status == 0)
        let torn = "/var/log/journal/65935178b7f7b28f006093b5970de8da/system@0006111820924b2f-c010144d1220fce1.journal~"
        #expect(r.stderrText.contains(sample + torn + ": online (journald never closed it), 2,670 entries read, the file is "
            + "3,133,893 bytes shorter than its header says, the header counts 2,687 entries (17 not recoverable), "
            + "17 entry slots unreadable, 18 fields lost, 19 problems in all (with their offsets in the JSON report's inputs)\n"),
                "\(r.stderrText)")
        // The JSON report's inputs list them, each with its offset.
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any]
        let inputs = try #require(json?["inputs"] as? [[String: Any]])
        let damaged = try #require(inputs.first { ($0["path"] as? String)?.hasSuffix(".journal~") == true })
        let problems = try #require((damaged["health"] as? [String: Any])?["problems"] as? [String])
        #expect(problems.count == 19 && problems.allSatisfy { $0.contains(": at offset 0x") })
    }
}
