import Foundation

/// Locations shared by the test targets.
public enum TestPaths {
    /// The package root, found from this file's path.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `../shared/corpus` beside the project, or `nil` in a user's clone that lacks it.
    public static var corpus: String? {
        let candidates = [ProcessInfo.processInfo.environment["POSTMORTEM_CORPUS"],
                          packageRoot + "/../shared/corpus"].compactMap { $0 }
        for c in candidates where FileManager.default.fileExists(atPath: c + "/MANIFEST.md") {
            return URL(fileURLWithPath: c).standardized.path
        }
        return nil
    }

    /// Every file in a corpus subfolder (`journals`, `kernel`), sorted, or `[]` when absent.
    public static func corpusFiles(_ folder: String) -> [String] {
        guard let root = corpus else { return [] }
        let dir = root + "/" + folder
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.sorted().map { dir + "/" + $0 }
    }

    /// A fresh scratch directory inside this test process's `scratchRoot`.
    public static func scratch(_ label: String) -> String {
        let path = scratchRoot + "/\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// One folder under the system temp dir for everything this test process makes, removed
    /// when the process exits. Generated scenarios are kept for the whole run (tests share
    /// them), so per-test cleanup cannot remove them; without this each run left ~700 MB
    /// behind and a machine's disk filled. Folders of runs that died before exiting are
    /// removed when the next run starts.
    public static let scratchRoot: String = {
        let base = NSTemporaryDirectory() + "postmortem-tests"
        try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
            guard let pid = Int32(name.prefix { $0 != "-" }) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: base + "/" + name) }
        }
        let root = base + "/\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestPaths.scratchRoot) }
        return root
    }()

    /// Bytes free in the system temp dir, where `postmortem` expands archives in tests; 0 when unknown.
    public static var freeTempBytes: Int {
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: NSTemporaryDirectory())
        return (attributes?[.systemFreeSize] as? NSNumber)?.intValue ?? 0
    }

    /// The built `postmortem` executable next to the test bundle.
    public static var executable: String {
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [bundle.appendingPathComponent("postmortem").path,
                          packageRoot + "/.build/debug/postmortem"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }
}

/// Runs a command and captures its output.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

public enum Command {
    /// Runs `executable` with `arguments`; stdout and stderr are captured through files so
    /// that large outputs never block on a full pipe.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil,
                           environment: [String: String]? = nil) throws -> CommandResult {
        let dir = TestPaths.scratch("cmd")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outPath = dir + "/out", errPath = dir + "/err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        if let stdin {
            let inPath = dir + "/in"
            FileManager.default.createFile(atPath: inPath, contents: Data(stdin))
            p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        } else {
            p.standardInput = FileHandle.nullDevice
        }
        try p.run()
        p.waitUntilExit()
        let out = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        let err = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
        return CommandResult(status: p.terminationStatus, stdout: [UInt8](out), stderr: [UInt8](err))
    }

    /// Runs a command through `/bin/sh -c`.
    @discardableResult
    public static func shell(_ script: String) throws -> CommandResult {
        try run("/bin/sh", ["-c", script])
    }
}
