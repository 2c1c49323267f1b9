import Analysis
import Foundation
import Testing
@testable import Report

/// Boot-end evidence is facts; the report writes it, its times in the report's zone (the JSON's
/// in ISO 8601 UTC, as the document's other times).
@Suite("boot-end evidence")
struct BootEndTextTests {
    static let at = Timestamp(microseconds: 1_707_558_872_988_726)  // 2024-02-10 09:54:32.988726 UTC
    static let cursor = "s=19ac6e19a1ba81d02e0d8efeaa84995b;i=1edca"

    @Test("each piece is one sentence from its facts", arguments: [
        (BootEndEvidence.noShutdownMarkers, "no shutdown markers in the boot's last entries"),
        (.marker(time: at, text: "Syncing filesystems and block devices.", cursor: cursor),
         "09:54:32 Syncing filesystems and block devices. (\(cursor))"),
        (.shutdownBegun(time: at, text: "Reached target System Reboot.", cursor: cursor),
         "shutdown had begun: 09:54:32 Reached target System Reboot. (\(cursor))"),
        (.nextBootNotice(text: "EXT4-fs (sda1): recovery complete", cursor: cursor), "next boot: EXT4-fs (sda1): recovery complete (\(cursor))"),
        (.outweighed(.dirtyFile(path: "/var/log/journal/x/system@a.journal~")),
         "but its entries are in /var/log/journal/x/system@a.journal~, a file journald found dirty"),
        (.crashDumpRecords(count: 1_204, source: "/var/lib/systemd/pstore/dmesg-efi-1"),
         "crash dump records (1,204) from /var/lib/systemd/pstore/dmesg-efi-1"),
        (.dirtyFilesSeen(["a.journal~", "b.journal~"]), "dirty journal files seen: a.journal~, b.journal~"),
        (.text("as it was read back"), "as it was read back"),
        (.userManagerStopping(time: at, who: "systemd[305]"),
         "its user manager (systemd[305]) was stopping at 09:54:32: a logout, or a shutdown whose system lines were lost"),
    ])
    func sentence(_ evidence: BootEndEvidence, _ expected: String) {
        #expect(BootEndText.sentence(evidence, time: ZonedClock(zone: .utc).time) == expected)
    }

    @Test("an unclean end while a user manager was stopping is said so in the verdict line; without it, plainly")
    func userManagerStoppingVerdict() {
        var report = ReferenceReports.unclean()
        report.rootCauses = []
        report.kernelEvents = []
        report.oomKills = []
        report.end?.evidence = [.noShutdownMarkers]
        let plain = ReportRenderer.render(report, as: .text, options: RenderOptions(timeZone: .utc, width: 400))
        #expect(plain.contains(": stopped without shutting down"), "\(plain)")
        report.end?.evidence.append(.userManagerStopping(time: Self.at, who: "systemd[305]"))
        let line = ReportRenderer.render(report, as: .text, options: RenderOptions(timeZone: .utc, width: 400))
        #expect(line.contains(": stopped while its user manager was stopping (a logout, or a shutdown whose system lines were lost)"), "\(line)")
    }

    @Test("a marker's time is in the report's zone in text and HTML, ISO 8601 UTC in JSON")
    func markerTimeFollowsTheZone() throws {
        var report = ReferenceReports.unclean()
        let evidence = BootEndEvidence.marker(time: Self.at, text: "Journal stopped", cursor: Self.cursor)
        report.end?.evidence = [evidence]
        let newYork = RenderOptions(timeZone: .named("America/New_York"), width: 400)
        let text = ReportRenderer.render(report, as: .text, options: newYork)
        #expect(text.contains("evidence: 04:54:32 Journal stopped (\(Self.cursor))"))
        #expect(!text.contains("09:54:32 Journal stopped"))
        let html = ReportRenderer.render(report, as: .html, options: newYork)
        #expect(html.contains("04:54:32 Journal stopped"))
        let json = ReportRenderer.render(report, as: .json, options: newYork)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let end = try #require(object["end"] as? [String: Any])
        #expect(end["evidence"] as? [String] == ["2024-02-10T09:54:32.988726Z Journal stopped (\(Self.cursor))"])
        // Read back, the JSON's evidence is its sentence.
        let decoded = try JSONDecoder().decode(BootEnd.self, from: JSONSerialization.data(withJSONObject: end))
        #expect(decoded.evidence == [.text("2024-02-10T09:54:32.988726Z Journal stopped (\(Self.cursor))")])
    }
}
