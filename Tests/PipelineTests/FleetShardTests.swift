import Foundation
import Pipeline
import Testing
import TestSupport

/// `batch --shard K/N` and `fleet merge`: shards split a fleet exactly, and merged they give
/// the very files one unsharded `batch` writes.
@Suite("fleet shards and merge", .serialized)
struct FleetShardTests {
    /// A fleet of `count` small host roots (a hostname and a kernel log each) and one archive
    /// holding two more hosts.
    static func smallFleet(_ base: String, count: Int) throws {
        for i in 0..<count { try plant(base + "/fleet/rack\(i % 3)/h\(i)", hostname: "h\(i)") }
        for name in ["a1", "a2"] { try plant(base + "/packed/\(name)", hostname: name) }
        let r = try Command.shell("tar -czf '\(base)/fleet/packed.tar.gz' -C '\(base)' packed")
        try #require(r.status == 0, "\(r.stderrText)")
    }

    /// A host root with a hostname and a one-line kernel log.
    static func plant(_ root: String, hostname: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/var/log", withIntermediateDirectories: true)
        try "\(hostname)\n".write(toFile: root + "/etc/hostname", atomically: true, encoding: .utf8)
        try "Jul 19 07:52:01 \(hostname) kernel: [    0.000000] Linux version 6.1.0\n"
            .write(toFile: root + "/var/log/kern.log", atomically: true, encoding: .utf8)
    }

    @Test("--shard K/N: the shards of several N partition the hosts exactly, whatever way the folder is named")
    func shardsPartition() throws {
        let base = TestPaths.scratch("shard-partition")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try Self.smallFleet(base, count: 20)
        let all = Batch.plan(paths: [base + "/fleet"], shard: .all)
        #expect(all.count == 21, "20 host roots and one archive: \(all)")
        #expect(Set(all).count == all.count)
        // The identity is the path under the folder named, so another spelling of it splits alike.
        #expect(Set(Batch.plan(paths: [base + "/fleet/"], shard: .all)) == Set(all))
        #expect(all.contains("rack0/h0") && all.contains("packed.tar.gz"))
        // Named relative to the working directory, the hosts (and the archive) have the same identities.
        let up = String(repeating: "../", count: FileManager.default.currentDirectoryPath.split(separator: "/").count)
        #expect(Batch.plan(paths: [up + String(base.dropFirst()) + "/./fleet"], shard: .all).sorted() == all.sorted())
        for n in [1, 2, 3, 4, 7] {
            var union: [String] = []
            var nonEmpty = 0
            for k in 0..<n {
                let shard = try #require(FleetShard(index: k, count: n))
                let share = Batch.plan(paths: [base + "/fleet"], shard: shard)
                #expect(Batch.plan(paths: [base + "/fleet/"], shard: shard).sorted() == share.sorted(),
                        "shard \(k)/\(n) is the same for fleet and fleet/")
                union += share
                if !share.isEmpty { nonEmpty += 1 }
            }
            #expect(union.sorted() == all.sorted(), "the shards of N=\(n) hold every host once")
            #expect(nonEmpty >= min(n, 2), "N=\(n) spreads the hosts over more than one shard")
        }
        #expect(FleetShard("2/4") == FleetShard(index: 2, count: 4))
        #expect(FleetShard("4/4") == nil && FleetShard("-1/4") == nil && FleetShard("1/0") == nil && FleetShard("1") == nil)
        let usage = try Command.run(TestPaths.executable, ["batch", "--shard", "4/4", "--out", base + "/out", base + "/fleet"])
        #expect(usage.status == 2 && usage.stderrText.contains("--shard"), "a shard past N is a usage error: \(usage.stderrText)")
    }

    @Test("loose logs of several hosts in one folder: each host's identity is the folder and the host its lines name")
    func looseHostsIdentity() throws {
        let base = TestPaths.scratch("shard-loose")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/logs", withIntermediateDirectories: true)
        for name in ["web1", "web2"] {
            try "Jul 19 07:52:01 \(name) kernel: [    0.000000] Linux version 6.1.0\n"
                .write(toFile: base + "/logs/\(name)-messages.log", atomically: true, encoding: .utf8)
        }
        let plan = Batch.plan(paths: [base + "/logs"], shard: .all)
        #expect(plan.sorted() == ["logs (host web1)", "logs (host web2)"])
        let out = base + "/out"
        let r = try Command.run(TestPaths.executable, ["batch", "--utc", "--out", out, base + "/logs"])
        #expect(r.status == 0, "\(r.stderrText)")
        let rows = try String(contentsOfFile: out + "/fleet.jsonl", encoding: .utf8).split(separator: "\n")
        let sources = try rows.map { line -> String in
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(row["source"] as? String)
        }
        #expect(sources.sorted() == ["logs (host web1)", "logs (host web2)"], "no key separator leaks into the source")
    }

    /// A host known only by a console log that ends in a kernel panic (syzkaller 349, no wall
    /// clock) ended uncleanly: the fleet says so and lists it first, before a host whose kern.log
    /// just stops (Ubuntu 16, end unknown). Before, its end was blank and it came last.
    @Test("a console log ending in a panic heads the fleet as unclean", .enabled(if: TestPaths.corpus != nil))
    func consolePanicHeadsTheFleet() throws {
        let base = TestPaths.scratch("fleet-console")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let kernel = TestPaths.corpusFiles("kernel")
        let console = try #require(kernel.first { $0.hasSuffix("/syzkaller-report-349-hung-task-jbd2-panic.log") })
        let kernLog = try #require(kernel.first { $0.hasSuffix("/s4-ubuntu16-kern.log") })
        for (host, file, name) in [("vm1", console, "console.log"), ("flint", kernLog, "kern.log")] {
            try FileManager.default.createDirectory(atPath: base + "/fleet/\(host)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: file, toPath: base + "/fleet/\(host)/\(name)")
        }
        let out = base + "/out"
        let r = try Command.run(TestPaths.executable, ["batch", "--utc", "--out", out, base + "/fleet/flint", base + "/fleet/vm1"])
        #expect(r.status == 0, "\(r.stderrText)")
        let rows = try String(contentsOfFile: out + "/fleet.jsonl", encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(rows.map { $0["source"] as? String } == ["vm1", "flint (host flint)"], "two folders, two machines")
        #expect(rows.map { $0["end"] as? String } == ["unclean", "unknown"])
        let table = try String(contentsOfFile: out + "/fleet.md", encoding: .utf8)
        #expect(table.contains("2 hosts, 1 ended uncleanly."), "\(table)")
        // Its own report says how it ended, and why no outage window can be given.
        let folder = try #require(rows.first?["reports"] as? String)
        let report = try String(contentsOfFile: out + "/" + folder + "/report.md", encoding: .utf8)
        #expect(report.contains("- **How the boot ended:** unclean."))
        #expect(report.contains("- **Outage window:** unknown (the logs carry no wall-clock time)."), "\(report)")
    }

    /// A README beside a fleet's host folders is named as skipped, not made a host "that could
    /// not be read" (which made the whole run exit 4); a fleet of nothing but it has no host
    /// (exit 3). The shards' plan leaves it out the same way.
    @Test("a fleet folder's README is no host")
    func readmeIsNoHost() throws {
        let base = TestPaths.scratch("fleet-readme")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/fleet/web1", withIntermediateDirectories: true)
        try "# Hosts collected on 2024-02-11\n".write(toFile: base + "/fleet/README.md", atomically: true, encoding: .utf8)
        try "Jul 19 07:52:01 web1 kernel: [    0.000000] Linux version 6.1.0\n"
            .write(toFile: base + "/fleet/web1/kern.log", atomically: true, encoding: .utf8)
        #expect(Batch.plan(paths: [base + "/fleet"], shard: .all) == ["web1 (host web1)"])
        let r = try Command.run(TestPaths.executable, ["batch", "--utc", "--out", base + "/out", base + "/fleet"])
        #expect(r.status == 0, "\(r.stderrText)")
        #expect(r.stderrText.contains(base + "/fleet/README.md: not a journal, log, archive or crash record by its name; skipped"))
        let rows = try String(contentsOfFile: base + "/out/fleet.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 1 && !rows[0].contains("\"error\""))
        try FileManager.default.removeItem(atPath: base + "/fleet/web1")
        let none = try Command.run(TestPaths.executable, ["batch", "--utc", "--out", base + "/out2", base + "/fleet"])
        #expect(none.status == 3)
    }

    /// Every regular file under `dir`, by relative path.
    static func tree(_ dir: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: dir)
        while let rel = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[rel] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + rel))
            }
        }
        return files
    }

    @Test("fleet merge of the shards of batch --shard writes byte for byte what one unsharded batch writes",
          .enabled(if: Scenarios.isAvailable))
    func mergeEqualsUnsharded() throws {
        let base = TestPaths.scratch("shard-merge")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let fleet = base + "/fleet"
        try FileManager.default.createDirectory(atPath: fleet, withIntermediateDirectories: true)
        for (name, form) in [("reference-incident", ""), ("healthy-reboot", "--zstd -cf"), ("memcg-oom-loop", "")] {
            let (root, _) = try Scenarios.generate(name)
            let parent = (root as NSString).deletingLastPathComponent, dir = (root as NSString).lastPathComponent
            let c = form.isEmpty ? try Command.shell("cp -r '\(root)' '\(fleet)/\(name)'")
                : try Command.shell("tar \(form) '\(fleet)/\(name).tar.zst' -C '\(parent)' '\(dir)'")
            try #require(c.status == 0, "\(c.stderrText)")
        }
        // A second copy of one machine: two hosts of one name get folders named from their sources.
        let (reference, _) = try Scenarios.generate("reference-incident")
        #expect(try Command.shell("mkdir -p '\(fleet)/copies' && cp -r '\(reference)' '\(fleet)/copies/reference-incident'").status == 0)
        // A host whose only journal is garbage.
        let journalDir = fleet + "/broken/var/log/journal/0123456789abcdef0123456789abcdef"
        try FileManager.default.createDirectory(atPath: journalDir, withIntermediateDirectories: true)
        try Data("LPKSHHRH garbage".utf8).write(to: URL(fileURLWithPath: journalDir + "/system.journal"))

        let whole = base + "/whole"
        let r = try Command.run(TestPaths.executable, ["batch", "--utc", "-j", "2", "--out", whole, fleet])
        #expect(r.status == 4, "a host could not be read: \(r.stderrText)")
        let expected = try Self.tree(whole)
        let rows = try String(contentsOfFile: whole + "/fleet.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 5)
        #expect(rows.first?.contains("\"end\":\"unclean\"") == true, "the most severe host comes first: \(rows)")
        #expect(rows.allSatisfy { $0.contains("\"source\":") })
        #expect(expected.keys.contains("fleet.md") && expected.keys.contains("fleet.html"))
        #expect(String(decoding: expected["fleet.md"] ?? Data(), as: UTF8.self).contains("## Top causes"))
        #expect(expected.keys.filter { $0.hasSuffix("/report.html") }.count == 5, "an HTML report per host")
        let broken = expected.first { $0.key.hasSuffix("/report.md") && String(decoding: $0.value, as: UTF8.self).contains("No input of this host could be read") }
        #expect(broken != nil, "the unreadable host's report says so")
        #expect(try FileManager.default.contentsOfDirectory(atPath: whole).allSatisfy { !$0.hasPrefix(".postmortem-staging") },
                "the staging folder is removed")

        for n in [2, 3] {
            var shards: [String] = []
            for k in 0..<n {
                let dir = base + "/shard-\(n)-\(k)"
                let s = try Command.run(TestPaths.executable, ["batch", "--utc", "-j", "2", "--shard", "\(k)/\(n)", "--out", dir, fleet])
                #expect([0, 3, 4].contains(s.status), "a shard whose only hosts are unreadable exits 3: \(s.stderrText)")
                shards.append(dir)
            }
            let merged = base + "/merged-\(n)"
            let m = try Command.run(TestPaths.executable, ["fleet", "merge", "--utc", "--out", merged] + shards)
            #expect(m.status == 4, "the merge exits as the whole batch did: \(m.stderrText)")
            let got = try Self.tree(merged)
            #expect(got.keys.sorted() == expected.keys.sorted(), "N=\(n)")
            for (path, data) in expected where got[path] != data {
                Issue.record("N=\(n): \(path) differs from the unsharded batch's")
            }
        }

        // Two runs at once into one folder (a retried job overlapping the first): each stages its
        // own hosts, so neither places or removes the other's; every host gets its reports.
        let together = base + "/together"
        let statuses = Statuses()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let s = try? Command.run(TestPaths.executable, ["batch", "--utc", "-j", "2", "--out", together, fleet])
            statuses.add(s?.status ?? -1)
        }
        #expect(statuses.all == [4, 4], "both runs end as one run does (a host could not be read)")
        let both = try Self.tree(together)
        for path in expected.keys where path.hasSuffix("/report.json") {
            #expect(both[path] != nil, "\(path) is missing after two runs into one folder")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: together).allSatisfy { !$0.hasPrefix(".postmortem-staging") })

        // Two shards into one folder would write a host name both have, and fleet.jsonl, over
        // each other's: started at once, one gets the folder and the other is refused, naming it.
        let shared = base + "/shared"
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            let s = try? Command.run(TestPaths.executable, ["batch", "--utc", "--shard", "\(k)/2", "--out", shared, fleet])
            outcomes.add(k, s?.status ?? -1, s?.stderrText ?? "")
        }
        let refused = outcomes.all.filter { $0.status == 1 }
        #expect(refused.count == 1, "exactly one shard is refused: \(outcomes.all)")
        let winner = try #require(outcomes.all.first { $0.status != 1 })
        #expect([0, 3, 4].contains(winner.status))
        #expect(refused.first.map { $0.stderr.contains(shared) && $0.stderr.contains("shard \(winner.shard)/2")
                                       && $0.stderr.contains("fleet merge") } == true, "\(refused)")
        // The same shard again replaces its own reports; a whole run into a shard's folder, or a
        // shard into a whole run's or a merge's, is refused.
        let again = try Command.run(TestPaths.executable, ["batch", "--utc", "--shard", "\(winner.shard)/2", "--out", shared, fleet])
        #expect(again.status == winner.status, "\(again.stderrText)")
        let wholeIntoShard = try Command.run(TestPaths.executable, ["batch", "--utc", "--out", shared, fleet])
        #expect(wholeIntoShard.status == 1 && wholeIntoShard.stderrText.contains("shard \(winner.shard)/2"), "\(wholeIntoShard.stderrText)")
        for dir in [whole, base + "/merged-2"] {
            let shardIntoWhole = try Command.run(TestPaths.executable, ["batch", "--utc", "--shard", "0/2", "--out", dir, fleet])
            #expect(shardIntoWhole.status == 1 && shardIntoWhole.stderrText.contains("a whole batch run"), "\(shardIntoWhole.stderrText)")
        }
        #expect(try Self.tree(whole) == expected, "a refused run leaves the folder as it was")
    }

    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [(shard: Int, status: Int32, stderr: String)] = []
        func add(_ k: Int, _ s: Int32, _ e: String) { lock.lock(); values.append((k, s, e)); lock.unlock() }
        var all: [(shard: Int, status: Int32, stderr: String)] { lock.lock(); defer { lock.unlock() }; return values }
    }

    final class Statuses: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Int32] = []
        func add(_ v: Int32) { lock.lock(); values.append(v); lock.unlock() }
        var all: [Int32] { lock.lock(); defer { lock.unlock() }; return values }
    }
}
