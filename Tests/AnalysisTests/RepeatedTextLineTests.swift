import Foundation
import KernelLog
import TestSupport
import Testing
@testable import Analysis

/// A line that appears in two files (syslog and daemon.log, a rotation's overlap) counts once;
/// a line repeated within one file counts every time: systemd v219 writes a crash loop's restart
/// lines identically, several in one second of a syslog stamp. Real v219 lines (the cgrates
/// excerpt, Tests/KernelLogTests/Fixtures/text).
@Suite struct RepeatedTextLineTests {
    static func file(_ text: String, _ path: String) -> KernelLogFile {
        KernelLogReader.parse(bytes: Array(text.utf8), path: path, modificationTime: nil)
    }

    @Test func repeatedLinesCountInOneFileNotAcrossFiles() throws {
        let fixture = try String(contentsOfFile: TestPaths.packageRoot + "/Tests/KernelLogTests/Fixtures/text/cgrates-v219-start-limit.log",
                                 encoding: .utf8)
        let lines = fixture.split(separator: "\n").filter { !$0.hasPrefix("# ") }
        let restart = try #require(lines.first { $0.hasSuffix("holdoff time over, scheduling restart.") })
        // Three restarts in one second, then the start limit.
        let text = ([restart, restart, restart] + lines.dropFirst()).joined(separator: "\n") + "\n"
        func restarts(_ files: [KernelLogFile]) -> Int? {
            Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: files), options: AnalysisOptions())
                .units.first { $0.unit == "cgrates.service" }?.restartsObserved
        }
        #expect(restarts([Self.file(text, "/var/log/messages")]) == 3)
        // The same lines in a second file (daemon.log beside syslog) are the same restarts.
        #expect(restarts([Self.file(text, "/var/log/messages"), Self.file(text, "/var/log/daemon.log")]) == 3)
        // A second file with only one of them adds none; one with four adds the fourth.
        let one = ([restart] + lines.dropFirst()).joined(separator: "\n") + "\n"
        #expect(restarts([Self.file(text, "/var/log/messages"), Self.file(one, "/var/log/daemon.log")]) == 3)
        let four = ([restart, restart, restart, restart] + lines.dropFirst()).joined(separator: "\n") + "\n"
        #expect(restarts([Self.file(text, "/var/log/messages"), Self.file(four, "/var/log/daemon.log")]) == 4)
    }
}
