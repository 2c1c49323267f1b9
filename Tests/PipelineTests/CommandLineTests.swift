import Foundation
import Testing
import TestSupport

/// The command line as a user types it: journalctl's spellings, usage errors with exit 2,
/// output that cannot be written with exit 1 and one line (issues 12 and 13).
@Suite("command line", .serialized)
struct CommandLineTests {
    static let sample = TestPaths.packageRoot + "/samples/reference-incident"

    static func run(_ args: [String]) throws -> CommandResult {
        // `timeout`: a hang is a failure with status 124, never a stuck test run.
        try Command.run("/usr/bin/timeout", ["60", TestPaths.executable] + args)
    }

    @Test func bootMinusOneIsAValueNotAnOption() throws {
        func analyzed(_ spelling: [String]) throws -> String? {
            let r = try Self.run(["analyze", Self.sample, "--quiet", "--utc", "--format", "json"] + spelling)
            #expect(r.status == 0, "\(spelling): \(r.stderrText)")
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any]
            return json?["analyzed_boot"] as? String
        }
        let newest = try analyzed(["--boot=0"])
        let previous = try analyzed(["--boot=-1"])
        #expect(newest != nil && previous != nil && newest != previous)
        #expect(try analyzed(["--boot", "-1"]) == previous)
        #expect(try analyzed(["-b", "-1"]) == previous)
    }

    @Test(arguments: [
        (["--since", "@1e300"], "outside the years 1970 to 9999"),
        (["--since", "@nan"], "outside the years 1970 to 9999"),
        (["--until", "@inf"], "outside the years 1970 to 9999"),
        (["--since", "soon"], "cannot read time 'soon'"),
        (["--since", "2024-02-11 09:50", "--until", "2024-02-11 09:40"], "the window is empty"),
        (["--tz", "+25:00"], "unknown zone '+25:00'"),
        (["--tz", "Mars/Olympus"], "unknown zone"),
        (["--utc", "--tz", "Europe/Berlin"], "choose the zone twice"),
        (["--boot", "sideways"], "is not auto, all, a number or a boot ID"),
    ])
    func usageErrors(_ args: [String], _ message: String) throws {
        let r = try Self.run(["analyze", Self.sample, "--quiet"] + args)
        #expect(r.status == 2, "\(args)")
        #expect(r.stderrText.contains(message), "\(args): \(r.stderrText)")
    }

    @Test func journalctlTimeFormsAreAccepted() throws {
        for since in ["2024-02-11 09:50", "2024-02-11 09:50:00", "2024-02-11", "@1707645000", "yesterday", "-1h", "2 days ago"] {
            let r = try Self.run(["analyze", Self.sample, "--quiet", "--utc", "--since", since, "--format", "json"])
            #expect(r.status == 0, "--since \(since): \(r.stderrText)")
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func fullDiskIsExitOneWithOneLine() throws {
        let toFile = try Self.run(["analyze", Self.sample, "--quiet", "--output-file", "/dev/full"])
        #expect(toFile.status == 1)
        #expect(toFile.stderrText.contains("postmortem: cannot write /dev/full: No space left on device"))
        #expect(!toFile.stderrText.contains("Usage:"))
        let shell = try Command.shell("'\(TestPaths.executable)' analyze '\(Self.sample)' --quiet > /dev/full")
        #expect(shell.status == 1)
        #expect(shell.stderrText.contains("cannot write to standard output: No space left on device"))
    }

    @Test func unwritableOutputFileIsExitOne() throws {
        let r = try Self.run(["analyze", Self.sample, "--quiet", "--output-file", "/nonexistent-dir/report.txt"])
        #expect(r.status == 1)
        #expect(r.stderrText.split(separator: "\n").last == "postmortem: cannot write /nonexistent-dir/report.txt: No such file or directory")
    }
}

/// `export` as a journalctl stand-in: host folders and archives accepted, exit 3 when no
/// journal could be read (issues 12 and 13).
@Suite("export command", .serialized)
struct ExportCommandTests {
    @Test func hostFolderExportsItsJournals() throws {
        let sample = CommandLineTests.sample
        let journals = try FileManager.default.subpathsOfDirectory(atPath: sample + "/var/log/journal")
            .filter { $0.hasSuffix(".journal") || $0.hasSuffix(".journal~") }.map { sample + "/var/log/journal/" + $0 }
        let byFiles = try Command.run(TestPaths.executable, ["export"] + journals)
        let byHost = try Command.run(TestPaths.executable, ["export", sample])
        #expect(byHost.status == 0)
        #expect(!byHost.stdout.isEmpty && byHost.stdout == byFiles.stdout)
        // The host's kern.log is not a journal, but nobody asked for it: no word about it.
        #expect(!byHost.stderrText.contains("not a journal file"))
    }

    @Test func aKernelLogAloneIsExitThree() throws {
        let r = try Command.run(TestPaths.executable, ["export", CommandLineTests.sample + "/var/log/kern.log"])
        #expect(r.status == 3)
        #expect(r.stderrText.contains("kern.log: not a journal file"))
        #expect(r.stderrText.contains("no journal file could be read"))
        #expect(r.stdout.isEmpty)
    }
}

/// Output modes, boots, units and text layout as a user meets them (issue 12).
@Suite("command line output", .serialized)
struct CommandLineOutputTests {
    static let sample = CommandLineTests.sample
    static func run(_ args: [String], environment: [String: String]? = nil) throws -> CommandResult {
        try Command.run("/usr/bin/timeout", ["60", TestPaths.executable] + args, environment: environment)
    }

    @Test func dashOIsTheOutputModeAsInJournalctl() throws {
        let json = try Self.run(["analyze", Self.sample, "-q", "--utc", "-o", "json"])
        #expect(json.status == 0)
        #expect((try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])?["schema"] != nil)
        let hint = try Self.run(["analyze", Self.sample, "-q", "-o", "incident.md"])
        #expect(hint.status == 2)
        #expect(hint.stderrText.contains("-o/--output is the output mode (text, markdown, json, html), as in journalctl; write to a file with --output-file incident.md"))
        let dir = TestPaths.scratch("output-file")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let toFile = try Self.run(["analyze", Self.sample, "-q", "--utc", "-o", "markdown", "--output-file", dir + "/incident.md"])
        #expect(toFile.status == 0 && toFile.stdout.isEmpty)
        #expect(try String(contentsOfFile: dir + "/incident.md", encoding: .utf8).hasPrefix("#"))
    }

    @Test func bootsAsJSONAreTheBootsAlone() throws {
        let r = try Self.run(["boots", Self.sample, "-q", "-o", "json"])
        #expect(r.status == 0)
        let boots = try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [[String: Any]]
        #expect(boots?.count == 2)
        #expect(boots?.allSatisfy { $0["boot_id"] is String } == true)
    }

    @Test func aBootThatIsNotThereIsExitThreeListingTheBoots() throws {
        let r = try Self.run(["analyze", Self.sample, "-q", "--utc", "--boot", "-5"])
        #expect(r.status == 3)
        #expect(r.stderrText.contains("no boot -5 in the input; the boots there are:"))
        #expect(r.stderrText.contains("9b094a1e218e0eaac0e0d2f5e4f02fec"))
        let all = try Self.run(["analyze", Self.sample, "-q", "--utc", "--boot", "all"])
        #expect(all.status == 0)
        #expect(all.stdoutText.contains("All 2 boots analysed together"))
        #expect(!all.stdoutText.contains("No boot found"))
    }

    /// A console log pasted without its boot's start (syzkaller's report 334, Apache-2.0, from
    /// the corpus: `[  200.999653] Kernel panic - not syncing: corrupted stack end detected
    /// inside scheduler`, no `Linux version` line): the verdict is the panic, not "no boot".
    @Test(.enabled(if: TestPaths.corpus != nil))
    func kernelLinesWithoutABootLeadWithWhatTheySay() throws {
        let log = try #require(TestPaths.corpusFiles("kernel").first { $0.hasSuffix("syzkaller-report-334-oom-then-panic.log") })
        let r = try Self.run(["analyze", log, "-q", "--utc"])
        #expect(r.status == 0)
        // Read as words: the text report wraps at the terminal's width.
        let words = r.stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.hasPrefix("unknown host: kernel panic (corrupted stack end detected inside scheduler); cause: kernel-panic of "
                                + "system. No boot's start in the input: its kernel lines were read as one boot"), "\(words.prefix(300))")
        // Negative: kernel lines that say nothing wrong, and no boot's start: no boot, nothing more.
        let dir = TestPaths.scratch("no-boot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[    1.000000] usb 1-1: new high-speed USB device number 2 using xhci_hcd\n"
            .write(toFile: dir + "/console.log", atomically: true, encoding: .utf8)
        let quiet = try Self.run(["analyze", dir + "/console.log", "-q", "--utc"])
        #expect(quiet.stdoutText.hasPrefix("unknown host: No boot found in the input."), "\(quiet.stdoutText.prefix(300))")
    }

    @Test(arguments: [("polyscan", true), ("polyscan.service", true), ("poly*", true), ("*.service", true),
                      ("polyscan.socket", false), ("nothere", false)])
    func unitLikeJournalctl(_ unit: String, _ found: Bool) throws {
        let r = try Self.run(["analyze", Self.sample, "-q", "--utc", "-o", "json", "-u", unit])
        #expect(r.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any]
        let units = (json?["units"] as? [[String: Any]] ?? []).compactMap { $0["unit"] as? String }
        #expect(units.contains("polyscan.service") == found, "\(unit): \(units)")
        #expect(r.stderrText.contains("no unit matching") == units.isEmpty)
    }

    @Test func colourFollowsTheAskAndTheEnvironment() throws {
        let always = try Self.run(["analyze", Self.sample, "-q", "--utc", "--color", "always"])
        #expect(always.stdoutText.contains("\u{1B}["))
        let piped = try Self.run(["analyze", Self.sample, "-q", "--utc"])
        #expect(!piped.stdoutText.contains("\u{1B}["))
        // On a terminal: colour unless NO_COLOR or TERM=dumb.
        func onTerminal(_ env: String) throws -> String {
            let cmd = "env -u NO_COLOR \(env) '\(TestPaths.executable)' analyze '\(Self.sample)' -q --utc 2>/dev/null"
            return try Command.run("/usr/bin/script", ["-qec", cmd, "/dev/null"]).stdoutText
        }
        #expect(try onTerminal("TERM=xterm").contains("\u{1B}["))
        #expect(!(try onTerminal("TERM=xterm NO_COLOR=1")).contains("\u{1B}["))
        #expect(!(try onTerminal("TERM=dumb")).contains("\u{1B}["))
    }

    /// The window is stated, and applied to the timeline: no row lies wholly outside it. An empty
    /// window is said plainly, not reported as "no cause found".
    @Test func theWindowIsStatedAndApplied() throws {
        let r = try Self.run(["analyze", Self.sample, "-q", "--utc", "-o", "json", "--since", "2024-02-11 09:50", "--until", "2024-02-11 09:51:30"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdoutText.utf8)) as? [String: Any])
        let window = try #require(json["window"] as? [String: Any])
        #expect(window["since"] as? String == "2024-02-11T09:50:00.000000Z")
        #expect((window["entries"] as? Int ?? 0) > 0)
        let rows = try #require(json["timeline"] as? [[String: Any]])
        #expect(!rows.isEmpty)
        for row in rows {
            let start = try #require(row["time"] as? String)
            let end = row["end_time"] as? String ?? start
            #expect(end >= "2024-02-11T09:50:00" && start <= "2024-02-11T09:51:30.999999Z", "\(row)")
        }
        let text = try Self.run(["analyze", Self.sample, "-q", "--utc", "--since", "2024-02-11 09:50", "--until", "2024-02-11 09:51:30"])
        #expect(text.stdoutText.contains("window 2024-02-11 09:50:00 UTC → 2024-02-11 09:51:30 UTC"))
        let empty = try Self.run(["analyze", Self.sample, "-q", "--utc", "--since", "2030-01-01"])
        let words = empty.stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("no entries of the boot fall in it"))
        #expect(words.contains("nothing in the window asked for"))
        #expect(!words.contains("no cause found"))
        #expect(!words.contains("stopped without shutting down"))
    }

    /// Written to a file or pipe nothing is cut; on an 80-column terminal every line fits.
    @Test func nothingCutOffATerminalAndEightyColumnsOnOne() throws {
        let piped = try Self.run(["analyze", Self.sample, "-q", "--utc"])
        #expect(!Self.cut(piped.stdoutText))
        #expect(piped.stdoutText.contains("(root) CMD (/usr/local/bin/heartbeat") || piped.stdoutText.contains("Kernel panic - not syncing: softlockup: hung tasks"))
        let cmd = "stty cols 80; TERM=xterm NO_COLOR=1 '\(TestPaths.executable)' analyze '\(Self.sample)' -q --utc 2>/dev/null"
        let tty = try Command.run("/usr/bin/script", ["-qec", cmd, "/dev/null"]).stdoutText
        let lines = tty.replacingOccurrences(of: "\r", with: "").split(separator: "\n")
        #expect(lines.count > 20)
        // Only a word longer than a line (a path) may pass the edge, alone after its indent.
        for line in lines where line.count > 80 {
            let words = line.split(separator: " ")
            #expect(words.count == 1 || words.contains { $0.count > 60 }, "\(line)")
        }
        let full = try Command.run("/usr/bin/script", ["-qec", cmd.replacingOccurrences(of: " 2>/dev/null", with: " --full 2>/dev/null"),
                                                       "/dev/null"]).stdoutText
        #expect(!Self.cut(full))
    }

    /// True when text was cut with `…` (a boot ID's 12-digit short form is not a cut).
    static func cut(_ text: String) -> Bool {
        let shortIDs = try? NSRegularExpression(pattern: "[0-9a-f]{12}…")
        let range = NSRange(text.startIndex..., in: text)
        let rest = shortIDs?.stringByReplacingMatches(in: text, range: range, withTemplate: "") ?? text
        return rest.contains("…")
    }

    /// The timeline in time order in every format; last words are what says something, not
    /// cron's session chatter (priority info) or entries whose text was lost (issue 12).
    @Test func timelineInOrderAndLastWordsWithoutNoise() throws {
        let r = try Self.run(["timeline", Self.sample, "-q", "-o", "json"])
        #expect(r.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [[String: Any]])
        let times = rows.compactMap { $0["time"] as? String }
        #expect(times.count == rows.count && times == times.sorted())
        let last = rows.filter { $0["last_words"] as? Bool == true }
        #expect(!last.isEmpty)
        for row in last {
            let detail = row["detail"] as? String ?? ""
            #expect(!detail.contains("pam_unix(cron:session)") && !detail.contains("(message not recovered)"), "\(detail)")
        }
        #expect(last.contains { ($0["detail"] as? String ?? "").hasPrefix("Kernel panic - not syncing") })
        let csv = try Self.run(["timeline", Self.sample, "-q", "-o", "csv", "--utc"])
        let csvTimes = csv.stdoutText.split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) }
        #expect(csvTimes == csvTimes.sorted())
    }
}

/// The README's first screen shows real output: what the binary prints for `make run`.
@Suite("README")
struct ReadmeOutputTests {
    @Test func makeRunOutputMatchesTheBinary() throws {
        let readme = try String(contentsOfFile: TestPaths.packageRoot + "/README.md", encoding: .utf8)
        let intro = try #require(readme.range(of: "`make run` on the bundled reference incident prints"))
        let open = try #require(readme.range(of: "```\n", range: intro.upperBound..<readme.endIndex))
        let close = try #require(readme.range(of: "\n```\n", range: open.upperBound..<readme.endIndex))
        let shown = String(readme[open.upperBound..<close.lowerBound])
        // `make run`: the release build, stderr then stdout into a pipe (`2>&1 | cat`).
        let r = try Command.shell("cd '\(TestPaths.packageRoot)' && '\(TestPaths.executable)' analyze --utc samples/reference-incident 2>&1 | cat")
        // Nothing in it follows the checkout's file dates: kern.log's year comes from the journal.
        #expect(shown == r.stdoutText.trimmingCharacters(in: .newlines))
    }
}
