import Foundation
import Testing
import TestSupport
@testable import Journal

/// Journal files written by systemd-journal-remote, then changed the way an attacker or a
/// bad disk would change them: the reader must not invent data, and memory stays bounded.
/// journalctl on the unchanged file (or on the changed one, where it reads it) is the oracle.
@Suite("hostile journals: nothing invented, memory bounded", .serialized,
       .enabled(if: JournalRemote.isAvailable, "systemd-journal-remote is not installed"))
struct HostileJournalTests {
    /// The objects of a file in file order: (offset, type, size).
    static func objects(_ b: [UInt8]) -> [(offset: Int, type: UInt8, size: Int)] {
        var out: [(Int, UInt8, Int)] = []
        var o = Int(u64(b, 88))
        while o + 16 <= b.count {
            let type = b[o], size = Int(u64(b, o + 8))
            if type == 0 || size < 16 || o + size > b.count { break }
            out.append((o, type, size))
            o += (size + 7) & ~7
        }
        return out
    }

    static func u64(_ b: [UInt8], _ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } }
    static func put64(_ b: inout [UInt8], _ o: Int, _ v: UInt64) {
        for i in 0..<8 { b[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }

    static func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
    static func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    /// Every entry in export format, through the decode path and through the export fast path.
    static func ourExports(_ path: String) -> (decoded: [UInt8], fast: [UInt8], health: FileHealth?) {
        var decoded: [UInt8] = []
        JournalReader(paths: [path]).forEachEntry { ExportFormat.appendExport($0, to: &decoded) }
        var fast: [UInt8] = []
        let reader = JournalReader(paths: [path])
        reader.writeExport { fast.append(contentsOf: $0) }
        return (decoded, fast, reader.health.first)
    }

    static func fixture(_ label: String, _ layout: JournalFixtures.Layout) throws -> (dir: String, file: String) {
        let (dir, files) = try JournalFixtures.writeDirectory(label, layout: layout, count: 300, files: 1)
        return (dir, files[0])
    }

    @Test("an ENTRY whose size field is enlarged yields its own items and no others", arguments: JournalFixtures.layouts)
    func enlargedEntry(_ layout: JournalFixtures.Layout) throws {
        let (dir, file) = try Self.fixture("enlarged-\(layout)", layout)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pristine = try JournalFixtures.journalctlExport([file])
        var bytes = try Self.read(file)
        let entries = Self.objects(bytes).filter { $0.type == 3 }
        #expect(entries.count == 300)
        // Entry 100's size grows by 64 KiB (three bytes of the field change): its "items" would
        // run on through the objects after it, the next entries' items among them.
        for (n, growth) in [(100, 0x10000), (200, 30 * 16)] {
            let e = entries[n]
            Self.put64(&bytes, e.offset + 8, UInt64(e.size + growth))
        }
        let mutated = dir + "/enlarged.journal"
        try Self.write(bytes, mutated)
        let (decoded, fast, health) = Self.ourExports(mutated)
        // Nothing invented and nothing lost: exactly what journalctl prints for the file as written.
        // (journalctl 252 itself prints the neighbours' fields as the entry's on the changed file.)
        #expect(decoded == pristine)
        #expect(fast == pristine)
        #expect(health?.entriesOversized == 2)
        #expect(health?.itemsDropped == 0)
        #expect(health?.problems.contains { $0.reason.contains("claims") && $0.reason.contains("not read") } == true)
        // The analysis scan agrees.
        var messages = 0
        JournalReader(paths: [mutated]).scan(fields: ["MESSAGE"]) { v in if v.value(0) != nil { messages += 1 } }
        #expect(messages == 300)
    }

    @Test("an enlarged ENTRY whose hash was changed too: its bad items are skipped as journalctl skips them, checked once")
    func enlargedEntryWrongHash() throws {
        let (dir, file) = try Self.fixture("enlarged-xor", .init(compact: true, keyedHash: true))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bytes = try Self.read(file)
        let e = Self.objects(bytes).filter { $0.type == 3 }[100]
        // 64 KiB more "items" (16,384 in the compact layout), and a hash nothing matches.
        Self.put64(&bytes, e.offset + 8, UInt64(e.size + 0x10000))
        Self.put64(&bytes, e.offset + 56, 0x0123_4567_89ab_cdef)
        let mutated = dir + "/enlarged-xor.journal"
        try Self.write(bytes, mutated)
        let reader = JournalReader(paths: [mutated])
        var entries = 0
        reader.forEachEntry { _ in entries += 1 }
        reader.writeExport { _ in }
        reader.scan(fields: ["MESSAGE"]) { _ in }
        let f = try #require(reader.files.first)
        #expect(entries == 300)
        #expect(f.health.entriesOversized == 0)
        #expect(f.health.itemsDropped > 1000)
        // The entry's own items were hashed once per pass (a few hundred bytes), not once per
        // bad item: that was quadratic, seconds for this one entry (found by the fuzzer).
        #expect(64 << 20 - f.xorCheckBytesLeft < 16 << 10)
    }

    @Test("a regular file with COMPACT set, or a compact one without, is refused and named, not read renamed",
          arguments: [false, true])
    func flippedCompact(_ compact: Bool) throws {
        let (dir, file) = try Self.fixture("flip-\(compact)", .init(compact: compact, keyedHash: true))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bytes = try Self.read(file)
        bytes[12] ^= 16
        let mutated = dir + "/flipped.journal"
        try Self.write(bytes, mutated)
        #expect(throws: JournalError.self) { try JournalFile(path: mutated) }
        do {
            _ = try JournalFile(path: mutated)
        } catch {
            #expect(error.code == .badHeader)
            #expect(error.description.contains("flipped.journal"))
            #expect(error.detail.contains(compact ? "does not set COMPACT" : "sets COMPACT"))
            #expect(error.detail.contains(compact ? "compact layout" : "regular layout"))
        }
        let reader = JournalReader(paths: [mutated])
        #expect(reader.files.isEmpty)
        #expect(reader.unreadable.count == 1)
        // journalctl does not read it either (it fails, or finds no entry).
        let j = try Command.run("/usr/bin/journalctl", ["--file", mutated, "-o", "export"])
        #expect(j.status != 0 || !j.stdoutText.contains("MESSAGE="))
    }

    @Test("a DATA payload changed after writing is reported against its stored hash and kept, as journalctl keeps it",
          arguments: JournalFixtures.layouts)
    func corruptedPayload(_ layout: JournalFixtures.Layout) throws {
        let (dir, file) = try Self.fixture("payload-\(layout)", layout)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bytes = try Self.read(file)
        let payloadAt = layout.compact ? 72 : 64
        // An uncompressed `_PID=` value one entry carries: its last digit becomes another.
        let target = Self.objects(bytes).first { o in
            o.type == 1 && bytes[o.offset + 1] == 0 && Self.u64(bytes, o.offset + 56) == 1
                && bytes[(o.offset + payloadAt)..<(o.offset + o.size)].starts(with: Array("_PID=".utf8))
        }
        let data = try #require(target)
        let at = data.offset + data.size - 1
        bytes[at] = bytes[at] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        let mutated = dir + "/payload.journal"
        try Self.write(bytes, mutated)
        let oracle = try JournalFixtures.journalctlExport([mutated])
        let (decoded, fast, health) = Self.ourExports(mutated)
        #expect(decoded == oracle)
        #expect(fast == oracle)
        #expect(health?.hashMismatches == 1)
        #expect(health?.problems.contains { $0.offset == data.offset && $0.reason.contains("does not match its stored hash") } == true)
        // The unchanged file has none.
        #expect(Self.ourExports(file).health?.hashMismatches == 0)
    }

    @Test("the corpus files with edited payloads: every mismatch found, as the corpus manifest counts them",
          .enabled(if: TestPaths.corpus != nil, "the shared corpus is absent"))
    func corpusMismatches() throws {
        let root = try #require(TestPaths.corpus) + "/journals/"
        for (name, expected) in [("s4-rhel91-system.journal", 16), ("s4-ubuntu16-system.journal", 26),
                                 ("kjournald-system.journal", 0)] {
            let (_, fast, health) = Self.ourExports(root + name)
            #expect(health?.hashMismatches == expected, "\(name)")
            // ...and the export is still journalctl's, byte for byte.
            #expect(fast == (try JournalFixtures.journalctlExport([root + name])), "\(name)")
        }
    }
}

/// A journal of 40 entries that all carry one MESSAGE which decompresses to 24 MB (a zstd
/// frame of a kilobyte; the was 100 MB, but the tests run a debug build, where copying
/// is slow), and two `_HOSTNAME` values of 24 MB each whose field chain is made a cycle;
/// the MESSAGE object also sits in a data hash chain made a cycle with the MESSAGE_ID object.
enum BombJournal {
    static let valueSize = 24_000_000
    static let messageID = "5eb03494b6584870a536b337290809b3"

    static func write(_ dir: String) throws -> String {
        var rng = JournalFixtures.Rand(state: 99)
        func filler() -> String {
            let chars = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            return String((0..<8000).map { _ in chars[rng.below(chars.count)] })
        }
        let message = filler(), hosts = [filler(), filler()]
        var export = ExportBuilder()
        for i in 0..<40 {
            export.add(realtime: 1_733_000_000_000_000 + UInt64(i) * 1000, monotonic: 5_000_000 + UInt64(i) * 1000,
                       bootID: JournalFixtures.boots[0],
                       [("MESSAGE", message), ("MESSAGE_ID", messageID), ("_HOSTNAME", hosts[i / 20]), ("_PID", "\(100 + i)")])
        }
        let plain = dir + "/plain.journal"
        try JournalRemote.write(export.bytes, to: plain)
        var b = try HostileJournalTests.read(plain)
        let compact = b[12] & 16 != 0
        let payloadAt = compact ? 72 : 64
        let objects = HostileJournalTests.objects(b)
        func data(_ prefix: String) -> [Int] {
            objects.filter { o in
                o.type == 1 && Array(b[(o.offset + payloadAt)..<min(o.offset + o.size, o.offset + payloadAt + prefix.utf8.count)]) == Array(prefix.utf8)
                    || (o.type == 1 && b[o.offset + 1] != 0 && decompressedPrefix(b, o, payloadAt, prefix))
            }.map(\.offset)
        }
        let messageObject = try #require(data("MESSAGE=").first)
        let idObject = try #require(data("MESSAGE_ID=").first)
        let hostObjects = data("_HOSTNAME=")
        #expect(hostObjects.count == 2)
        // Each value becomes a zstd frame of 100 MB, written over the object's own payload.
        for (object, name, fill) in [(messageObject, "MESSAGE", "x")] + zip(hostObjects, ["y", "z"]).map({ ($0, "_HOSTNAME", $1) }) {
            let frame = try zstdFrame(name: name, fill: fill, dir: dir)
            let old = Int(HostileJournalTests.u64(b, object + 8))
            #expect(payloadAt + frame.count <= old, "the frame fits where the value was")
            b.replaceSubrange((object + payloadAt)..<(object + payloadAt + frame.count), with: frame)
            b[object + 1] = 4  // OBJECT_COMPRESSED_ZSTD
            HostileJournalTests.put64(&b, object + 8, UInt64(payloadAt + frame.count))
        }
        // The field chain of _HOSTNAME, newest first, is made a cycle: the older object points back.
        let older = hostObjects.min() ?? 0, newer = hostObjects.max() ?? 0
        HostileJournalTests.put64(&b, older + 32, UInt64(newer))
        // The data hash chain from MESSAGE_ID's object runs to the MESSAGE bomb (given the same
        // stored hash, so that a lookup must look inside it) and back.
        HostileJournalTests.put64(&b, messageObject + 16, HostileJournalTests.u64(b, idObject + 16))
        HostileJournalTests.put64(&b, idObject + 24, UInt64(messageObject))
        HostileJournalTests.put64(&b, messageObject + 24, UInt64(idObject))
        let path = dir + "/bomb.journal"
        try HostileJournalTests.write(b, path)
        return path
    }

    static func decompressedPrefix(_ b: [UInt8], _ o: (offset: Int, type: UInt8, size: Int), _ payloadAt: Int, _ prefix: String) -> Bool {
        let raw = Array(b[(o.offset + payloadAt)..<(o.offset + o.size)])
        let out = raw.withUnsafeBytes { try? CompressionAlgorithmForTests.zstd($0) }
        return out?.starts(with: Array(prefix.utf8)) ?? false
    }

    static func zstdFrame(name: String, fill: String, dir: String) throws -> [UInt8] {
        let r = try Command.shell("(printf '\(name)='; head -c \(valueSize) /dev/zero | tr '\\0' '\(fill)') | zstd -3 -c")
        guard r.status == 0, !r.stdout.isEmpty else { throw TestSupportError("zstd failed: \(r.stderrText)") }
        return r.stdout
    }

    /// Peak resident memory (KiB) of `postmortem` run with `arguments`, output discarded.
    static func peakKiB(_ arguments: [String]) throws -> (status: Int32, kib: Int, stderr: String) {
        let script = """
            import resource, subprocess, sys
            r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            sys.stderr.buffer.write(r.stderr[-4000:])
            print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let r = try Command.run("/usr/bin/python3", ["-c", script, TestPaths.executable] + arguments)
        let parts = r.stdoutText.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard parts.count == 2 else { throw TestSupportError("no measurement: \(r.stdoutText) \(r.stderrText)") }
        return (Int32(parts[0]), parts[1], r.stderrText)
    }
}

import Compression
enum CompressionAlgorithmForTests {
    static func zstd(_ raw: UnsafeRawBufferPointer) throws -> [UInt8] { try CompressionAlgorithm.zstd.decompress(raw, limit: 1 << 20) }
}

extension HostileJournalTests {
    @Test("40 entries sharing one 24 MB compressed MESSAGE: every value whole, held once, memory bounded")
    func sharedBomb() throws {
        let dir = TestPaths.scratch("bomb")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try BombJournal.write(dir)
        let reader = JournalReader(paths: [path])
        var whole = 0
        reader.scan(fields: ["MESSAGE"]) { v in
            if let m = v.value(0), m.count == BombJournal.valueSize, m.first == UInt8(ascii: "x"), m.last == UInt8(ascii: "x") {
                whole += 1
            }
        }
        #expect(whole == 40)
        // The MESSAGE_ID lookup walks the hash-chain cycle once and finds each entry once.
        var matched = 0
        reader.forEachEntry(matching: "MESSAGE_ID", value: BombJournal.messageID, fields: .only(["_PID"])) { _ in matched += 1 }
        #expect(matched == 40)
        // The field chain cycle: each _HOSTNAME object once, and the 100 MB values not kept.
        let file = try #require(reader.files.first)
        #expect(file.dataObjects(ofField: "_HOSTNAME").count == 2)
        #expect(reader.values(ofField: "_HOSTNAME").isEmpty)
        #expect(file.health.problems.contains { $0.reason.contains("values of _HOSTNAME pass 16 MiB") })
        // Peak memory of the whole analysis: a value per entry would be 40 × 24 MB = 960 MB;
        // held once, the program stays under a third of that. (`export` renders a shared value
        // once too, but writing 960 MB through a debug build takes a minute.)
        for args in [["analyze", "--utc", path]] {
            let (status, kib, stderr) = try BombJournal.peakKiB(args)
            #expect(status == 0, "\(args[0]): \(stderr)")
            #expect(kib < 320 << 10, "\(args[0]): peak \(kib / 1024) MiB")
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension HostileJournalTests {
    /// The pids of the children of `pid` (Linux `/proc/<pid>/task/<pid>/children`).
    static func children(of pid: Int32) -> [Int32] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0) }
    }

    @Test("libsystemd aborting (SIGABRT, as its assertions do) is an error naming the file, not the end of postmortem")
    func libsystemdAbort() throws {
        // Enough entries that the export (written in 1 MiB chunks) cannot fit the pipes.
        let (dir, files) = try JournalFixtures.writeDirectory("sd-abort", layout: .init(compact: true, keyedHash: true),
                                                              count: 6000, files: 1)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = files[0]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestPaths.executable)
        p.arguments = ["export", "--reader", "libsystemd", file]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Nobody reads the output yet, so the reader (the child running libsystemd) soon blocks
        // on a full pipe: then it is sent what a failed assertion sends, SIGABRT.
        var child: Int32?
        for _ in 0..<200 where child == nil {
            child = Self.children(of: p.processIdentifier).first
            if child == nil { usleep(20_000) }
        }
        let reader = try #require(child, "libsystemd runs in a child process")
        // Abort it once it has written something (waiting on the pipe, not a clock: the machine may be busy).
        let first = out.fileHandleForReading.availableData
        #expect(kill(reader, SIGABRT) == 0)
        let written = first + out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        // postmortem itself ends normally and says what happened, naming the file; 4: the
        // export stopped partway.
        #expect(p.terminationReason == .exit)
        #expect(p.terminationStatus == 4)
        #expect(stderr.contains("libsystemd aborted (SIGABRT: an assertion in libsystemd) while reading \(file)"))
        #expect(stderr.contains("--reader native"))
        // What was read before the abort was written, and is journalctl's output up to there.
        let full = try JournalFixtures.journalctlExport([file])
        #expect(!written.isEmpty)
        #expect(written.count < full.count)
        #expect(full.starts(with: [UInt8](written)))
    }
}

/// libsystemd on the damaged journals of the shared corpus (issue 13). systemd's own fuzz-found
/// journals (test/test-journals/afl-corrupted-journals) are not in the corpus; this machine's
/// libsystemd 252 did not abort on the corpus files nor on thousands of mutations of them, so
/// what it does on each kind of damage is pinned here: refused files are exit 3 naming the
/// file, files with bad hashes are read, and postmortem never dies from a signal.
@Suite("libsystemd on damaged corpus journals")
struct LibsystemdDamagedCorpusTests {
    static func corpusFile(_ name: String) -> String? {
        TestPaths.corpusFiles("journals").first { ($0 as NSString).lastPathComponent == name }
    }

    /// `sh` reports a death by signal as 128 + the signal, so a crash cannot pass for 3 or 4.
    static func export(_ files: [String]) throws -> (status: Int32, stdout: [UInt8], stderr: String) {
        let quoted = files.map { "'" + $0 + "'" }.joined(separator: " ")
        let r = try Command.shell("'\(TestPaths.executable)' export --reader libsystemd \(quoted); echo \"status=$?\" >&2")
        let status = r.stderrText.split(separator: "\n").last { $0.hasPrefix("status=") }.flatMap { Int32($0.dropFirst(7)) } ?? -1
        return (status, r.stdout, r.stderrText)
    }

    /// The two Velociraptor journals cut short: libsystemd refuses them (ENODATA); exit 3 naming the file.
    @Test(.enabled(if: corpusFile("velociraptor-truncated-system.journal") != nil),
          arguments: ["velociraptor-truncated-system.journal", "velociraptor-truncated-compact.journal"])
    func truncatedFilesAreRefusedNamingThem(_ name: String) throws {
        let file = try #require(Self.corpusFile(name))
        let r = try Self.export([file])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("postmortem: libsystemd cannot read \(file): sd_journal_open_files: No data available"))
    }

    /// Among other files, one refused file makes libsystemd refuse the set (as journalctl does):
    /// still exit 3, every file named.
    @Test(.enabled(if: corpusFile("velociraptor-truncated-system.journal") != nil && corpusFile("kjournald-system.journal") != nil))
    func oneRefusedFileAmongOthers() throws {
        let bad = try #require(Self.corpusFile("velociraptor-truncated-system.journal"))
        let good = try #require(Self.corpusFile("kjournald-system.journal"))
        let r = try Self.export([good, bad])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("libsystemd cannot read \(good), \(bad): sd_journal_open_files: No data available"))
    }

    /// The two journals whose DATA payloads no longer match their hashes (16 and 26 objects):
    /// libsystemd reads them to the end without a word, as journalctl does; exit 0, every entry.
    @Test(.enabled(if: corpusFile("s4-rhel91-system.journal") != nil),
          arguments: [("s4-rhel91-system.journal", 2081), ("s4-ubuntu16-system.journal", 289)])
    func badHashesAreReadToTheEnd(_ name: String, _ entries: Int) throws {
        let file = try #require(Self.corpusFile(name))
        let r = try Self.export([file])
        #expect(r.status == 0, "\(r.stderr)")
        let cursors = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("__CURSOR=") }
        #expect(cursors.count == entries)
    }
}
