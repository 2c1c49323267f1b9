import Foundation
import Testing
import TestSupport

/// journalctl's `-o cat` keeps only the messages: no time, no host, no sender. Such a file is
/// read in file order, and the report says why no boot is placed and which outputs keep times.
@Suite(.enabled(if: TestPaths.corpus != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl"),
                "needs ../shared/corpus and journalctl"))
struct CatOutputTests {
    static func analyze(_ mode: String) throws -> String {
        let journal = try #require(TestPaths.corpus) + "/journals/s4-rhel91-system.journal"
        let dir = TestPaths.scratch("cat-output-\(mode)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try Command.run("/usr/bin/journalctl", ["--file", journal, "-o", mode, "--no-pager"], environment: ["TZ": "UTC"])
        try #require(text.status == 0)
        let path = dir + "/boot.txt"
        try text.stdoutText.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try Command.run(TestPaths.executable, ["analyze", "--utc", path])
        try #require(r.status == 0, "\(r.stderrText)")
        return r.stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func catOutputSaysItHasNoTimes() throws {
        let report = try Self.analyze("cat")
        #expect(report.hasPrefix("unknown host: No time in the input: none of its lines carries one (journalctl -o cat drops them)"))
        #expect(report.contains("boot.txt: none of the 2,0"), "the file's two thousand lines")
        #expect(report.contains("lines carries a time (journalctl -o cat drops them; -o short-iso, short-monotonic or export keep them): "
                                + "read in file order, no boot placed or told apart in them"))
        // Said once: not also as the reader's own note about unstamped lines.
        #expect(!report.contains("carry no timestamp at all"))
        #expect(!report.contains("No boot found in the input"))
    }

    /// Negative: journalctl's short-monotonic text keeps the kernel's stamps. Its one boot (it
    /// holds the kernel's `Linux version` line) is read by the kernel's clock, said as such, not
    /// "no boot"; its systemd lines, without a wall-clock time, are said to be left uncounted.
    @Test func shortMonotonicHasTimes() throws {
        let report = try Self.analyze("short-monotonic")
        #expect(!report.contains("No time in the input"))
        #expect(!report.contains("journalctl -o cat drops them"))
        #expect(report.contains("No journal and no wall-clock time in the input: one boot, from its kernel's \"Linux version\" line on"))
        #expect(!report.contains("No boot found in the input"))
        #expect(report.contains("systemd lines of text logs carry no wall-clock time (journalctl short-monotonic); their unit events are not counted"))
    }
}
