import Foundation
import Testing
import TestSupport
@testable import Journal

/// Our export output against journalctl's, byte for byte, on real files.
func nativeExport(_ paths: [String]) -> [UInt8] {
    var out: [UInt8] = []
    JournalReader(paths: paths).writeExport { out.append(contentsOf: $0) }
    return out
}

/// The same through decoded `JournalEntry` values (the path the analysis uses).
func entryExport(_ paths: [String]) -> [UInt8] {
    var out: [UInt8] = []
    JournalReader(paths: paths).forEachEntry { ExportFormat.appendExport($0, to: &out) }
    return out
}

func cursorCount(_ export: [UInt8]) -> Int {
    String(decoding: export, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("__CURSOR=") }.count
}

@Suite("export is byte-identical to journalctl", .serialized)
struct ExportDifferentialTests {
    static let readable = TestPaths.corpusFiles("journals").filter { !$0.contains("velociraptor-truncated") }

    @Test("every corpus journal journalctl reads", arguments: readable)
    func corpusFile(_ path: String) throws {
        let expected = try JournalFixtures.journalctlExport([path])
        let ours = nativeExport([path])
        #expect(ours.count == expected.count)
        #expect(ours == expected, "export differs for \(path)")
        #expect(entryExport([path]) == expected, "decoded entries differ for \(path)")
    }

    @Test("the KDE journal set read as one stream (interleaved seqnum families, 3 boots)", .enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus"))
    func kdeSet() throws {
        let files = TestPaths.corpusFiles("journals").filter { $0.contains("kjournald-") }
        try #require(!files.isEmpty)
        let expected = try JournalFixtures.journalctlExport(files)
        #expect(cursorCount(expected) == 2202)  // MANIFEST: 2202 entries in the set
        #expect(nativeExport(files) == expected)
    }

    @Test("generated rotated directories, every layout", arguments: JournalFixtures.layouts)
    func generated(_ layout: JournalFixtures.Layout) throws {
        let (dir, files) = try JournalFixtures.writeDirectory("export-\(layout)", layout: layout)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let expected = try JournalFixtures.journalctlExport(files)
        #expect(cursorCount(expected) == 3000)
        let ours = nativeExport([dir])
        #expect(ours == expected)
        #expect(entryExport([dir]) == expected)
        // The >512-byte fields really were stored compressed, so decompression was exercised.
        let header = try Command.run("/usr/bin/journalctl", ["--file", files[0], "--header"]).stdoutText
        #expect(header.contains(layout.compact ? "COMPACT" : "COMPRESSED-ZSTD"))
        // The >512-byte fields really were stored as zstd-compressed DATA objects.
        let file = try JournalFile(path: files[0])
        let zstdObjects = file.dataObjects(ofField: "BIG").filter { file.bytes.u8($0 + 1) == 4 }
        #expect(!zstdObjects.isEmpty, "no zstd-compressed DATA object in the fixture")
        let json = try Command.run("/usr/bin/journalctl", ["-o", "json", "--all"] + files.flatMap { ["--file", $0] }).stdout
        var ourJSON: [UInt8] = []
        JournalReader(paths: files).forEachEntry { ExportFormat.appendJSON($0, to: &ourJSON) }
        #expect(try parsedLines(ourJSON) == parsedLines(json))
    }

    @Test("a set large enough to be decoded on a second thread yields the same entries in the same order")
    func prefetchedSet() throws {
        let (dir, files) = try JournalFixtures.writeDirectory("prefetch", layout: JournalFixtures.layouts[0], count: 2500, files: 5)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let size = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        try #require(size >= JournalReader.prefetchThreshold, "the fixture must cross the prefetch threshold")
        let expected = try JournalFixtures.journalctlExport(files)
        #expect(cursorCount(expected) == 2500)
        let same = entryExport([dir]) == expected
        #expect(same)
        // Stopping early (the consumer throws) releases the producer thread cleanly.
        struct Stop: Error {}
        var seen = 0
        #expect(throws: Stop.self) {
            try JournalReader(paths: [dir]).forEachEntry { _ in
                seen += 1
                if seen == 3000 / 2 { throw Stop() }
            }
        }
        #expect(seen == 1500)
    }

    @Test("an identical entry in two files is printed once, as journalctl does")
    func duplicateFiles() throws {
        let (dir, files) = try JournalFixtures.writeDirectory("dup", layout: JournalFixtures.layouts[0], count: 400, files: 1)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let copy = dir + "/copy.journal"
        try FileManager.default.copyItem(atPath: files[0], toPath: copy)
        let expected = try JournalFixtures.journalctlExport([files[0], copy])
        #expect(cursorCount(expected) == 400)
        #expect(nativeExport([files[0], copy]) == expected)
    }

    @Test("XZ- and LZ4-compressed DATA objects decode like journalctl's")
    func recompressedObjects() throws {
        let (dir, files) = try JournalFixtures.writeDirectory("recompress", layout: JournalFixtures.Layout(compact: false, keyedHash: true), count: 300, files: 1)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for algorithm in ["xz", "lz4"] {
            let path = dir + "/\(algorithm).journal"
            let changed = try Recompressor.rewrite(files[0], to: path, algorithm: algorithm)
            #expect(changed > 10, "objects rewritten as \(algorithm)")
            let expected = try JournalFixtures.journalctlExport([path])
            #expect(cursorCount(expected) == 300)
            #expect(nativeExport([path]) == expected)
        }
    }

    private func parsedLines(_ bytes: [UInt8]) throws -> [NSDictionary] {
        try String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? NSDictionary ?? [:]
        }
    }
}
