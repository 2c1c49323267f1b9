import Foundation
import Testing
import TestSupport

/// The Markdown report on real journals: its key moments in time order, each on the clock the
/// events table uses; its impact only where there was trouble.
@Suite(.enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus"))
struct MarkdownRealJournalTests {
    static func markdown(_ journal: String) throws -> String {
        let path = try #require(TestPaths.corpus) + "/journals/" + journal
        let r = try Command.run(TestPaths.executable, ["analyze", "--utc", "--format", "markdown", path])
        try #require(r.status == 0, "\(r.stderrText)")
        return r.stdoutText
    }

    static func keyMoments(_ journal: String) throws -> [(time: String, moment: String, detail: String)] {
        let lines = try markdown(journal).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
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

    /// A boot still running with no cause ranked (RHEL 9: mcelog failed at boot, the machine
    /// ran on for an hour) was not degraded for that hour; the reference incident's crash was.
    @Test func degradedOnlyWithTrouble() throws {
        #expect(!(try Self.markdown("s4-rhel91-system.journal")).contains("**Degraded:**"))
        #expect(!(try Self.markdown("velociraptor-truncated-compact.journal")).contains("**Degraded:**"))
        let r = try Command.run(TestPaths.executable, ["analyze", "--utc", "--format", "markdown",
                                                       TestPaths.packageRoot + "/samples/reference-incident"])
        #expect(r.stdoutText.contains("- **Degraded:** 2024-02-10 20:45:02 UTC → 2024-02-11 09:52:23 UTC"))
    }
}
