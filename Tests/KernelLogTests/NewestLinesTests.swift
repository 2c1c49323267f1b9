import Foundation
import TestSupport
import Testing
@testable import KernelLog

/// A text log with more of systemd's lines than are kept is read from where its newest ones
/// begin (how the boot ended is at its end), and a log read from its end keeps its lines' numbers
/// in the whole file, so that `file:line` evidence points at them.
@Suite struct NewestLinesTests {
    static let fixture = TestPaths.packageRoot + "/Tests/KernelLogTests/Fixtures/text/kubernetes-anywhere-v229-restart.log"

    static func lines() throws -> [String] {
        try String(contentsOfFile: fixture, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("# ") }.map(String.init)
    }

    @Test("over the cap: the newest systemd lines are read, the older ones named in a note")
    func newestKept() throws {
        let lines = try Self.lines()
        let text = (lines.joined(separator: "\n") + "\n")
        // Ten systemd lines; three kept: the last failure's.
        let file = KernelLogReader.parsePlain(bytes: Array(text.utf8), path: "/var/log/syslog", modificationTime: nil, messagesKept: 3)
        #expect(file.messages.map(\.record.text) == [
            "kubelet.service: Main process exited, code=exited, status=125/n/a",
            "kubelet.service: Unit entered failed state.",
            "kubelet.service: Failed with result 'exit-code'.",
        ])
        #expect(file.messages.map(\.record.sources.first?.line) == [9, 10, 11])
        #expect(file.notes.contains { $0.contains("lines 1–8 were not read") })
        // Within the cap: everything, no note.
        let whole = KernelLogReader.parsePlain(bytes: Array(text.utf8), path: "/var/log/syslog", modificationTime: nil, messagesKept: 10)
        #expect(whole.messages.count == 10 && !whole.notes.contains { $0.contains("were not read") })
    }

    @Test("the window's start: the newest N lines that may be systemd's, over-counted, never under")
    func windowStart() {
        let text = Array(("Jan  1 00:00:00 h other[1]: one systemd word\n"  // counts: "systemd" among its first bytes
                          + "Jan  1 00:00:01 h systemd[1]: Started a.service.\n"
                          + "Jan  1 00:00:02 h kernel: fork failed: Resource temporarily unavailable\n"
                          + "Jan  1 00:00:03 h app[2]: nothing\n").utf8)
        text.withUnsafeBufferPointer { b in
            let secondLine = text.firstIndex(of: 0x0A).map { $0 + 1 } ?? -1
            #expect(FileBuilder.newestWindowStart(b, systemLines: 2) == secondLine)
            #expect(FileBuilder.newestWindowStart(b, systemLines: 3) == 0)
            #expect(FileBuilder.newestWindowStart(b, systemLines: 0) == 0)
        }
    }

    @Test("a log read from its end numbers its lines as the whole file does")
    func firstLine() throws {
        let lines = try Self.lines()
        let text = lines.suffix(3).joined(separator: "\n") + "\n"
        let file = KernelLogReader.parse(bytes: Array(text.utf8), path: "/var/log/syslog", modificationTime: nil,
                                         firstLine: lines.count - 2)
        #expect(file.messages.map(\.record.sources.first?.line) == [lines.count - 2, lines.count - 1, lines.count])
    }
}
