import Foundation
import KernelLog
import TestSupport
import Testing
@testable import Analysis

/// The analysed boot's journal entries of priority err or worse, per minute (the error-rate
/// rule's signal), against `journalctl -p err` on the real journals of the corpus.
@Suite("journal errors per minute", .enabled(if: TestPaths.corpus != nil, "needs the corpus (../shared/corpus)"))
struct JournalErrorCountTests {
    static let journalctl = "/usr/bin/journalctl"

    /// Per boot, per minute since the epoch: the entries `journalctl --file F -p err` prints.
    static func journalctlErrors(_ file: String) throws -> [String: [Int64: Int]]? {
        let r = try Command.run(journalctl, ["--file", file, "-p", "err", "-o", "json", "--no-pager"])
        guard r.status == 0 else { return nil }
        var out: [String: [Int64: Int]] = [:]
        for line in r.stdoutText.split(separator: "\n") {
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            guard let boot = json?["_BOOT_ID"] as? String, let t = (json?["__REALTIME_TIMESTAMP"] as? String).flatMap(Int64.init)
            else { continue }
            out[boot, default: [:]][t / 60_000_000, default: 0] += 1
        }
        return out
    }

    static func minutes(_ report: PostmortemReport) -> [Int64: Int]? {
        report.journalErrorsPerMinute.map { points in
            Dictionary(uniqueKeysWithValues: points.map { ($0.start.microseconds / 60_000_000, Int($0.value)) })
        }
    }

    @Test("every boot of every corpus journal counts journalctl -p err's entries in each minute, read through the index or whole",
          .enabled(if: FileManager.default.isExecutableFile(atPath: journalctl), "needs journalctl"))
    func corpusMatchesJournalctl() throws {
        var compared = 0, withErrors = 0
        for file in TestPaths.corpusFiles("journals") where file.hasSuffix(".journal") {
            guard let expected = try Self.journalctlErrors(file) else { continue }
            let boots = Fixture.analyze([file]).boots.map(\.bootID)
            for boot in boots {
                for reading in [JournalReading.auto, .everyEntry] {
                    var options = AnalysisOptions(boot: .id(boot))
                    options.reading = reading
                    let r = Fixture.analyze([file], options: options)
                    #expect(r.analyzedBoot == boot)
                    #expect(Self.minutes(r) == (expected[boot] ?? [:]), "\(file) boot \(boot) \(reading)")
                }
                compared += 1
                if !(expected[boot] ?? [:]).isEmpty { withErrors += 1 }
            }
        }
        // Real boots with errors and without were both compared.
        #expect(compared >= 8 && withErrors >= 3 && withErrors < compared, "\(compared) boots, \(withErrors) with errors")
    }

    @Test("a time window counts only its own entries")
    func windowed() throws {
        let file = try #require(TestPaths.corpusFiles("journals").first { $0.hasSuffix("s4-rhel91-system.journal") })
        let all = try #require(Self.minutes(Fixture.analyze([file])))
        let (first, last) = (try #require(all.keys.min()), try #require(all.keys.max()))
        try #require(first < last)
        var options = AnalysisOptions()
        options.since = Timestamp(microseconds: (first + 1) * 60_000_000)
        let windowed = try #require(Self.minutes(Fixture.analyze([file], options: options)))
        #expect(windowed == all.filter { $0.key > first })
    }

    @Test("kernel logs alone give no journal error count (nil, not zero)")
    func textHasNone() throws {
        let log = try #require(TestPaths.corpusFiles("kernel").first { $0.hasSuffix("s4-ubuntu16-kern.log") })
        var input = AnalysisInput(journal: nil)
        input.kernelLogs = [try KernelLogReader.read(path: log)]
        let r = Analyzer.analyze(input, options: AnalysisOptions())
        #expect(r.analyzedBoot != nil && r.boots.allSatisfy { $0.textOnly == true })
        #expect(r.journalErrorsPerMinute == nil)
    }
}
