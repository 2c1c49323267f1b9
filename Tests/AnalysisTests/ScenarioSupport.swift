import Foundation
import Journal
import KernelLog
import TestSupport
@testable import Analysis

/// The generator's known answers (`truth.json`), the fields these tests compare.
struct Truth: Decodable {
    struct Boot: Decodable {
        var boot_id: String
        var entries: Int
        var end: String
        var first: String?
        /// The kernel's start on the boot's last wall clock, and its monotonic run time.
        var start: String?
        var uptime_seconds: Double?
        var first_entry_uptime_seconds: Double?
    }
    struct Unit: Decodable {
        var unit: String
        var restarts_observed: Int
        var restart_counter_max: Int?
        var crash_loop: Bool
        var start_limit_hit: Bool
        var oom_kills: Int
    }
    struct OOM: Decodable { var kind: String; var pid: Int; var comm: String; var uid: Int?; var unit: String?; var task_memcg: String? }
    struct Cause: Decodable { var kind: String; var subject: String }
    var scenario: String
    var hostname: String
    var machine_id: String
    var boots: [Boot]
    var analyzed_boot: String
    var units: [Unit]
    var oom_kills: [OOM]
    var fork_rate_peak_per_second: Double
    var root_cause: Cause?
    var contributing: [Cause]?
    /// Findings no mechanism links to the primary's chain.
    var unrelated: [Cause]?
    /// The kinds the primary's chain runs through, in order (without the end).
    var chain: [String]?
    var kernel_events: [String: Int]
    var journal_entries: Int
    var last_words: [String]
}

/// A scenario host tree written by `scripts/gen-incident.py`, generated once per test run.
struct Scenario {
    var root: String
    var truth: Truth

    static var generatorAvailable: Bool {
        JournalRemote.isAvailable && FileManager.default.fileExists(atPath: TestPaths.packageRoot + "/scripts/gen-incident.py")
    }

    private static let cache = Cache()

    final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var roots: [String: String] = [:]
    }

    static func generate(_ name: String) throws -> Scenario {
        cache.lock.lock()
        defer { cache.lock.unlock() }
        let root: String
        if let r = cache.roots[name] {
            root = r
        } else {
            root = TestPaths.scratch("scenario-\(name)")
            let r = try Command.run("/usr/bin/env", ["python3", TestPaths.packageRoot + "/scripts/gen-incident.py",
                                                     "--scenario", name, "--out", root])
            guard r.status == 0 else { throw TestSupportError("gen-incident.py \(name) failed: \(r.stderrText)") }
            cache.roots[name] = root
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/truth.json"))
        return Scenario(root: root, truth: try JSONDecoder().decode(Truth.self, from: data))
    }

    /// Everything a host tree offers the analysis, found the way the CLI would.
    func input() -> AnalysisInput {
        let fm = FileManager.default
        let journalDir = root + "/var/log/journal"
        let reader = JournalReader(paths: [journalDir])
        var dirty: [String] = []
        if let e = fm.enumerator(atPath: journalDir) {
            for case let p as String in e where p.hasSuffix(".journal~") { dirty.append(journalDir + "/" + p) }
        }
        var units: [(path: String, text: String)] = []
        let unitDir = root + "/etc/systemd/system"
        if let e = fm.enumerator(atPath: unitDir) {
            for case let p as String in e {
                let full = unitDir + "/" + p
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue,
                      let text = try? String(contentsOfFile: full, encoding: .utf8) else { continue }
                units.append(("/etc/systemd/system/" + p, text))
            }
        }
        var input = AnalysisInput(journal: reader, unitFiles: units, dirtyJournalFiles: dirty)
        input.crashArtefacts = (fm.enumerator(atPath: root + "/var/lib/systemd/pstore")?.allObjects as? [String] ?? [])
            .filter { $0.contains("dmesg-") }.map { root + "/var/lib/systemd/pstore/" + $0 }
        KernelInputs.add(root: root, to: &input)
        return input
    }

    func analyze(_ options: AnalysisOptions = AnalysisOptions()) -> PostmortemReport {
        Analyzer.analyze(input(), options: options)
    }
}
