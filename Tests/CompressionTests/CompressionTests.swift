import Foundation
import TestSupport
import Testing
import Compression

@Suite struct CompressionRoundTrips {
    @Test func gzipRoundTrip() throws {
        let text = Array(String(repeating: "kernel: Out of memory: Killed process 1234 (python)\n", count: 200).utf8)
        let packed = try Gzip.compress(text)
        #expect(packed.count < text.count)
        let back = try packed.withUnsafeBytes { try Gzip.decompress($0, limit: 1 << 20) }
        #expect(back == text)
    }

    @Test func gzipRefusesOutputPastLimit() throws {
        let text = [UInt8](repeating: 65, count: 100_000)
        let packed = try Gzip.compress(text)
        #expect(throws: CompressionError.self) { try packed.withUnsafeBytes { try Gzip.decompress($0, limit: 1000) } }
    }

    @Test func lz4JournalPayloadRoundTrip() throws {
        let text = Array(String(repeating: "X", count: 5000).utf8)
        let packed = LZ4.compressJournalPayload(text)
        #expect(packed.count < 200)
        let back = try packed.withUnsafeBytes { try LZ4.decompressJournalPayload($0, limit: 1 << 20) }
        #expect(back == text)
    }

    @Test func lz4RejectsLyingSizePrefix() throws {
        var packed = LZ4.compressJournalPayload(Array(String(repeating: "X", count: 5000).utf8))
        packed[0] = 0xFF; packed[1] = 0xFF
        #expect(throws: CompressionError.self) { try packed.withUnsafeBytes { try LZ4.decompressJournalPayload($0, limit: 1 << 20) } }
    }

    /// The system tool that writes `algorithm`'s files: the oracle.
    static func tool(_ algorithm: CompressionAlgorithm) -> String {
        switch algorithm {
        case .zstd: "zstd"
        case .xz: "xz"
        case .gzip: "gzip"
        case .bzip2: "bzip2"
        case .lz4: "lz4"
        }
    }

    @Test(arguments: [CompressionAlgorithm.zstd, .xz, .gzip, .bzip2])
    func wholeFileCodecsAgainstSystemTools(_ algorithm: CompressionAlgorithm) throws {
        let text = String(repeating: "Dec 31 23:59:59 host kernel: [  1.000000] line\n", count: 500)
        let tool = Self.tool(algorithm)
        let dir = TestPaths.scratch("codec")
        let path = dir + "/plain"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try Command.shell("\(tool) -q -c \(path) > \(path).c")
        try #require(r.status == 0, "\(tool) is needed: \(r.stderrText)")
        let packed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + ".c")))
        #expect(packed.withUnsafeBytes { CompressionAlgorithm.sniff($0) } == algorithm)
        let back = try packed.withUnsafeBytes { try algorithm.decompress($0, limit: 1 << 20) }
        #expect(String(decoding: back, as: UTF8.self) == text)
        // Every cut of the stream fails cleanly rather than returning a short answer as whole,
        // and the partial decoder gives a prefix of the original with the reason.
        for cut in stride(from: 1, to: packed.count - 1, by: max(1, packed.count / 17)) {
            let part = Array(packed[..<cut])
            #expect(throws: CompressionError.self) { try part.withUnsafeBytes { try algorithm.decompress($0, limit: 1 << 20) } }
            let partial = part.withUnsafeBytes { algorithm.decompressKeepingPartial($0, limit: 1 << 20) }
            #expect(partial.problem != nil)
            #expect(Array(text.utf8).starts(with: partial.bytes))
        }
    }

    @Test("archives expand into memory of their own exactly as into arrays, whole, cut, and with a size that fills the buffer exactly",
          arguments: [CompressionAlgorithm.zstd, .xz, .gzip, .bzip2])
    func expandedBytesAgreeWithArrays(_ algorithm: CompressionAlgorithm) throws {
        let tool = Self.tool(algorithm)
        let dir = TestPaths.scratch("expand")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Sizes around the decoders' first buffer and its doublings, plus one that is not
        // compressible (growth from a small first guess) and one larger than a megabyte.
        var state: UInt64 = 7
        func noise(_ n: Int) -> [UInt8] {
            (0..<n).map { _ in state = state &* 6364136223846793005 &+ 1; return UInt8(truncatingIfNeeded: state >> 33) }
        }
        let inputs: [[UInt8]] = [Array(repeating: 65, count: 4096), Array(repeating: 66, count: 8192), noise(70_000),
                                 Array(String(repeating: "kernel: line of a log\n", count: 60_000).utf8)]
        for (i, original) in inputs.enumerated() {
            let path = dir + "/in\(i)"
            try Data(original).write(to: URL(fileURLWithPath: path))
            let r = try Command.shell("\(tool) -q -c \(path) > \(path).c")
            try #require(r.status == 0, "\(tool): \(r.stderrText)")
            let packed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + ".c")))
            let (whole, problem) = packed.withUnsafeBytes { algorithm.expandKeepingPartial($0, limit: 1 << 26) }
            #expect(problem == nil, "\(tool) input \(i): \(String(describing: problem))")
            #expect(Array(whole.bytes) == original, "\(tool) input \(i)")
            #expect(try packed.withUnsafeBytes { try algorithm.decompress($0, limit: 1 << 26) } == original)
            for cut in stride(from: 20, to: packed.count - 1, by: max(1, packed.count / 7)) {
                let part = Array(packed[..<cut])
                let (prefix, cutProblem) = part.withUnsafeBytes { algorithm.expandKeepingPartial($0, limit: 1 << 26) }
                let viaArray = part.withUnsafeBytes { algorithm.decompressKeepingPartial($0, limit: 1 << 26) }
                #expect(cutProblem != nil)
                #expect(Array(prefix.bytes) == viaArray.bytes)
                #expect(original.starts(with: Array(prefix.bytes)))
            }
        }
    }

    @Test("bzip2: streams written one after another (pbzip2, cat) and zero padding after them expand as bzip2 -d expands them; text starting BZh is not bzip2")
    func bzip2Streams() throws {
        let dir = TestPaths.scratch("bzip2")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(String(repeating: "first stream line\n", count: 3000).utf8).write(to: URL(fileURLWithPath: dir + "/a"))
        try Data(String(repeating: "second stream line\n", count: 70_000).utf8).write(to: URL(fileURLWithPath: dir + "/b"))
        let r = try Command.shell("cd '\(dir)' && bzip2 -k a b && cat a.bz2 b.bz2 > ab.bz2 && head -c 4096 /dev/zero >> ab.bz2"
                                  + " && bzip2 -dc ab.bz2 > ab.oracle")
        try #require(r.status == 0, "bzip2 is needed: \(r.stderrText)")
        let packed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/ab.bz2")))
        let oracle = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/ab.oracle")))
        #expect(packed.withUnsafeBytes { CompressionAlgorithm.sniff($0) } == .bzip2)
        #expect(try packed.withUnsafeBytes { try Bzip2.decompress($0, limit: 1 << 26) } == oracle)
        let (spilled, problem) = packed.withUnsafeBytes { CompressionAlgorithm.bzip2.expandKeepingPartial($0, limit: 1 << 26, spilling: true) }
        #expect(problem == nil)
        #expect(Array(spilled.bytes) == oracle)
        // Past the limit: refused whole, the partial decoder stops there.
        #expect(throws: CompressionError.self) { try packed.withUnsafeBytes { try Bzip2.decompress($0, limit: 100_000) } }
        #expect(packed.withUnsafeBytes { CompressionAlgorithm.bzip2.decompressKeepingPartial($0, limit: 100_000).bytes.count } <= 100_000)
        // Corrupt data (a byte of the first block flipped) is an error, not a crash.
        var bad = packed
        bad[40] ^= 0xFF
        #expect(throws: CompressionError.self) { try bad.withUnsafeBytes { try Bzip2.decompress($0, limit: 1 << 26) } }
        for text in ["BZh", "BZh9 is not a stream", "BZh91AY&SX and more text"] {
            #expect(Array(text.utf8).withUnsafeBytes { CompressionAlgorithm.sniff($0) } == nil, "\(text)")
        }
    }
}
