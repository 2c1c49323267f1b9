import Foundation
import Journal
import KernelLog
import TestSupport
import Testing
@testable import Analysis

/// One boot read from its journal and from journalctl's text of it gives the same units table:
/// the text's rules are the journal's. Corpus journals (MANIFEST §1) rendered by journalctl;
/// the one difference allowed is a start the text names only by a description nothing ties
/// to a unit (fewer starts in the text, never more, and said in a note).
@Suite(.enabled(if: TestPaths.corpus != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl"),
                "needs ../shared/corpus and journalctl"))
struct TextJournalParityTests {
    static func both(_ name: String) throws -> (journal: PostmortemReport, text: PostmortemReport, path: String) {
        let path = try #require(TestPaths.corpus) + "/journals/" + name
        let out = try Command.run("/usr/bin/journalctl", ["--file", path, "--no-pager", "-o", "short-iso"], environment: ["TZ": "UTC"])
        try #require(out.status == 0, "\(out.stderrText)")
        let text = KernelLogReader.parse(bytes: Array(out.stdoutText.utf8), path: "boot.txt", modificationTime: nil)
        var options = AnalysisOptions()
        options.boot = .all
        return (Analyzer.analyze(AnalysisInput(journal: JournalReader(paths: [path])), options: options),
                Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [text]), options: options), path)
    }

    @Test(arguments: ["s4-rhel91-system.journal",
                      "s4-opensuse15-system@29912846da1c4d1d8d50dd155c553bdc-0000000000005156-00060c85794a2d40.journal"])
    func unitsTableAgrees(_ name: String) throws {
        let (journal, text, _) = try Self.both(name)
        try #require(!journal.units.isEmpty)
        #expect(Set(journal.units.map(\.unit)) == Set(text.units.map(\.unit)))
        for j in journal.units {
            guard let t = text.units.first(where: { $0.unit == j.unit }) else { continue }
            #expect(t.restartsObserved == j.restartsObserved, "\(j.unit)")
            #expect(t.restartCounterMax == j.restartCounterMax, "\(j.unit)")
            #expect(t.exitStatuses == j.exitStatuses, "\(j.unit)")
            #expect(t.results == j.results, "\(j.unit)")
            #expect(t.jobFailures == j.jobFailures, "\(j.unit)")
            #expect(t.starts <= j.starts, "\(j.unit)")
        }
    }

    /// PID 1 logs through /dev/kmsg around switch-root (`_TRANSPORT=kernel`, no `_PID`): its
    /// "systemd-journald.service: Scheduled restart job" is a restart in the journal as in the
    /// text, where it reads `systemd[1]:`.
    @Test func pid1LinesThroughTheKernelLog() throws {
        let (journal, text, path) = try Self.both("s4-rhel91-system.journal")
        let oracle = try Command.run("/usr/bin/journalctl", ["--file", path, "--no-pager", "-o", "json", "_TRANSPORT=kernel",
                                                             "SYSLOG_IDENTIFIER=systemd"])
        let restarts = oracle.stdoutText.split(separator: "\n").filter { $0.contains("systemd-journald.service: Scheduled restart job") }
        try #require(restarts.count == 1)
        #expect(journal.units.first { $0.unit == "systemd-journald.service" }?.restartsObserved == 1)
        #expect(text.units.first { $0.unit == "systemd-journald.service" }?.restartsObserved == 1)
    }
}
