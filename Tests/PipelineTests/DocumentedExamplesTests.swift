import Foundation
import Testing
import TestSupport

/// Every example the README's command list and `--help` show, run as written. Only the places
/// they name are moved: `/var/log/journal`, `/mnt/image`, `host.tar.zst`, `fleet/` … become a
/// scratch folder holding the reference sample in that shape. An example that reads this machine
/// (no path) may find no journal here (exit 3); none may be a usage error.
@Suite("documented examples", .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd"), "needs zstd to build the archive examples"))
struct DocumentedExamplesTests {
    /// The example lines of a text: those that start with `postmortem`, without their `# comment`,
    /// joined to the lines they continue onto (a line ending in ` \`).
    static func examples(in text: String) -> [String] {
        var out: [String] = []
        var continuing = false
        for line in text.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            let command = (trimmed.split(separator: "#", maxSplits: 1).first.map(String.init) ?? String(trimmed))
                .trimmingCharacters(in: .whitespaces)
            if continuing, let last = out.popLast() {
                out.append(String(last.dropLast()).trimmingCharacters(in: .whitespaces) + " " + command)
            } else if trimmed.hasPrefix("postmortem") {
                out.append(command)
            } else {
                continue
            }
            continuing = out.last?.hasSuffix("\\") ?? false
        }
        return out
    }

    /// The README's command list: the `sh` block under "Commands and formats".
    static func readmeExamples() throws -> [String] {
        let readme = try String(contentsOfFile: TestPaths.packageRoot + "/README.md", encoding: .utf8)
        let heading = try #require(readme.range(of: "## Commands and formats"))
        let open = try #require(readme.range(of: "```sh\n", range: heading.upperBound..<readme.endIndex))
        let close = try #require(readme.range(of: "\n```", range: open.upperBound..<readme.endIndex))
        return examples(in: String(readme[open.upperBound..<close.lowerBound]))
    }

    /// `--help` texts join a long example onto the next line: a line that does not start a new
    /// example continues the one before.
    static func helpExamples(_ subcommand: [String]) throws -> [String] {
        let help = try Command.run(TestPaths.executable, subcommand + ["--help"], environment: ["COLUMNS": "400"]).stdoutText
        guard let start = help.range(of: "xamples:") else { return [] }
        return examples(in: String(help[start.upperBound...]))
    }

    /// A scratch folder standing in for the places the examples name, and the text replacements
    /// that point each example at it.
    static func stage() throws -> (dir: String, places: [(String, String)]) {
        let dir = TestPaths.scratch("documented-examples")
        let sample = TestPaths.packageRoot + "/samples/reference-incident"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/samples", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: dir + "/samples/reference-incident", withDestinationPath: sample)
        try fm.createSymbolicLink(atPath: dir + "/image", withDestinationPath: sample)
        try fm.createDirectory(atPath: dir + "/fleet", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: dir + "/fleet/polybox", withDestinationPath: sample)
        try fm.createSymbolicLink(atPath: dir + "/fleet/web04", withDestinationPath: TestPaths.packageRoot + "/samples/healthy-reboot")
        try fm.createSymbolicLink(atPath: dir + "/fleet-archives", withDestinationPath: dir + "/fleet")
        let journals = sample + "/var/log/journal"
        try fm.createSymbolicLink(atPath: dir + "/journal", withDestinationPath: journals)
        let machine = try #require(try fm.contentsOfDirectory(atPath: journals).first)
        try fm.createSymbolicLink(atPath: dir + "/system.journal", withDestinationPath: journals + "/" + machine + "/system.journal")
        let tar = try Command.shell("cd '\(sample)' && tar -cf - . | zstd -q -o '\(dir)/host.tar.zst'")
        try #require(tar.status == 0, "\(tar.stderrText)")
        try fm.createSymbolicLink(atPath: dir + "/var-log-copy.tar.zst", withDestinationPath: dir + "/host.tar.zst")
        // The shards `fleet merge shards/*` reads: what `batch --shard K/2` leaves.
        for k in 0..<2 {
            let shard = try Command.run(TestPaths.executable, ["batch", dir + "/fleet", "--utc", "--shard", "\(k)/2", "--out", dir + "/shards/\(k)"])
            try #require(shard.status == 0, "\(shard.stderrText)")
        }
        let places = [("/var/log/journal", dir + "/journal"), ("/mnt/image", dir + "/image"), ("/mnt/disk", dir + "/image"),
                      ("/var/lib/postmortem", dir + "/out")]
        return (dir, places)
    }

    static func run(_ example: String, in stage: (dir: String, places: [(String, String)])) throws -> CommandResult {
        var words = example.split(separator: " ").map(String.init)
        words.removeFirst()  // `postmortem`
        words = words.map { word in stage.places.first { $0.0 == word }?.1 ?? word }
        return try Command.shell("cd '\(stage.dir)' && /usr/bin/timeout 120 '\(TestPaths.executable)' "
                                 // A glob in an example is the shell's to expand, as it would be for a user.
                                 + words.map { $0.contains("*") ? $0 : "'\($0)'" }.joined(separator: " ") + " >/dev/null")
    }

    /// An example without a path reads this machine, which a test machine may not have.
    static func readsThisMachine(_ example: String) -> Bool {
        let words = example.split(separator: " ").dropFirst().filter { !$0.hasPrefix("-") }
        return words.isEmpty || words == ["analyze"] || example.contains("--previous-boot-if-unclean")
    }

    @Test func readmeAndHelpExamplesRunAsWritten() throws {
        let readme = try Self.readmeExamples()
        let help = try Self.helpExamples([]) + Self.helpExamples(["analyze"])
        #expect(readme.count >= 10, "\(readme)")
        #expect(help.count >= 6, "\(help)")
        #expect(help.contains { $0.hasSuffix("--out-dir /var/lib/postmortem --keep 10") }, "a continued example is joined: \(help)")
        let stage = try Self.stage()
        defer { try? FileManager.default.removeItem(atPath: stage.dir) }
        for example in readme + help {
            let r = try Self.run(example, in: stage)
            if Self.readsThisMachine(example) {
                #expect([0, 3].contains(r.status), "\(example): exit \(r.status): \(r.stderrText)")
            } else {
                #expect(r.status == 0, "\(example): exit \(r.status): \(r.stderrText)")
            }
        }
    }
}
