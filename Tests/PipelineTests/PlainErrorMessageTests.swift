import Foundation
import Testing
import TestSupport

/// Errors from the file system are said in plain words (issue 13): the path and the system's
/// reason, never a Foundation dump ("Error Domain=NSCocoaErrorDomain Code=512 …", "The
/// operation could not be completed"). The inputs fail for root too: a path under a regular
/// file (ENOTDIR), a folder where a file is expected (EISDIR), a folder that does not exist.
@Suite("plain error messages")
struct PlainErrorMessageTests {
    static let sample = TestPaths.packageRoot + "/samples/reference-incident"
    static let foundationWords = ["Error Domain=", "NSCocoaErrorDomain", "NSPOSIXErrorDomain", "NSUnderlyingError",
                                  "The operation could not be completed", "CocoaError", "UserInfo="]

    /// A scratch folder holding a regular file `plain`, and the path of that file.
    static func folderWithFile(_ label: String) throws -> (dir: String, file: String) {
        let dir = TestPaths.scratch(label)
        let file = dir + "/plain"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        return (dir, file)
    }

    static func run(_ args: [String]) throws -> CommandResult {
        let r = try Command.run(TestPaths.executable, args)
        for word in foundationWords { #expect(!r.stderrText.contains(word), "\(args): \(r.stderrText)") }
        return r
    }

    @Test func reportFolderUnderAFile() throws {
        let (dir, file) = try Self.folderWithFile("plain-outdir")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.run(["analyze", "--quiet", "--utc", Self.sample, "--out-dir", file + "/reports"])
        #expect(r.status == 1)
        #expect(r.stderrText.contains("postmortem: cannot write \(file)/reports: Not a directory (the reports go to \(file)/reports/"))
    }

    @Test func batchAndFleetOutputUnderAFile() throws {
        let (dir, file) = try Self.folderWithFile("plain-batch")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let batch = try Self.run(["batch", "--utc", Self.sample, "--out", file + "/out"])
        #expect(batch.status == 1)
        #expect(batch.stderrText == "postmortem: cannot write \(file)/out: Not a directory\n")
        let good = try Self.run(["batch", "--utc", Self.sample, "--out", dir + "/out"])
        #expect(good.status == 0, "\(good.stderrText)")
        let merge = try Self.run(["fleet", "merge", "--utc", dir + "/out", "--out", file + "/merged"])
        #expect(merge.status == 1)
        #expect(merge.stderrText.contains("postmortem: cannot write \(file)/merged: Not a directory"))
        let shard = try Self.run(["fleet", "merge", "--utc", file + "/shard", "--out", dir + "/merged"])
        #expect(shard.status == 3)
        #expect(shard.stderrText.contains("\(file)/shard/fleet.jsonl: cannot be read: Not a directory"))
    }

    @Test func alertsUnderAFile() throws {
        let (dir, file) = try Self.folderWithFile("plain-alerts")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.run(["alerts", "--quiet", "--utc", Self.sample, "--out", file + "/alerts"])
        #expect(r.status == 1)
        #expect(r.stderrText.contains("postmortem: cannot write \(file)/alerts: Not a directory"))
    }

    /// `--output-file` into a folder that does not exist, and onto a folder.
    @Test func outputFileInAMissingFolderOrOnAFolder() throws {
        let dir = TestPaths.scratch("plain-output")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = try Self.run(["analyze", "--quiet", "--utc", Self.sample, "--output-file", dir + "/no/such/report.txt"])
        #expect(missing.status == 1)
        #expect(missing.stderrText.contains("postmortem: cannot write \(dir)/no/such/report.txt: No such file or directory"))
        let folder = try Self.run(["analyze", "--quiet", "--utc", Self.sample, "--output-file", dir])
        #expect(folder.status == 1)
        #expect(folder.stderrText.contains("postmortem: cannot write \(dir): Is a directory"))
    }

    /// Inputs named under a regular file, or missing: the system's reason, exit 3.
    @Test func inputUnderAFile() throws {
        let (dir, file) = try Self.folderWithFile("plain-input")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let analyze = try Self.run(["analyze", "--quiet", "--utc", file + "/kern.log"])
        #expect(analyze.status == 3)
        #expect(analyze.stderrText.contains("postmortem: \(file)/kern.log: not a directory"))
        let export = try Self.run(["export", file + "/system.journal"])
        #expect(export.status == 3)
        #expect(export.stderrText.contains("postmortem: \(file)/system.journal: not a directory"))
        let libsystemd = try Self.run(["export", "--reader", "libsystemd", file + "/system.journal"])
        #expect(libsystemd.status == 3)
        #expect(libsystemd.stderrText.contains("postmortem: libsystemd cannot read \(file)/system.journal: sd_journal_open_files: Not a directory"))
        let loop = dir + "/loop"
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        let looped = try Self.run(["analyze", "--quiet", "--utc", loop])
        #expect(looped.status == 3)
        #expect(looped.stderrText.contains("postmortem: \(loop): a symbolic link that cannot be followed: too many levels of symbolic links"))
    }
}
