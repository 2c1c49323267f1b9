import Foundation
import TestSupport

/// Journal files the tests write with systemd-journal-remote, in every layout it can
/// produce, with content chosen to exercise the reader: several boots, fields over 512
/// bytes (zstd-compressed objects), binary values, repeated fields, rotation mid-stream.
enum JournalFixtures {
    struct Layout: Sendable, CustomStringConvertible {
        var compact: Bool
        var keyedHash: Bool
        var description: String { "\(compact ? "compact" : "regular")-\(keyedHash ? "siphash" : "jenkins")" }
    }

    static let layouts = [Layout(compact: true, keyedHash: true), Layout(compact: false, keyedHash: true),
                          Layout(compact: true, keyedHash: false), Layout(compact: false, keyedHash: false)]

    static let boots = ["1f0e3d5c7b9a48f6a2c4e6f8091b2d3c", "2a4c6e8f0b1d43a5b7c9d1e3f5a7b9c1", "3b5d7f9a1c3e45b7c9e1f3a5b7c9d1e3"]

    /// Deterministic pseudo-random numbers (SplitMix64), so failures reproduce.
    struct Rand {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// `count` entries across three boots, as export-format chunks (one per file to write).
    static func exportChunks(count: Int, files: Int, seed: UInt64 = 7) -> [[UInt8]] {
        var rng = Rand(state: seed)
        var chunks: [[UInt8]] = []
        var builder = ExportBuilder()
        let perFile = max(1, count / files)
        var realtime: UInt64 = 1_733_000_000_000_000
        var monotonic: UInt64 = 5_000_000
        var pid = 1000
        for i in 0..<count {
            let boot = boots[min(boots.count - 1, i * boots.count / count)]
            if i > 0, boot != boots[min(boots.count - 1, (i - 1) * boots.count / count)] {
                monotonic = 3_000_000
                realtime += 60_000_000
            }
            realtime += UInt64(1 + rng.below(400_000))
            monotonic += UInt64(1 + rng.below(400_000))
            pid += 1 + rng.below(5)
            var fields: [(String, [UInt8])] = [
                ("MESSAGE", Array("polyscan.service: Main process exited, code=exited, status=\(rng.below(3))/FAILURE".utf8)),
                ("_PID", Array(String(pid).utf8)),
                ("PRIORITY", Array(String(rng.below(8)).utf8)),
                ("_SYSTEMD_UNIT", Array(["polyscan.service", "cron.service", "sshd.service"][rng.below(3)].utf8)),
                ("_HOSTNAME", Array("fixture-host".utf8)),
            ]
            switch i % 11 {
            case 0: fields.append(("MESSAGE_ID", Array("5eb03494b6584870a536b337290809b3".utf8)))
            case 1: fields.append(("BIG", Array(String(repeating: "stack frame \(i) ", count: 60).utf8)))
            case 2: fields.append(("BINARY", (0..<40).map { _ in UInt8(rng.below(256)) }))
            case 3: fields.append(("TAG", Array("a".utf8))); fields.append(("TAG", Array("b".utf8)))
            case 4: fields.append(("MULTILINE", Array("line one\nline two".utf8)))
            case 5: fields.append(("UTF8", Array("Größe überschritten – ✓".utf8)))
            case 6: fields.append(("MEDIUM", Array(String(repeating: "call trace \(i) ", count: 22).utf8)))
            default: break
            }
            builder.add(realtime: realtime, monotonic: monotonic, bootID: boot, fields: fields)
            if builder.count >= perFile && chunks.count < files - 1 {
                chunks.append(builder.bytes)
                builder = ExportBuilder()
            }
        }
        if builder.count > 0 { chunks.append(builder.bytes) }
        return chunks
    }

    /// Writes a directory of rotated journal files; returns the directory and the files in order.
    static func writeDirectory(_ label: String, layout: Layout, count: Int = 3000, files: Int = 3) throws -> (dir: String, files: [String]) {
        let dir = TestPaths.scratch(label)
        var paths: [String] = []
        for (i, chunk) in exportChunks(count: count, files: files).enumerated() {
            let path = dir + "/system@\(i).journal"
            try JournalRemote.write(chunk, to: path, compact: layout.compact, keyedHash: layout.keyedHash)
            paths.append(path)
        }
        return (dir, paths)
    }

    /// journalctl's export output for `files`.
    static func journalctlExport(_ files: [String], extra: [String] = []) throws -> [UInt8] {
        try Command.run("/usr/bin/journalctl", extra + ["-o", "export"] + files.flatMap { ["--file", $0] }).stdout
    }

    static func postmortemExport(_ paths: [String], format: String = "export") throws -> CommandResult {
        try Command.run(TestPaths.executable, ["export", "-o", format] + paths)
    }
}
