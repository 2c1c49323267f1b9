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
        let toFile = try Self.run(["analyze", Self.sample, "--quiet", "-o", "/dev/full"])
        #expect(toFile.status == 1)
        #expect(toFile.stderrText.contains("postmortem: cannot write /dev/full: No space left on device"))
        #expect(!toFile.stderrText.contains("Usage:"))
        let shell = try Command.shell("'\(TestPaths.executable)' analyze '\(Self.sample)' --quiet > /dev/full")
        #expect(shell.status == 1)
        #expect(shell.stderrText.contains("cannot write to standard output: No space left on device"))
    }

    @Test func unwritableOutputFileIsExitOne() throws {
        let r = try Self.run(["analyze", Self.sample, "--quiet", "-o", "/nonexistent-dir/report.txt"])
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
