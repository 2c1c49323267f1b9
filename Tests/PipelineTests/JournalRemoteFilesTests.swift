import Foundation
@testable import Inputs
import Testing
import TestSupport

/// A log server's `systemd-journal-remote` files (`/var/log/journal/remote/remote-HOST.journal`)
/// carry the server's machine ID in their header, not the machines their entries are of. Before,
/// every such file joined one host (the server's ID): a fleet's sweep gave one host named after
/// one machine with another's crash. Now each file is the machine its entries name, and a file
/// of several machines is split by their boots.
///
/// The files are written by systemd-journal-remote from the exports of the two samples
/// (polybox, which crashed, and web04, which rebooted cleanly), as the server writes them.
@Suite(.enabled(if: JournalRemote.isAvailable, "needs systemd-journal-remote"))
struct JournalRemoteFilesTests {
    static let polybox = "65935178b7f7b28f006093b5970de8da"
    static let web04 = "46e0986330bedf30c1e5961992156be9"

    static func export(_ sample: String) throws -> [UInt8] {
        let r = try Command.run(TestPaths.executable, ["export", "-o", "export", TestPaths.packageRoot + "/samples/" + sample])
        try #require(!r.stdout.isEmpty, "\(r.stderrText)")
        return r.stdout
    }

    /// `remote/remote-polybox.journal`, `remote/remote-web04.journal` under `dir`; with `mixed`,
    /// also one file holding both (journal-remote's `--split-mode=none`).
    static func write(into dir: String, mixed: Bool = false) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let a = try export("reference-incident"), b = try export("healthy-reboot")
        try JournalRemote.write(a, to: dir + "/remote-polybox.journal")
        try JournalRemote.write(b, to: dir + "/remote-web04.journal")
        if mixed { try JournalRemote.write(a + b, to: dir + "/remote-all.journal") }
    }

    @Test func eachFileIsTheMachineItsEntriesName() throws {
        let base = TestPaths.scratch("journal-remote")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try Self.write(into: base + "/remote")
        let hosts = InputDiscovery.discover(paths: [base + "/remote"], root: nil)
        #expect(hosts.compactMap(\.machineID).sorted() == [Self.web04, Self.polybox].sorted() && hosts.count == 2)
        #expect(hosts.allSatisfy { $0.journalFiles.count == 1 && $0.problems.isEmpty })
        #expect(hosts.first { $0.machineID == Self.polybox }?.journalFiles.first?.name.hasSuffix("remote-polybox.journal") == true)

        // A fleet's sweep: two machines, each with its own end.
        let out = base + "/out"
        let r = try Command.run(TestPaths.executable, ["batch", "--utc", "--out", out, base + "/remote"])
        #expect(r.status == 0, "\(r.stderrText)")
        let rows = try String(contentsOfFile: out + "/fleet.jsonl", encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(rows.map { $0["host"] as? String } == ["polybox", "web04"])
        #expect(rows.map { $0["end"] as? String } == ["unclean", "clean"])
    }

    /// On a log server's own file system they are under `var/log/journal/remote`: other machines,
    /// not the server's boots.
    @Test func aLogServersRemoteFolderHoldsOtherMachines() throws {
        let base = TestPaths.scratch("journal-remote-root")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let root = base + "/logserver"
        try Self.write(into: root + "/var/log/journal/remote")
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try "0123456789abcdef0123456789abcdef\n".write(toFile: root + "/etc/machine-id", atomically: true, encoding: .utf8)
        try "logserver\n".write(toFile: root + "/etc/hostname", atomically: true, encoding: .utf8)
        let hosts = InputDiscovery.discover(paths: [root], root: nil)
        #expect(Set(hosts.compactMap(\.machineID)) == [Self.web04, Self.polybox], "\(hosts.map(\.label))")
        let r = try Command.run(TestPaths.executable, ["analyze", "--utc", root])
        #expect(r.stderrText.contains("2 hosts found"), "\(r.stderrText)")
    }

    /// One file holding both machines (journal-remote's `--split-mode=none`): each machine is a
    /// host of its own, reading its own boots from the file, with its own hostname; the file is
    /// named once.
    @Test func aFileOfSeveralMachinesIsSplitByBoots() throws {
        let base = TestPaths.scratch("journal-remote-mixed")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try Self.write(into: base, mixed: true)
        let file = base + "/remote-all.journal"
        let hosts = InputDiscovery.discover(paths: [file], root: nil)
        #expect(hosts.compactMap(\.machineID).sorted() == [Self.web04, Self.polybox].sorted() && hosts.count == 2)
        #expect(hosts.allSatisfy { $0.journalFiles.map(\.name) == [file] && $0.onlyBoots?.isEmpty == false })
        #expect(hosts.flatMap(\.problems).filter { $0.reason.contains("its entries are of 2 machines") }.count == 1)

        func bootIDs(_ args: [String]) throws -> [String] {
            let r = try Command.run(TestPaths.executable, ["boots", "-o", "json"] + args)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdoutText.utf8)) as? [[String: Any]], "\(r.stderrText)")
            return rows.compactMap { $0["boot_id"] as? String }
        }
        let samples = TestPaths.packageRoot + "/samples/"
        #expect(try bootIDs(["--host", "polybox", file]) == bootIDs([samples + "reference-incident"]))
        #expect(try bootIDs(["--host", "web04", file]) == bootIDs([samples + "healthy-reboot"]))

        let out = base + "/out"
        let r = try Command.run(TestPaths.executable, ["batch", "--utc", "--out", out, file])
        #expect(r.status == 0, "\(r.stderrText)")
        let rows = try String(contentsOfFile: out + "/fleet.jsonl", encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(rows.map { $0["host"] as? String } == ["polybox", "web04"])
        #expect(rows.map { $0["end"] as? String } == ["unclean", "clean"])

        // Each host's input row counts its own boots' entries of the file, as journalctl counts
        // them (`_BOOT_ID=` of each; a torn file's entry that lost its `_MACHINE_ID` is still
        // its boot's), in either way of reading (one boot through the index, or all).
        for name in ["polybox", "web04"] {
            let matches = try bootIDs(["--host", name, file]).map { "_BOOT_ID=\($0)" }
            let jc = try Command.run("/usr/bin/journalctl", ["--file", file] + matches + ["-o", "export"])
            let want = jc.stdoutText.split(separator: "\n").filter { $0.hasPrefix("__CURSOR=") }.count
            #expect(want > 0, "\(jc.stderrText)")
            for boot in [[], ["--boot", "all"]] {
                let a = try Command.run(TestPaths.executable, ["analyze", "--quiet", "-o", "json", "--host", name] + boot + [file])
                let json = try #require(try JSONSerialization.jsonObject(with: Data(a.stdout)) as? [String: Any], "\(a.stderrText)")
                let inputs = json["inputs"] as? [[String: Any]] ?? []
                #expect(inputs.count == 1 && inputs.first?["entries"] as? Int == want, "\(name) \(boot): \(inputs)")
            }
        }
    }
}
