import Foundation
import Journal
import TestSupport
import Testing
@testable import Analysis

/// One boot is analysed through the journal's `_BOOT_ID` index (its entries, and only the edges
/// of the others); reading every entry of every boot is the oracle. The verdicts must be the
/// same: every boot's end, the boot chosen, and everything found in it.
struct IndexedAnalysisTests {
    static let scenarios = ["reference-incident", "memcg-oom-loop", "fork-bomb", "storage-io", "two-disks",
                            "healthy-reboot", "initrd-crash", "journald-restart-crash", "user-shutdown-crash",
                            "power-cut", "clean-shutdown"]

    @Test(.enabled(if: Scenario.generatorAvailable), arguments: scenarios)
    func scenarioVerdictsMatchAWholeRead(_ name: String) throws {
        let s = try Scenario.generate(name)
        for boot in [BootSelection.auto, .offset(0), .offset(-1)] {
            var whole = AnalysisOptions(boot: boot)
            whole.reading = .everyEntry
            // Through the index even where the journal holds one boot (`.auto` reads those through).
            var indexed = AnalysisOptions(boot: boot)
            indexed.reading = .index
            try Self.expectSame(indexed: s.analyze(indexed), whole: s.analyze(whole), "\(name) \(boot)")
        }
    }

    /// A board without a clock: the next boot's entries come "before" the crashed boot's in the
    /// wall clock, and a whole read interleaving the files passes most of them over as out of
    /// order, as `journalctl` without `-b` does. Read through the index (as `journalctl -b` reads
    /// a boot), the next boot's journald notice about the crashed boot's file is seen.
    @Test(.enabled(if: Scenario.generatorAvailable))
    func aClocklessBoardsNextBootIsReadWhole() throws {
        let s = try Scenario.generate("rtc-less")
        var whole = AnalysisOptions()
        whole.reading = .everyEntry
        var throughIndex = AnalysisOptions()
        throughIndex.reading = .index
        let indexed = s.analyze(throughIndex), all = s.analyze(whole)
        #expect(indexed.analyzedBoot == all.analyzedBoot)
        #expect(indexed.boots.map(\.end) == all.boots.map(\.end))
        let crashed = try #require(indexed.boots.first { $0.bootID == indexed.analyzedBoot })
        #expect(crashed.endEvidence.contains { if case .nextBootNotice(let text, _) = $0 { text.hasPrefix("File ") && text.contains("uncleanly shut down") } else { false } })
        #expect(indexed.boots.last?.entries ?? 0 > all.boots.last?.entries ?? 0)
    }

    @Test(.enabled(if: TestPaths.corpus != nil))
    func corpusVerdictsMatchAWholeRead() throws {
        for set in try Self.corpusSets() {
            var whole = AnalysisOptions()
            whole.reading = .everyEntry
            var indexed = AnalysisOptions()
            indexed.reading = .index
            try Self.expectSame(indexed: Fixture.analyze(set, options: indexed), whole: Fixture.analyze(set, options: whole),
                                set.map { ($0 as NSString).lastPathComponent }.joined(separator: ","))
        }
    }

    /// The edges are enough to see a boot's end even when it is not the one analysed: a
    /// four-boot journal, each boot the analysed one in turn.
    @Test(.enabled(if: JournalRemote.isAvailable))
    func everyBootOfAMultiBootJournal() throws {
        var f = Fixture()
        let boots = [Boots.a, Boots.b, Boots.c, "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"]
        var t = Fixture.t0
        for (i, b) in boots.enumerated() {
            let start = t
            f.kernel(t, boot: b, bootStart: start, "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)")
            // A long middle that only a whole read sees: more than the edges take.
            for n in 0..<3000 {
                t += 1_000_000
                f.entry(t, boot: b, bootStart: start, pid: 400 + n % 50,
                        [("SYSLOG_IDENTIFIER", "worker"), ("MESSAGE", "tick \(n)"), ("PRIORITY", "6")])
            }
            t += 1_000_000
            if i == 1 {
                // Boot b crashed: its shutdown-looking line is far from the end, then silence.
                f.pid1(t - 2_000_000_000, boot: b, bootStart: start, "Reached target System Shutdown.")
            } else if i < boots.count - 1 {
                f.pid1(t, boot: b, bootStart: start, "Reached target System Reboot.")
                t += 100_000
                f.entry(t, boot: b, bootStart: start, pid: 1,
                        [("SYSLOG_IDENTIFIER", "systemd-shutdown"), ("MESSAGE", "Syncing filesystems and block devices."),
                         ("_TRANSPORT", "kernel")])
            }
            t += 60_000_000
        }
        let path = try f.write("indexed-multiboot")
        for offset in 0...3 {
            var whole = AnalysisOptions(boot: .offset(-offset))
            whole.reading = .everyEntry
            let indexed = Fixture.analyze([path], options: AnalysisOptions(boot: .offset(-offset)))
            try Self.expectSame(indexed: indexed, whole: Fixture.analyze([path], options: whole), "boot -\(offset)")
            #expect(indexed.boots.map(\.entries) == [3003, 3002, 3003, 3001], "boot -\(offset)")
            #expect(indexed.boots.map(\.end) == [.clean, .unknown, .clean, .unknown], "boot -\(offset)")
        }
    }

    /// `postmortem boots` reads the index and every boot's edges, however many boots there are:
    /// the same boots, begun and ended at the same times and in the same way, as a whole read
    /// lists. Entry counts too where no file is torn: a torn file's index links entries that a
    /// merge across files passes over as out of order (17 of 18,270 in the reference incident).
    @Test(.enabled(if: Scenario.generatorAvailable),
          arguments: [("reference-incident", false), ("power-cut", false), ("healthy-reboot", true), ("clean-shutdown", true)])
    func bootsListedFromTheIndexMatchAWholeRead(_ name: String, _ countsExact: Bool) throws {
        let s = try Scenario.generate(name)
        var listing = AnalysisOptions(boot: .all)
        listing.bootsOnly = true
        var whole = listing
        whole.reading = .everyEntry
        let indexed = s.analyze(listing), all = s.analyze(whole)
        #expect(indexed.analyzedBoot == nil && indexed.units.isEmpty)
        #expect(indexed.boots.count >= 2)
        #expect(Self.listed(indexed, times: true, entries: countsExact) == Self.listed(all, times: true, entries: countsExact), "\(name)")
        if !countsExact {
            // The index never counts fewer than the merge keeps.
            #expect(zip(indexed.boots, all.boots).allSatisfy { $0.entries >= $1.entries }, "\(name)")
        }
    }

    @Test(.enabled(if: TestPaths.corpus != nil))
    func corpusBootsListedFromTheIndexMatchAWholeRead() throws {
        for set in try Self.corpusSets() {
            var listing = AnalysisOptions(boot: .all)
            listing.bootsOnly = true
            var whole = listing
            whole.reading = .everyEntry
            // Ends and their evidence; not the times, since one KDE file's index does not link
            // its newest boot's last entry (`journalctl -b` ends that boot 287 µs earlier too).
            #expect(Self.listed(Fixture.analyze(set, options: listing), times: false, entries: false)
                    == Self.listed(Fixture.analyze(set, options: whole), times: false, entries: false),
                    "\(set.map { ($0 as NSString).lastPathComponent })")
        }
    }

    /// The corpus journals: each file alone, and the sets that belong together (one folder).
    static func corpusSets() throws -> [[String]] {
        let files = TestPaths.corpusFiles("journals")
        try #require(!files.isEmpty)
        return files.map { [$0] }
            + Dictionary(grouping: files) { ($0 as NSString).deletingLastPathComponent }.values.filter { $0.count > 1 }
    }

    /// A boots listing as the command shows it, less the clock steps (a whole read finds them
    /// anywhere in a boot, the edges only at its ends).
    static func listed(_ r: PostmortemReport, times: Bool, entries: Bool) -> [String] {
        r.boots.map { b in
            [b.bootID, "\(b.end)",
             times ? "\(b.first.microseconds) \(b.last.microseconds) \(b.start?.microseconds ?? -1) \(b.uptimeSeconds ?? -1)" : "",
             entries ? "\(b.entries)" : "", b.endEvidence.map { "\(withoutHealth($0))" }.joined(separator: " | ")].joined(separator: " ")
        }
    }

    /// The same report, but for what only a whole read can say about boots not analysed (the
    /// wall clock's steps in their middle) and the files' health, which is counted in the
    /// index for files the analysed boot has no entries in.
    static func expectSame(indexed: PostmortemReport, whole: PostmortemReport, _ label: String) throws {
        #expect(indexed.analyzedBoot == whole.analyzedBoot, "\(label)")
        #expect(indexed.boots.map(\.end) == whole.boots.map(\.end), "\(label)")
        #expect(indexed.boots.map(\.bootID) == whole.boots.map(\.bootID), "\(label)")
        let a = try normalised(indexed), b = try normalised(whole)
        for key in Set(a.keys).union(b.keys).sorted() where a[key] != b[key] {
            let x = Array(a[key] ?? "-"), y = Array(b[key] ?? "-")
            let at = (0..<min(x.count, y.count)).first { x[$0] != y[$0] } ?? min(x.count, y.count)
            let from = max(0, at - 200)
            Issue.record("\(label): \(key) differs at \(at):\n  indexed: …\(String(x[from..<min(x.count, at + 200)]))\n  whole:   …\(String(y[from..<min(y.count, at + 200)]))")
        }
    }

    /// Evidence without a torn file's health: what only decoding finds is not in the index's.
    static func withoutHealth(_ evidence: BootEndEvidence) -> BootEndEvidence {
        switch evidence {
        case .lastFileTorn(let path, _): .lastFileTorn(path: path, damage: "…")
        case .outweighed(let sign): .outweighed(withoutHealth(sign))
        default: evidence
        }
    }

    /// The report's JSON by top-level key, without the inputs' health, and for boots not
    /// analysed, their clock steps and entry counts: the index counts the entries it links, a
    /// whole read those the merge across files does not pass over as out of order.
    static func normalised(_ r: PostmortemReport) throws -> [String: String] {
        var r = r
        r.inputs = []
        for i in r.boots.indices where r.boots[i].bootID != r.analyzedBoot {
            r.boots[i].clockJumps = []
            r.boots[i].entries = 0
        }
        // A file the analysed boot has no entries in is counted through its index: its health
        // line says so, and what only decoding finds (fields lost) is not in it.
        for i in r.boots.indices {
            r.boots[i].endEvidence = r.boots[i].endEvidence.map(withoutHealth)
        }
        if var end = r.end { end.evidence = end.evidence.map(withoutHealth); r.end = end }
        r.notes = r.notes.filter {
            switch $0 {
            case .journalEntriesLost, .journalEntriesRecovered: false
            default: true
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Timeline details compared as the facts they are (the sentences are the report's).
        let facts: TimelineRow.DetailWriter = { String(describing: $0) }
        if let key = TimelineRow.detailWriterKey { encoder.userInfo[key] = facts }
        let causes: CauseFacts.Writer = { (String(describing: $0), []) }
        if let key = CauseFacts.writerKey { encoder.userInfo[key] = causes }
        func asFact<T: WrittenAsSentence>(_: T.Type) {
            let writer: T.Writer = { String(describing: $0) }
            if let key = T.writerKey { encoder.userInfo[key] = writer }
        }
        asFact(BootEndEvidence.self)
        asFact(ImpliedSetting.self)
        asFact(PIDMaxSource.self)
        asFact(UptimeSource.self)
        asFact(SettingSource.self)
        asFact(SettingOverride.self)
        asFact(MemorySource.self)
        asFact(ReportNote.self)
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(r)) as? [String: Any] ?? [:]
        var out: [String: String] = [:]
        for (k, v) in object {
            let data = try JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed])
            out[k] = String(decoding: data, as: UTF8.self)
        }
        return out
    }
}
