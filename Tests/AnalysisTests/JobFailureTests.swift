import Analysis
import Foundation
import Testing
import TestSupport

/// Start jobs that did not complete ("Failed to start X.", "Dependency failed for X."), on the
/// corpus's RHEL 9.1 journal with journalctl as the oracle: its `MESSAGE_ID=be02cf68…` entries,
/// each unit's `JOB_RESULT` counted.
@Suite(.enabled(if: TestPaths.corpus != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl")))
struct JobFailureTests {
    @Test func startJobsThatFailedAgainstJournalctl() throws {
        let path = try #require(TestPaths.corpus) + "/journals/s4-rhel91-system.journal"
        let out = try Command.run("/usr/bin/journalctl", ["--file", path, "MESSAGE_ID=be02cf6855d2428ba40df7e9d022f03d",
                                                          "-o", "json", "--no-pager"])
        var expected: [String: [String: Int]] = [:]
        for line in out.stdoutText.split(separator: "\n") {
            let e = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let unit = try #require((e["UNIT"] ?? e["USER_UNIT"]) as? String)
            expected[unit, default: [:]][e["JOB_RESULT"] as? String ?? "failed", default: 0] += 1
        }
        // Two plain failures and one dependency failure, the last in a user manager.
        try #require(expected.values.map { $0.values.reduce(0, +) }.reduce(0, +) == 3)
        let report = Fixture.analyze([path])
        for (unit, results) in expected {
            let u = try #require(report.units.first { $0.unit == unit }, "\(unit)")
            #expect(u.jobFailures == results, "\(unit)")
        }
        // Negative: units whose start jobs all completed have none.
        #expect(report.units.filter { expected[$0.unit] == nil }.allSatisfy { $0.jobFailures.isEmpty })
        // The units table says why a unit without a result of its own is listed.
        let xsettings = try #require(report.units.first { $0.unit == "org.gnome.SettingsDaemon.XSettings.service" })
        #expect(xsettings.results.isEmpty && xsettings.jobFailures == ["dependency": 1])
    }
}
