import Foundation
import Testing
import TestSupport

/// A unit's provenance from the host tree: the `.wants` link that enables it and the dpkg file
/// list that owns its unit file, as `postmortem` reads them from a copy of `/`.
@Suite("unit provenance", .serialized)
struct ProvenanceTests {
    @Test("the wants link and the owning package of polyscan.service reach the JSON and the text report")
    func wantsAndPackage() throws {
        let (generated, _) = try Scenarios.generate("reference-incident")
        let root = TestPaths.scratch("provenance")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        let copy = try Command.shell("cp -r '\(generated)/.' '\(root)/'")
        try #require(copy.status == 0, "\(copy.stderrText)")
        let wants = root + "/etc/systemd/system/multi-user.target.wants"
        try fm.createDirectory(atPath: wants, withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: wants + "/polyscan.service", withDestinationPath: "/etc/systemd/system/polyscan.service")
        let info = root + "/var/lib/dpkg/info"
        try fm.createDirectory(atPath: info, withIntermediateDirectories: true)
        try "/.\n/etc\n/etc/systemd\n/etc/systemd/system\n/etc/systemd/system/polyscan.service\n/usr/local/bin/polyscan\n"
            .write(toFile: info + "/polyscan.list", atomically: true, encoding: .utf8)
        try "/.\n/usr/bin/python3.11\n".write(toFile: info + "/python3.11-minimal:amd64.list", atomically: true, encoding: .utf8)

        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", "--format", "json", root])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any] ?? [:]
        let units = json["units"] as? [[String: Any]] ?? []
        let poly = units.first { $0["unit"] as? String == "polyscan.service" }
        let p = poly?["provenance"] as? [String: Any]
        #expect(p?["package"] as? String == "polyscan")
        #expect(p?["wanted_by"] as? [String] == ["multi-user.target"])
        let video = units.first { $0["unit"] as? String == "video-pipeline.service" }?["provenance"] as? [String: Any]
        #expect(video?["package"] == nil, "no list owns video-pipeline.service")
        #expect(video?["wanted_by"] as? [String] == [])

        let text = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", root])
        #expect(text.stdoutText.contains("unit: package: polyscan"))
        #expect(text.stdoutText.contains("unit: enabled in: multi-user.target"))
    }
}
