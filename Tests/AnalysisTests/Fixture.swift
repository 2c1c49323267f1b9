import Foundation
import Journal
import TestSupport
@testable import Analysis

/// Writes made-up entries into a real journal file with systemd-journal-remote, for tests
/// whose expected answer is known from how the input was built.
struct Fixture {
    var export = ExportBuilder()
    let machineID = "4f1e3d2c1b0a49388776655443322110"
    let host = "testhost"

    static let t0: UInt64 = 1_720_000_000_000_000  // 2024-07-03T09:46:40Z

    mutating func entry(_ realtime: UInt64, boot: String, bootStart: UInt64, pid: Int, _ fields: [(String, String)]) {
        var all: [(String, String)] = [("_HOSTNAME", host), ("_MACHINE_ID", machineID), ("_PID", String(pid))]
        if !fields.contains(where: { $0.0 == "_TRANSPORT" }) { all.append(("_TRANSPORT", "journal")) }
        all += fields
        export.add(realtime: realtime, monotonic: realtime - bootStart + 1_000_000, bootID: boot, all)
    }

    mutating func pid1(_ t: UInt64, boot: String, bootStart: UInt64, _ message: String, _ extra: [(String, String)] = []) {
        entry(t, boot: boot, bootStart: bootStart, pid: 1,
              [("SYSLOG_IDENTIFIER", "systemd"), ("PRIORITY", "6"), ("MESSAGE", message)] + extra)
    }

    mutating func kernel(_ t: UInt64, boot: String, bootStart: UInt64, _ message: String) {
        export.add(realtime: t, monotonic: t - bootStart + 1_000_000, bootID: boot,
                   [("_HOSTNAME", host), ("_MACHINE_ID", machineID), ("_TRANSPORT", "kernel"),
                    ("SYSLOG_IDENTIFIER", "kernel"), ("PRIORITY", "3"), ("MESSAGE", message)])
    }

    /// The journal file written, in a fresh directory.
    func write(_ label: String, name: String = "system.journal") throws -> String {
        let dir = TestPaths.scratch(label)
        let path = dir + "/" + name
        try JournalRemote.write(export.bytes, to: path)
        return path
    }

    static func analyze(_ paths: [String], unitFiles: [(path: String, text: String)] = [],
                        options: AnalysisOptions = AnalysisOptions()) -> PostmortemReport {
        let reader = JournalReader(paths: paths)
        return Analyzer.analyze(AnalysisInput(journal: reader, unitFiles: unitFiles), options: options)
    }
}

enum Boots {
    static let a = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
    static let b = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
    static let c = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
}
