import Foundation
import KernelLog
import TestSupport
import Testing
@testable import Analysis

/// The OOM kills in the corpus's real kernel logs (MANIFEST §2: 17 + 3 in the CentOS 6
/// pair, old "Kill process … or sacrifice child" format; 1 in RHEL 8, modern format with
/// the `oom-kill:` summary). The victims are checked against the files' own
/// `Killed process` lines, read here with a plain regex.
@Suite(.enabled(if: TestPaths.corpus != nil))
struct CorpusOOMTests {
    static func victims(_ path: String) throws -> [(pid: Int, comm: String)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let re = try NSRegularExpression(pattern: #"Killed process (\d+),? (?:UID \d+, )?\(([^)]+)\)"#)
        var out: [(Int, String)] = []
        for line in text.split(separator: "\n") {
            let s = String(line)
            guard let m = re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)),
                  let p = Range(m.range(at: 1), in: s), let c = Range(m.range(at: 2), in: s), let pid = Int(s[p]) else { continue }
            out.append((pid, String(s[c])))
        }
        return out
    }

    static func analyze(_ path: String) -> PostmortemReport {
        let files = (try? KernelLogReader.read(path: path)).map { [$0] } ?? []
        #expect(!files.isEmpty, "\(path) could not be read")
        return Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: files), options: AnalysisOptions())
    }

    @Test(arguments: ["oomtool-centos6-messages.lines13977-29019.log", "oomtool-centos6-messages.lines29020-34188.log",
                      "oomtool-rhel8-messages.1.log"])
    func killsAndVictims(_ name: String) throws {
        let path = try #require(TestPaths.corpus).appending("/kernel/" + name)
        let want = try Self.victims(path)
        let r = Self.analyze(path)
        #expect(r.oomKills.map(\.pid) == want.map { Optional($0.pid) }, "\(name)")
        #expect(r.oomKills.map(\.comm) == want.map { Optional($0.comm) }, "\(name)")
        #expect(r.oomKills.allSatisfy { $0.kind == .global && $0.invokedBy != nil && !$0.evidence.isEmpty })
        #expect(r.rootCauses.first?.kind.rawValue == "memory-exhaustion")
        // One kernel event per kill on every kernel: 2.6.32 prints no `oom-kill:` summary, so its
        // `Killed process` line is the event (the CentOS files listed none before); RHEL 8's summary
        // is the event, and its `Killed process` line is not a second one.
        let events = r.kernelEvents.filter { $0.kind == .oomKill }
        #expect(events.count == want.count, "\(name)")
        #expect(events.allSatisfy { $0.text.contains(name.contains("rhel8") ? "oom-kill:constraint=" : "Killed process") })
    }

    @Test func manifestCounts() throws {
        let dir = try #require(TestPaths.corpus) + "/kernel/"
        #expect(Self.analyze(dir + "oomtool-centos6-messages.lines13977-29019.log").oomKills.count == 17)
        #expect(Self.analyze(dir + "oomtool-centos6-messages.lines29020-34188.log").oomKills.count == 3)
        let rhel = Self.analyze(dir + "oomtool-rhel8-messages.1.log")
        #expect(rhel.oomKills.count == 1)
        let k = try #require(rhel.oomKills.first)
        #expect(k.pid == 3117813)
        #expect(k.comm == "cache-main")
        #expect(k.uid == 991)
        #expect(k.unit == "varnish.service")
        #expect(k.taskMemcg == "/system.slice/varnish.service")
        #expect(k.invokedBy == "in:imjournal")
        #expect(k.anonRSSKB == 4805020)
        #expect(k.constraint == "CONSTRAINT_NONE")
    }

    /// Every corpus kernel log goes through the analysis without trouble, and the distress
    /// the MANIFEST counts is found.
    @Test func everyKernelLog() throws {
        let dir = try #require(TestPaths.corpus) + "/kernel/"
        for path in TestPaths.corpusFiles("kernel") {
            _ = Self.analyze(path)
        }
        let hung = Self.analyze(dir + "syzkaller-report-349-hung-task-jbd2-panic.log")
        // Four hung tasks: the MANIFEST's grep also counts their copies in syzkaller's `REPORT:` section.
        #expect(hung.kernelEvents.filter { $0.kind == .hungTask }.count == 4)
        #expect(hung.kernelEvents.filter { $0.kind == .panic }.count == 1)
        let lock = Self.analyze(dir + "syzkaller-report-264-soft-lockup-panic.log")
        #expect(lock.kernelEvents.filter { $0.kind == .softLockup }.count == 1)
        #expect(lock.rootCauses.first?.kind.rawValue == "lockup")
        let rcu = Self.analyze(dir + "syzkaller-report-145-rcu-stall.log")
        // MANIFEST's grep finds 2, one of them syzkaller's own `TITLE:` metadata line.
        #expect(rcu.kernelEvents.filter { $0.kind == .rcuStall }.count == 1)
    }
}
