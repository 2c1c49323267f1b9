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
            #expect(entries == r.inputs.filter { $0.kind == "journal" }.reduce(0) { $0 + $1.entries }, "\(path)")
        }
    }

    /// MANIFEST: the KDE set read together holds 2202 entries and 3 boots, 68f2e61d…,
    /// 27acae2f…, 2dbe99dd… in that order.
    @Test func kdeSetBoots() throws {
        let files = TestPaths.corpusFiles("journals").filter { $0.contains("/kjournald-") }
        try #require(!files.isEmpty)
        let r = Fixture.analyze(files)
        #expect(r.boots.count == 3)
        #expect(r.boots.reduce(0) { $0 + $1.entries } == 2202)
        #expect(r.boots.map { String($0.bootID.prefix(8)) } == ["68f2e61d", "27acae2f", "2dbe99dd"])
        #expect(r.boots.allSatisfy { !$0.endEvidence.isEmpty })
        // journalctl -b 0 shows the next boot's journald renaming the dirty system.journal
        // (relayed by klogd) and FAT-fs finding mmcblk0p1 not unmounted: boot -1 died.
        #expect(r.boots.map(\.end)[1] == .unclean)
        #expect(r.boots[1].endEvidence.contains { $0.contains("uncleanly shut down") })
        // Boot -2 ends with systemd-shutdown and "Journal stopped".
        #expect(r.boots[0].end == .clean)
        #expect(r.analyzedBoot == r.boots[1].bootID)
    }
}
