import Foundation
import Testing
import TestSupport
@testable import Inputs

/// Inputs an attacker or an unlucky user gives (issue 13): FIFOs where files are expected,
/// pseudo file systems, link loops, hardlink floods, unreadable files. No hang, each file
/// read once, and every file left out named with the reason.
@Suite("hostile inputs", .serialized)
struct HostileInputTests {
    static let sample = TestPaths.packageRoot + "/samples/reference-incident"

    /// The built tool, stopped after 60 s: a hang is status 124, not a stuck test run.
    static func analyze(_ args: [String]) throws -> CommandResult {
        try Command.run("/usr/bin/timeout", ["60", TestPaths.executable, "analyze", "--utc", "--format", "json"] + args)
    }

    /// A copy of the reference sample's host tree (journals only: they are what is read).
    static func sampleTree(_ label: String) throws -> String {
        let dir = TestPaths.scratch(label)
        try FileManager.default.createDirectory(atPath: dir + "/var/log", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: sample + "/var/log/journal", toPath: dir + "/var/log/journal")
        try FileManager.default.createDirectory(atPath: dir + "/etc", withIntermediateDirectories: true)
        return dir
    }

    static func fifo(_ path: String) throws {
        guard mkfifo(path, 0o644) == 0 else { throw TestSupportError("mkfifo \(path): \(errno)") }
    }

    @Test func fifosWhereFilesAreExpectedAreNamedNotOpened() throws {
        let dir = try Self.sampleTree("fifo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outside = dir + "-fifo"
        try Self.fifo(outside)
        defer { unlink(outside) }
        try Self.fifo(dir + "/var/log/kern.log")
        try Self.fifo(dir + "/etc/hostname")
        try Self.fifo(dir + "/etc/timezone")
        try FileManager.default.createSymbolicLink(atPath: dir + "/etc/machine-id", withDestinationPath: outside)
        try FileManager.default.createDirectory(atPath: dir + "/var/lib/systemd/pstore/1", withIntermediateDirectories: true)
        try Self.fifo(dir + "/var/lib/systemd/pstore/1/dmesg.txt")
        let journalDir = try #require(try FileManager.default.contentsOfDirectory(atPath: dir + "/var/log/journal").first)
        try Self.fifo(dir + "/var/log/journal/\(journalDir)/user-1000.journal")

        let r = try Self.analyze([dir])
        #expect(r.status == 0, "\(r.stderrText)")
        #expect(r.stderrText.contains("\(dir)/var/log/kern.log: not a regular file (a FIFO, socket or device); skipped"))
        #expect(r.stderrText.contains("user-1000.journal: not a regular file"))
        #expect(r.stderrText.contains("pstore/1/dmesg.txt: not a regular file (a FIFO, socket or device); skipped"))
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any]
        #expect((json?["analyzed_boot"] as? String)?.isEmpty == false)

        // Named on the command line, a FIFO is refused at once.
        let named = try Self.analyze([outside])
        #expect(named.status == 3)
        #expect(named.stderrText.contains("\(outside): a FIFO, not a regular file; skipped"))
    }

    @Test(arguments: ["/proc", "/dev", "/sys"])
    func pseudoFileSystemsAreSkippedAtOnce(_ path: String) throws {
        let r = try Self.analyze([path])
        #expect(r.status == 3)
        #expect(r.stderrText.contains("\(path): a kernel pseudo file system (/proc, /sys, /dev), not logs; skipped"))
    }

    @Test func linkLoopsReadEachJournalOnce() throws {
        let dir = try Self.sampleTree("loops")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Three `l -> .` links: without loop detection a walk visits each file thousands of times.
        let outer = dir + "-outer"
        try FileManager.default.createDirectory(atPath: outer, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outer) }
        try FileManager.default.createSymbolicLink(atPath: outer + "/host", withDestinationPath: dir)
        for name in ["l1", "l2", "l3"] {
            try FileManager.default.createSymbolicLink(atPath: outer + "/" + name, withDestinationPath: ".")
        }
        let hosts = InputDiscovery.discover(paths: [outer], root: nil)
        let journals = hosts.flatMap(\.journalFiles)
        let inSample = try FileManager.default.subpathsOfDirectory(atPath: Self.sample + "/var/log/journal")
            .filter { $0.hasSuffix(".journal") || $0.hasSuffix(".journal~") }
        #expect(journals.count == inSample.count)
    }

    @Test func hardlinkedFilesAreReadOnce() throws {
        let dir = TestPaths.scratch("hardlinks")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = "Feb 11 09:52:02 polybox kernel: [47000.000000] INFO: task jbd2/sda1-8:312 blocked for more than 120 seconds.\n"
        try Data(String(repeating: log, count: 1_000).utf8).write(to: URL(fileURLWithPath: dir + "/kern.log"))
        for k in 0..<200 { try FileManager.default.linkItem(atPath: dir + "/kern.log", toPath: dir + "/kern.log.\(k)") }
        let hosts = InputDiscovery.discover(paths: [dir], root: nil)
        #expect(hosts.flatMap(\.kernelLogs).count == 1)

        // In an archive, hardlink members share their target's bytes and are taken once.
        let tar = dir + ".tar"
        defer { unlink(tar) }
        let made = try Command.run("/bin/tar", ["-C", dir, "-cf", tar, "."])
        #expect(made.status == 0)
        let fromArchive = InputDiscovery.discover(paths: [tar], root: nil)
        #expect(fromArchive.flatMap(\.kernelLogs).count == 1)
    }

    /// Run as `nobody`, files the user cannot read are each named as unreadable.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs root to drop to another user"))
    func unreadableFilesAreNamedAsSuch() throws {
        // A folder `nobody` can reach: the scratch folder's parents may not be.
        let dir = "/tmp/postmortem-unreadable-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/var/log", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Self.sample + "/var/log/journal", toPath: dir + "/var/log/journal")
        try Data("Feb 11 09:52:02 polybox kernel: hello\n".utf8).write(to: URL(fileURLWithPath: dir + "/var/log/kern.log"))
        try FileManager.default.createDirectory(atPath: dir + "/var/lib/systemd/pstore", withIntermediateDirectories: true)
        let journals = try FileManager.default.subpathsOfDirectory(atPath: dir + "/var/log/journal")
        let locked = try #require(journals.first { $0.hasSuffix(".journal") })
        _ = try Command.run("/bin/chmod", ["-R", "a+rX", dir])
        _ = try Command.run("/bin/chmod", ["000", dir + "/var/log/kern.log", dir + "/var/log/journal/" + locked,
                                           dir + "/var/lib/systemd/pstore"])
        // The tool itself must be reachable by `nobody`: copy it next to the tree.
        let tool = dir + "/postmortem"
        try FileManager.default.copyItem(atPath: TestPaths.executable, toPath: tool)
        let r = try Command.run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
                                                     "/usr/bin/timeout", "60", tool, "analyze", "--utc", "--quiet", dir])
        #expect(r.stderrText.contains("\(dir)/var/log/kern.log: permission denied"), "\(r.stderrText)")
        #expect(r.stderrText.contains("\(dir)/var/log/journal/\(locked): cannot be read (Permission denied)"))
        #expect(r.stderrText.contains("\(dir)/var/lib/systemd/pstore: cannot be read (Permission denied)"))
        #expect(!r.stderrText.contains("lacks the journal signature"))
    }

    @Test func aJournalBehindAFloodOfEmptyFilesIsStillFound() throws {
        let dir = TestPaths.scratch("flood")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // More names than one listing takes; the journal sorts after all of them.
        let made = try Command.shell("cd '\(dir)' && seq -f 'a%06g' 1 \(DiskTree.listingLimit + 5_000) | xargs touch")
        #expect(made.status == 0)
        let journal = try #require(try FileManager.default.subpathsOfDirectory(atPath: Self.sample + "/var/log/journal")
            .first { $0.hasSuffix(".journal") })
        try FileManager.default.copyItem(atPath: Self.sample + "/var/log/journal/" + journal, toPath: dir + "/zz-system.journal")
        let hosts = InputDiscovery.discover(paths: [dir], root: nil)
        #expect(hosts.flatMap(\.journalFiles).count == 1)
        let problems = hosts.flatMap(\.problems).map(\.description)
        #expect(problems.contains { $0.contains("were not looked at (journal files were)") })
    }
}

/// Archives that are cut or built to exhaust memory (issue 13).
@Suite("hostile archives", .serialized)
struct HostileArchiveTests {
    static let python3 = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A journal member whose entries are all before the cut is read like the same bytes as a file.
    @Test func cutArchiveJournalMemberIsRecoveredLikeACutFile() throws {
        let dir = TestPaths.scratch("cut-journal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sampleDir = HostileInputTests.sample + "/var/log/journal"
        let journal = try #require(try FileManager.default.subpathsOfDirectory(atPath: sampleDir)
            .filter { $0.hasSuffix(".journal") }.sorted().first)
        let original = try Data(contentsOf: URL(fileURLWithPath: sampleDir + "/" + journal))
        // journald pre-allocates: the file's tail is zeros past its last object.
        try original.write(to: URL(fileURLWithPath: dir + "/system.journal"))
        let made = try Command.run("/bin/tar", ["-C", dir, "-cf", dir + "/j.tar", "system.journal"])
        #expect(made.status == 0)
        let tar = try Data(contentsOf: URL(fileURLWithPath: dir + "/j.tar"))
        let header = 512
        let used = try #require(lastNonZero(original)) + 1
        // Cut past the last object, inside the zero tail: every entry is there.
        let cutAt = header + min(original.count - 1, used + 4096)
        try tar.prefix(cutAt).write(to: URL(fileURLWithPath: dir + "/cut.tar"))
        try original.prefix(cutAt - header).write(to: URL(fileURLWithPath: dir + "/cut.journal"))

        func entries(_ path: String) throws -> Int {
            let r = try Command.run("/usr/bin/timeout", ["60", TestPaths.executable, "analyze", "--utc", "--quiet", "--boot", "all",
                                                         "--format", "json", path])
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any]
            let inputs = json?["inputs"] as? [[String: Any]] ?? []
            return inputs.reduce(0) { $0 + ($1["entries"] as? Int ?? 0) }
        }
        let asFile = try entries(dir + "/cut.journal")
        #expect(asFile > 0)
        #expect(try entries(dir + "/cut.tar") == asFile)
    }

    @Test(.enabled(if: python3 != nil)) func aDeepMemberPathIsSkippedNotExpanded() throws {
        let dir = TestPaths.scratch("deep-path")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = """
        import io, tarfile, sys
        with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
            for k in range(50):
                info = tarfile.TarInfo("a/" * 40000 + "kern.log%d" % k)
                data = b"Jan  1 00:00:00 h kernel: deep\\n"
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            info = tarfile.TarInfo("var/log/kern.log")
            data = b"Jan  1 00:00:00 h kernel: shallow\\n"
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        """
        let made = try Command.run(try #require(Self.python3), ["-c", script, dir + "/deep.tar"])
        #expect(made.status == 0, "\(made.stderrText)")
        let hosts = InputDiscovery.discover(paths: [dir + "/deep.tar"], root: nil)
        #expect(hosts.flatMap(\.kernelLogs).map { $0.path.hasSuffix("var/log/kern.log") } == [true])
        let problems = hosts.flatMap(\.problems).map(\.reason)
        #expect(problems.contains { $0.contains("deeper than 64 folders; skipped") })
        #expect(problems.contains { $0.contains("50 members in all had such paths") })
    }
}

private func lastNonZero(_ data: Data) -> Int? {
    data.lastIndex { $0 != 0 }.map { $0 - data.startIndex }
}

/// Peak memory on inputs built to exhaust it (issue 13), measured by `/usr/bin/time`.
@Suite("memory budget", .serialized)
struct MemoryBudgetTests {
    static let timeTool = "/usr/bin/time"
    static let budgetKiB = 1 << 20  // 1 GiB, the README's budget

    static func peakKiB(_ args: [String]) throws -> (kib: Int, result: CommandResult) {
        let r = try Command.run(timeTool, ["-f", "peak-kib=%M", TestPaths.executable] + args)
        let line = r.stderrText.split(separator: "\n").last { $0.hasPrefix("peak-kib=") }
        return (Int(line?.dropFirst("peak-kib=".count) ?? "") ?? Int.max, r)
    }

    /// 150 KB of .tar.zst (1.6 MB of zip) that expands to 1.6 GB: expanded into a temporary
    /// file, never held in memory; the oversized logs are named and skipped.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: timeTool)
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd")
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/zip")),
          .enabled(if: TestPaths.freeTempBytes > 4 << 30, "needs 4 GiB free in the temp folder to expand the bomb whole"),
          arguments: ["tar.zst", "zip"])
    func archiveBombStaysInBudget(_ form: String) throws {
        let dir = TestPaths.scratch("bomb")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pack = form == "zip" ? "zip -q -r bomb.zip var" : "tar -cf - var | zstd -q -1 > bomb.tar.zst"
        let made = try Command.shell("""
            cd '\(dir)' && mkdir -p var/log && truncate -s 1200M var/log/kern.log && truncate -s 400M var/log/messages \
            && \(pack) && rm -rf var
            """)
        #expect(made.status == 0, "\(made.stderrText)")
        let size = try FileManager.default.attributesOfItem(atPath: dir + "/bomb." + form)[.size] as? Int ?? 0
        #expect(size < 2 << 20)
        let (kib, r) = try Self.peakKiB(["analyze", "--quiet", dir + "/bomb." + form])
        #expect(kib < Self.budgetKiB, "peak \(kib) KiB")
        #expect(r.status == 3)
        #expect(r.stderrText.contains("bomb.\(form):var/log/kern.log: 1258291200 bytes is over the limit"))
    }

    /// A kern.log far past the text budget: only its end is read (never the whole file), and
    /// here its end holds no line at all.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: timeTool)))
    func hugeKernelLogStaysInBudget() throws {
        let dir = TestPaths.scratch("huge-log")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/kern.log"
        try #require(FileManager.default.createFile(atPath: log, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.truncate(atOffset: 3 << 30)  // sparse: 3 GiB that take no disk
        try handle.close()
        let (kib, r) = try Self.peakKiB(["analyze", "--quiet", log])
        #expect(kib < Self.budgetKiB, "peak \(kib) KiB")
        #expect(r.status == 3)
        #expect(r.stderrText.contains("kern.log: 3221225472 bytes is over the limit: 96 MiB of kernel text per host, "
                                      + "from the memory budget of 1 GiB (--memory-budget); no line ends in its last 96 MiB; skipped"))
    }

    /// A kern.log past the text budget whose end holds the crash: its last lines are read, the
    /// first of them whole, and the verdict comes from them; the report says what was not read.
    /// Compressed (a ticket's `kern.log.gz`), it is expanded on disk and its end read the same way.
    @Test(arguments: [false, true])
    func oversizedKernelLogIsReadFromItsEnd(compressed: Bool) throws {
        let dir = try HostileInputTests.sampleTree("tail-log")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/var/log/kern.log"
        let original = try String(contentsOfFile: HostileInputTests.sample + "/var/log/kern.log", encoding: .utf8)
        // 17 MB of older lines before the sample's own: past the 12 MiB of text a budget of 128 MiB allows.
        var filler = ""
        for i in 0..<250_000 { filler += "Feb 10 20:43:\(String(format: "%02d", i % 60)) polybox kernel: [  \(i).000000] older line \(i)\n" }
        try (filler + original).write(toFile: log, atomically: true, encoding: .utf8)
        // An older rotation that would fit waits for its newer log, read from its end; another
        // family's newest log past the budget shares what is left.
        try "Feb 10 20:40:00 polybox kernel: [    1.000000] rotated away\n".write(toFile: log + ".1", atomically: true, encoding: .utf8)
        try filler.write(toFile: dir + "/var/log/messages", atomically: true, encoding: .utf8)
        if compressed { try #require(try Command.shell("gzip -n '\(log)'").status == 0) }
        let r = try Command.run(TestPaths.executable, ["analyze", "--utc", "-o", "json", "--memory-budget", "128M", dir])
        #expect(r.status == 0, "\(r.stderrText)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any])
        let end = try #require(json["end"] as? [String: Any])
        #expect(end["last_sign_source"] as? String == "kernel-log", "the panic in the log's last lines: \(end)")
        let notes = (json["notes"] as? [Any] ?? []).map { "\($0)" }
        let read = compressed ? log + ".gz" : log
        #expect(notes.contains { $0.contains("Partly read: \(read)") && $0.contains("MiB are read, the") && $0.contains("before them are not") }, "\(notes)")
        #expect(notes.contains { $0.contains("Partly read: \(dir)/var/log/messages") && $0.contains("6 MiB left of 12 MiB") }, "\(notes)")
        #expect(notes.contains { $0.contains("Not read: \(log).1: not read: its newer rotation is read from its end") }, "\(notes)")
        #expect(r.stderrText.contains("\(read): \(filler.utf8.count + original.utf8.count) bytes\(compressed ? " once expanded" : "") "
                                      + "is over the limit: 6 MiB left of 12 MiB of kernel text per host"), "\(r.stderrText)")
        // No line is read cut: every line the log's input lists as skipped is one of ours, whole.
        let inputs = json["inputs"] as? [[String: Any]] ?? []
        let kern = try #require(inputs.first { ($0["path"] as? String) == read })
        #expect((kern["health"] as? [String: Any])?["status"] as? String == "ok", "\(kern)")
    }
}

extension MemoryBudgetTests {
    /// 3,000 sparse unit files of a gigabyte each (3.1 GB of memory before): each refused
    /// before it is read, the first few named, the rest counted.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: timeTool)))
    func sparseUnitFilesStayInBudget() throws {
        let dir = try HostileInputTests.sampleTree("sparse-units")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let units = dir + "/etc/systemd/system"
        try FileManager.default.createDirectory(atPath: units, withIntermediateDirectories: true)
        let made = try Command.shell("cd '\(units)' && seq -f 'u%04g.service' 1 3000 | xargs truncate -s 1G")
        #expect(made.status == 0)
        let (kib, r) = try Self.peakKiB(["analyze", "--quiet", "--utc", dir])
        #expect(r.status == 0)
        #expect(kib < Self.budgetKiB, "peak \(kib) KiB")
        let named = r.stderrText.split(separator: "\n").filter { $0.contains(".service: too large") }
        #expect(named.count == 5)
        #expect(r.stderrText.contains("more unit files could not be read; only the first 5 are named"))
    }
}

extension MemoryBudgetTests {
    /// `batch -j 2` over two archive bombs (14.4 GB before): each expanded to its own
    /// temporary file, the run under budget, both hosts reported as unreadable.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: timeTool)
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd")),
          .enabled(if: TestPaths.freeTempBytes > 6 << 30, "needs 6 GiB free in the temp folder to expand both bombs whole"))
    func batchOverTwoBombsStaysInBudget() throws {
        let dir = TestPaths.scratch("bombs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try Command.shell("""
            cd '\(dir)' && mkdir -p in var/log && truncate -s 1200M var/log/kern.log \
            && tar -cf - var | zstd -q -1 > in/a.tar.zst && cp in/a.tar.zst in/b.tar.zst && rm -rf var
            """)
        #expect(made.status == 0, "\(made.stderrText)")
        let (kib, r) = try Self.peakKiB(["batch", "--utc", "-j", "2", "--out", dir + "/out", dir + "/in"])
        #expect(kib < Self.budgetKiB, "peak \(kib) KiB")
        #expect(r.status == 3, "\(r.stderrText)")
        #expect(r.stderrText.contains("a.tar.zst:var/log/kern.log: 1258291200 bytes is over the limit"))
        #expect(r.stderrText.contains("b.tar.zst:var/log/kern.log: 1258291200 bytes is over the limit"))
    }
}

extension MemoryBudgetTests {
    /// `--memory-budget` lowers the peak: a 12 MiB rotated kern.log is read and parsed within
    /// the 1 GiB default (96 MiB of kernel text per host) but not within 128M (12 MiB), where it
    /// is named on stderr and in the report's notes with the cap and the budget it came from,
    /// and the newest log is still read.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: timeTool)))
    func smallerBudgetLowersThePeak() throws {
        let dir = TestPaths.scratch("budget-kernel")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try Command.shell("""
            mkdir -p '\(dir)/var/log' && cd '\(dir)/var/log' \
            && yes 'Feb 11 09:49:34 polybox kernel: [360123.456789] usb 1-1: new high-speed USB device number 2 using ehci-pci' \
               | head -c 12582912 > kern.log.1 \
            && printf 'Feb 11 09:50:34 polybox kernel: [360183.456789] Kernel panic - not syncing: Fatal exception\\n' > kern.log
            """)
        #expect(made.status == 0, "\(made.stderrText)")
        let (large, all) = try Self.peakKiB(["analyze", "--quiet", "--utc", "-o", "json", dir])
        let (small, capped) = try Self.peakKiB(["analyze", "--quiet", "--utc", "-o", "json", "--memory-budget", "128M", dir])
        #expect(all.status == 0 && capped.status == 0, "\(all.stderrText) \(capped.stderrText)")
        #expect(!all.stderrText.contains("kern.log.1"))
        #expect(small * 2 < large, "peak \(small) KiB with 128M, \(large) KiB with the default")
        let said = "kern.log.1: 12582912 bytes is over the limit: 11 MiB left of 12 MiB of kernel text per host, "
            + "from the memory budget of 128 MiB (--memory-budget); skipped"
        #expect(capped.stderrText.contains(said))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(capped.stdout)) as? [String: Any])
        let notes = report["notes"] as? [String] ?? []
        #expect(notes.contains { $0.hasPrefix("Not read: ") && $0.contains(said) }, "\(notes)")
        // The newest log was read: its panic is the verdict's.
        #expect(capped.stdoutText.contains("Fatal exception"))
    }

    /// An archive bomb under a small budget: the expansion stops at four times the budget
    /// (512 MiB of 128M), said with the cap; the members before it are still used.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: timeTool)
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd")),
          .enabled(if: TestPaths.freeTempBytes > 2 << 30, "needs 2 GiB free in the temp folder, or the disk sets the cap"))
    func archiveExpansionFollowsTheBudget() throws {
        let dir = TestPaths.scratch("budget-bomb")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try Command.shell("""
            cd '\(dir)' && mkdir -p var/log \
            && printf 'Feb 11 09:50:34 polybox kernel: [360183.456789] Kernel panic - not syncing: Fatal exception\\n' > var/log/kern.log \
            && truncate -s 600M var/log/messages && tar -cf - var/log/kern.log var/log/messages | zstd -q -1 > bomb.tar.zst && rm -rf var
            """)
        #expect(made.status == 0, "\(made.stderrText)")
        let (kib, r) = try Self.peakKiB(["analyze", "--quiet", "--utc", "--memory-budget", "128M", dir + "/bomb.tar.zst"])
        #expect(kib < 128 << 10, "peak \(kib) KiB")
        #expect(r.status == 0, "\(r.stderrText)")
        #expect(r.stderrText.contains("bomb.tar.zst: expands past 512 MiB of expanded archive, from the memory budget of 128 MiB "
                                      + "(--memory-budget); the members in its first 512 MiB are used"))
        #expect(r.stdoutText.contains("Fatal exception"))
    }
}

extension HostileArchiveTests {
    @Test("the expansion cap: four times the budget for a bomb, fifty times the archive for a big host, half the free disk at most")
    func expansionCap() throws {
        let gib = 1 << 30
        let budget = try #require(MemoryBudget(bytes: gib))
        // A bomb: 150 KB that would expand to gigabytes stops at the budget's floor.
        let bomb = ExpansionCap(compressedSize: 150_000, budget: budget, folder: "/var/tmp", free: 80 * gib)
        #expect(bomb.bytes == 4 * gib && bomb.reason == .budget(budget))
        #expect(bomb.description == "4 GiB of expanded archive, from the memory budget of 1 GiB (--memory-budget)")
        // A 500 MiB .tar.zst of a 5 GB host: fifty times its size, so it is not cut at 4 GiB.
        let big = ExpansionCap(compressedSize: 500 << 20, budget: budget, folder: "/var/tmp", free: 80 * gib)
        #expect(big.bytes == 25_000 << 20 && big.reason == .archiveSize(compressed: 500 << 20))
        #expect(big.description.contains("(50 times its 500 MiB)"))
        // The disk bounds it: half the free space, even below the floor (a bomb on a nearly
        // full disk stops before it fills it).
        let tight = ExpansionCap(compressedSize: 500 << 20, budget: budget, folder: "/srv/spill", free: 12 * gib)
        #expect(tight.bytes == 6 * gib && tight.reason == .disk(folder: "/srv/spill", free: 12 * gib))
        #expect(tight.description.contains("half the 12 GiB free in /srv/spill"))
        let full = ExpansionCap(compressedSize: 500 << 20, budget: budget, folder: "/srv/spill", free: 1 << 20)
        #expect(full.bytes == 512 << 10 && full.reason == .disk(folder: "/srv/spill", free: 1 << 20))
        let bombOnFullDisk = ExpansionCap(compressedSize: 150_000, budget: budget, folder: "/var/tmp", free: 2 * gib)
        #expect(bombOnFullDisk.bytes == gib && bombOnFullDisk.reason == .disk(folder: "/var/tmp", free: 2 * gib))
        // Free space unknown: the archive's size decides; sizes past any product do not overflow.
        #expect(ExpansionCap(compressedSize: 500 << 20, budget: budget, folder: "/x", free: nil).bytes == 25_000 << 20)
        #expect(ExpansionCap(compressedSize: .max, budget: budget, folder: "/x", free: nil).bytes == .max)
        #expect(ExpansionCap(compressedSize: -1, budget: budget, folder: "/x", free: nil).bytes == 4 * gib)
    }

    /// An honest archive bigger than four times a small budget: it is expanded whole, so its
    /// last member (the kernel log with the panic) is read; a bomb of the same size is cut.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd")),
          .enabled(if: TestPaths.freeTempBytes > 2 << 30, "needs 2 GiB free in the temp folder, or the disk sets the cap"))
    func bigArchiveIsNotCutAtTheBudget() throws {
        let dir = TestPaths.scratch("big-archive")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 16 MiB that do not compress and 600 MiB that do: 616 MiB from about 16 MiB, under
        // fifty times the archive, past the 512 MiB floor of a 128M budget.
        let made = try Command.shell("""
            cd '\(dir)' && mkdir -p var/log \
            && head -c 16M /dev/urandom > var/log/noise && truncate -s 600M var/log/messages \
            && printf 'Feb 11 09:50:34 polybox kernel: [360183.456789] Kernel panic - not syncing: Fatal exception\\n' > var/log/kern.log \
            && tar -cf - var/log/noise var/log/messages var/log/kern.log | zstd -q -1 > big.tar.zst && rm -rf var
            """)
        #expect(made.status == 0, "\(made.stderrText)")
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", "--memory-budget", "128M", dir + "/big.tar.zst"])
        #expect(r.status == 0, "\(r.stderrText)")
        #expect(!r.stderrText.contains("expands past"), "\(r.stderrText)")
        #expect(r.stdoutText.contains("Fatal exception"), "the last member was read")
    }

    /// Member names are the archive's bytes: on stderr they cannot drive the terminal or
    /// forge a line of their own (issue 13).
    @Test(.enabled(if: python3 != nil)) func memberNamesAreEscapedOnStderr() throws {
        let dir = TestPaths.scratch("escape-names")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = """
        import io, tarfile, sys
        with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
            info = tarfile.TarInfo("var/log/journal/x\\x1b]0;pwned\\x07\\npostmortem: forged line\\u202e.journal")
            data = b"not a journal"
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        """
        let made = try Command.run(try #require(Self.python3), ["-c", script, dir + "/names.tar"])
        #expect(made.status == 0, "\(made.stderrText)")
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", dir + "/names.tar"])
        #expect(r.status == 3)
        #expect(!r.stderrText.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0 == "\u{202E}" })
        #expect(!r.stderrText.split(separator: "\n").contains { $0.hasPrefix("postmortem: forged line") })
        #expect(r.stderrText.contains("x\\x1b]0;pwned\\x07 postmortem: forged line\\u202e.journal"))
    }
}

extension MemoryBudgetTests {
    /// A 64 MiB file system, mounted for one test; `nil` where mounting is not allowed.
    final class SmallFolder {
        let path: String
        init?(megabytes: Int) {
            let path = TestPaths.scratch("small-folder")
            guard getuid() == 0,
                  let r = try? Command.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]),
                  r.status == 0 else { return nil }
            self.path = path
        }
        deinit { _ = try? Command.run("/usr/bin/umount", [path]) }
        static let canMount: Bool = SmallFolder(megabytes: 1) != nil
    }

    /// A bomb expanded where little space is free: the expansion stops at half the free space
    /// (here 32 MiB of a 64 MiB folder) and says so with the folder, never filling it; the
    /// member the cut reached is still named, and the folder is empty afterwards.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd")),
          .enabled(if: SmallFolder.canMount, "needs root and a tmpfs mount"))
    func expansionStopsAtHalfTheFreeSpace() throws {
        let dir = TestPaths.scratch("bomb-small-disk")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try Command.shell("""
            cd '\(dir)' && mkdir -p var/log && truncate -s 200M var/log/kern.log \
            && tar -cf - var | zstd -q -1 > bomb.tar.zst && rm -rf var
            """)
        #expect(made.status == 0, "\(made.stderrText)")
        let spill = try #require(SmallFolder(megabytes: 64))
        var env = ProcessInfo.processInfo.environment
        env["POSTMORTEM_SPILL_DIR"] = spill.path
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", dir + "/bomb.tar.zst"], environment: env)
        #expect(r.status == 3, "\(r.stderrText)")
        #expect(r.stderrText.contains("bomb.tar.zst: expands past 32 MiB of expanded archive (half the 64 MiB free in \(spill.path); "
                                      + "$POSTMORTEM_SPILL_DIR names another folder); the members in its first 32 MiB are used"),
                "\(r.stderrText)")
        #expect(r.stderrText.contains("var/log/kern.log"), "\(r.stderrText)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: spill.path).isEmpty)
    }
}
