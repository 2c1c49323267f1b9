import Foundation
@testable import Inputs
import Testing
import TestSupport

/// Host facts through discovery and the built executable: a host root's os-release and
/// sysctl files are found (links not followed), and the reference sample's facts reach the JSON.
@Suite("host facts end to end", .serialized)
struct HostFactsPipelineTests {
    @Test("a host root's os-release and sysctl files are read; symbolic links and other files are not")
    func discovery() throws {
        let base = TestPaths.scratch("hostfacts-discovery")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let fm = FileManager.default
        for dir in ["etc/sysctl.d", "usr/lib/sysctl.d", "var/log"] {
            try fm.createDirectory(atPath: base + "/" + dir, withIntermediateDirectories: true)
        }
        try "kernel.panic = 10\n".write(toFile: base + "/etc/sysctl.conf", atomically: true, encoding: .utf8)
        try "kernel.hung_task_panic=1\n".write(toFile: base + "/usr/lib/sysctl.d/50-x.conf", atomically: true, encoding: .utf8)
        try "not a conf\n".write(toFile: base + "/etc/sysctl.d/README", atomically: true, encoding: .utf8)
        try "NAME=Test\n".write(toFile: base + "/usr/lib/os-release", atomically: true, encoding: .utf8)
        // Distributions link these; an absolute link would name the analyst's own files.
        try fm.createSymbolicLink(atPath: base + "/etc/os-release", withDestinationPath: "/etc/os-release")
        try fm.createSymbolicLink(atPath: base + "/etc/sysctl.d/99-sysctl.conf", withDestinationPath: "/etc/sysctl.conf")
        try "Feb 10 20:42:53 h kernel: [    0.000000] Linux version 6.1.0 (x)\n".write(toFile: base + "/var/log/kern.log",
                                                                                      atomically: true, encoding: .utf8)
        let hosts = InputDiscovery.discover(paths: [base], root: nil)
        let files = try #require(hosts.first).hostFiles
        #expect(files.map(\.hostPath) == ["/usr/lib/os-release", "/etc/sysctl.conf", "/usr/lib/sysctl.d/50-x.conf"])
        #expect(files.first?.text == "NAME=Test\n")
    }

    @Test("the reference incident: Debian 12 on KVM, softlockup_panic=1 from kern.log's command line, up 13 hours")
    func referenceSample() throws {
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", "--format", "json",
                                                       TestPaths.packageRoot + "/samples/reference-incident"])
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any] ?? [:]
        let facts = try #require((object["host"] as? [String: Any])?["facts"] as? [String: Any])
        #expect((facts["os"] as? [String: Any])?["name"] as? String == "Debian GNU/Linux 12 (bookworm)")
        #expect((facts["kernel"] as? [String: Any])?["version"] as? String == "6.1.0-18-amd64")
        let lockup = (facts["panic_settings"] as? [String: Any])?["softlockup_panic"] as? [String: Any]
        #expect(lockup?["value"] as? String == "1")
        #expect((lockup?["source"] as? String)?.hasSuffix("kern.log:2)") == true)
        let memory = facts["memory"] as? [String: Any]
        #expect(memory?["total_kb"] as? Int == 25_165_280)
        #expect(memory?["swap_kb"] as? Int == 0)
        #expect((facts["cpus"] as? [String: Any])?["online"] as? Int == 2)
        #expect((facts["virtualization"] as? [String: Any])?["hypervisor"] as? String == "KVM")
        // Kernel start 20:42:48, last sign of life (the panic in kern.log) 09:52:23: 13 h 9 min 35 s.
        let uptime = try #require(facts["uptime_at_end_seconds"] as? Double)
        #expect(abs(uptime - 47_375) < 2)
    }
}

/// The text report's tables in an 80-column terminal (`script` gives the binary a pty with
/// `stty cols 80`) and written to a pipe: they fit, and nothing in them is cut.
@Suite("text report at 80 columns", .serialized)
struct EightyColumnTests {
    static var hasScript: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/script") }

    /// The lines from the Units heading up to the Timeline heading, colour codes and CRs removed.
    static func sections(_ output: String) -> [String] {
        var clean = ""
        var skipping = false
        for ch in output.unicodeScalars {
            if ch == "\u{1B}" { skipping = true; continue }
            if skipping { if ch == "m" { skipping = false }; continue }
            if ch != "\r" { clean.unicodeScalars.append(ch) }
        }
        let lines = clean.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "Units"), let end = lines.firstIndex(of: "Timeline"), start < end else { return [] }
        return Array(lines[start..<end])
    }

    static func check(_ lines: [String]) {
        #expect(lines.contains("Host facts") && lines.contains("OOM kills") && lines.contains("Kernel distress"))
        for line in lines {
            // Only a word longer than the line (an absolute path) may run past the edge, whole.
            let oneWord = !line.drop(while: { $0 == " " }).contains(" ")
            #expect(line.count <= 80 || oneWord, "\(line.count) columns: \(line)")
            #expect(!line.contains("…"), "cut: \(line)")
        }
    }

    @Test("in a terminal of 80 columns", .enabled(if: EightyColumnTests.hasScript, "needs script(1)"))
    func terminal() throws {
        let command = "stty cols 80 rows 60; '\(TestPaths.executable)' analyze --utc --quiet '\(TestPaths.packageRoot)/samples/reference-incident'"
        let r = try Command.run("/usr/bin/script", ["-qec", command, "/dev/null"])
        Self.check(Self.sections(r.stdoutText))
    }

    @Test("written to a pipe with COLUMNS=80")
    func pipe() throws {
        let r = try Command.shell("COLUMNS=80 '\(TestPaths.executable)' analyze --utc --quiet '\(TestPaths.packageRoot)/samples/reference-incident' | cat")
        Self.check(Self.sections(r.stdoutText))
    }
}
