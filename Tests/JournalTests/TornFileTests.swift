import Foundation
import Testing
import TestSupport
@testable import Journal

/// Files as crashed machines leave them. The oracle is journalctl on a copy zero-padded
/// back to the size its header declares (journalctl refuses a short file outright).
@Suite("torn, zeroed and corrupted files", .serialized)
struct TornFileTests {
    static func fixture(_ label: String, compact: Bool = true) throws -> (dir: String, file: String, bytes: [UInt8]) {
        let (dir, files) = try JournalFixtures.writeDirectory(label, layout: .init(compact: compact, keyedHash: true), count: 1500, files: 1)
        return (dir, files[0], [UInt8](try Data(contentsOf: URL(fileURLWithPath: files[0]))))
    }

    static func usedSize(_ bytes: [UInt8]) -> Int {
        // tail_object_offset + that object's size: the end of what the writer wrote.
        let tail = Int(u64(bytes, 136))
        return tail + Int(u64(bytes, tail + 8))
    }

    static func u64(_ b: [UInt8], _ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } }

    static func cursors(_ export: [UInt8]) -> [Substring] {
        String(decoding: export, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("__CURSOR=") }
    }

    @Test("cut at many offsets: no crash, every entry the oracle reads, nothing invented", arguments: [true, false])
    func cuts(compact: Bool) throws {
        let (dir, file, bytes) = try Self.fixture("cuts-\(compact)", compact: compact)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let used = Self.usedSize(bytes)
        let all = Set(Self.cursors(try JournalFixtures.journalctlExport([file])))
        #expect(all.count == 1500)
        var cutPoints = stride(from: 300, to: used, by: max(1, used / 24)).map { $0 }
        cutPoints += [used - 1, used - 9, bytes.count / 3 + 5]
        for cut in cutPoints {
            let cutPath = dir + "/cut.journal"
            var torn = Array(bytes[..<min(cut, bytes.count)])
            torn[16] = 1  // ONLINE, as a hard reset leaves it
            try Data(torn).write(to: URL(fileURLWithPath: cutPath))
            // journalctl refuses the short file...
            let refused = try Command.run("/usr/bin/journalctl", ["--file", cutPath, "-o", "export"])
            #expect(Self.cursors(refused.stdout).isEmpty)
            // ...so the oracle is a zero-padded copy.
            let padPath = dir + "/pad.journal"
            try Data(torn + [UInt8](repeating: 0, count: bytes.count - torn.count)).write(to: URL(fileURLWithPath: padPath))
            // An entry whose fixed part was cut reads as zeros in the padded copy (boot ID 0):
            // it never existed, so only the oracle's entries that the intact file has count.
            let oracle = Set(Self.cursors(try JournalFixtures.journalctlExport([padPath]))).intersection(all)
            let reader = JournalReader(paths: [cutPath])
            var ours: [String] = []
            var out: [UInt8] = []
            reader.forEachEntry { e in
                ours.append("__CURSOR=" + e.cursor)
                ExportFormat.appendExport(e, to: &out)
            }
            let oursSet = Set(ours.map { Substring($0) })
            #expect(oracle.subtracting(oursSet).isEmpty, "cut at \(cut) of \(used): lost \(oracle.subtracting(oursSet).count) of the oracle's \(oracle.count) entries (we read \(oursSet.count))")
            #expect(oursSet.subtracting(all).isEmpty, "cut at \(cut): \(oursSet.subtracting(all).count) invented entries")
            #expect(ours.count == oursSet.count)
            let health = try #require(reader.health.first)
            #expect(health.missingBytes == UInt64(bytes.count - torn.count))
            #expect(health.isDamaged)
            if ours.count < 1500 { #expect(health.headerEntries > UInt64(health.entriesRead)) }
        }
    }

    @Test("a zeroed tail with the header ONLINE and counters ahead of the data")
    func zeroedTail() throws {
        let (dir, file, bytes) = try Self.fixture("zeroed")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let used = Self.usedSize(bytes)
        var damaged = bytes
        for i in (used * 2 / 3)..<used { damaged[i] = 0 }
        damaged[16] = 1
        let path = dir + "/zeroed.journal"
        try Data(damaged).write(to: URL(fileURLWithPath: path))
        let all = Set(Self.cursors(try JournalFixtures.journalctlExport([file])))
        let oracle = Set(Self.cursors(try JournalFixtures.journalctlExport([path]))).intersection(all)
        let ours = Set(Self.cursors(nativeExport([path])))
        #expect(oracle.subtracting(ours).isEmpty)
        #expect(ours.subtracting(all).isEmpty)
        #expect(ours.count < 1500)
        // The health record says what was lost: the header counts more entries than could be read.
        let reader = JournalReader(paths: [path])
        reader.forEachEntry { _ in }
        let health = try #require(reader.health.first)
        #expect(health.state == .online)
        #expect(health.entriesRead == ours.count)
        #expect(health.headerEntries == 1500)
        #expect(health.isDamaged)
        #expect(!health.problems.isEmpty && health.problems.allSatisfy { $0.offset != nil })
    }

    @Test("an entry written past the header's tail object is found in a file left online, not in an archived one")
    func tailScanFollowsTheState() throws {
        let (dir, _, bytes) = try Self.fixture("tail-state")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let used = Self.usedSize(bytes)
        // The newest entry, copied past the header's tail object: what a crash leaves when the
        // object reached the disk and the header page did not.
        let chain = try JournalFile(path: dir + "/system@0.journal")
        var last = 0
        var walker = EntryArrayWalker(first: chain.header.entryArrayOffset, count: chain.header.nEntries, fileSize: chain.bytes.count)
        while let o = walker.next(in: chain) { last = max(last, o) }
        let size = Int(Self.u64(bytes, last + 8))
        let at = (used + 7) & ~7
        #expect(at + size < bytes.count, "the fixture leaves room past its tail object")
        for (state, expected) in [(UInt8(2), 1500), (UInt8(1), 1501)] {
            var edited = bytes
            edited[16] = state
            edited.replaceSubrange(at..<(at + size), with: bytes[last..<(last + size)])
            // The next seqnum and a later time: a new entry, not the old one again.
            for (field, step) in [(16, UInt64(1)), (24, UInt64(1_000))] {
                let v = Self.u64(bytes, last + field) + step
                for k in 0..<8 { edited[at + field + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
            }
            let path = dir + "/state-\(state).journal"
            try Data(edited).write(to: URL(fileURLWithPath: path))
            let file = try JournalFile(path: path)
            #expect(file.tailScanEnd == (state == 2 ? at : bytes.count))
            let reader = JournalReader(paths: [path])
            var n = 0
            reader.forEachEntry { _ in n += 1 }
            #expect(n == expected, "state \(state)")
            #expect(reader.bootIndex().unlinked.joined().count == expected - 1500, "state \(state)")
        }
    }

    @Test("entries written but never linked are recovered from the tail")
    func unlinkedEntries() throws {
        let (dir, _, bytes) = try Self.fixture("unlinked")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var damaged = bytes
        // Break the link to the global entry array: no entry is reachable through the index.
        for i in 176..<184 { damaged[i] = 0 }
        let path = dir + "/unlinked.journal"
        try Data(damaged).write(to: URL(fileURLWithPath: path))
        let reader = JournalReader(paths: [path])
        var n = 0
        reader.forEachEntry { _ in n += 1 }
        #expect(n == 1500)
        #expect(reader.health.first?.entriesRecovered == 1500)
    }

    @Test("header counters pointing past the end and flipped bytes never crash or hang")
    func flippedBytes() throws {
        let (dir, file, bytes) = try Self.fixture("flips")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = Set(Self.cursors(try JournalFixtures.journalctlExport([file])))
        var rng = JournalFixtures.Rand(state: 99)
        let used = Self.usedSize(bytes)
        for round in 0..<40 {
            var damaged = bytes
            if round < 8 {
                // Offsets and counts in the header pointing anywhere.
                for field in [104, 120, 136, 152, 176][round % 5...round % 5] {
                    let v = round % 2 == 0 ? UInt64.max - UInt64(round) : UInt64(bytes.count + round * 8)
                    for i in 0..<8 { damaged[field + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
                }
            } else {
                for _ in 0..<(1 + rng.below(20)) {
                    damaged[264 + rng.below(used - 264)] ^= UInt8(1 << rng.below(8))
                }
            }
            let path = dir + "/flip.journal"
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            let reader = JournalReader(paths: [path])
            var count = 0
            reader.forEachEntry { e in
                count += 1
                #expect(e.realtime > 0 && e.seqnum > 0, "never an empty or zero-timestamp entry")
            }
            #expect(count <= 3000)
            if count < 1500 { #expect(reader.health.first?.isDamaged == true, "round \(round): a loss must be recorded") }
            // Flipping bytes can change an entry's content but the header-only cases keep every entry.
            if round < 8, round % 5 != 4, round % 5 != 3 {
                #expect(Set(Self.cursors(nativeExport([path]))) == all, "round \(round)")
            }
            _ = reader.values(ofField: "_PID")
            reader.forEachEntry(matching: "PRIORITY", value: "3") { _ in }
        }
    }

    @Test("the two truncated corpus files yield every entry before the cut", .enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus"))
    func truncatedCorpus() throws {
        let files = TestPaths.corpusFiles("journals").filter { $0.contains("velociraptor-truncated") }
        try #require(files.count == 2)
        for path in files {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            // The answer, found without the reader: walk the objects linearly from the
            // header and count ENTRY objects that lie wholly inside the file.
            let headerSize = Int(Self.u64(bytes, 88))
            var offset = headerSize
            var whole = 0
            while offset + 16 <= bytes.count {
                let size = Int(Self.u64(bytes, offset + 8))
                if bytes[offset] == 0 || size < 16 { break }
                if bytes[offset] == 3 && offset + size <= bytes.count { whole += 1 }
                offset += (size + 7) & ~7
            }
            #expect(whole == (path.contains("compact") ? 380 : 1), "MANIFEST: 380 and 1 ENTRY objects before EOF")
            let reader = JournalReader(paths: [path])
            var n = 0
            reader.forEachEntry { _ in n += 1 }
            #expect(n == whole)
            // journalctl refuses the file (ENODATA); zero-padded it agrees with us.
            let refused = try Command.run("/usr/bin/journalctl", ["--file", path, "-o", "export"])
            #expect(Self.cursors(refused.stdout).isEmpty)
            let health = try #require(reader.health.first)
            #expect(health.missingBytes > 0)
        }
    }

    @Test("a damaged file among good ones does not stop the others")
    func oneBadAmongMany() throws {
        let (dir, files) = try JournalFixtures.writeDirectory("many", layout: JournalFixtures.layouts[0], count: 900, files: 3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = dir + "/zz-garbage.journal"
        try Data("LPKSHHRH but nothing else".utf8).write(to: URL(fileURLWithPath: bad))
        let notJournal = dir + "/notes.journal"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: notJournal))
        let reader = JournalReader(paths: [dir])
        var n = 0
        reader.forEachEntry { _ in n += 1 }
        #expect(n == 900)
        #expect(reader.unreadable.count == 2)
        #expect(reader.unreadable.allSatisfy { $0.path.hasPrefix(dir) })
        // journalctl fails the whole read when one of several --file arguments is short.
        let all = try Command.run("/usr/bin/journalctl", ["-o", "export"] + (files + [bad]).flatMap { ["--file", $0] })
        #expect(Self.cursors(all.stdout).count < 900)
    }

    @Test("an unknown incompatible flag is refused, naming the bit")
    func unknownFlag() throws {
        let (dir, _, bytes) = try Self.fixture("flag")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var changed = bytes
        changed[12] |= 0x40  // bit 6
        let path = dir + "/future.journal"
        try Data(changed).write(to: URL(fileURLWithPath: path))
        #expect(throws: JournalError.self) { try JournalFile(path: path) }
        do { _ = try JournalFile(path: path) } catch {
            #expect(error.code == .unsupportedFeature)
            #expect(error.description.contains("bit 6"))
        }
    }

    /// A file cut short by another program while it is mapped (`cp` over it truncates first):
    /// reading a page past its new end raises SIGBUS, which would end the run. The pages read
    /// as zeros instead, the entries before the cut are read, and the file's health says what
    /// happened.
    @Test("a file cut short while it is mapped: no SIGBUS, the entries before the cut, the cut said")
    func cutShortWhileMapped() throws {
        let (dir, _, bytes) = try Self.fixture("shrunk")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let live = dir + "/live.journal"
        try Data(bytes).write(to: URL(fileURLWithPath: live))
        let reader = JournalReader(paths: [live])
        try #require(reader.files.count == 1)
        // journal-remote writes the entry arrays after the data: cut in the last tenth of what
        // was written, page-aligned so that the pages past it are gone, not merely short.
        let used = Self.usedSize(bytes)
        let cut = (used - used / 10) & ~4095
        try #require(cut > Int(reader.files[0].header.entryArrayOffset) + 4096)
        #expect(truncate(live, off_t(cut)) == 0)
        var read = 0
        reader.forEachEntry { _ in read += 1 }
        #expect(read > 0 && read < 1500, "\(read) entries read")
        let problems = reader.files[0].health.problems
        let said = try #require(problems.first { $0.reason.contains("cut short while it was read") })
        #expect(said.offset.map { $0 >= cut } == true)
        // Read again after the cut: the same entries, still no signal.
        var again = 0
        reader.forEachEntry { _ in again += 1 }
        #expect(again == read)
    }

    /// A fault belongs to the mapping it happened in, not to its address: the kernel places a
    /// new mapping where an unmapped one was, and a file mapped there later must not be said
    /// to have been cut short (as the bundled samples once were, after the test above).
    @Test("a fault is kept with the mapping it happened in, not passed on to one mapped at the same address")
    func faultsStayWithTheirMapping() throws {
        #if canImport(Glibc)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let region = mmap(nil, 2 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        let base = try #require(region.flatMap { $0 == MAP_FAILED ? nil : $0 })
        defer { munmap(base, 2 * page) }
        let first = try #require(ShrinkGuard.register(base, length: 2 * page))
        var info = siginfo_t()
        info._sifields._sigfault.si_addr = base + page + 100
        ShrinkGuard.handle(SIGBUS, &info, nil)
        #expect(ShrinkGuard.firstFault(slot: first, in: base, length: 2 * page) == UInt(bitPattern: base + page + 100))
        // A range of the mapping before the fault has none; one after it was lost from its start.
        #expect(ShrinkGuard.firstFault(slot: first, in: base, length: page) == nil)
        ShrinkGuard.unregister(first)
        let second = try #require(ShrinkGuard.register(base, length: 2 * page))
        #expect(ShrinkGuard.firstFault(slot: second, in: base, length: 2 * page) == nil)
        ShrinkGuard.unregister(second)
        #endif
    }
}
