import Foundation
import TestSupport

/// Small tools the report tests share: running python3 scripts, writing scratch files, reading output.
enum Helpers {
    /// The `python3` a shell would run (first on `PATH`: that is where `pip install` put jsonschema).
    static var python3: String? { onPath("python3") }

    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/usr/bin", "/bin"]
        return dirs.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// True when python3 can import `module`.
    static func pythonHas(_ module: String) -> Bool {
        guard let python3 else { return false }
        return (try? Command.run(python3, ["-c", "import \(module)"]).status) == 0
    }

    /// Runs a python3 script given as text; returns its result.
    static func python(_ script: String, _ arguments: [String]) throws -> CommandResult {
        guard let python3 else { throw HelperError(detail: "python3 is not installed") }
        let dir = TestPaths.scratch("py")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/script.py"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        return try Command.run(python3, [path] + arguments)
    }

    static func write(_ text: String, named name: String, in dir: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `s` without ANSI CSI sequences (`ESC [ … letter`).
    /// True when `line` fits `width`, or passes it only because one word (a path, a cursor)
    /// is longer than the room left for it: such a word stands whole after its indent or label
    /// (at most 16 columns), never cut in two.
    static func fits(_ line: String, _ width: Int) -> Bool {
        guard line.count > width else { return true }
        return !line.dropFirst(16).contains(" ") && line.dropFirst(16).count > width - 16
    }

    static func stripANSI(_ s: String) -> String {
        var out = ""
        var it = s.makeIterator()
        while let ch = it.next() {
            if ch == "\u{1B}" {
                if it.next() == "[" {
                    while let c = it.next(), !(c.isLetter) {}
                }
                continue
            }
            out.append(ch)
        }
        return out
    }

    static var chromium: String? { onPath("chromium") ?? onPath("chromium-browser") }
}

struct HelperError: Error, CustomStringConvertible {
    var detail: String
    var description: String { detail }
}
