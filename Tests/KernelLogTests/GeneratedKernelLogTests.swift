import Compression
import Foundation
import KernelLog
import TestSupport
import Testing

func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

func parse(_ text: String, path: String = "/test/kern.log", mtime: Int64? = nil) -> KernelLogFile {
    KernelLogReader.parse(bytes: Array(text.utf8), path: path, modificationTime: mtime)
}

/// A seeded generator, so "random" inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct PstoreFixtures {
    /// 30 console lines cut into three parts; Part1 holds the newest ten.
    static let lines = (0..<30).map { i in String(format: "<%d>[  %3d.%06d] message %02d", i == 29 ? 0 : 6, 100 + i, i * 7, i) }

    static func part(_ n: Int) -> String {
        let chunk = Array(lines[(3 - n) * 10..<(4 - n) * 10])
        return "Panic#1 Part\(n)\n" + chunk.joined(separator: "\n") + "\n"
    }

    @Test func ramoopsPartsReassembledNewestLast() throws {
        let dir = TestPaths.scratch("pstore")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // File numbers deliberately not in part order.
        try write(Self.part(2), to: dir + "/dmesg-ramoops-0")
        try write(Self.part(1), to: dir + "/dmesg-ramoops-1")
        try write("====1700000000.123456-D\n" + Self.part(3), to: dir + "/dmesg-ramoops-2")
        let files = PstoreReader.read(directory: dir)
        try #require(files.count == 1)
        let f = files[0]
        #expect(f.format == .pstore)
        #expect(f.records.map(\.text) == (0..<30).map { String(format: "message %02d", $0) })
        #expect(f.records.first?.monotonicUSec == 100_000_000)
        #expect(f.records.last?.monotonicUSec == 129_000_203)
        #expect(f.records.last?.priority == 0)
        #expect(f.records[0].priority == 6)
        #expect(f.pstore?.reason == "Panic")
        #expect(f.pstore?.parts == [3, 2, 1])
        #expect(f.recordTimeUSec == 1_700_000_000_123_456)
        #expect(f.records.allSatisfy { $0.sources.first?.format == .pstore })
        #expect(f.records[0].sources.first?.path == dir + "/dmesg-ramoops-2")
        #expect(f.records[29].sources.first?.path == dir + "/dmesg-ramoops-1")
    }

    @Test func systemdPstoreFoldersWithEFIParts() throws {
        let dir = TestPaths.scratch("pstore-systemd")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // systemd-pstore: folder = record id without its last six digits.
        let sub = dir + "/170000000"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        // efi id = (timestamp * 100 + part) * 1000 + count
        let ts: UInt64 = 1_700_000_000
        for part in 1...3 {
            try write(Self.part(part), to: sub + "/dmesg-efi-\((ts * 100 + UInt64(part)) * 1000 + 1)")
        }
        // A second, older dump in another folder: one part, its own record.
        let other = dir + "/169000000"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try write("Oops#1 Part1\n<4>[   5.000000] BUG: unable to handle page fault for address: 0000\n",
                  to: other + "/dmesg-efi_pstore-\((UInt64(1_690_000_000) * 100 + 1) * 1000 + 1)")
        let files = PstoreReader.read(directory: dir)
        try #require(files.count == 2)
        let panic = try #require(files.first { $0.pstore?.reason == "Panic" })
        #expect(panic.records.map(\.text) == (0..<30).map { String(format: "message %02d", $0) })
        #expect(panic.recordTimeUSec == 1_700_000_000_000_000)
        let oops = try #require(files.first { $0.pstore?.reason == "Oops" })
        #expect(oops.records.count == 1)
        #expect(KernelMessage.classify(oops.records[0].text) == .bug)
    }

    @Test func systemdPstoreDmesgTxtAlone() throws {
        let dir = TestPaths.scratch("pstore-dmesgtxt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sub = dir + "/170000000"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        // What systemd-pstore writes: parts in reverse name order, each after its file name.
        let text = (1...3).reversed().map { "dmesg-efi-17000000000\($0)001:\n" + Self.part($0) }.joined()
        try write(text, to: sub + "/dmesg.txt")
        let files = PstoreReader.read(directory: dir)
        try #require(files.count == 1)
        #expect(files[0].format == .pstore)
        #expect(files[0].records.map(\.text) == (0..<30).map { String(format: "message %02d", $0) })
        #expect(files[0].skipped.count == 0)
        #expect(files[0].records.allSatisfy { $0.sources.first?.format == .pstore })
    }

    @Test func devKmsgRecords() {
        let f = parse("6,17159,5340096332127,-;usb 1-4: USB disconnect, device number 124\n SUBSYSTEM=usb\n DEVICE=c189:3\n"
                      + "4,17160,5340109662397,c;input: WH-1000XM3 (AVRCP)\n", path: "kmsg.txt")
        #expect(f.records.map(\.text) == ["usb 1-4: USB disconnect, device number 124", "input: WH-1000XM3 (AVRCP)"])
        #expect(f.records.map(\.monotonicUSec) == [5_340_096_332_127, 5_340_109_662_397])
        #expect(f.records.map(\.priority) == [6, 4])
        #expect(f.skipped.continuationLines == 2 && f.skipped.count == 0)
    }

    @Test func kdumpVmcoreDmesg() {
        let f = parse("[    0.000000] Linux version 5.14.0-70.el9.x86_64 (mockbuild@x) #1 SMP\n[  812.100000] sysrq: Trigger a crash\n"
                      + "[  812.100100] Kernel panic - not syncing: sysrq triggered crash\n", path: "/var/crash/127.0.0.1-2024-01-01/vmcore-dmesg.txt")
        #expect(f.format == .kdump)
        #expect(f.records.count == 3)
        #expect(f.records[2].monotonicUSec == 812_100_100)
        #expect(f.boots.first?.kernelVersion == "5.14.0-70.el9.x86_64")
    }
}

@Suite struct SyslogYearsAndRotation {
    @Test func newYearRolloverInfersYears() {
        let text = """
            Dec 31 23:59:58 host kernel: [ 1000.000000] before midnight
            Dec 31 23:59:59 host kernel: [ 1001.000000] last second
            Jan  1 00:00:00 host kernel: [ 1002.000000] new year
            Jan  1 00:00:01 host kernel: [ 1003.000000] after
            Feb 29 12:00:00 host kernel: [ 1004.000000] leap day

            """
        // Written on 2024-03-01: the last line is from 2024, the first two from 2023.
        let f = parse(text, mtime: usec(2024, 3, 1, 0, 0, 0))
        #expect(f.records.map(\.wallclockUSec) == [usec(2023, 12, 31, 23, 59, 58), usec(2023, 12, 31, 23, 59, 59),
                                                    usec(2024, 1, 1, 0, 0, 0), usec(2024, 1, 1, 0, 0, 1), usec(2024, 2, 29, 12, 0, 0)])
        #expect(f.records.allSatisfy { $0.clock == .syslogInferredYear })
        #expect(f.boots.count == 1)
        // The same file written in January: the last line cannot be later than the file.
        let g = parse(text.split(separator: "\n").prefix(4).joined(separator: "\n"), mtime: usec(2025, 1, 10, 0, 0, 0))
        #expect(g.records.first?.wallclockUSec == usec(2024, 12, 31, 23, 59, 58))
        #expect(g.records.last?.wallclockUSec == usec(2025, 1, 1, 0, 0, 1))
    }

    @Test func rotatedGzipAndZstdReadTransparently() throws {
        let dir = TestPaths.scratch("rotated")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = (0..<300).map { "Mar  3 10:00:\(String(format: "%02d", $0 % 60)) h kernel: [  \($0).000000] line \($0)" }.joined(separator: "\n") + "\n"
        let two = (0..<200).map { "Mar  2 09:00:\(String(format: "%02d", $0 % 60)) h kernel: [  \($0).500000] old \($0)" }.joined(separator: "\n") + "\n"
        let gz = try Gzip.compress(Array(one.utf8))
        try Data(gz).write(to: URL(fileURLWithPath: dir + "/kern.log.1.gz"))
        try write(two, to: dir + "/kern.log.2")
        let r = try Command.shell("zstd -q --rm \(dir)/kern.log.2 -o \(dir)/kern.log.2.zst")
        try #require(r.status == 0, "zstd is needed: \(r.stderrText)")
        let a = try KernelLogReader.read(path: dir + "/kern.log.1.gz")
        let b = try KernelLogReader.read(path: dir + "/kern.log.2.zst")
        #expect(a.records.count == 300)
        #expect(a.records[299].text == "line 299")
        #expect(a.records[299].monotonicUSec == 299_000_000)
        #expect(b.records.count == 200)
        #expect(b.records[0].text == "old 0")
        #expect(b.records[0].monotonicUSec == 500_000)
        // A damaged archive is an error from `read`, a skipped note from `parse`.
        var broken = gz
        broken.removeLast(gz.count / 2)
        try Data(broken).write(to: URL(fileURLWithPath: dir + "/bad.gz"))
        #expect(throws: KernelLogError.self) { try KernelLogReader.read(path: dir + "/bad.gz") }
        let parsed = KernelLogReader.parse(bytes: broken, path: "bad.gz", modificationTime: nil)
        #expect(parsed.records.isEmpty && parsed.skipped.count == 1)
        #expect(throws: KernelLogError.self) { try KernelLogReader.read(path: dir + "/missing.log") }
    }
}

@Suite struct OtherFormats {
    @Test func rfc5424AndISOAndConsolePrefixes() {
        let f = parse("""
            <4>1 2024-02-19T12:58:01.123456+01:00 host kernel - - - [ 5123.456789] usb 1-1: reset
            <30>1 2024-02-19T12:58:02Z host systemd 1 - [meta x="1"] Started foo.
            2024-02-19T12:58:03.5+00:00 host kernel: EXT4-fs error (device sda1): bad
            2024-02-19T12:58:04.000001+0000 host sshd[99]: Accepted
            <6>[   12.000001][    C1] console line
            """)
        #expect(f.records.count == 3)
        let a = f.records[0]
        #expect(a.text == "usb 1-1: reset")
        #expect(a.wallclockUSec == usec(2024, 2, 19, 11, 58, 1, 123_456))
        #expect(a.monotonicUSec == 5_123_456_789 && a.priority == 4 && a.facility == 0 && a.hostname == "host")
        #expect(a.clock == .syslog && a.sources[0].format == .syslog5424)
        let b = f.records[1]
        #expect(b.wallclockUSec == usec(2024, 2, 19, 12, 58, 3, 500_000) && b.sources[0].format == .syslogISO)
        #expect(KernelMessage.classify(b.text) == .fsError)
        let c = f.records[2]
        #expect(c.callerID == "C1" && c.monotonicUSec == 12_000_001 && c.text == "console line" && c.priority == 6)
        #expect(f.skipped.otherPrograms == 2)
    }

    /// journalctl's own text output of a real journal: every kernel entry is one record.
    @Test(.enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus"),
          arguments: ["short-precise", "short-iso-precise", "short-monotonic", "short"])
    func journalctlTextMatchesJournalctl(_ mode: String) throws {
        let root = try #require(TestPaths.corpus)
        let journal = root + "/journals/s4-opensuse15-system@29912846da1c4d1d8d50dd155c553bdc-0000000000005156-00060c85794a2d40.journal"
        try #require(FileManager.default.fileExists(atPath: journal), "the corpus lacks \(journal)")
        // Text output names the kernel's own lines `kernel:`; early systemd lines also come
        // through /dev/kmsg but carry their own identifier.
        let count = try Command.shell("journalctl --file '\(journal)' -o export SYSLOG_IDENTIFIER=kernel | grep -c '^__CURSOR='")
        // journalctl prints local time: pinned to UTC so the suite passes in any zone.
        let text = try Command.run("/usr/bin/journalctl", ["--file", journal, "-o", mode, "--no-pager"],
                                   environment: ["TZ": "UTC", "PATH": "/usr/bin:/bin"])
        try #require(text.status == 0)
        let f = KernelLogReader.parse(bytes: text.stdout, path: "journalctl-\(mode).txt", modificationTime: usec(2024, 1, 1, 0, 0, 0))
        let expected = Int(count.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(f.records.count == expected)
        #expect(f.skipped.count == 0, "\(f.skipped.samples)")
        #expect(f.skipped.otherPrograms > 0)
        #expect(f.records.first?.text.hasPrefix("Linux version 6.2.10-1-default") == true)
        #expect(f.boots.count == 1)
        #expect(f.boots.first?.kernelVersion == "6.2.10-1-default")
        if mode == "short-monotonic" {
            #expect(f.records.last?.monotonicUSec == 28_701_903)
        } else {
            #expect(f.records.first?.wallclockUSec.map { $0 / 1_000_000 } == usec(2023, 12, 15, 5, 14, 25) / 1_000_000)
        }
        if mode == "short-iso-precise" {
            #expect(f.records.first?.wallclockUSec == usec(2023, 12, 15, 5, 14, 25, 352_000))
            #expect(f.records.first?.clock == .syslog)
        }
    }

    @Test func journalctlBootMarkers() {
        let f = parse("""
            -- Boot 0123456789abcdef0123456789abcdef --
            Mar 01 10:00:00.000001 h kernel: Linux version 6.1.0 (x) #1
            Mar 01 10:00:01.000001 h kernel: multi-line message
                                                 second line
            -- Boot fedcba9876543210fedcba9876543210 --
            Mar 01 11:00:00.000001 h kernel: Linux version 6.1.0 (x) #1
            -- No entries --
            """, mtime: usec(2024, 6, 1, 0, 0, 0))
        #expect(f.format == .journalctlText)
        #expect(f.boots.count == 2)
        #expect(f.boots.map(\.journalBootID) == ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"])
        #expect(f.records[1].text == "multi-line message\nsecond line")
        #expect(f.records[0].wallclockUSec == usec(2024, 3, 1, 10, 0, 0, 1))
        #expect(f.skipped.count == 0)
    }
}

@Suite struct HostileInput {
    @Test func binaryAndRandomBytesAreSkippedNotCrashed() throws {
        let ls = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "/bin/ls")))
        let a = KernelLogReader.parse(bytes: ls, path: "/bin/ls", modificationTime: nil)
        #expect(a.records.isEmpty)
        #expect(a.skipped.count > 0)
        var rng = SplitMix64(state: 42)
        for round in 0..<20 {
            let n = Int(rng.next() % 50_000) + 1
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Sprinkle newlines and prefixes so the line parsers see many partial shapes.
            for i in stride(from: 0, to: bytes.count, by: 37) { bytes[i] = 0x0A }
            for (i, b) in Array("[  12.3".utf8).enumerated() where i + 1 < bytes.count { bytes[i + 1] = b }
            let f = KernelLogReader.parse(bytes: bytes, path: "random-\(round)", modificationTime: nil)
            #expect(f.records.count + f.skipped.count <= n)
        }
    }

    @Test func fakedNewYearsAndExtremeTimesStayInRange() {
        let text = (0..<5000).map { $0 % 2 == 0 ? "Dec 31 23:59:59 h kernel: a" : "Jan  1 00:00:00 h kernel: b" }.joined(separator: "\n")
        for mtime: Int64? in [Int64.max, Int64.min, 0, nil] {
            let f = parse(text, mtime: mtime)
            #expect(f.records.count == 5000)
            #expect(f.records.allSatisfy { ($0.wallclockUSec ?? -1) >= 0 })
        }
        let bogus = JournalBootAnchor(bootID: "e0000000000000000000000000000004", firstRealtime: Int64.min, lastRealtime: Int64.max,
                                      anchors: [(Int64.max, UInt64.max)],
                                      kernelRecords: [KernelRecord(text: "a", monotonicUSec: UInt64.max, wallclockUSec: Int64.min,
                                                                   sources: [RecordSource(path: "j", line: 0, format: .journal)])])
        let odd = JournalBootAnchor(bootID: "e0000000000000000000000000000005", firstRealtime: 0, lastRealtime: 10,
                                    anchors: [(Int64.max, UInt64.max), (5, 0)],
                                    kernelRecords: [KernelRecord(text: "b", monotonicUSec: 1, wallclockUSec: Int64.max,
                                                                 sources: [RecordSource(path: "j", line: 0, format: .journal)])])
        let dmesg = parse("[99999999999.999999] a\n[    0.000001] b\n", path: "d")
        let placed = KernelClock.place(files: [parse(text, mtime: nil), dmesg], journal: [bogus, odd])
        #expect(placed.records.count >= 5002)
        #expect(placed.notes.contains { $0.contains("out of bounds") })
    }

    @Test func everyPrefixOfALogParses() {
        let text = """
            Feb 19 12:58:01 host kernel: [ 5123.456789][ T123] Out of memory: Killed process 1 (a) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1kB oom_score_adj:0
            <6>1 2024-02-19T12:58:01.1+01:00 host kernel - - [x a="]"] text
            [Mon Feb 11 19:22:56 2019] dmesg -T
            Panic#1 Part1
            ====1.2-D
            -- Boot 0123456789abcdef0123456789abcdef --

            """
        let bytes = Array(text.utf8)
        for cut in 0...bytes.count {
            let f = KernelLogReader.parse(bytes: Array(bytes[..<cut]), path: "p", modificationTime: 0)
            #expect(f.records.count <= 4)
        }
    }

    @Test func malformedLinesAreCountedWithReasons() {
        let f = parse("""
            Feb 19 12:58:01 host kernel: good one
            Feb 99 12:58:01 host kernel: bad day
            Feb 19 25:58:01 host kernel: bad hour
            Feb 19 12:58:02 host kernel: good two
            \u{01}\u{02}\u{03}\u{04}\u{05}binary\u{06}\u{07}\u{08}
            just words
            """, mtime: usec(2024, 3, 1, 0, 0, 0))
        #expect(f.records.map(\.text) == ["good one", "good two"])
        #expect(f.skipped.count == 4)
        #expect(f.skipped.samples.map(\.line) == [2, 3, 5, 6])
        #expect(f.skipped.samples[2].reason == "binary data")
        #expect(f.skipped.summary(path: "x")?.contains("4 lines skipped") == true)
    }

    @Test func largeLogParsesQuickly() {
        var text = ""
        let line = "Feb 19 12:58:01 host kernel: [ 5123.456789] usb 1-1: new high-speed USB device number 2 using ehci-pci\n"
        let other = "Feb 19 12:58:01 host CRON[1234]: (root) CMD (run-parts /etc/cron.hourly)\n"
        text.reserveCapacity(24 << 20)
        while text.utf8.count < 20 << 20 { text += line; text += other }
        let bytes = Array(text.utf8)
        let start = Date()
        let f = KernelLogReader.parse(bytes: bytes, path: "big", modificationTime: 0)
        let seconds = Date().timeIntervalSince(start)
        print("parsed \(bytes.count >> 20) MB in \(seconds) s (debug build)")
        #expect(f.records.count == f.skipped.otherPrograms)
        // Debug build on a shared machine: 20 MB must take well under a minute.
        #expect(seconds < 60)
    }
}
