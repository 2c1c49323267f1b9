import Foundation
import Testing
import TestSupport

/// Text logs alone through the CLI: what a user attaches to a bug (`journalctl -b > file.txt`,
/// `/var/log/messages`) is a full source. The journals are real (systemd-journal-remote wrote
/// them from the generator's entries); journalctl renders them; the verdict is checked against
/// what the generator knows.
@Suite("text logs through the CLI", .serialized)
struct TextLogTests {
    static var canRun: Bool { Scenarios.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl") }

    static func journalctl(_ root: String, _ args: [String]) throws -> String {
        let r = try Command.run("/usr/bin/journalctl", ["-D", root + "/var/log/journal", "--no-pager"] + args,
                                environment: ["TZ": "UTC"])
        #expect(r.status == 0, "journalctl: \(r.stderrText)")
        return r.stdoutText
    }

    static func analyze(_ paths: [String], _ extra: [String] = []) throws -> (json: [String: Any], result: CommandResult) {
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", "--format", "json"] + extra + paths)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any] ?? [:]
        return (object, r)
    }

    static func unit(_ json: [String: Any], _ name: String) -> [String: Any]? {
        (json["units"] as? [[String: Any]] ?? []).first { $0["unit"] as? String == name }
    }

    /// Sets a file's modification time (its syslog stamps have no year; the file's date gives it).
    static func touch(_ path: String, _ seconds: Int64) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: Double(seconds))], ofItemAtPath: path)
    }

    /// Seconds since the epoch of the truth's `…T12:34:56.123456Z`.
    static func seconds(_ iso: String?) -> Int64 {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return Int64(iso.flatMap { f.date(from: $0) }?.timeIntervalSince1970 ?? 0)
    }

    @Test("journalctl -b -1 > file.txt alone: the crash loop, its start-limit hit and the clean reboot",
          .enabled(if: canRun), arguments: ["short", "short-iso", "short-full", "with-unit"])
    func journalctlTextAlone(_ mode: String) throws {
        let (root, truth) = try Scenarios.generate("memcg-oom-loop")
        let dir = TestPaths.scratch("text-\(mode)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/boot.txt"
        try Self.journalctl(root, ["-b", "-1", "-o", mode]).write(toFile: path, atomically: true, encoding: .utf8)
        try Self.touch(path, Self.seconds(truth.analyzed?.last) + 3600)
        let (json, r) = try Self.analyze([path])
        #expect(r.status == 0 || r.status == 1, "\(r.stderrText)")
        let worker = Self.unit(json, "worker.service")
        let want = truth.unit("worker.service")
        #expect(worker?["crash_loop"] as? Bool == true)
        #expect(worker?["start_limit_hit"] as? Bool == true)
        #expect(worker?["restarts_observed"] as? Int == want?.restartsObserved)
        #expect(worker?["restart_counter_max"] as? Int == want?.restartCounterMax)
        let end = json["end"] as? [String: Any]
        #expect(end?["kind"] as? String == "clean")
        #expect((json["host"] as? [String: Any])?["hostname"] as? String == truth.hostname)
        let causes = json["root_causes"] as? [[String: Any]] ?? []
        #expect((causes.first?["subject"] as? [String: Any])?["name"] as? String == "worker.service")
    }

    @Test("a syslog file (RFC 3164) alone: the same findings; `messages messages.1` of one host read together",
          .enabled(if: canRun))
    func syslogAlone() throws {
        let (root, truth) = try Scenarios.generate("memcg-oom-loop")
        let dir = TestPaths.scratch("text-syslog")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lines = try Self.journalctl(root, ["-o", "short"]).split(separator: "\n").filter { !$0.hasPrefix("-- ") }
        // rsyslog's rotation: the older half in messages.1, the newer in messages.
        let half = lines.count / 2
        try (lines[..<half].joined(separator: "\n") + "\n").write(toFile: dir + "/messages.1", atomically: true, encoding: .utf8)
        try (lines[half...].joined(separator: "\n") + "\n").write(toFile: dir + "/messages", atomically: true, encoding: .utf8)
        let year = Self.seconds(truth.boots.last?.last) + 3600
        try Self.touch(dir + "/messages.1", year)
        try Self.touch(dir + "/messages", year + 60)
        let (json, r) = try Self.analyze([dir + "/messages", dir + "/messages.1"])
        #expect(!r.stderrText.contains("hosts"), "\(r.stderrText)")
        let worker = Self.unit(json, "worker.service")
        #expect(worker?["crash_loop"] as? Bool == true)
        #expect(worker?["start_limit_hit"] as? Bool == true)
        #expect(worker?["restarts_observed"] as? Int == truth.unit("worker.service")?.restartsObserved)
        let boots = json["boots"] as? [[String: Any]] ?? []
        #expect(boots.count == truth.boots.count)
        #expect(boots.first?["end"] as? String == "clean")
    }

    @Test("a bug report's excerpt: the start-limit hit is found")
    func excerpt() throws {
        let text = try String(contentsOfFile: TestPaths.packageRoot + "/Tests/KernelLogTests/Fixtures/text/beszel-start-limit.log",
                              encoding: .utf8)
        let dir = TestPaths.scratch("text-excerpt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("# ") }.joined(separator: "\n") + "\n"
        try body.write(toFile: dir + "/status.txt", atomically: true, encoding: .utf8)
        let (json, r) = try Self.analyze([dir + "/status.txt"])
        #expect(r.status != 3, "\(r.stderrText)")
        let unit = Self.unit(json, "beszel-hub.service")
        #expect(unit?["start_limit_hit"] as? Bool == true)
        #expect(unit?["restart_counter_max"] as? Int == 5)
        #expect((json["host"] as? [String: Any])?["hostname"] as? String == "luna")
        // Nothing ended the machine, but the report says the unit is down.
        let plain = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", dir + "/status.txt"])
        let words = plain.stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("None found. Nothing in the logs points at what ended the boot; 1 unit failed: "
                               + "beszel-hub.service (start-limit-hit: systemd gave up restarting it)."), "\(plain.stdoutText)")
    }

    @Test("discovery by content: a sosreport's journalctl output, a collected folder's .txt, skipped files named",
          .enabled(if: canRun))
    func discoveryByContent() throws {
        let (root, truth) = try Scenarios.generate("memcg-oom-loop")
        let dir = TestPaths.scratch("text-discovery")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        let text = try Self.journalctl(root, [])
        // sosreport: a host root whose logs are command outputs.
        let sos = dir + "/sosreport-batch01"
        for sub in ["etc", "var/log", "sos_commands/logs", "sos_commands/kernel"] {
            try fm.createDirectory(atPath: sos + "/" + sub, withIntermediateDirectories: true)
        }
        try "batch01\n".write(toFile: sos + "/etc/hostname", atomically: true, encoding: .utf8)
        try text.write(toFile: sos + "/sos_commands/logs/journalctl_--no-pager", atomically: true, encoding: .utf8)
        try "Archived and active journals take up 16.0M in the file system.\n"
            .write(toFile: sos + "/sos_commands/logs/journalctl_--disk-usage", atomically: true, encoding: .utf8)
        let (sosJSON, sosRun) = try Self.analyze([sos])
        #expect(Self.unit(sosJSON, "worker.service")?["start_limit_hit"] as? Bool == true, "\(sosRun.stderrText)")
        // A folder of collected logs: an unconventional name read by its content; the rest named.
        let folder = dir + "/collected"
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try text.write(toFile: folder + "/attached-boot.txt", atomically: true, encoding: .utf8)
        try "steps to reproduce\n1. boot\n2. wait\n".write(toFile: folder + "/notes.txt", atomically: true, encoding: .utf8)
        try "#!/bin/sh\necho hi\n".write(toFile: folder + "/collect.sh", atomically: true, encoding: .utf8)
        for f in ["attached-boot.txt", "notes.txt", "collect.sh"] { try Self.touch(folder + "/" + f, Self.seconds(truth.boots.last?.last) + 60) }
        let (json, r) = try Self.analyze([folder])
        #expect(Self.unit(json, "worker.service")?["crash_loop"] as? Bool == true)
        #expect(r.stderrText.contains("notes.txt: not a log"))
        #expect(r.stderrText.contains("collect.sh: not a journal, log"))
        let notes = json["notes"] as? [String] ?? []
        #expect(notes.contains { $0.contains("notes.txt") && $0.contains("skipped") })
    }

    @Test("one host unless the lines say otherwise: --host picks one of a mixed folder", .enabled(if: canRun))
    func hostsByContent() throws {
        let (root, _) = try Scenarios.generate("memcg-oom-loop")
        let dir = TestPaths.scratch("text-hosts")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try Self.journalctl(root, ["-o", "short-iso"])
        try text.write(toFile: dir + "/batch01.log", atomically: true, encoding: .utf8)
        // The beszel excerpt names another host, luna.
        let other = try String(contentsOfFile: TestPaths.packageRoot + "/Tests/KernelLogTests/Fixtures/text/beszel-start-limit.log",
                               encoding: .utf8)
        try (other.split(separator: "\n").filter { !$0.hasPrefix("# ") }.joined(separator: "\n") + "\n")
            .write(toFile: dir + "/luna.log", atomically: true, encoding: .utf8)
        let (_, both) = try Self.analyze([dir])
        #expect(both.stderrText.contains("2 hosts found"))
        let (luna, r) = try Self.analyze([dir], ["--host", "luna"])
        #expect(r.status != 3, "\(r.stderrText)")
        #expect((luna["host"] as? [String: Any])?["hostname"] as? String == "luna")
        #expect(Self.unit(luna, "beszel-hub.service")?["start_limit_hit"] as? Bool == true)
        #expect(Self.unit(luna, "worker.service") == nil)
        let none = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--host", "nosuchhost", dir])
        #expect(none.status == 3)
        #expect(none.stderrText.contains("luna"))
    }

    @Test("--host takes the hostname a journal directory holds, as batch names the host", .enabled(if: canRun))
    func hostByJournalHostname() throws {
        let (root, _) = try Scenarios.generate("memcg-oom-loop")
        let journals = root + "/var/log/journal"
        let machine = try #require(try FileManager.default.contentsOfDirectory(atPath: journals).first)
        let dir = TestPaths.scratch("journal-hosts")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let other = try String(contentsOfFile: TestPaths.packageRoot + "/Tests/KernelLogTests/Fixtures/text/beszel-start-limit.log",
                               encoding: .utf8)
        try (other.split(separator: "\n").filter { !$0.hasPrefix("# ") }.joined(separator: "\n") + "\n")
            .write(toFile: dir + "/luna.log", atomically: true, encoding: .utf8)
        // The journal directory alone is found by its machine ID; its hostname is only inside.
        let (alone, _) = try Self.analyze([journals + "/" + machine])
        let hostname = try #require((alone["host"] as? [String: Any])?["hostname"] as? String)
        #expect(hostname != machine)
        let (picked, r) = try Self.analyze([journals + "/" + machine, dir + "/luna.log"], ["--host", hostname])
        #expect(r.status == 0, "\(r.stderrText)")
        #expect((picked["host"] as? [String: Any])?["machine_id"] as? String == machine)
        let none = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--host", "nosuchhost", journals + "/" + machine, dir + "/luna.log"])
        #expect(none.status == 3)
        #expect(none.stderrText.contains("\(machine) (\(hostname))"), "the choices name the journal's hostname: \(none.stderrText)")
    }

    /// What a report says about a boot's units, end and causes: the part text must reproduce.
    static func verdict(_ json: [String: Any]) -> String {
        let keys = ["unit", "starts", "restarts_observed", "restart_counter_max", "restart_counter_min", "exit_statuses",
                    "results", "start_limit_hit", "oom_kills", "crash_loop"]
        // Dictionaries print in a per-process order: sorted here.
        func text(_ v: Any?) -> String {
            if let d = v as? [String: Any] { return d.keys.sorted().map { "\($0):\(d[$0] ?? "")" }.joined(separator: ",") }
            return v.map { "\($0)" } ?? "-"
        }
        let units = (json["units"] as? [[String: Any]] ?? []).map { u in keys.map { "\($0)=\(text(u[$0]))" }.joined(separator: " ") }
        let causes = (json["root_causes"] as? [[String: Any]] ?? []).map {
            "\($0["kind"] ?? "")/\(($0["subject"] as? [String: Any])?["name"] ?? "")/\($0["role"] ?? "")"
        }
        let end = (json["end"] as? [String: Any])?["kind"] ?? ""
        return "end=\(end) oom=\((json["oom_kills"] as? [Any])?.count ?? 0) causes=\(causes) units=\(units)"
    }

    @Test("the same verdict from a journal and from journalctl's text of it (one set of rules)",
          .enabled(if: canRun), arguments: ["memcg-oom-loop", "healthy-reboot"])
    func journalAndItsTextAgree(_ scenario: String) throws {
        let (root, _) = try Scenarios.generate(scenario)
        let dir = TestPaths.scratch("text-diff-\(scenario)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/journal.txt"
        try Self.journalctl(root, ["-o", "short-iso-precise"]).write(toFile: path, atomically: true, encoding: .utf8)
        let (fromJournal, _) = try Self.analyze([root + "/var/log/journal"], ["--boot", "1"])
        let (fromText, r) = try Self.analyze([path], ["--boot", "1"])
        #expect(r.status != 3, "\(r.stderrText)")
        #expect(!Self.verdict(fromJournal).isEmpty)
        #expect(Self.verdict(fromText) == Self.verdict(fromJournal))
    }

    @Test("a boot only the text logs hold (the journal kept the newer one): rebuilt from them, in order",
          .enabled(if: canRun))
    func bootOnlyInText() throws {
        let (root, truth) = try Scenarios.generate("memcg-oom-loop")
        let tree = TestPaths.scratch("text-older-boot")
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let fm = FileManager.default
        let id = "6aaf5deb9d5aa42a0178da575f74c2c8"
        try fm.createDirectory(atPath: tree + "/var/log/journal/" + id, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: tree + "/etc", withIntermediateDirectories: true)
        // The journal keeps only the newest boot (the older one was vacuumed); syslog kept both.
        let export = try Command.run("/usr/bin/journalctl", ["-D", root + "/var/log/journal", "-b", "0", "-o", "export"])
        try JournalRemote.write(export.stdout, to: tree + "/var/log/journal/\(id)/system.journal")
        try Self.journalctl(root, ["-b", "-1", "-o", "short"]).write(toFile: tree + "/var/log/messages", atomically: true, encoding: .utf8)
        try Self.touch(tree + "/var/log/messages", Self.seconds(truth.boots.last?.last) + 600)
        let (all, r) = try Self.analyze([tree], ["--boot", "all"])
        let boots = all["boots"] as? [[String: Any]] ?? []
        #expect(boots.count == 2, "\(r.stderrText)")
        #expect(boots.first?["end"] as? String == "clean")
        #expect(boots.last?["boot_id"] as? String == truth.boots.last?.bootId)
        let (first, _) = try Self.analyze([tree], ["--boot", "1"])
        #expect(Self.unit(first, "worker.service")?["start_limit_hit"] as? Bool == true)
        #expect(Self.unit(first, "worker.service")?["restarts_observed"] as? Int == truth.unit("worker.service")?.restartsObserved)
    }
}

/// Text that is no log at all: `journalctl -o cat` keeps the messages without time or sender.
/// The user is told what the file lacks and which output keeps it, instead of one skipped-line
/// sample after another; a log with a few stray lines keeps the usual summary.
@Suite struct MessagesOnlyTextTests {
    @Test("journalctl -o cat of a real journal: no log to read, and which output to write instead",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl")))
    func journalctlCat() throws {
        let dir = TestPaths.scratch("messages-only")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The reference incident's journal begins with systemd's lines (a journal that begins
        // with the kernel's banner reads as a serial console's text, which has no stamps either).
        let journal = TestPaths.packageRoot + "/samples/reference-incident/var/log/journal"
        let cat = try Command.run("/usr/bin/journalctl", ["-D", journal, "--no-pager", "-o", "cat"])
        let short = try Command.run("/usr/bin/journalctl", ["-D", journal, "--no-pager", "-o", "short-iso-precise"])
        try #require(cat.status == 0 && short.status == 0 && !cat.stdout.isEmpty)
        let path = dir + "/boot.txt"
        try Data(cat.stdout).write(to: URL(fileURLWithPath: path))
        let r = try Command.run(TestPaths.executable, ["analyze", "--utc", path])
        #expect(r.status == 3)
        #expect(r.stderrText.contains("\(path): no line carries a time, a kernel stamp or a sender"), "\(r.stderrText)")
        #expect(r.stderrText.contains("-o export") && !r.stderrText.contains("lines skipped"))

        // The same journal as short-iso-precise with a few lines of that text mixed in: read,
        // and the stray lines named as skipped lines.
        let mixed = dir + "/mixed.txt"
        try Data(short.stdout + Array("a stray line\nanother one\n".utf8)).write(to: URL(fileURLWithPath: mixed))
        let m = try Command.run(TestPaths.executable, ["analyze", "--utc", "--quiet", "-o", "json", mixed])
        #expect(m.status == 0)
        #expect(m.stderrText.contains("2 lines skipped") && !m.stderrText.contains("no line carries"), "\(m.stderrText)")
    }
}
