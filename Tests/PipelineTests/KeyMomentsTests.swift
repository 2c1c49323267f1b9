import Foundation
import Testing
import TestSupport

/// The Markdown report's key moments on real journals: rows in time order, each on the clock
/// the events table uses.
@Suite(.enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus"))
struct KeyMomentsTests {
    static func keyMoments(_ journal: String) throws -> [(time: String, moment: String, detail: String)] {
        let path = try #require(TestPaths.corpus) + "/journals/" + journal
        let r = try Command.run(TestPaths.executable, ["analyze", "--utc", "--format", "markdown", path])
        try #require(r.status == 0, "\(r.stderrText)")
        let lines = r.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex(of: "### Key moments"))
        return lines[(start + 1)...].prefix { !$0.hasPrefix("###") }.filter { $0.hasPrefix("| ") && !$0.hasPrefix("| Time") }
            .map { line in
                let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                return (cells[1], cells[2], cells[3])
            }
    }

    /// RHEL 9.1: NTP stepped the clock forward by 2 min 11 s, 20 s into the boot (journalctl
    /// shows the entries jump from 20:56:45 to 20:58:57). The kernel started at 20:58:36 on the
    /// new clock, 20:56:25 on the one its first entries (and the first symptom, mcelog's
    /// failure at 20:56:34) were stamped with: the boot's start comes first.
    @Test func bootStartBeforeAClockStep() throws {
        let rows = try Self.keyMoments("s4-rhel91-system.journal")
        let began = try #require(rows.first { $0.moment == "Boot began" })
        #expect(began.time == "20:56:25")
        #expect(began.detail == "kernel start, on the clock before it stepped forward by 2 min 11 s")
        #expect(rows.first?.moment == "Boot began")
        #expect(rows.map(\.time) == rows.map(\.time).sorted())
        #expect(rows.contains { $0.moment == "First symptom" && $0.time == "20:56:34" })
    }

    /// Negative: a boot without a clock step keeps its kernel start as it is.
    @Test func bootStartWithoutAStep() throws {
        let rows = try Self.keyMoments("s4-ubuntu16-system.journal")
        let began = try #require(rows.first { $0.moment == "Boot began" })
        #expect(began.detail == "kernel start")
        #expect(rows.map(\.time) == rows.map(\.time).sorted())
    }
}
