import Foundation
import Journal
import TestSupport
import Testing
@testable import Analysis

/// A last journal file cut short (a copy that stopped early, an upload limit) whose header
/// records the boot going on for hours past the cut: the cut, not the machine, ended what can
/// be read. journalctl refuses such files; `journalctl --header` reads a zero-padded copy, and
/// is the oracle for what the header records.
@Suite("a last journal file cut short", .enabled(if: TestPaths.corpus != nil, "needs the corpus (../shared/corpus)"))
struct CutJournalTests {
    static let journalctl = "/usr/bin/journalctl"

    /// `journalctl --header`'s tail realtime and monotonic stamps (µs, from the hex it prints)
    /// and entry count, read from a copy padded with zeros to the size the header declares.
    /// A copy of `path` padded with zeros to the size its header declares, which journalctl
    /// reads (it refuses a file shorter than that), in a directory of its own.
    static func paddedCopy(_ path: String) throws -> (copy: String, dir: String) {
        let dir = TestPaths.scratch("padded")
        let copy = dir + "/copy.journal"
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: copy)
        let file = try JournalFile(path: copy)
        #expect(truncate(copy, off_t(file.header.headerSize) + off_t(file.header.arenaSize)) == 0)
        return (copy, dir)
    }

    static func header(_ path: String) throws -> (tail: Int64, monotonic: UInt64, entries: Int) {
        let (copy, dir) = try paddedCopy(path)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Command.run(journalctl, ["--header", "--file", copy])
        func hex(_ label: String) throws -> UInt64 {
            let line = try #require(r.stdoutText.split(separator: "\n").first { $0.hasPrefix(label) })
            let inside = try #require(line.split(separator: "(").last?.split(separator: ")").first)
            return try #require(UInt64(inside, radix: 16))
        }
        let entries = try #require(r.stdoutText.split(separator: "\n").first { $0.hasPrefix("Entry objects:") })
        return (Int64(try hex("Tail realtime timestamp:")), try hex("Tail monotonic timestamp:"),
                try #require(Int(entries.split(separator: " ").last ?? "")))
    }

    static func cut(_ end: BootEnd?) -> (lastWritten: Timestamp, uptime: Double, lost: Int)? {
        for e in end?.evidence ?? [] {
            if case .lastFileCut(_, let lastWritten, let uptime, let lost) = e { return (lastWritten, uptime, lost) }
        }
        return nil
    }

    @Test("Velociraptor's compact journal, cut at 4,096,000 bytes: still running at the header's last entry, 8 h past the cut; no crash",
          .enabled(if: FileManager.default.isExecutableFile(atPath: journalctl), "needs journalctl"))
    func velociraptorCompact() throws {
        let path = try #require(TestPaths.corpusFiles("journals").first { $0.hasSuffix("velociraptor-truncated-compact.journal") })
        let header = try Self.header(path)
        let r = Fixture.analyze([path])
        let end = try #require(r.end)
        #expect(end.kind == .ongoing)
        #expect(!end.evidence.contains { if case .lastFileTorn = $0 { true } else { false } })
        let cut = try #require(Self.cut(end))
        #expect(cut.lastWritten == Timestamp(microseconds: header.tail))
        // MANIFEST: journalctl reads 380 entries of the zero-padded copy, the last at 07:53:27.
        #expect(cut.lost == header.entries - 380)
        #expect(end.lastEntry?.iso8601.hasPrefix("2024-07-19T07:53:27") == true)
        #expect(end.lastSignOfLife == Timestamp(microseconds: header.tail))
        #expect(abs(cut.uptime - Double(header.monotonic) / 1e6) < 1e-6)
        #expect(abs((r.boots.last?.uptimeSeconds ?? 0) - Double(header.monotonic) / 1e6) < 1e-6)
    }

    @Test("listing the boots of a cut file counts the entries that can be read and ends at the last one, as a whole read and journalctl do",
          .enabled(if: FileManager.default.isExecutableFile(atPath: journalctl), "needs journalctl"))
    func listingCountsReadableEntries() throws {
        let path = try #require(TestPaths.corpusFiles("journals").first { $0.hasSuffix("velociraptor-truncated-compact.journal") })
        let (copy, dir) = try Self.paddedCopy(path)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let oracle = try Command.run(Self.journalctl, ["--file", copy, "-o", "export"])
        let entries = oracle.stdoutText.split(separator: "\n").filter { $0.hasPrefix("__CURSOR=") }.count
        #expect(entries == 380)
        var listing = AnalysisOptions()
        listing.bootsOnly = true
        // Its `_BOOT_ID` entry array counts 1,053 slots, 673 of them past the cut; its newest
        // entries are read from the last readable slot, not looked for past the cut.
        let listed = Fixture.analyze([path], options: listing).boots
        let whole = Fixture.analyze([path]).boots
        #expect(listed.map(\.entries) == [entries] && whole.map(\.entries) == [entries])
        let last = try #require(oracle.stdoutText.split(separator: "\n").last { $0.hasPrefix("__REALTIME_TIMESTAMP=") })
        let lastTime = try #require(Int64(last.dropFirst("__REALTIME_TIMESTAMP=".count)))
        #expect(listed.map(\.last) == [Timestamp(microseconds: lastTime)] && whole.map(\.last) == listed.map(\.last))
    }

    /// The RHEL 9 journal (ONLINE, journald 252), cut at the first entry of its last `minutes`.
    static func rhelCut(losingLast seconds: Int64) throws -> (path: String, tail: Int64) {
        let path = try #require(TestPaths.corpusFiles("journals").first { $0.hasSuffix("s4-rhel91-system.journal") })
        let tail = try Self.header(path).tail
        var at: Int?
        JournalReader(paths: [path]).scan(fields: []) { e in
            if at == nil, Int64(e.realtime) > tail - seconds * 1_000_000 { at = e.location.offset }
        }
        let offset = try #require(at)
        let dir = TestPaths.scratch("rhel-cut")
        let copy = dir + "/system.journal"
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: copy)
        #expect(truncate(copy, off_t(offset)) == 0)
        return (copy, tail)
    }

    @Test("the same real journal cut an hour before its end reads as a cut; cut in its last minute, as a crash's tear",
          .enabled(if: FileManager.default.isExecutableFile(atPath: journalctl), "needs journalctl"))
    func rhelCutDeepAndShallow() throws {
        let deep = try Self.rhelCut(losingLast: 3_600)
        defer { try? FileManager.default.removeItem(atPath: (deep.path as NSString).deletingLastPathComponent) }
        let d = Fixture.analyze([deep.path])
        #expect(d.end?.kind == .ongoing)
        let cut = try #require(Self.cut(d.end))
        #expect(cut.lastWritten == Timestamp(microseconds: deep.tail))
        #expect(cut.lastWritten.microseconds - (d.end?.lastEntry?.microseconds ?? .max) > 3_000_000_000)
        #expect(d.end?.lastSignOfLife == Timestamp(microseconds: deep.tail))

        let shallow = try Self.rhelCut(losingLast: 60)
        defer { try? FileManager.default.removeItem(atPath: (shallow.path as NSString).deletingLastPathComponent) }
        let s = Fixture.analyze([shallow.path])
        // Less than journald's 5-minute sync interval went: what a crash takes. The tear stands,
        // and the header's last entry is the last sign of life.
        #expect(s.end?.kind == .unclean)
        #expect(s.end?.evidence.contains { if case .lastFileTorn = $0 { true } else { false } } == true)
        #expect(Self.cut(s.end) == nil)
        #expect(s.end?.lastSignOfLife == Timestamp(microseconds: shallow.tail))

        // Whole, the file is read to its header's last entry: nothing is added.
        let whole = Fixture.analyze([try #require(TestPaths.corpusFiles("journals").first { $0.hasSuffix("s4-rhel91-system.journal") })])
        #expect(whole.end?.kind == .ongoing && Self.cut(whole.end) == nil)
        #expect(whole.end?.lastSignOfLife == whole.end?.lastEntry)
    }
}
