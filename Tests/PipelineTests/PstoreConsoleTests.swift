import Foundation
import Testing
import TestSupport

/// `console-ramoops-N` is pstore's copy of the previous boot's console: the kernel keeps it after
/// every warm reboot, clean or not. It is that boot's last kernel lines, not a crash record.
/// Before, a clean reboot with one was "crashed" (crash dump records, crash artefacts), and the
/// file, dated when the next boot mounted pstore, was put in that next boot.
///
/// The host is the healthy-reboot sample (a `sudo reboot`); its console holds what the journal
/// holds of the shutdown (systemd-shutdown's kernel-log lines, same stamps) and the kernel's last
/// line after it. The negative: the same console ending in a panic (syzkaller 349's panic line)
/// makes that boot unclean.
@Suite struct PstoreConsoleTests {
    static let shutdownLines = """
        [ 5658.988365] systemd-shutdown[1]: Syncing filesystems and block devices.
        [ 5659.008365] systemd-shutdown[1]: Sending SIGTERM to remaining processes...
        [ 5659.048365] systemd-shutdown[1]: Sending SIGKILL to remaining processes...

        """

    /// A copy of the sample with `console` as `sys/fs/pstore/console-ramoops-0`.
    static func host(console: String) throws -> String {
        let dir = TestPaths.scratch("pstore-console")
        try FileManager.default.copyItem(atPath: TestPaths.packageRoot + "/samples/healthy-reboot", toPath: dir + "/host")
        try FileManager.default.createDirectory(atPath: dir + "/host/sys/fs/pstore", withIntermediateDirectories: true)
        try console.write(toFile: dir + "/host/sys/fs/pstore/console-ramoops-0", atomically: true, encoding: .utf8)
        return dir + "/host"
    }

    static func json(_ args: [String]) throws -> [String: Any] {
        let r = try Command.run(TestPaths.executable, args)
        try #require(r.status == 0, "\(r.stderrText)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdoutText.utf8)) as? [String: Any])
    }

    static func ends(_ path: String) throws -> [String] {
        let r = try Command.run(TestPaths.executable, ["boots", "-o", "json", path])
        try #require(r.status == 0, "\(r.stderrText)")
        let boots = try #require(try JSONSerialization.jsonObject(with: Data(r.stdoutText.utf8)) as? [[String: Any]])
        return boots.map { $0["end"] as? String ?? "?" }
    }

    @Test func aCleanRebootsConsoleIsNoCrash() throws {
        let host = try Self.host(console: Self.shutdownLines + "[ 5659.098365] reboot: Restarting system\n")
        defer { try? FileManager.default.removeItem(atPath: (host as NSString).deletingLastPathComponent) }
        let sample = TestPaths.packageRoot + "/samples/healthy-reboot"
        // Every boot ends as it does without the console.
        #expect(try Self.ends(host) == Self.ends(sample))
        let withConsole = try Self.json(["analyze", "--format", "json", "--boot", "-1", host])
        let end = try #require(withConsole["end"] as? [String: Any])
        #expect(end["kind"] as? String == "clean")
        let evidence = (end["evidence"] as? [String]) ?? []
        #expect(!evidence.contains { $0.contains("crash") }, "\(evidence)")
        // It was read, as the previous boot's kernel lines.
        let inputs = (withConsole["inputs"] as? [[String: Any]]) ?? []
        #expect(inputs.contains { ($0["path"] as? String)?.hasSuffix("console-ramoops-0") == true && $0["entries"] as? Int == 4 })
        // The newest boot is not made to crash by it either.
        let newest = try Self.json(["analyze", "--format", "json", "--boot", "0", host])
        let plain = try Self.json(["analyze", "--format", "json", "--boot", "0", sample])
        #expect((newest["end"] as? [String: Any])?["kind"] as? String == (plain["end"] as? [String: Any])?["kind"] as? String)
    }

    @Test(.enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus (syzkaller 349)"))
    func aConsoleEndingInAPanicIsACrash() throws {
        let report = try #require(TestPaths.corpusFiles("kernel").first { $0.hasSuffix("/syzkaller-report-349-hung-task-jbd2-panic.log") })
        let line = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n")
            .first { $0.contains("Kernel panic - not syncing") }
        let text = try #require(line?.split(separator: "]", maxSplits: 2).last?.drop { $0 == " " })
        #expect(text == "Kernel panic - not syncing: hung_task: blocked tasks")
        let host = try Self.host(console: Self.shutdownLines + "[ 5659.098365] \(text)\n")
        defer { try? FileManager.default.removeItem(atPath: (host as NSString).deletingLastPathComponent) }
        #expect(try Self.ends(host) == ["unclean", "ongoing"])
        let r = try Self.json(["analyze", "--format", "json", "--boot", "-1", host])
        let end = try #require(r["end"] as? [String: Any])
        #expect(end["kind"] as? String == "unclean")
        #expect(end["last_sign_source"] as? String == "pstore")
    }
}
