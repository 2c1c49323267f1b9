import Foundation
@testable import Inputs
import Journal
import Testing
import TestSupport

// MARK: - Building host trees

private let machineA = "83fc99b40aab448f8004215d83cb3f66"
private let machineB = "0123456789abcdef0123456789abcdef"

private func write(_ bytes: [UInt8], _ path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                            withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        throw TestSupportError("cannot write \(path)")
    }
}

private func write(_ text: String, _ path: String) throws { try write(Array(text.utf8), path) }

private func bytes(_ path: String) -> [UInt8] {
    [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
}

/// Two real journal files to copy into trees: corpus files when present, else files that
/// systemd-journal-remote writes; `nil` when neither is possible.
private func sampleJournals() throws -> [(name: String, bytes: [UInt8])]? {
    if let corpus = TestPaths.corpus {
        let dir = corpus + "/journals/"
        return [("system.journal", bytes(dir + "kjournald-system.journal")),
                ("system@00059dfe5abbe7fb-5c3d0db5329dd46f.journal~",
                 bytes(dir + "kjournald-system@00059dfe5abbe7fb-5c3d0db5329dd46f.journal~"))]
    }
    guard JournalRemote.isAvailable else { return nil }
    let dir = TestPaths.scratch("inputs-journals")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var out: [(String, [UInt8])] = []
    for k in 0..<2 {
        var b = ExportBuilder()
        b.add(realtime: 1_700_000_000_000_000 + UInt64(k), monotonic: 1000, bootID: machineB, [("MESSAGE", "hello \(k)")])
        try JournalRemote.write(b.bytes, to: dir + "/j\(k).journal")
        out.append((k == 0 ? "system.journal" : "user-1000.journal", bytes(dir + "/j\(k).journal")))
    }
    return out
}

/// What a test put into a host tree, by path relative to the scratch directory.
private struct Planted {
    var journals: [String] = []
    var kernelLogs: [String] = []  // in the order discovery must give them
    var pstore: [String: [UInt8]] = [:]  // record path → expected text
    var kdump: [String] = []
    var units: [String] = []
}

/// Writes a full host root at `base/rel`.
private func plantHost(base: String, rel: String, machineID: String, hostname: String,
                       journals: [(name: String, bytes: [UInt8])]) throws -> Planted {
    var p = Planted()
    let root = base + "/" + rel
    try write(machineID + "\n", root + "/etc/machine-id")
    try write(hostname + "\n", root + "/etc/hostname")
    for j in journals {
        let path = "\(rel)/var/log/journal/\(machineID)/\(j.name)"
        try write(j.bytes, base + "/" + path)
        p.journals.append(path)
    }
    // Rotated kernel logs: discovery must order them oldest first, and skip auth.log.
    try write("Jan  1 00:00:02 \(hostname) kernel: [    2.0] newest\n", root + "/var/log/kern.log")
    try write("Jan  1 00:00:01 \(hostname) kernel: [    1.0] older\n", root + "/var/log/kern.log.1")
    try write("Jan  1 00:00:00 \(hostname) kernel: [    0.5] oldest\n", root + "/var/log/kern.log.2")
    try Command.shell("gzip -n '\(root)/var/log/kern.log.2'")
    // logrotate with `compresscmd bzip2`.
    try write("Jan  1 00:00:00 \(hostname) kernel: [    0.1] very oldest\n", root + "/var/log/kern.log.3")
    try Command.shell("bzip2 '\(root)/var/log/kern.log.3'")
    try write("Jan  1 00:00:03 \(hostname) sshd[1]: not kernel\n", root + "/var/log/syslog")
    try write("Jan  1 00:00:03 \(hostname) sshd[1]: auth\n", root + "/var/log/auth.log")
    p.kernelLogs = ["var/log/kern.log.3.bz2", "var/log/kern.log.2.gz", "var/log/kern.log.1", "var/log/kern.log", "var/log/syslog"].map { rel + "/" + $0 }

    // systemd-pstore record without dmesg.txt: parts joined Part2 then Part1 (Part1 is newest).
    let part1 = "Panic#1 Part1\n<0>[ 10.0] Kernel panic - not syncing: test\n"
    let part2 = "Panic#1 Part2\n<6>[  9.0] earlier line\n"
    try write(part1, root + "/var/lib/systemd/pstore/170000000/dmesg-efi-170000000001001")
    try write(part2, root + "/var/lib/systemd/pstore/170000000/dmesg-efi-170000000002001")
    p.pstore[rel + "/var/lib/systemd/pstore/170000000"] = Array((part2 + part1).utf8)
    // A record with systemd-pstore's own joined dmesg.txt: only that file is used.
    try write("joined record\n", root + "/var/lib/systemd/pstore/170000001/dmesg.txt")
    try write("part\n", root + "/var/lib/systemd/pstore/170000001/dmesg-efi-170000001001001")
    p.pstore[rel + "/var/lib/systemd/pstore/170000001/dmesg.txt"] = Array("joined record\n".utf8)
    try write("Oops#1 Part1\nramoops\n", root + "/sys/fs/pstore/dmesg-ramoops-0")
    p.pstore[rel + "/sys/fs/pstore/dmesg-ramoops-0"] = Array("Oops#1 Part1\nramoops\n".utf8)
    // The kernel's flat EFI files: IDs are (seconds * 100 + part) * 1000 + count, so both parts
    // below belong to the dump at 1700000002 and are joined Part2 then Part1.
    try write("Panic#2 Part1\nnewest\n", root + "/sys/fs/pstore/dmesg-efi-170000000201001")
    try write("Panic#2 Part2\noldest\n", root + "/sys/fs/pstore/dmesg-efi-170000000202001")
    p.pstore[rel + "/sys/fs/pstore/dmesg-efi-1700000002*"] = Array("Panic#2 Part2\noldest\nPanic#2 Part1\nnewest\n".utf8)

    try write("[    1.000000] kdump log\n", root + "/var/crash/202401011200/vmcore-dmesg.txt")
    p.kdump = [rel + "/var/crash/202401011200/vmcore-dmesg.txt"]

    try write("[Service]\nExecStart=/bin/app\n", root + "/etc/systemd/system/app.service")
    try write("[Service]\nMemoryMax=1G\n", root + "/etc/systemd/system/app.service.d/limits.conf")
    try write("[Unit]\nDescription=ssh\n", root + "/usr/lib/systemd/system/ssh.service")
    try FileManager.default.createDirectory(atPath: root + "/etc/systemd/system/multi-user.target.wants",
                                            withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root + "/etc/systemd/system/multi-user.target.wants/app.service",
                                               withDestinationPath: "../app.service")
    try FileManager.default.createSymbolicLink(atPath: root + "/etc/systemd/system/masked.service",
                                               withDestinationPath: "/dev/null")
    p.units = ["etc/systemd/system/app.service", "etc/systemd/system/app.service.d/limits.conf",
               "usr/lib/systemd/system/ssh.service"].map { rel + "/" + $0 }.sorted()
    return p
}

// MARK: - Reading back what discovery found

/// The part of a source name after the scratch dir or the `archive:` prefix.
private func relative(_ name: String, base: String) -> String {
    // Archive members are named `archive:member`; scratch paths hold no ':'.
    if let colon = name.firstIndex(of: ":") { return String(name[name.index(after: colon)...]) }
    if name.hasPrefix(base + "/") { return String(name.dropFirst(base.count + 1)) }
    return name
}

private func journalBytes(_ s: JournalSource) -> [UInt8] {
    switch s {
    case .file(let path): return bytes(path)
    case .member(_, let archive, let range): return archive.copy(range)
    case .made(_, let bytes, _): return bytes.copy(0..<bytes.count)
    }
}

private func rawBytes(_ s: TextSource) -> [UInt8] { s.member.map { $0.store.copy($0.range) } ?? s.bytes ?? bytes(s.path) }

/// Checks that `host` holds exactly what `planted` says, byte for byte against the files in `base`.
private func expectFound(_ host: HostInputs, _ planted: Planted, base: String, label: String) {
    #expect(host.journalFiles.map { relative($0.name, base: base) }.sorted() == planted.journals.sorted(), "\(label): journals")
    for j in host.journalFiles {
        // Compared outside #expect: a failing #expect on megabyte arrays spends minutes diffing them.
        let same = journalBytes(j) == bytes(base + "/" + relative(j.name, base: base))
        #expect(same, "\(label): bytes of \(j.name)")
    }
    #expect(host.kernelLogs.map { relative($0.path, base: base) } == planted.kernelLogs, "\(label): kernel logs")
    for k in host.kernelLogs {
        let same = rawBytes(k) == bytes(base + "/" + relative(k.path, base: base))
        #expect(same, "\(label): bytes of \(k.path)")
    }
    var pstore: [String: [UInt8]] = [:]
    for s in host.pstore { pstore[relative(s.path, base: base)] = (try? s.load()) ?? [] }
    #expect(pstore == planted.pstore, "\(label): pstore records")
    #expect(host.kdump.map { relative($0.path, base: base) } == planted.kdump, "\(label): kdump")
    #expect(host.unitFiles.map { relative($0.path, base: base) }.sorted() == planted.units, "\(label): units")
    for u in host.unitFiles {
        #expect(Array(u.text.utf8) == bytes(base + "/" + relative(u.path, base: base)), "\(label): text of \(u.path)")
    }
}

@discardableResult
private func tar(_ arguments: String) throws -> CommandResult {
    let r = try Command.shell("tar " + arguments)
    guard r.status == 0 else { throw TestSupportError("tar \(arguments) failed: \(r.stderrText)") }
    return r
}

// MARK: - Tests

@Suite struct InputsTests {
    @Test(.enabled(if: TestPaths.corpus != nil || JournalRemote.isAvailable, "needs ../shared/corpus or systemd-journal-remote")) func hostRootOnDiskAndInEveryArchiveForm() throws {
        let journals = try #require(try sampleJournals())
        let base = TestPaths.scratch("inputs-host")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let planted = try plantHost(base: base, rel: "web1", machineID: machineA, hostname: "web1", journals: journals)

        let onDisk = InputDiscovery.discover(paths: [base + "/web1"], root: nil)
        try #require(onDisk.count == 1)
        #expect(onDisk[0].label == "web1")
        #expect(onDisk[0].hostname == "web1")
        #expect(onDisk[0].machineID == machineA)
        #expect(onDisk[0].problems.isEmpty, "\(onDisk[0].problems)")
        expectFound(onDisk[0], planted, base: base, label: "disk")
        // The rotated .bz2 and .gz logs expand to what was written.
        let logs = onDisk[0].kernelLogs
        try #require(logs.count >= 2)
        #expect(String(decoding: try logs[0].load(), as: UTF8.self).contains("very oldest"))
        #expect(String(decoding: try logs[1].load(), as: UTF8.self).contains("[    0.5] oldest"))

        // `root:` takes a directory as a host root directly.
        let viaRoot = InputDiscovery.discover(paths: [], root: base + "/web1")
        try #require(viaRoot.count == 1)
        expectFound(viaRoot[0], planted, base: base, label: "root")

        // Compressed archives are told by their content under any name (a download's `.1`, `logs.gz`),
        // but bzip2's (nothing comes out before its first block is read), told by its name.
        for (file, flags) in [("web1.tar", "-cf"), ("web1.tar.gz", "-czf"), ("web1.tar.zst", "--zstd -cf"),
                              ("web1.tar.xz", "-cJf"), ("web1.tar.bz2", "-cjf"), ("web1.tbz", "-cjf"),
                              ("web1-logs.gz", "-czf"), ("web1.tar.xz.1", "-cJf"), ("web1.zst", "--zstd -cf")] {
            let archive = base + "/" + file
            try tar("\(flags) '\(archive)' -C '\(base)' web1")
            let found = InputDiscovery.discover(paths: [archive], root: nil)
            try #require(found.count == 1, "\(file): \(found.map(\.label))")
            #expect(found[0].label == "web1")
            #expect(found[0].machineID == machineA)
            #expect(found[0].problems.isEmpty, "\(file): \(found[0].problems)")
            #expect(found[0].journalFiles.allSatisfy { if case .member = $0 { true } else { false } })
            // Members are read in place: one store for the archive, the file itself when it is a plain .tar.
            let stores = Set(found[0].journalFiles.compactMap { s -> SharedBytes? in
                if case .member(_, let archive, _) = s { return archive } else { return nil }
            })
            #expect(stores.count == 1, "\(file): one shared store")
            if file.hasSuffix(".tar") {
                let size = (try? FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int) ?? -1
                #expect(stores.first?.count == size, "\(file): the mapped archive itself")
            }
            expectFound(found[0], planted, base: base, label: file)
            try FileManager.default.removeItem(atPath: archive)
        }
        // What tickets and issue trackers take as attachments: zip (zip(1), symbolic links kept
        // as links) and 7-Zip (7zz), each member expanded into one store.
        for (file, command) in [("web1.zip", "zip -q -r -y"), ("web1.7z", "7zz a -bd -bso0 -snl")] {
            let archive = base + "/" + file
            let made = try Command.shell("cd '\(base)' && \(command) '\(archive)' web1")
            try #require(made.status == 0, "\(command): \(made.stderrText)")
            let found = InputDiscovery.discover(paths: [archive], root: nil)
            try #require(found.count == 1, "\(file): \(found.map(\.label))")
            #expect(found[0].label == "web1")
            #expect(found[0].machineID == machineA)
            #expect(found[0].problems.isEmpty, "\(file): \(found[0].problems)")
            let stores = Set(found[0].journalFiles.compactMap { s -> SharedBytes? in
                if case .member(_, let archive, _) = s { return archive } else { return nil }
            })
            #expect(stores.count == 1, "\(file): one shared store")
            expectFound(found[0], planted, base: base, label: file)
            try FileManager.default.removeItem(atPath: archive)
        }
    }

    @Test("a cut 7-Zip archive, which keeps its index at its end, says why nothing can be read")
    func cutSevenZipSaysWhy() throws {
        let base = TestPaths.scratch("inputs-cut7z")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try write(String(repeating: "Feb 11 09:52:02 polybox kernel: [  1.000000] early line\n", count: 4000), base + "/t/var/log/kern.log")
        let made = try Command.shell("cd '\(base)/t' && 7zz a -bd -bso0 ../host.7z var/log/kern.log")
        try #require(made.status == 0, "\(made.stderrText)")
        let whole = bytes(base + "/host.7z")
        try write(Array(whole.prefix(whole.count / 2)), base + "/host.7z")
        let found = InputDiscovery.discover(paths: [base + "/host.7z"], root: nil)
        #expect(found.flatMap(\.kernelLogs).isEmpty)
        #expect(found.flatMap(\.problems).contains { $0.reason.contains("a 7-Zip archive's index is at its end") })
    }

    @Test("zip members that climb out (../), are encrypted, or are not zip at all are named and skipped; the others are read")
    func hostileZipMembers() throws {
        let base = TestPaths.scratch("inputs-zip-hostile")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let line = "Jan  1 00:00:00 h kernel: kept\n"
        // Python's zipfile writes the names as given, `..` included, as an attacker would.
        let made = try Command.shell("""
            cd '\(base)' && python3 -c "
            import zipfile
            with zipfile.ZipFile('evil.zip', 'w') as z:
                z.writestr('../../etc/kern.log', 'Jan  1 00:00:00 h kernel: escaped\\n')
                z.writestr('h/var/log/kern.log', '\(line.dropLast())\\n')
            " && mkdir -p s/var/log && printf 'Jan  1 00:00:00 h kernel: secret\\n' > s/var/log/messages \
            && printf '\(line.dropLast())\\n' > s/var/log/kern.log \
            && (cd s && zip -q -P hunter2 ../locked.zip var/log/messages && zip -q ../locked.zip var/log/kern.log) \
            && echo 'not a zip' > fake.zip
            """)
        try #require(made.status == 0, "\(made.stderrText)")
        let evil = InputDiscovery.discover(paths: [base + "/evil.zip"], root: nil)
        #expect(evil.flatMap(\.kernelLogs).map { relative($0.path, base: base) } == ["h/var/log/kern.log"])
        #expect(evil.flatMap(\.problems).contains { $0.reason.contains("../../etc/kern.log: unusable path; skipped") })

        let locked = InputDiscovery.discover(paths: [base + "/locked.zip"], root: nil)
        let logs = locked.flatMap(\.kernelLogs)
        let kern = try #require(logs.first { $0.path.hasSuffix("kern.log") })
        #expect(try kern.load() == Array(line.utf8))
        #expect(!logs.contains { $0.path.hasSuffix("messages") })
        #expect(locked.flatMap(\.problems).contains { $0.reason.contains("var/log/messages") && $0.reason.lowercased().contains("encrypt") },
                "\(locked.flatMap(\.problems))")

        let fake = InputDiscovery.discover(paths: [base + "/fake.zip"], root: nil)
        #expect(fake.flatMap(\.problems).contains { $0.reason.contains("not a readable zip or 7-Zip archive") })

        // A zip naming more members than a host's logs ever are: the first ones, and why.
        let many = try Command.shell("""
            cd '\(base)' && python3 -c "
            import zipfile
            with zipfile.ZipFile('many.zip', 'w') as z:
                for i in range(250_001): z.writestr('d/%d' % i, '')
            "
            """)
        try #require(many.status == 0, "\(many.stderrText)")
        let crowded = InputDiscovery.discover(paths: [base + "/many.zip"], root: nil)
        #expect(crowded.flatMap(\.problems).contains { $0.reason.contains("holds more than 250000 members; the first ones are used") })
    }

    @Test(.enabled(if: TestPaths.corpus != nil || JournalRemote.isAvailable, "needs ../shared/corpus or systemd-journal-remote")) func manyHostsInOneFolderAndOneArchive() throws {
        let journals = try #require(try sampleJournals())
        let base = TestPaths.scratch("inputs-batch")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let web1 = try plantHost(base: base, rel: "batch/hosts/web1", machineID: machineA, hostname: "web1", journals: journals)
        let web2 = try plantHost(base: base, rel: "batch/hosts/web2", machineID: machineB, hostname: "web2",
                                 journals: Array(journals.prefix(1)))
        // A bare journal directory with two more machines' folders.
        let idC = "cccccccccccccccccccccccccccccccc", idD = "dddddddddddddddddddddddddddddddd"
        try write(journals[0].bytes, base + "/batch/journal/\(idC)/system.journal")
        try write(journals[1].bytes, base + "/batch/journal/\(idD)/system.journal")
        try write(journals[1].bytes, base + "/batch/journal/\(idD)/user-1000.journal")

        func check(_ found: [HostInputs], base: String, label: String) {
            #expect(found.map(\.label).sorted() == ["web1", "web2", idC, idD].sorted(), "\(label)")
            if let h = found.first(where: { $0.label == "web1" }) { expectFound(h, web1, base: base, label: label + " web1") }
            if let h = found.first(where: { $0.label == "web2" }) { expectFound(h, web2, base: base, label: label + " web2") }
            #expect(found.first { $0.label == idC }?.journalFiles.map { relative($0.name, base: base) }
                    == ["batch/journal/\(idC)/system.journal"])
            #expect(found.first { $0.label == idD }?.journalFiles.count == 2)
            #expect(found.first { $0.label == idD }?.machineID == idD)
        }
        check(InputDiscovery.discover(paths: [base + "/batch"], root: nil), base: base, label: "folder")
        let archive = base + "/batch.tar.gz"
        try tar("-czf '\(archive)' -C '\(base)' batch")
        check(InputDiscovery.discover(paths: [archive], root: nil), base: base, label: "archive")
    }

    @Test(.enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus")) func looseCorpusJournalsGroupByHeaderMachineID() throws {
        let files = TestPaths.corpusFiles("journals")
        let corpus = try #require(TestPaths.corpus)
        try #require(!files.isEmpty)
        // Oracle: the machine ID journalctl prints for each file it can open.
        var expected: [String: String] = [:]
        for f in files {
            let r = try Command.run("/bin/sh", ["-c", "journalctl --file \"$0\" --header", f])
            guard r.status == 0 else { continue }
            for line in r.stdoutText.split(separator: "\n") where line.hasPrefix("Machine ID: ") {
                expected[f] = String(line.dropFirst("Machine ID: ".count))
            }
        }
        try #require(!expected.isEmpty)
        let found = InputDiscovery.discover(paths: [corpus + "/journals"], root: nil)
        for (file, id) in expected {
            let host = found.first { h in h.journalFiles.contains { $0.name == file } }
            #expect(host?.machineID == id, "\(file)")
        }
        #expect(Set(expected.values).isSubset(of: Set(found.compactMap(\.machineID))))
        // Each file appears once, in exactly one host.
        #expect(found.flatMap(\.journalFiles).count == files.count)
    }

    @Test(.enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus")) func folderOfCorpusKernelLogsIsOneLooseHostPerName() throws {
        let files = TestPaths.corpusFiles("kernel")
        let corpus = try #require(TestPaths.corpus)
        try #require(!files.isEmpty)
        let found = InputDiscovery.discover(paths: [corpus + "/kernel"], root: nil)
        // One host per host name the syslog lines carry; the files that name none stay together.
        #expect(Set(found.map(\.label)) == [corpus + "/kernel", "new-db1", "hnsin-varnish", "flint"])
        #expect(found.first { $0.label == "new-db1" }?.kernelLogs.count == 2)
        #expect(found.allSatisfy { $0.machineID == nil && $0.journalFiles.isEmpty && $0.problems.isEmpty })
        // Each file once.
        #expect(found.flatMap(\.kernelLogs).map(\.path).sorted() == files.sorted())
    }

    /// A container's journal linked into its host's (`systemd-nspawn --link-journal`: another
    /// machine-ID folder under var/log/journal) is another machine: its boots are not the host's.
    /// Here the reference incident's root holds the healthy-reboot sample's journal folder too;
    /// before, its boots were interleaved with the host's and its running boot was "the crash".
    @Test func anotherMachinesJournalFolderIsAHostOfItsOwn() throws {
        let base = TestPaths.scratch("container-journal")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let samples = TestPaths.packageRoot + "/samples/"
        try FileManager.default.copyItem(atPath: samples + "reference-incident", toPath: base + "/host")
        let guest = "46e0986330bedf30c1e5961992156be9"
        try FileManager.default.copyItem(atPath: samples + "healthy-reboot/var/log/journal/" + guest,
                                         toPath: base + "/host/var/log/journal/" + guest)
        let hosts = InputDiscovery.discover(paths: [base + "/host"], root: nil)
        #expect(hosts.count == 2)
        let host = try #require(hosts.first { $0.label == "polybox" })
        #expect(host.machineID == "65935178b7f7b28f006093b5970de8da")
        #expect(!host.journalFiles.contains { $0.name.contains(guest) })
        let container = try #require(hosts.first { $0.machineID == guest })
        #expect(!container.journalFiles.isEmpty && container.journalFiles.allSatisfy { $0.name.contains(guest) })
        // The host's boots are the reference incident's, alone.
        func bootIDs(_ path: String) throws -> [String] {
            let r = try Command.run(TestPaths.executable, ["boots", "-o", "json", path])
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdoutText.utf8)) as? [[String: Any]], "\(r.stderrText)")
            return rows.compactMap { $0["boot_id"] as? String }
        }
        let alone = try bootIDs(samples + "reference-incident")
        #expect(!alone.isEmpty)
        #expect(try bootIDs(base + "/host") == alone)
        // Negative: an etc/machine-id that names no folder there (an etc from another system):
        // the one journal folder is the machine's, not a second machine.
        try FileManager.default.copyItem(atPath: samples + "reference-incident", toPath: base + "/lone")
        try "0123456789abcdef0123456789abcdef\n".write(toFile: base + "/lone/etc/machine-id", atomically: true, encoding: .utf8)
        let lone = InputDiscovery.discover(paths: [base + "/lone"], root: nil)
        #expect(lone.count == 1 && lone.first?.journalFiles.isEmpty == false)
        #expect(try bootIDs(base + "/lone") == alone)
    }

    /// `/var/log` taken without `etc` (no etc/machine-id) from a host that runs a container: the
    /// folder whose journals hold kernel lines is the machine's, the container's (which never
    /// does) is a host of its own. The container's journal is the healthy-reboot sample's entries
    /// without its kernel ones, written by systemd-journal-remote. Negative: two folders that
    /// both hold kernel lines (an earlier machine ID's) cannot be told apart and stay together.
    @Test(.enabled(if: JournalRemote.isAvailable, "needs systemd-journal-remote"))
    func withoutMachineIDTheKernelsJournalIsTheMachines() throws {
        let base = TestPaths.scratch("container-no-etc")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let samples = TestPaths.packageRoot + "/samples/"
        let own = "65935178b7f7b28f006093b5970de8da", guest = "46e0986330bedf30c1e5961992156be9"
        try FileManager.default.createDirectory(atPath: base + "/host/var/log/journal", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: samples + "reference-incident/var/log/journal/" + own,
                                         toPath: base + "/host/var/log/journal/" + own)
        let export = try Command.run(TestPaths.executable, ["export", "-o", "export", samples + "healthy-reboot"]).stdout
        let entries = export.split(separator: Array("\n\n".utf8))
        let userspace = entries.filter { !String(decoding: $0, as: UTF8.self).contains("\n_TRANSPORT=kernel\n") }
        try #require(userspace.count < entries.count && !userspace.isEmpty)
        try FileManager.default.createDirectory(atPath: base + "/host/var/log/journal/" + guest, withIntermediateDirectories: true)
        try JournalRemote.write(Array(userspace.joined(separator: Array("\n\n".utf8))) + Array("\n\n".utf8),
                                to: base + "/host/var/log/journal/\(guest)/system.journal")
        let hosts = InputDiscovery.discover(paths: [base + "/host"], root: nil)
        #expect(hosts.count == 2)
        let machine = try #require(hosts.first { $0.machineID != guest })
        #expect(machine.machineID == own)
        #expect(!machine.journalFiles.isEmpty && machine.journalFiles.allSatisfy { $0.name.contains(own) })
        #expect(hosts.first { $0.machineID == guest }?.journalFiles.count == 1)

        // Negative: the healthy-reboot folder as it is (kernel lines too): one host, as before.
        try FileManager.default.removeItem(atPath: base + "/host/var/log/journal/" + guest)
        try FileManager.default.copyItem(atPath: samples + "healthy-reboot/var/log/journal/" + guest,
                                         toPath: base + "/host/var/log/journal/" + guest)
        #expect(InputDiscovery.discover(paths: [base + "/host"], root: nil).count == 1)
    }

    /// A fleet's folders are machines: a console log that names no host stays with its own
    /// folder (and one below it), it does not join the only host whose lines name themselves.
    /// `analyze` given the same paths still reads them as one machine's logs.
    @Test func aFleetsLooseFoldersStayApart() throws {
        let base = TestPaths.scratch("folders-apart")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try write("Dec 15 00:41:04 flint kernel: [    0.000000] Linux version 4.4.0-142-generic\n", base + "/fleet/flint/kern.log")
        try write("[    0.000000] Linux version 4.20.0\n[ 1432.309388] Kernel panic - not syncing: hung_task: blocked tasks\n",
                  base + "/fleet/flint/console.log")
        try write("[    0.000000] Linux version 4.20.0\n", base + "/fleet/vm7/console.log")
        try write("[    0.000000] Linux version 4.19.0\n", base + "/fleet/vm7/old/console.log")
        let fleet = InputDiscovery.discover(paths: [base + "/fleet"], root: nil, deferringArchives: true, foldersApart: true).hosts
        #expect(fleet.count == 2, "\(fleet.map(\.label))")
        let flint = try #require(fleet.first { $0.label == "flint" })
        #expect(flint.kernelLogs.map { ($0.path as NSString).lastPathComponent }.sorted() == ["console.log", "kern.log"],
                "a nameless log beside a named one is that machine's")
        let vm7 = try #require(fleet.first { $0.label != "flint" })
        #expect(vm7.label == base + "/fleet/vm7")
        #expect(vm7.kernelLogs.map(\.path).sorted() == [base + "/fleet/vm7/console.log", base + "/fleet/vm7/old/console.log"],
                "a folder below gathers into the one above")
        // One machine's logs given in two places (analyze): one host, as before.
        let one = InputDiscovery.discover(paths: [base + "/fleet/flint/kern.log", base + "/fleet/vm7/console.log"], root: nil)
        #expect(one.count == 1 && one.first?.kernelLogs.count == 2)
    }

    @Test func localMachineFindsThisMachinesJournals() throws {
        let host = InputDiscovery.localMachine()
        if let id = try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8) {
            #expect(host.machineID == id.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // Oracle: find(1) over the two journal directories.
        let r = try Command.shell("find /var/log/journal /run/log/journal -mindepth 1 -maxdepth 2 -type f "
            + "\\( -name '*.journal' -o -name '*.journal~' \\) -size +0 2>/dev/null | sort")
        let expected = r.stdoutText.split(separator: "\n").map(String.init)
        #expect(host.journalFiles.map(\.name).sorted() == expected)
        #expect(!host.label.isEmpty)
    }

    @Test("a log's tail within a limit: whole lines only, from disk, from an archive member, and from compressed text expanded on disk")
    func textTails() throws {
        let base = TestPaths.scratch("inputs-tail")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let text = "first line\nsecond line\nthird\n"
        try write(text, base + "/h/var/log/kern.log")
        try write(text, base + "/h/var/log/messages")
        try Command.shell("gzip -n '\(base)/h/var/log/messages'")
        try tar("-cf '\(base)/h.tar' -C '\(base)' h")
        let fromDisk = try #require(InputDiscovery.discover(paths: [base + "/h"], root: nil).first?.kernelLogs)
        let fromTar = try #require(InputDiscovery.discover(paths: [base + "/h.tar"], root: nil).first?.kernelLogs)
        let cap = ExpansionCap.here(compressedSize: 100, budget: .standard)
        for logs in [fromDisk, fromTar] {
            let plain = try #require(logs.first { $0.path.hasSuffix("kern.log") })
            let compressed = try #require(logs.first { $0.path.hasSuffix(".gz") })
            #expect(!plain.isCompressed && compressed.isCompressed)
            for log in [plain, compressed] {
                func tail(_ limit: Int) throws -> (String, Int, Int?) {
                    let t = try log.loadTail(limit: limit, cap: cap)
                    #expect(t.problem == nil)
                    return (String(decoding: t.bytes, as: UTF8.self), t.unread, t.unreadLines)
                }
                #expect(try tail(100) == (text, 0, 0))
                // The limit falls exactly on a line's start: that line is whole; the two before
                // it are counted, so that the tail's lines keep their numbers.
                #expect(try tail(6) == ("third\n", text.utf8.count - 6, 2))
                // Inside a line: the cut line is dropped, never read in part.
                #expect(try tail(10) == ("third\n", text.utf8.count - 6, 2))
                #expect(try tail(5).0 == "")
                // Past what is counted, the lines before the tail are not.
                #expect(try log.loadTail(limit: 6, cap: cap, countingLinesUpTo: 10).unreadLines == nil)
            }
        }
        // A cut stream: the end of what came out before the cut, and why.
        let packed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: base + "/h/var/log/messages.gz")))
        let cut = TextSource(path: "cut.gz", bytes: Array(packed.prefix(packed.count - 6)))
        let t = try cut.loadTail(limit: 100, cap: cap)
        #expect(t.problem?.reason.contains("cannot expand all of the gzip data") == true)
    }

    @Test func hardLinkedMembersAreOneFile() throws {
        let base = TestPaths.scratch("inputs-link")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let text = "Jan  1 00:00:00 h kernel: linked\n"
        try write(text, base + "/h/var/log/kern.log")
        try FileManager.default.linkItem(atPath: base + "/h/var/log/kern.log", toPath: base + "/h/var/log/kern.log.1")
        let archive = base + "/h.tar"
        try tar("-cf '\(archive)' -C '\(base)' h")
        try #require(try tar("-tvf '\(archive)'").stdoutText.contains(" link to "), "tar stored a hard link")
        let found = InputDiscovery.discover(paths: [archive], root: nil)
        try #require(found.count == 1)
        // Two names for one file: its bytes are read once (issue 13: 1,000 hardlinks to one
        // kern.log must not mean 1,000 copies), under the first name in rotation order.
        #expect(found[0].kernelLogs.map { relative($0.path, base: base) } == ["h/var/log/kern.log.1"])
        #expect(found[0].kernelLogs.map(rawBytes) == [Array(text.utf8)])
    }

    @Test func truncatedArchiveKeepsMembersBeforeTheCut() throws {
        let base = TestPaths.scratch("inputs-cut")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let first = "Jan  1 00:00:00 h kernel: first\n"
        try write(first, base + "/h/var/log/kern.log")
        try write(String(repeating: "Jan  1 00:00:01 h kernel: filler line\n", count: 3000), base + "/h/var/log/messages")
        let archive = base + "/h.tar"
        try tar("-cf '\(archive)' -C '\(base)' h/var/log/kern.log h/var/log/messages")
        let whole = bytes(archive)
        // Cut in the middle of the second member's data.
        let cut = Array(whole.prefix(1024 + 512 + 50_000))
        try write(cut, archive)
        let found = InputDiscovery.discover(paths: [archive], root: nil)
        try #require(found.count == 1)
        // The member cut by the end of the archive keeps the bytes that are there (issue 13).
        let logs = Dictionary(uniqueKeysWithValues: found[0].kernelLogs.map { (relative($0.path, base: base), rawBytes($0)) })
        #expect(logs["h/var/log/kern.log"] == Array(first.utf8))
        let filler = Array(String(repeating: "Jan  1 00:00:01 h kernel: filler line\n", count: 3000).utf8)
        let kept = try #require(logs["h/var/log/messages"])
        #expect(kept.count == 50_000 && Array(filler.prefix(kept.count)) == kept)
        #expect(found[0].problems.contains { $0.reason.contains("is cut after 50000 of its \(filler.count) bytes") }, "\(found[0].problems)")
    }

    @Test func memberClimbingOutWithDotDotIsSkipped() throws {
        let base = TestPaths.scratch("inputs-dotdot")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try write("Jan  1 00:00:00 h kernel: inside\n", base + "/work/h/var/log/kern.log")
        try write("Jan  1 00:00:00 h kernel: outside\n", base + "/evil/kern.log")
        let archive = base + "/dotdot.tar"
        // -P keeps the "../" in the member name, as a hostile archive would have it.
        try tar("-cPf '\(archive)' -C '\(base)/work' h ../evil/kern.log")
        let listing = try tar("-tPf '\(archive)'").stdoutText
        try #require(listing.contains("../evil/kern.log"))
        let before = try FileManager.default.subpathsOfDirectory(atPath: base).sorted()
        let found = InputDiscovery.discover(paths: [archive], root: nil)
        #expect(try FileManager.default.subpathsOfDirectory(atPath: base).sorted() == before, "nothing written")
        let logs = found.flatMap(\.kernelLogs)
        #expect(logs.map { relative($0.path, base: base) } == ["h/var/log/kern.log"])
        #expect(found.flatMap(\.problems).contains { $0.reason.contains("..") })
    }

    @Test(arguments: ["pax", "gnu"]) func longMemberNames(format: String) throws {
        let base = TestPaths.scratch("inputs-long")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let longDir = "host-" + String(repeating: "x", count: 90) + "/" + String(repeating: "y", count: 90)
        let text = "Jan  1 00:00:00 h kernel: long name\n"
        try write(text, base + "/" + longDir + "/var/log/kern.log")
        let archive = base + "/long.tar"
        try tar("--format=\(format) -cf '\(archive)' -C '\(base)' '\(longDir)'")
        let found = InputDiscovery.discover(paths: [archive], root: nil)
        try #require(found.count == 1)
        #expect(found[0].kernelLogs.map { relative($0.path, base: base) } == [longDir + "/var/log/kern.log"])
        #expect(found[0].kernelLogs.first.map(rawBytes) == Array(text.utf8))
        #expect(found[0].problems.isEmpty, "\(found[0].problems)")
    }

    @Test func badPathsBecomeProblemsNotErrors() throws {
        let base = TestPaths.scratch("inputs-bad")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try write(Array(repeating: 0x41, count: 2000), base + "/garbage.tar.gz")
        try write(Array(repeating: 0x42, count: 3000), base + "/garbage.tar")
        try write(Array("not a journal".utf8), base + "/fake.journal")
        // A tar whose second header is corrupted: the first member is kept.
        try write("kept\n", base + "/t/kern.log")
        try write("lost\n", base + "/t/messages")
        try tar("-cf '\(base)/corrupt.tar' -C '\(base)/t' kern.log messages")
        var corrupt = bytes(base + "/corrupt.tar")
        try #require(corrupt.count > 1100)
        corrupt[1024 + 10] ^= 0xFF  // inside the second header's name: checksum no longer matches
        try write(corrupt, base + "/corrupt.tar")
        // A gzip archive cut after its header: reported, never fatal.
        try tar("-czf '\(base)/cut.tar.gz' -C '\(base)' t")
        try write(Array(bytes(base + "/cut.tar.gz").prefix(60)), base + "/cut.tar.gz")
        let paths = ["/nonexistent/postmortem", base + "/garbage.tar.gz", base + "/garbage.tar", base + "/fake.journal",
                     base + "/cut.tar.gz", base + "/corrupt.tar"]
        let found = InputDiscovery.discover(paths: paths, root: nil)
        let problems = found.flatMap(\.problems)
        for p in paths.prefix(5) {
            #expect(problems.contains { $0.path == p }, "a problem for \(p): \(problems)")
        }
        #expect(problems.contains { $0.path == base + "/corrupt.tar" && $0.reason.contains("checksum") })
        #expect(problems.contains { $0.path == base + "/cut.tar.gz" && $0.reason.contains("gzip") })
        #expect(found.flatMap(\.kernelLogs).map(rawBytes) == [Array("kept\n".utf8)])
        #expect(found.flatMap(\.journalFiles).isEmpty)
    }

    @Test("a cut .tar.gz / .tar.zst / .tar.xz / .tar.bz2 / .zip still gives the members before the cut",
          arguments: ["-czf", "--zstd -cf", "-cJf", "-I 'bzip2 -1' -cf", "zip"])
    func cutCompressedArchiveKeepsEarlyMembers(_ flags: String) throws {
        let base = TestPaths.scratch("inputs-cutz")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/t/var/log", withIntermediateDirectories: true)
        let first = String(repeating: "Feb 11 09:52:02 polybox kernel: [  1.000000] early line\n", count: 400)
        try write(first, base + "/t/var/log/kern.log")
        // A large incompressible second member, so that a cut in the middle of the archive lands inside it.
        var rng = UInt64(7)
        let noise = (0..<400_000).map { _ -> UInt8 in rng = rng &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: rng >> 33) }
        try write(noise, base + "/t/var/log/messages")
        // bzip2 -1 writes blocks of 100 kB: a cut in the middle leaves whole blocks before it.
        // A zip cut short loses its central directory: its members are read from their local headers.
        let archive = base + (flags == "-czf" ? "/host.tar.gz" : flags == "-cJf" ? "/host.tar.xz"
                              : flags.contains("bzip2") ? "/host.tar.bz2" : flags == "zip" ? "/host.zip" : "/host.tar.zst")
        let r = try Command.shell(flags == "zip" ? "cd '\(base)/t' && zip -q '\(archive)' var/log/kern.log var/log/messages"
                                                 : "tar -C '\(base)/t' \(flags) '\(archive)' var/log/kern.log var/log/messages")
        try #require(r.status == 0, "\(r.stderrText)")
        let whole = bytes(archive)
        try write(Array(whole.prefix(whole.count / 2)), archive)
        let found = InputDiscovery.discover(paths: [archive], root: nil)
        let logs = found.flatMap(\.kernelLogs)
        // The member wholly before the cut, and what is left of the one the cut went through.
        #expect(logs.count == 2)
        let byName = Dictionary(logs.map { ($0.path.hasSuffix("kern.log") ? "kern.log" : "messages", $0) }) { a, _ in a }
        #expect(try byName["kern.log"]?.load() == Array(first.utf8))
        let rest = try #require(try byName["messages"]?.load())
        #expect(!rest.isEmpty && rest.count < noise.count && Array(noise.prefix(rest.count)) == rest)
        #expect(found.flatMap(\.problems).contains { $0.reason.contains("member var/log/messages is cut after") })
        if flags != "zip" { #expect(found.flatMap(\.problems).contains { $0.reason.contains("before the damage") }) }
    }
}

/// The analysed machine's own time zone, read from its tree.
@Suite struct HostTimeZoneTests {
    static func host(_ setup: (String) throws -> Void) throws -> [HostInputs] {
        let base = TestPaths.scratch("tz-host")
        try write("zonehost\n", base + "/h/etc/hostname")
        try write("", base + "/h/var/log/kern.log")
        try setup(base + "/h")
        defer { try? FileManager.default.removeItem(atPath: base) }
        var found = InputDiscovery.discover(paths: [base + "/h"], root: nil)
        // The same tree as a tar archive keeps the link as a link.
        _ = try tar("-cf '\(base)/h.tar' -C '\(base)' h")
        found += InputDiscovery.discover(paths: [base + "/h.tar"], root: nil)
        return found
    }

    @Test("etc/localtime as timedatectl links it, with the posix/ prefix, or etc/timezone alone")
    func zoneSources() throws {
        let linked = try Self.host { root in
            try FileManager.default.createSymbolicLink(atPath: root + "/etc/localtime",
                                                       withDestinationPath: "../usr/share/zoneinfo/Europe/Berlin")
            try write("America/New_York\n", root + "/etc/timezone")  // the link wins
        }
        #expect(linked.count == 2)
        #expect(linked.map(\.timeZone) == ["Europe/Berlin", "Europe/Berlin"])
        #expect(linked.allSatisfy { $0.timeZoneSource?.contains("zoneinfo/Europe/Berlin") == true })

        let posix = try Self.host { root in
            try FileManager.default.createSymbolicLink(atPath: root + "/etc/localtime",
                                                       withDestinationPath: "/usr/share/zoneinfo/posix/Asia/Kolkata")
        }
        #expect(posix.map(\.timeZone) == ["Asia/Kolkata", "Asia/Kolkata"])

        let debian = try Self.host { root in try write("America/New_York\n", root + "/etc/timezone") }
        #expect(debian.map(\.timeZone) == ["America/New_York", "America/New_York"])

        // A copied file carries no name, only rules; nonsense is not passed on to the zone database.
        let none = try Self.host { root in
            try write("TZif2...", root + "/etc/localtime")
            try write("../../etc/passwd\n", root + "/etc/timezone")
        }
        #expect(none.map(\.timeZone) == [nil, nil])
        #expect(none.map { $0.localtimeFile.map { String(decoding: $0, as: UTF8.self) } } == ["TZif2...", "TZif2..."])
        let notTZif = try Self.host { root in try write("Europe/Berlin\n", root + "/etc/localtime") }
        #expect(notTZif.allSatisfy { $0.timeZone == nil && $0.localtimeFile == nil })
    }
}
