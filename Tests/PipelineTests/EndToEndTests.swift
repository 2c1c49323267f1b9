import Foundation
import Testing
import TestSupport

/// The built `postmortem` executable on generated host trees, archives and fleets, its
/// JSON checked against what the generator knows (`truth.json`), never against itself.
@Suite("postmortem end to end", .serialized)
struct EndToEndTests {
    static func report(_ args: [String]) throws -> (json: [String: Any], result: CommandResult) {
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", "--format", "json"] + args)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any] ?? [:]
        return (object, r)
    }

    static func checkAgainstTruth(_ json: [String: Any], _ truth: Truth) {
        #expect(json["schema"] as? String == "postmortem.report/2")
        #expect(json["analyzed_boot"] as? String == truth.analyzedBoot)
        let truthBoot = truth.boots.first { $0.bootId == truth.analyzedBoot }
        let end = json["end"] as? [String: Any]
        #expect(end?["kind"] as? String == truthBoot?.end)
        let causes = json["root_causes"] as? [[String: Any]] ?? []
        func subject(_ c: [String: Any]?) -> String? { (c?["subject"] as? [String: Any])?["name"] as? String }
        if let cause = truth.primary {
            #expect(causes.first?["kind"] as? String == cause.kind)
            #expect(subject(causes.first) == cause.subject)
            #expect(causes.first?["role"] as? String == "primary")
            for u in truth.unrelated ?? [] {
                #expect(causes.contains { $0["kind"] as? String == u.kind && subject($0) == u.subject && $0["role"] as? String == "unrelated" })
            }
        } else if let cause = truth.rootCause {
            // A truth file from before the causal model: its one cause is found, in some role.
            #expect(causes.contains { $0["kind"] as? String == cause.kind && subject($0) == cause.subject })
        } else {
            #expect(causes.isEmpty, "a healthy boot gets no invented cause")
        }
        let units = json["units"] as? [[String: Any]] ?? []
        // Units that did nothing notable (no restart, no failure) need not be listed.
        for u in truth.units where u.restartsObserved > 0 || u.crashLoop || u.startLimitHit || u.oomKills > 0 {
            let ours = units.first { $0["unit"] as? String == u.unit }
            #expect(ours != nil, "unit \(u.unit) missing")
            #expect(ours?["restarts_observed"] as? Int == u.restartsObserved, "\(u.unit) restarts")
            #expect(ours?["crash_loop"] as? Bool == u.crashLoop, "\(u.unit) crash loop")
            #expect(ours?["start_limit_hit"] as? Bool == u.startLimitHit, "\(u.unit) start limit")
            if let max = u.restartCounterMax { #expect(ours?["restart_counter_max"] as? Int == max) }
            // Each restart seen carries its own counter, one above the last: the lowest is at most
            // the highest minus the restarts seen plus one (less when restarts were lost between).
            if let max = u.restartCounterMax, let observed = ours?["restarts_observed"] as? Int, observed > 0 {
                let min = ours?["restart_counter_min"] as? Int ?? -1
                #expect(min >= 1 && min <= max - observed + 1, "\(u.unit): restart counter from \(min) to \(max), \(observed) seen")
            }
        }
        let kills = json["oom_kills"] as? [[String: Any]] ?? []
        #expect(kills.count == truth.oomKills.count)
        for k in truth.oomKills {
            #expect(kills.contains { $0["pid"] as? Int == k.pid && $0["comm"] as? String == k.comm && $0["kind"] as? String == k.kind },
                    "OOM kill of \(k.comm) (\(k.pid))")
        }
        if truth.forkRatePeakPerSecond > 0 {
            let fork = json["fork_rate"] as? [String: Any]
            let peak = fork?["peak_per_second"] as? Double
            #expect(peak != nil, "no fork-rate peak in the report")
            if let peak {
                #expect(abs(peak - truth.forkRatePeakPerSecond) <= 0.2 * truth.forkRatePeakPerSecond,
                        "fork-rate peak \(peak)/s vs true \(truth.forkRatePeakPerSecond)/s")
            }
        }
        // Kernel distress counts, each event once over journal, kern.log and pstore.
        let events = json["kernel_events"] as? [[String: Any]] ?? []
        func count(_ kind: String) -> Int { events.filter { $0["kind"] as? String == kind }.count }
        #expect(count("hung_task") == truth.kernelEvents.hungTask, "hung tasks")
        #expect(count("soft_lockup") == truth.kernelEvents.softLockup, "soft lockups")
        #expect(count("panic") == truth.kernelEvents.panic, "panics")
    }

    @Test("each scenario's host tree", arguments: ["reference-incident", "memcg-oom-loop", "fork-bomb", "storage-io", "healthy-reboot"])
    func scenario(_ name: String) throws {
        let (root, truth) = try Scenarios.generate(name)
        let (json, r) = try Self.report([root])
        #expect(r.status == 0, "\(r.stderrText)")
        Self.checkAgainstTruth(json, truth)
    }

    @Test("the same host from .tar, .tar.gz, .tar.zst, .tar.bz2, .zip and .7z archives, never unpacked")
    func archives() throws {
        let (root, truth) = try Scenarios.generate("reference-incident")
        let dir = TestPaths.scratch("archives")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, command) in [("host.tar", "tar -cf"), ("host.tar.gz", "tar -czf"), ("host.tar.zst", "tar --zstd -cf"),
                                ("host.tar.bz2", "tar -cjf"), ("host.zip", "zip -q -r"), ("host.7z", "7zz a -bd -bso0")] {
            let t = try Command.shell(command.hasPrefix("tar") ? "tar -C \(root) \(command.dropFirst(4)) \(dir)/\(name) ."
                                                              : "cd \(root) && \(command) \(dir)/\(name) .")
            try #require(t.status == 0, "\(command): \(t.stderrText)")
            let (json, r) = try Self.report([dir + "/" + name])
            #expect(r.status == 0, "\(name): \(r.stderrText)")
            Self.checkAgainstTruth(json, truth)
        }
    }

    @Test("Markdown has every section of an incident report; HTML is one self-contained page")
    func markdownAndHTML() throws {
        let (root, truth) = try Scenarios.generate("reference-incident")
        let md = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", "--format", "markdown", root]).stdoutText
        for section in ["# Incident report", "## Summary", "## Impact", "## Timeline", "## Root cause", "## Detection",
                        "## Remediation", "## Prevention", "## Lessons learned", "## Appendix: inputs and their health",
                        "## Appendix: about this report"] {
            #expect(md.contains(section), "missing \(section)")
        }
        #expect(md.contains(truth.rootCause?.subject ?? "?"))
        let dir = TestPaths.scratch("html")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", "--format", "html", "--output-file", dir + "/r.html", root])
        #expect(r.status == 0)
        let html = try String(contentsOfFile: dir + "/r.html", encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(!html.contains("http://") && !html.contains("https://") || !html.contains("src=\"http"))
        #expect(!html.contains("<script src"))
    }

    @Test("batch: a report per host, from folders and archives, a fleet summary, and broken hosts reported while the rest go on")
    func batch() throws {
        let fleet = TestPaths.scratch("fleet")
        let out = TestPaths.scratch("fleet-out")
        defer { try? FileManager.default.removeItem(atPath: fleet); try? FileManager.default.removeItem(atPath: out) }
        var truths: [String: Truth] = [:]
        // One host as a folder, one as a .tar.zst, one as a .tar.gz: archives are opened one
        // at a time by the workers, each host analysed as it would be alone.
        for (name, form) in [("reference-incident", ""), ("healthy-reboot", "--zstd -cf"), ("memcg-oom-loop", "-czf")] {
            let (root, truth) = try Scenarios.generate(name)
            let parent = (root as NSString).deletingLastPathComponent, base = (root as NSString).lastPathComponent
            let c = form.isEmpty ? try Command.shell("cp -r \(root) \(fleet)/\(name)")
                : try Command.shell("tar \(form) '\(fleet)/\(name).tar\(form.hasPrefix("--zstd") ? ".zst" : ".gz")' -C '\(parent)' '\(base)'")
            try #require(c.status == 0, "\(c.stderrText)")
            truths[truth.hostname] = truth
        }
        // An archive that is not one.
        try Data("not gzip at all".utf8).write(to: URL(fileURLWithPath: fleet + "/junk.tar.gz"))
        // A host whose only journal is garbage.
        try FileManager.default.createDirectory(atPath: fleet + "/broken/var/log/journal/0123456789abcdef0123456789abcdef",
                                                withIntermediateDirectories: true)
        try Data("LPKSHHRH garbage".utf8).write(to: URL(fileURLWithPath: fleet + "/broken/var/log/journal/0123456789abcdef0123456789abcdef/system.journal"))
        try FileManager.default.createDirectory(atPath: fleet + "/broken/etc", withIntermediateDirectories: true)
        let r = try Command.run(TestPaths.executable, ["batch", "--utc", "--out", out, "-j", "2", fleet])
        // A host that could not be read makes the run exit 4 (documented), the others still reported.
        #expect(r.status == 4, "\(r.stderrText)")
        let lines = try String(contentsOfFile: out + "/fleet.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5)
        var seen = 0
        for line in lines {
            let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            guard let host = row["host"] as? String else { continue }
            if let truth = truths[host] {
                seen += 1
                #expect(row["analyzed_boot"] as? String == truth.analyzedBoot)
                #expect(row["root_cause_kind"] as? String == (truth.primary ?? truth.rootCause)?.kind)
                let reportDir = row["reports"] as? String ?? "?"
                #expect(FileManager.default.fileExists(atPath: out + "/" + reportDir + "/report.json"), "no reports for \(host)")
                #expect(FileManager.default.fileExists(atPath: out + "/" + reportDir + "/report.md"), "no reports for \(host)")
            } else {
                #expect(row["error"] != nil, "the broken host is reported: \(row)")
            }
        }
        #expect(seen == 3)
        #expect(r.stderrText.contains("junk.tar.gz"), "the unreadable archive is named on stderr")
        #expect(FileManager.default.fileExists(atPath: out + "/fleet.txt"))
    }

    @Test("exit codes: 2 usage, 3 nothing readable, 10 with --fail-on-cause only when a cause was found")
    func exitCodes() throws {
        #expect(try Command.run(TestPaths.executable, ["analyze", "--no-such-flag"]).status == 2)
        #expect(try Command.run(TestPaths.executable, ["analyze", "--boot", "yesterday", "/tmp"]).status == 2)
        #expect(try Command.run(TestPaths.executable, ["analyze", "/nonexistent/path"]).status == 3)
        let (bad, _) = try Scenarios.generate("reference-incident")
        let (good, _) = try Scenarios.generate("healthy-reboot")
        #expect(try Command.run(TestPaths.executable, ["analyze", "--quiet", "--fail-on-cause", bad]).status == 10)
        #expect(try Command.run(TestPaths.executable, ["analyze", "--quiet", "--fail-on-cause", good]).status == 0)
        let help = try Command.run(TestPaths.executable, ["analyze", "--help"])
        #expect(help.status == 0 && help.stdoutText.contains("Examples"))
    }

    @Test("text output: no colour when not a terminal or with NO_COLOR; the primary cause named first")
    func textOutput() throws {
        let (root, truth) = try Scenarios.generate("reference-incident")
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", root])
        #expect(!r.stdoutText.contains("\u{1B}["))
        let causes = r.stdoutText.components(separatedBy: "Root causes").last ?? ""
        #expect(causes.contains("1. \(truth.primary?.kind ?? "?"): \(truth.primary?.subject ?? "?") (primary cause)"))
    }

    @Test("times are shown in the analysed machine's zone (its etc/localtime), --since read in it; --utc overrides")
    func machineZone() throws {
        let (generated, truth) = try Scenarios.generate("reference-incident")
        let root = TestPaths.scratch("zone-host")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: generated, toPath: root + "/h")
        try? FileManager.default.removeItem(atPath: root + "/h/etc/timezone")
        try FileManager.default.createSymbolicLink(atPath: root + "/h/etc/localtime",
                                                   withDestinationPath: "/usr/share/zoneinfo/Asia/Tokyo")
        let tokyo = try Command.run(TestPaths.executable, ["analyze", "--quiet", root + "/h"])
        #expect(tokyo.status == 0, "\(tokyo.stderrText)")
        #expect(tokyo.stdoutText.contains("times in Asia/Tokyo (UTC+09:00)"))
        #expect(tokyo.stdoutText.contains("machine's own zone, Asia/Tokyo"))
        // The same machine copied without links: etc/localtime is the zone file itself.
        if let tzif = FileManager.default.contents(atPath: "/usr/share/zoneinfo/Asia/Tokyo") {
            try FileManager.default.removeItem(atPath: root + "/h/etc/localtime")
            try tzif.write(to: URL(fileURLWithPath: root + "/h/etc/localtime"))
            let copied = try Command.run(TestPaths.executable, ["analyze", "--quiet", root + "/h"])
            #expect(copied.stdoutText.contains("times in JST (UTC+09:00)"), "\(copied.stdoutText.prefix(2000))")
            #expect(copied.stdoutText.contains("rules of its copied localtime file"))
        }
        let utc = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", root + "/h"])
        #expect(utc.stdoutText.contains("times in UTC"))
        #expect(!utc.stdoutText.contains("Asia/Tokyo"))

        // The first boot's first entry, written as the report shows it (Tokyo time): --since
        // from one second later leaves that entry out of the analysed window.
        let first = try #require(truth.boots.first?.first)
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let start = try #require(iso.date(from: first))
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Tokyo")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let inTokyo = f.string(from: start.addingTimeInterval(-1))
        let json = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--format", "json", "--boot", "all",
                                                          "--since", inTokyo, root + "/h"])
        #expect(json.status == 0, "\(json.stderrText)")
        let units = { (r: CommandResult) in
            ((try? JSONSerialization.jsonObject(with: Data(r.stdout))) as? [String: Any])?["units"] as? [[String: Any]] ?? []
        }
        #expect(!units(json).isEmpty, "the crash loop is inside the window")
        // Read in UTC instead, the same words mean nine hours later: after the crash loop.
        let late = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--format", "json", "--boot", "all", "--utc",
                                                          "--since", inTokyo, root + "/h"])
        #expect(units(late).isEmpty, "--since was read in the machine's zone")
    }

    @Test("the committed samples answer the same as freshly generated ones")
    func samplesAreReproducible() throws {
        let dir = TestPaths.scratch("samples")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let g = try Command.run("/usr/bin/env", ["python3", TestPaths.packageRoot + "/scripts/gen-incident.py", "--samples", dir])
        try #require(g.status == 0, "\(g.stderrText)")
        for name in ["reference-incident", "healthy-reboot"] {
            let (committed, r1) = try Self.report([TestPaths.packageRoot + "/samples/" + name])
            let (fresh, r2) = try Self.report([dir + "/" + name])
            #expect(r1.status == 0 && r2.status == 0)
            // Evidence names the input files; only where the tree was read from may differ.
            func normalized(_ object: Any?, root: String) throws -> String {
                let data = try JSONSerialization.data(withJSONObject: object ?? NSNull(), options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
                return String(decoding: data, as: UTF8.self).replacingOccurrences(of: root, with: "ROOT")
            }
            for key in ["analyzed_boot", "end", "units", "oom_kills", "root_causes", "boots"] {
                let a = Data(try normalized(committed[key], root: TestPaths.packageRoot + "/samples/" + name).utf8)
                let b = Data(try normalized(fresh[key], root: dir + "/" + name).utf8)
                let same = a == b
                #expect(same, "\(name): \(key) differs between the committed and a regenerated sample:\n\(String(decoding: a, as: UTF8.self).prefix(3000))\n\(String(decoding: b, as: UTF8.self).prefix(3000))")
            }
            let truth = try JSONDecoder.snake.decode(Truth.self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.packageRoot + "/samples/" + name + "/truth.json")))
            Self.checkAgainstTruth(committed, truth)
        }
    }
}

extension EndToEndTests {
    @Test("postmortem export (both readers) is byte-identical to journalctl on the corpus and a torn host")
    func exportCommand() throws {
        var sets = TestPaths.corpusFiles("journals").filter { !$0.contains("velociraptor-truncated") }.map { [$0] }
        sets.append(TestPaths.corpusFiles("journals").filter { $0.contains("kjournald-") })
        let (root, truth) = try Scenarios.generate("healthy-reboot")
        let journals = try FileManager.default.subpathsOfDirectory(atPath: root + "/var/log/journal")
            .filter { $0.hasSuffix(".journal") }.map { root + "/var/log/journal/" + $0 }.sorted()
        sets.append(journals)
        for files in sets where !files.isEmpty {
            let expected = try Command.run("/usr/bin/journalctl", ["-o", "export"] + files.flatMap { ["--file", $0] }).stdout
            for reader in ["native", "libsystemd"] {
                let ours = try Command.run(TestPaths.executable, ["export", "-o", "export", "--reader", reader] + files).stdout
                let same = ours == expected
                #expect(same, "\(reader) export differs for \(files.first ?? "")")
            }
        }
        // The torn reference host: journalctl refuses the torn file, we keep its intact entries.
        let (torn, tornTruth) = try Scenarios.generate("reference-incident")
        let r = try Command.run(TestPaths.executable, ["export", "-o", "export", torn + "/var/log/journal"])
        let cursors = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("__CURSOR=") }.count
        #expect(cursors >= tornTruth.journalEntries && cursors <= tornTruth.journalEntries + 1,
                "\(cursors) entries vs \(tornTruth.journalEntries) recoverable")
        #expect(r.stderrText.contains("shorter than its header says"), "the damage is named on stderr")
        _ = truth
    }

    @Test("skipped kernel-log lines and unreadable inputs reach the report's inputs section")
    func skippedLinesReachTheReport() throws {
        let (root, _) = try Scenarios.generate("healthy-reboot")
        let dir = TestPaths.scratch("skipped")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try Command.shell("cp -r \(root) \(dir)/host")
        try #require(c.status == 0)
        let kern = dir + "/host/var/log/kern.log"
        var text = try String(contentsOfFile: kern, encoding: .utf8)
        text += "\u{0}\u{1}\u{2} binary garbage line\nthis is not a syslog line at all\n"
        try text.write(toFile: kern, atomically: true, encoding: .utf8)
        try Data("LPKSHHRH".utf8).write(to: URL(fileURLWithPath: dir + "/host/var/log/journal/broken.journal"))
        let (json, r) = try Self.report([dir + "/host"])
        #expect(r.status == 0)
        let inputs = json["inputs"] as? [[String: Any]] ?? []
        let kernInput = inputs.first { ($0["path"] as? String)?.hasSuffix("kern.log") == true }
        let health = kernInput?["health"] as? [String: Any]
        #expect(health?["status"] as? String == "damaged", "\(String(describing: kernInput))")
        #expect((health?["problems"] as? [String])?.contains { $0.contains("skipped") } == true)
        let broken = inputs.first { ($0["path"] as? String)?.hasSuffix("broken.journal") == true }
        #expect((broken?["health"] as? [String: Any])?["status"] as? String == "unreadable")
        #expect(r.stderrText.contains("broken.journal"), "named on stderr too")
    }
}

extension JSONDecoder {
    static var snake: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}
