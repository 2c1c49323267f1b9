import Compression
import Foundation
import Journal
import KernelLog

/// Turns what the user named into one `HostInputs` per machine.
///
/// A path may be a journal file, a journal directory (with machine-ID subfolders), a kernel
/// log, a pstore directory, a host root (a directory with `var/log` or `etc`), a folder of
/// many of those, or a tar archive (plain, gzip, zstd, xz) of any of them, which is read in
/// memory and never unpacked. Nothing here throws: what cannot be used becomes an
/// `InputProblem` on the host it concerns, and the rest is still found.
public enum InputDiscovery {
    /// Finds the inputs in `paths`, plus the host root `root` when given (taken as a host root
    /// even when it has neither `var/log` nor `etc`).
    ///
    /// Grouping: a host root is one host; journals outside a host root are grouped by their
    /// machine-ID directory or, for loose files, by the machine ID in their header; kernel
    /// logs and pstore files outside a host root are grouped by the folder they are in. When
    /// exactly one host was identified, such loose text (and any problem) joins it.
    /// What is read into memory is bounded by shares of `budget` (`MemoryBudget`).
    public static func discover(paths: [String], root: String?, budget: MemoryBudget = .standard) -> [HostInputs] {
        discover(paths: paths, root: root, deferringArchives: false, budget: budget).hosts
    }

    /// Like `discover`, but archives on disk are not opened: they are returned by path, to be
    /// discovered one at a time (`batch`, so that a folder of many archives is not expanded
    /// into memory all at once). Each archive's hosts then stand on their own.
    ///
    /// With `foldersApart` (a fleet's sweep), loose logs whose lines name no host join only a
    /// host found in their own folder, or in a folder above or below it: two folders of a fleet
    /// are two machines, not one machine's logs given in two places.
    public static func discover(paths: [String], root: String?, deferringArchives: Bool, foldersApart: Bool = false,
                                budget: MemoryBudget = .standard) -> (hosts: [HostInputs], archives: [String]) {
        var collector = Collector(budget: budget)
        collector.deferArchives = deferringArchives
        collector.foldersApart = foldersApart
        if let root {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue {
                collector.collectHostRoot(DiskTree(root: root), "")
            } else {
                collector.problem(InputProblem(path: root, reason: "root is not a directory"), key: "loose:" + root, label: root)
            }
        }
        for path in paths { collector.add(path: path) }
        let archives = collector.deferredArchives
        return (collector.finish(), archives)
    }

    /// The live machine's own inputs: /var/log/journal, /run/log/journal, /var/log/kern.log*,
    /// messages*, syslog*, /var/lib/systemd/pstore, /sys/fs/pstore, /var/crash, unit
    /// directories, /etc/machine-id and /etc/hostname.
    public static func localMachine(budget: MemoryBudget = .standard) -> HostInputs {
        var collector = Collector(budget: budget)
        collector.collectHostRoot(DiskTree(root: "/"), "")
        var host = collector.finish().first ?? HostInputs(label: "localhost")
        if host.hostname == nil {
            let name = ProcessInfo.processInfo.hostName
            if !name.isEmpty {
                host.hostname = name
                host.label = name
            }
        }
        return host
    }
}

/// Accumulates hosts while paths are walked, then merges them.
struct Collector {
    /// What the caps on archives, unit files, pstore records and package lists derive from.
    var budget = MemoryBudget.standard

    init(budget: MemoryBudget = .standard) {
        self.budget = budget
    }
    /// Record archives met on disk in `deferredArchives` instead of opening them.
    var deferArchives = false
    private(set) var deferredArchives: [String] = []
    /// A fleet's sweep: loose logs that name no host stay with their own folder's host.
    var foldersApart = false
    enum HostKind { case root, machine, loose }

    static let scanDepth = 8
    static let scanBudget = 200_000
    static let unitFileLimit = 1 << 20
    static let smallFileLimit = 64 << 10
    static let unitDirectories = ["etc/systemd/system", "run/systemd/system", "usr/lib/systemd/system", "lib/systemd/system"]

    private var hosts: [HostInputs] = []
    private var kinds: [HostKind] = []
    /// The folders each host's files were found in (a host root, a loose folder, the folder
    /// holding a machine-ID journal directory), to tell which hosts a loose folder may join.
    private var homes: [Set<String>] = []
    private var index: [String: Int] = [:]
    private var visited = 0
    private var budgetReported = false
    /// Files already taken and folders already walked, by identity: hardlinks, symlinked
    /// folders and link loops (`l -> .`) lead to one read and one walk.
    private var takenFiles: Set<FileIdentity> = []
    private var walkedFolders: Set<FileIdentity> = []
    /// Bytes of unit files read so far; past `budget.unitFileBytes` the rest are named and skipped.
    private var unitBytes = 0
    private var unitBudgetReported = false
    private var unitProblems = 0
    static let unitProblemsNamed = 5

    // MARK: - Hosts

    private mutating func host(key: String, label: String, kind: HostKind) -> Int {
        if let i = index[key] { return i }
        var found = HostInputs(label: label)
        found.source = label
        hosts.append(found)
        kinds.append(kind)
        // A loose host's key is its folder (with the host its lines name after a NUL); a root's is its path.
        let home = key.hasPrefix("loose:") ? key.dropFirst(6).prefix { $0 != "\u{0}" }
            : key.hasPrefix("root:") ? key.dropFirst(5) : nil
        homes.append(home.map { [String($0)] } ?? [])
        index[key] = hosts.count - 1
        return hosts.count - 1
    }

    /// The host of loose files found under `key` (a path); `label` names it where the key alone
    /// would not (the path and the host name its lines give).
    private mutating func loose(_ key: String, label: String? = nil) -> Int {
        host(key: "loose:" + key, label: label ?? key, kind: .loose)
    }

    /// The host of the machine `id` names (its journals found in `home`).
    private mutating func machine(_ id: String, home: String) -> Int {
        let i = host(key: "machine:" + id, label: id, kind: .machine)
        hosts[i].machineID = hosts[i].machineID ?? id
        homes[i].insert(home)
        return i
    }

    mutating func problem(_ problem: InputProblem, key: String, label: String) {
        let i = host(key: key, label: label, kind: .loose)
        hosts[i].problems.append(problem)
    }

    /// True the first time a file is met; a second path to the same file (hardlink,
    /// symlink, a folder reached twice) is not read again.
    private mutating func take<T: FileTree>(_ tree: T, _ rel: String) -> Bool {
        guard let id = tree.identity(rel) else { return true }
        return takenFiles.insert(id).inserted
    }

    /// True the first time a folder is walked; false for a folder seen before (a link loop)
    /// or one that cannot be listed or is a pseudo file system, which are then named.
    private mutating func enter<T: FileTree>(_ tree: T, _ rel: String, problemKey: String) -> Bool {
        if let id = tree.identity(rel), !walkedFolders.insert(id).inserted { return false }
        if let reason = tree.unreadable(rel) {
            hosts[loose(problemKey)].problems.append(InputProblem(path: tree.display(rel), reason: "folder cannot be read (\(reason)); skipped"))
            return false
        }
        if tree.isPseudoFileSystem(rel) {
            hosts[loose(problemKey)].problems.append(InputProblem(
                path: tree.display(rel), reason: "a kernel pseudo file system (/proc, /sys, /dev), not logs; skipped"))
            return false
        }
        return true
    }

    /// A file that exists but cannot be opened is named, with the reason, instead of vanishing.
    private mutating func reportUnreadable<T: FileTree>(_ tree: T, _ rel: String, into i: Int) -> Bool {
        guard let reason = tree.unreadable(rel) else { return false }
        hosts[i].problems.append(InputProblem(path: tree.display(rel), reason: "cannot be read (\(reason)); skipped"))
        return true
    }

    /// A FIFO, socket or device where a log was expected: named, never opened.
    private mutating func notRegular<T: FileTree>(_ tree: T, _ rel: String, into i: Int) {
        hosts[i].problems.append(InputProblem(path: tree.display(rel), reason: "not a regular file (a FIFO, socket or device); skipped"))
    }

    // MARK: - What the user named

    mutating func add(path: String) {
        let whole = DiskTree(root: path)
        switch whole.kind("") {
        case .none:
            // The system's reason: ENOENT, or ENOTDIR (a file where a folder was named), EACCES, ELOOP.
            var st = stat()
            let code = stat(path, &st) == 0 ? ENOENT : errno
            let link = lstat(path, &st) == 0 ? "a symbolic link that cannot be followed: " : ""
            let reason = link + String(cString: strerror(code)).lowercased()
            hosts[loose(path)].problems.append(InputProblem(path: path, reason: reason))
        case .directory:
            guard enter(whole, "", problemKey: path) else { return }
            scan(whole, "", depth: 0, allowArchives: true)
        case .other:
            var st = stat()
            let what = stat(path, &st) == 0 ? RegularFile.describe(mode: st.st_mode) : "not a regular file"
            hosts[loose(path)].problems.append(InputProblem(path: path, reason: "\(what), not a regular file; skipped"))
        case .file:
            let url = URL(fileURLWithPath: path)
            let tree = DiskTree(root: url.deletingLastPathComponent().path)
            let name = url.lastPathComponent
            addFile(tree, name, explicit: true, allowArchives: true, looseKey: tree.display(name))
        }
    }

    /// One file met on a walk outside host roots (or named): a journal, an archive, pstore or
    /// kdump text, or a log (`FileNames.isLooseLogName`). An explicitly named file that is none
    /// of the others is taken as a kernel log.
    private mutating func addFile<T: FileTree>(_ tree: T, _ rel: String, explicit: Bool, allowArchives: Bool,
                                               looseKey: String) {
        let name = String(rel.split(separator: "/").last ?? Substring(rel))
        if reportUnreadable(tree, rel, into: loose(looseKey)) { return }
        guard take(tree, rel) else { return }
        let head = tree.head(rel, 512)
        let compressed = head.withUnsafeBytes { CompressionAlgorithm.sniff($0) } != nil
        if !FileNames.hasJournalMagic(head), !TarArchive.looksLikeTar(head),
           compressed ? FileNames.isJournalTextName(name) : JournalTextFormat.mayStart(head),
           addJournalText(tree, rel, host: nil, looseKey: looseKey) {
            return
        }
        if FileNames.hasJournalMagic(head) || FileNames.isJournalName(name) {
            guard FileNames.hasJournalMagic(head) else {
                hosts[loose(looseKey)].problems.append(InputProblem(
                    path: tree.display(rel), reason: "named like a journal file but lacks the journal signature; skipped"))
                return
            }
            if let header = FileNames.journalMachineID(head) {
                addMachineJournal(tree, rel, header: header, home: explicit ? tree.display("") : looseKey)
            } else {
                hosts[loose(looseKey)].journalFiles.append(tree.journalSource(rel))
            }
        } else if allowArchives && (FileNames.isArchiveName(name) || TarArchive.looksLikeTar(head) || ZipArchive.sniff(head) != nil
                                    || compressed && Self.holdsTar(tree.head(rel, Self.sniffBytes))) {
            if deferArchives, T.self == DiskTree.self {
                if !deferredArchives.contains(tree.display(rel)) { deferredArchives.append(tree.display(rel)) }
            } else {
                openArchive(tree, rel)
            }
        } else if FileNames.isPstoreName(name) {
            hosts[loose(looseKey)].pstore.append(tree.textSource(rel))
        } else if name == "vmcore-dmesg.txt" {
            hosts[loose(looseKey)].kdump.append(tree.textSource(rel))
        } else if head.withUnsafeBytes({ CompressionAlgorithm.sniff($0) }) != nil {
            // Compressed text is taken by its name; its content is read later.
            if explicit || FileNames.isLooseLogName(name) { hosts[loose(looseKey)].kernelLogs.append(tree.textSource(rel)) }
        } else if explicit || FileNames.isLooseLogName(name) || FileNames.mayBeTextLog(name) {
            // Taken by what the file holds: a log read whatever its name; anything else named, with why.
            let start = tree.head(rel, Self.sniffBytes)
            let sniff = TextLogSniff.sniff(start, complete: start.count < Self.sniffBytes)
            // Conventional names (`kern.log`, `messages-20240101`) and named paths are taken whatever
            // their first lines hold (a damaged log is still read, its bad lines named).
            if sniff.isLog || explicit || FileNames.isLooseLogName(name) {
                // A file whose lines name one host starts that host's group; `finish` merges by name.
                let i = sniff.hostnames.count == 1
                    ? loose(looseKey + "\u{0}" + sniff.hostnames[0], label: "\(looseKey) (host \(sniff.hostnames[0]))")
                    : loose(looseKey)
                hosts[i].kernelLogs.append(tree.textSource(rel))
                for h in sniff.hostnames where !hosts[i].textHostnames.contains(h) { hosts[i].textHostnames.append(h) }
            } else {
                skippedFile(tree.display(rel), reason: sniff.reason + "; skipped", key: looseKey)
            }
        } else {
            skippedFile(tree.display(rel), reason: "not a journal, log, archive or crash record by its name; skipped", key: looseKey)
        }
    }

    static let sniffBytes = 16 << 10

    /// Whether compressed bytes (a file's first `sniffBytes`) start a tar archive, whatever the
    /// file is called (`logs.gz`, a download's `sosreport.tar.xz.1`). bzip2 gives nothing before
    /// its first block (up to 900 kB) is read: it is told by its name only.
    static func holdsTar(_ head: [UInt8]) -> Bool {
        head.withUnsafeBytes { raw in
            guard let algorithm = CompressionAlgorithm.sniff(raw), algorithm != .bzip2 else { return false }
            return TarArchive.looksLikeTar(algorithm.decompressKeepingPartial(raw, limit: 512).bytes)
        }
    }

    /// journalctl's `-o export` or `-o json` output, made into journal files of `host` (in a
    /// host root), else of the host its entries name (`_MACHINE_ID`). A compressed one is
    /// expanded first (on disk, like an archive). False when it is not one after all: it is
    /// then looked at like any other file.
    private mutating func addJournalText<T: FileTree>(_ tree: T, _ rel: String, host fixed: Int?, looseKey: String) -> Bool {
        let path = tree.display(rel)
        var text: SharedBytes
        do throws(InputProblem) {
            if let mapped = tree.mapped(rel) { text = mapped } else { text = SharedBytes(bytes: try tree.read(rel, limit: budget.archiveExpansion)) }
        } catch {
            hosts[fixed ?? loose(looseKey)].problems.append(error)
            return true
        }
        if CompressionAlgorithm.sniff(text.unsafeBytes) != nil {
            let (expanded, damage) = Expand.archive(text.unsafeBytes, path: path, budget: budget)
            if let damage { hosts[fixed ?? loose(looseKey)].problems.append(damage) }
            text = expanded
        }
        guard let format = JournalTextFormat.sniff(Array(text.unsafeBytes.prefix(Self.sniffBytes))) else { return false }
        let result = JournalTextImport.convert(text, format: format, path: path, valueTable: budget.dumpValueTable,
                                               releaseStep: budget.dumpReleaseStep)
        for reason in result.problems { hosts[fixed ?? loose(looseKey)].problems.append(InputProblem(path: path, reason: reason)) }
        if result.files.isEmpty {
            hosts[fixed ?? loose(looseKey)].problems.append(InputProblem(path: path, reason: "journalctl \(format.rawValue) output without a usable entry"))
        }
        for made in result.files {
            let i: Int
            if let fixed {
                i = fixed
            } else if let id = made.machineID?.description {
                i = machine(id, home: looseKey)
            } else {
                i = loose(looseKey)
            }
            hosts[i].journalFiles.append(.made(name: made.name, bytes: made.bytes, from: JournalTextOrigin(path: path, format: format)))
        }
        return true
    }
    /// sosreport's command outputs that are logs: `sos_commands/logs/journalctl_--no-pager…`,
    /// `sos_commands/kernel/dmesg`.
    static let sosreportLogs: [(String, @Sendable (String) -> Bool)] = [
        ("sos_commands/logs", { $0.hasPrefix("journalctl_") && !$0.contains("disk-usage") && !$0.contains("list-boots") }),
        ("sos_commands/kernel", { $0 == "dmesg" || $0.hasPrefix("dmesg_") }),
    ]
    /// Files skipped in loose folders are named up to this many, then counted.
    static let skippedNamed = 20
    private var skippedCount = 0

    private mutating func skippedFile(_ path: String, reason: String, key: String) {
        skippedCount += 1
        if skippedCount <= Self.skippedNamed {
            var problem = InputProblem(path: path, reason: reason)
            problem.isSkippedFile = true
            hosts[loose(key)].problems.append(problem)
        } else if skippedCount == Self.skippedNamed + 1 {
            var problem = InputProblem(path: key, reason: "further files that are not logs were skipped without being named")
            problem.isSkippedFile = true
            hosts[loose(key)].problems.append(problem)
        }
    }

    private mutating func openArchive<T: FileTree>(_ tree: T, _ rel: String) {
        let path = tree.display(rel)
        // Told by content; a file only named like one is left to libarchive to say what is wrong.
        if ZipArchive.sniff(tree.head(rel, 8)) != nil || rel.hasSuffix(".zip") || rel.hasSuffix(".7z") {
            openZip(tree, rel)
            return
        }
        let archive: TarArchive
        do throws(InputProblem) {
            // A plain .tar on disk is mapped and read in place: its journals are never copied.
            // A compressed one is expanded once into memory the journals then share.
            let mapped = tree.mapped(rel)
            let store: SharedBytes
            if let mapped, CompressionAlgorithm.sniff(mapped.unsafeBytes) == nil {
                store = mapped
            } else {
                let raw: SharedBytes
                if let mapped { raw = mapped } else { raw = SharedBytes(bytes: try tree.read(rel, limit: budget.archiveExpansion)) }
                let (expanded, damage) = Expand.archive(raw.unsafeBytes, path: path, budget: budget)
                if let damage {
                    // A cut .tar.gz still holds every member before the cut: use them, say what was lost.
                    guard TarArchive.looksLikeTar(expanded.unsafeBytes) else { throw damage }
                    hosts[loose(path)].problems.append(damage)
                }
                store = expanded
            }
            guard store.count == 0 || TarArchive.looksLikeTar(store.unsafeBytes) else {
                throw InputProblem(path: path, reason: "not a tar archive (its first header is not valid)")
            }
            archive = TarArchive(store: store)
        } catch {
            hosts[loose(path)].problems.append(error)
            return
        }
        let archiveTree = ArchiveTree(archivePath: path, store: archive.store, members: archive.members)
        scan(archiveTree, "", depth: 0, allowArchives: false)
        for p in archive.problems {
            hosts[loose(path)].problems.append(InputProblem(path: path, reason: p.description))
        }
    }

    /// A zip or 7-Zip archive: its members expanded one after the other into one temporary
    /// file, then walked like a tar's.
    private mutating func openZip<T: FileTree>(_ tree: T, _ rel: String) {
        let path = tree.display(rel)
        let format = ZipArchive.sniff(tree.head(rel, 8))
        let archive: ZipArchive
        if let disk = tree as? DiskTree, let size = RegularFile.size(path: disk.full(rel)) {
            archive = ZipArchive(.file(disk.full(rel)), size: size, format: format, path: path,
                                 cap: ExpansionCap.here(compressedSize: size, budget: budget))
        } else {
            let raw: SharedBytes
            do throws(InputProblem) {
                if let mapped = tree.mapped(rel) { raw = mapped } else { raw = SharedBytes(bytes: try tree.read(rel, limit: budget.archiveExpansion)) }
            } catch {
                hosts[loose(path)].problems.append(error)
                return
            }
            archive = ZipArchive(.bytes(raw.unsafeBytes), size: raw.count, format: format, path: path,
                                 cap: ExpansionCap.here(compressedSize: raw.count, budget: budget))
        }
        hosts[loose(path)].problems += archive.problems
        scan(ArchiveTree(archivePath: path, store: archive.store, members: archive.members), "", depth: 0, allowArchives: false)
    }

    // MARK: - Walking folders

    /// Walks a folder that is not known to be anything yet, looking for host roots,
    /// machine-ID journal directories, pstore folders and loose files.
    private mutating func scan<T: FileTree>(_ tree: T, _ rel: String, depth: Int, allowArchives: Bool) {
        if isHostRoot(tree, rel) {
            collectHostRoot(tree, rel)
            return
        }
        let looseKey = tree.display(rel)
        let (names, omitted) = (tree as? DiskTree)?.listing(rel) ?? (tree.children(rel), 0)
        if omitted > 0 {
            hosts[loose(looseKey)].problems.append(InputProblem(
                path: looseKey, reason: "holds more than \(DiskTree.listingLimit) names; \(omitted) were not looked at (journal files were)"))
        }
        for name in names {
            // Journal files are never left out for the budget: they are what matters most.
            if !FileNames.isJournalName(name) { visited += 1 }
            guard visited <= Self.scanBudget || FileNames.isJournalName(name) else {
                if !budgetReported {
                    budgetReported = true
                    hosts[loose(looseKey)].problems.append(InputProblem(
                        path: looseKey, reason: "stopped looking after \(Self.scanBudget) entries (journal files were still taken); name a narrower path"))
                }
                continue
            }
            let child = tree.join(rel, name)
            switch tree.kind(child) {
            case .directory:
                if FileNames.isMachineID(name), containsJournals(tree, child) {
                    collectJournals(tree, child, into: machine(name, home: looseKey))
                } else if name == "pstore" || containsPstoreFiles(tree, child) {
                    let (sources, problems) = pstoreRecords(tree, child)
                    hosts[loose(tree.display(child))].pstore += sources
                    hosts[loose(tree.display(child))].problems += problems
                } else if depth < Self.scanDepth, enter(tree, child, problemKey: looseKey) {
                    scan(tree, child, depth: depth + 1, allowArchives: allowArchives)
                }
            case .file:
                addFile(tree, child, explicit: false, allowArchives: allowArchives, looseKey: looseKey)
            case .other:
                if FileNames.isJournalName(name) || FileNames.isLooseLogName(name) { notRegular(tree, child, into: loose(looseKey)) }
            case .none:
                break
            }
        }
        // Loose kernel logs of one folder, oldest rotation first.
        if let i = index["loose:" + looseKey] {
            hosts[i].kernelLogs.sort { FileNames.rotationOrder(lastComponent($0.path), lastComponent($1.path)) }
        }
    }

    private func isHostRoot<T: FileTree>(_ tree: T, _ rel: String) -> Bool {
        tree.isDirectory(tree.join(rel, "var/log")) || tree.isDirectory(tree.join(rel, "etc"))
    }

    private func containsJournals<T: FileTree>(_ tree: T, _ dir: String) -> Bool {
        tree.children(dir).prefix(10_000).contains { name in
            let child = tree.join(dir, name)
            return tree.isFile(child) && (FileNames.isJournalName(name) || FileNames.hasJournalMagic(tree.head(child, 8)))
        }
    }

    private func containsPstoreFiles<T: FileTree>(_ tree: T, _ dir: String) -> Bool {
        tree.children(dir).prefix(10_000).contains { FileNames.isPstoreName($0) && tree.isFile(tree.join(dir, $0)) }
    }

    /// The journal files directly inside `dir`, added to host `i`.
    private mutating func collectJournals<T: FileTree>(_ tree: T, _ dir: String, into i: Int) {
        if tree.isDirectory(dir), reportUnreadable(tree, dir, into: i) { return }
        for name in tree.children(dir) {
            let child = tree.join(dir, name)
            guard tree.isFile(child) else {
                if FileNames.isJournalName(name), tree.kind(child) == .other { notRegular(tree, child, into: i) }
                continue
            }
            if reportUnreadable(tree, child, into: i) { continue }
            guard take(tree, child) else { continue }
            let magic = FileNames.hasJournalMagic(tree.head(child, 8))
            if magic {
                hosts[i].journalFiles.append(tree.journalSource(child))
            } else if FileNames.isJournalName(name) {
                hosts[i].problems.append(InputProblem(
                    path: tree.display(child), reason: "named like a journal file but lacks the journal signature; skipped"))
            }
        }
    }

    /// True when a journal file in `dir` holds kernel lines (`_TRANSPORT=kernel`, looked up in
    /// the file's hash table): a machine's own journal, not a container's.
    private func holdsKernelLines<T: FileTree>(_ tree: T, _ dir: String) -> Bool {
        tree.children(dir).prefix(1_000).contains { name in
            let child = tree.join(dir, name)
            guard tree.isFile(child), FileNames.hasJournalMagic(tree.head(child, 8)),
                  let file = try? tree.journalSource(child).open() else { return false }
            return file.values(ofField: "_TRANSPORT").contains(Array("kernel".utf8))
        }
    }

    /// `var/log/journal/remote`: each file is the machine its entries name.
    private mutating func collectRemoteJournals<T: FileTree>(_ tree: T, _ dir: String) {
        for name in tree.children(dir) {
            let child = tree.join(dir, name)
            guard tree.isFile(child) else { continue }
            let head = tree.head(child, Self.sniffBytes)
            guard FileNames.isJournalName(name) || FileNames.hasJournalMagic(head) else { continue }
            if reportUnreadable(tree, child, into: loose(tree.display(dir))) { continue }
            guard take(tree, child) else { continue }
            if let header = FileNames.journalMachineID(head) {
                addMachineJournal(tree, child, header: header, home: tree.display(dir))
            } else {
                hosts[loose(tree.display(dir))].problems.append(InputProblem(
                    path: tree.display(child), reason: "named like a journal file but lacks the journal signature; skipped"))
            }
        }
    }

    // MARK: - Host roots

    /// Everything postmortem reads from one machine's file system, rooted at `rel`.
    mutating func collectHostRoot<T: FileTree>(_ tree: T, _ rel: String) {
        let rootDisplay = tree.display(rel)
        let at = { (sub: String) in tree.join(rel, sub) }
        let machineID = smallText(tree, at("etc/machine-id")).flatMap { FileNames.isMachineID($0) ? $0 : nil }
        let hostname = smallText(tree, at("etc/hostname")).flatMap { $0.isEmpty ? nil : $0 }
        let i = host(key: "root:" + rootDisplay, label: rootDisplay, kind: .root)

        var journalIDs: Set<String> = []
        // The machine's own journal folder, when others are beside it: etc/machine-id's (when it
        // is there: alone, one folder is the machine's, whatever an etc taken from another system
        // says), else, without etc/machine-id, the one folder whose journals hold the kernel's
        // lines (a container's journal never does).
        let idFolders = ["var/log/journal", "run/log/journal"].flatMap { d in
            tree.children(at(d)).filter { FileNames.isMachineID($0) && tree.isDirectory(tree.join(at(d), $0)) }.map { (d, $0) }
        }
        var ownFolder: String?
        if let machineID, idFolders.contains(where: { $0.1 == machineID }) {
            ownFolder = machineID
        } else if machineID == nil, Set(idFolders.map(\.1)).count > 1 {
            let withKernel = Set(idFolders.filter { holdsKernelLines(tree, tree.join(at($0.0), $0.1)) }.map(\.1))
            if withKernel.count == 1 { ownFolder = withKernel.first }
        }
        for journalDir in ["var/log/journal", "run/log/journal"] {
            let dir = at(journalDir)
            collectJournals(tree, dir, into: i)
            for name in tree.children(dir) where tree.isDirectory(tree.join(dir, name)) {
                if name == "remote" {
                    // A log server's systemd-journal-remote files: other machines' journals.
                    collectRemoteJournals(tree, tree.join(dir, name))
                    continue
                }
                if let own = ownFolder, FileNames.isMachineID(name), name != own {
                    // Another machine's journals beside this one's: a container's linked in
                    // (systemd-nspawn --link-journal), or an earlier machine ID's. Its boots are
                    // not this machine's: a host of its own.
                    collectJournals(tree, tree.join(dir, name), into: machine(name, home: tree.display(tree.join(dir, name))))
                    continue
                }
                if FileNames.isMachineID(name) { journalIDs.insert(name) }
                collectJournals(tree, tree.join(dir, name), into: i)
            }
        }
        hosts[i].machineID = machineID ?? ownFolder ?? (journalIDs.count == 1 ? journalIDs.first : nil)
        hosts[i].hostname = hostname
        if let (zone, source) = timeZone(tree, rel) {
            hosts[i].timeZone = zone
            hosts[i].timeZoneSource = source
        } else if case let link = tree.join(rel, "etc/localtime"), tree.isFile(link), !tree.isSymlink(link),
                  let bytes = try? tree.read(link, limit: Self.smallFileLimit), bytes.starts(with: Array("TZif".utf8)) {
            hosts[i].localtimeFile = bytes
            hosts[i].timeZoneSource = tree.display(link)
        }
        hosts[i].label = hostname ?? hosts[i].machineID ?? rootDisplay

        let logDir = at("var/log")
        let kernelNames = tree.children(logDir).filter { name in
            guard FileNames.kernelLogStem(name) != nil else { return false }
            if tree.kind(tree.join(logDir, name)) == .other { notRegular(tree, tree.join(logDir, name), into: i) }
            return tree.isFile(tree.join(logDir, name))
        }
        for name in kernelNames.sorted(by: FileNames.rotationOrder) where take(tree, tree.join(logDir, name)) {
            hosts[i].kernelLogs.append(tree.textSource(tree.join(logDir, name)))
        }

        // sosreport keeps journalctl's text and the kernel's ring buffer as command outputs.
        for (sub, wanted) in Self.sosreportLogs {
            let dir = at(sub)
            for name in tree.children(dir).sorted() where wanted(name) {
                let rel = tree.join(dir, name)
                guard tree.isFile(rel), take(tree, rel) else { continue }
                let start = tree.head(rel, Self.sniffBytes)
                // sos keeps `journalctl -o export` on some systems (its CoS logs with all_logs).
                if JournalTextFormat.mayStart(start), addJournalText(tree, rel, host: i, looseKey: tree.display(rel)) { continue }
                let sniff = TextLogSniff.sniff(start, complete: start.count < Self.sniffBytes)
                if sniff.isLog {
                    hosts[i].kernelLogs.append(tree.textSource(rel))
                } else {
                    hosts[i].problems.append(InputProblem(path: tree.display(rel), reason: sniff.reason + "; skipped"))
                }
            }
        }

        for pstoreDir in ["var/lib/systemd/pstore", "sys/fs/pstore"] {
            if tree.isDirectory(at(pstoreDir)), reportUnreadable(tree, at(pstoreDir), into: i) { continue }
            let (sources, problems) = pstoreRecords(tree, at(pstoreDir))
            hosts[i].pstore += sources
            hosts[i].problems += problems
        }

        let crash = at("var/crash")
        for name in tree.children(crash) {
            let child = tree.join(crash, name)
            if tree.isDirectory(child) {
                for file in tree.children(child) where FileNames.isKdumpName(file) && tree.isFile(tree.join(child, file)) {
                    hosts[i].kdump.append(tree.textSource(tree.join(child, file)))
                }
            } else if name == "vmcore-dmesg.txt", tree.isFile(child) {
                hosts[i].kdump.append(tree.textSource(child))
            }
        }

        for unitDir in Self.unitDirectories {
            collectUnits(tree, at(unitDir), into: i)
        }
        hosts[i].hostFiles += HostConfigFiles.read(tree, root: rel)
        hosts[i].unitProvenance.absorb(UnitProvenanceScan.scan(tree, unitDirs: Self.unitDirectories.map(at),
                                                               dpkgInfo: at("var/lib/dpkg/info"),
                                                               listBytes: budget.packageListBytes))
    }

    /// The host's zone name: the tail of the `etc/localtime` link after `zoneinfo/` (as
    /// systemd's timedatectl sets it), else the name in Debian's `etc/timezone`. A copied
    /// `localtime` file (not a link) carries no name; its rules are kept instead (`localtimeFile`).
    func timeZone<T: FileTree>(_ tree: T, _ rel: String) -> (String, String)? {
        let link = tree.join(rel, "etc/localtime")
        if let target = tree.symlinkTarget(link), let r = target.range(of: "zoneinfo/", options: .backwards) {
            var name = String(target[r.upperBound...])
            for prefix in ["posix/", "right/"] where name.hasPrefix(prefix) { name.removeFirst(prefix.count) }
            if Self.isZoneName(name) { return (name, tree.display(link) + " -> " + target) }
        }
        let file = tree.join(rel, "etc/timezone")
        if let name = smallText(tree, file), Self.isZoneName(name) { return (name, tree.display(file)) }
        return nil
    }

    /// `Area/City` style names only: the value is later given to the zone database.
    static func isZoneName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count < 64, !name.hasPrefix("/"), !name.contains("..") else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || "/_-+".contains($0) }
    }

    /// The first line of a small text file, trimmed.
    private func smallText<T: FileTree>(_ tree: T, _ rel: String) -> String? {
        guard tree.isFile(rel), let bytes = try? tree.read(rel, limit: Self.smallFileLimit) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first ?? ""
        return line.trimmingCharacters(in: .whitespaces)
    }

    private mutating func collectUnits<T: FileTree>(_ tree: T, _ dir: String, into i: Int) {
        for name in tree.children(dir) {
            let child = tree.join(dir, name)
            // Links are enablement (`*.wants/`) or masking (→ /dev/null), not unit text.
            guard !tree.isSymlink(child) else { continue }
            if FileNames.isUnitName(name), tree.isFile(child) {
                addUnit(tree, child, into: i)
            } else if FileNames.isDropInDirectory(name), tree.isDirectory(child) {
                for conf in tree.children(child) where conf.hasSuffix(".conf") {
                    let path = tree.join(child, conf)
                    if tree.isFile(path), !tree.isSymlink(path) { addUnit(tree, path, into: i) }
                }
            }
        }
    }

    private mutating func addUnit<T: FileTree>(_ tree: T, _ rel: String, into i: Int) {
        guard take(tree, rel) else { return }
        guard unitBytes < budget.unitFileBytes else {
            if !unitBudgetReported {
                unitBudgetReported = true
                hosts[i].problems.append(InputProblem(path: tree.display(rel), reason:
                    "not read, nor the unit files after it: past " + budget.explain(budget.unitFileBytes, "of unit files in all")))
            }
            return
        }
        do {
            let bytes = try tree.read(rel, limit: min(Self.unitFileLimit, budget.unitFileBytes - unitBytes))
            unitBytes += bytes.count
            hosts[i].unitFiles.append(UnitFileText(path: tree.display(rel), text: String(decoding: bytes, as: UTF8.self)))
        } catch {
            // A flood of unreadable unit files (3,000 sparse gigabyte files) is named a few at
            // a time, then counted, so the report stays readable.
            unitProblems += 1
            if unitProblems <= Self.unitProblemsNamed {
                hosts[i].problems.append(error)
            } else if unitProblems == Self.unitProblemsNamed + 1 {
                hosts[i].problems.append(InputProblem(path: tree.display(dir(of: rel)), reason:
                    "more unit files could not be read; only the first \(Self.unitProblemsNamed) are named"))
            }
        }
    }

    private func dir(of rel: String) -> String {
        rel.lastIndex(of: "/").map { String(rel[..<$0]) } ?? ""
    }

    // MARK: - pstore

    /// One source per record. systemd-pstore keeps a record per subdirectory, often with the
    /// parts already joined as `dmesg.txt`; the kernel's own `/sys/fs/pstore` is flat, where
    /// EFI parts of one dump share a timestamp in their IDs and ramoops dumps stand alone.
    private func pstoreRecords<T: FileTree>(_ tree: T, _ dir: String) -> ([TextSource], [InputProblem]) {
        var sources: [TextSource] = []
        var problems: [InputProblem] = []
        var efiGroups: [(key: Int, files: [String])] = []
        for name in tree.children(dir) {
            let child = tree.join(dir, name)
            if tree.isDirectory(child) {
                let names = tree.children(child)
                for name in names where tree.kind(tree.join(child, name)) == .other {
                    problems.append(InputProblem(path: tree.display(tree.join(child, name)),
                                                 reason: "not a regular file (a FIFO, socket or device); skipped"))
                }
                let files = names.filter { tree.isFile(tree.join(child, $0)) }
                if files.contains("dmesg.txt") {
                    sources.append(tree.textSource(tree.join(child, "dmesg.txt")))
                } else if !files.isEmpty {
                    switch joinParts(tree, files.map { tree.join(child, $0) }, display: tree.display(child)) {
                    case .success(let s): sources.append(s)
                    case .failure(let p): problems.append(p)
                    }
                }
            } else if tree.isFile(child) {
                if let id = efiID(name) {
                    let key = id / 100_000
                    if let g = efiGroups.firstIndex(where: { $0.key == key }) {
                        efiGroups[g].files.append(child)
                    } else {
                        efiGroups.append((key, [child]))
                    }
                } else {
                    sources.append(tree.textSource(child))
                }
            } else if tree.kind(child) == .other {
                problems.append(InputProblem(path: tree.display(child), reason: "not a regular file (a FIFO, socket or device); skipped"))
            }
        }
        for group in efiGroups {
            if group.files.count == 1, let only = group.files.first {
                sources.append(tree.textSource(only))
                continue
            }
            switch joinParts(tree, group.files, display: tree.display(dir) + "/dmesg-efi-\(group.key)*") {
            case .success(let s): sources.append(s)
            case .failure(let p): problems.append(p)
            }
        }
        return (sources, problems)
    }

    /// The parts of one dump, highest part first: Part1 is the newest end of the log.
    private func joinParts<T: FileTree>(_ tree: T, _ files: [String], display: String) -> Result<TextSource, InputProblem> {
        var parts: [(part: Int, name: String, bytes: [UInt8])] = []
        var mtime: Int64?
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = try tree.read(file, limit: budget.pstoreFile)
            } catch {
                return .failure(error)
            }
            let name = lastComponent(file)
            let part = partNumber(header: bytes) ?? efiID(name).map { ($0 / 1000) % 100 } ?? 0
            parts.append((part, name, bytes))
            if let t = tree.modificationTime(file) { mtime = max(mtime ?? t, t) }
        }
        parts.sort { ($0.part, $1.name) > ($1.part, $0.name) }
        var joined: [UInt8] = []
        for p in parts {
            joined += p.bytes
            if let last = p.bytes.last, last != 10 { joined.append(10) }
        }
        return .success(TextSource(path: display, bytes: joined, modificationTime: mtime))
    }

    /// `N` from pstore's first line, `"<reason>#<count> Part<N>"`.
    private func partNumber(header bytes: [UInt8]) -> Int? {
        let line = String(decoding: bytes.prefix(80).prefix { $0 != 10 }, as: UTF8.self)
        guard line.contains("#"), let range = line.range(of: " Part") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// The record ID of `dmesg-efi-<id>` / `dmesg-efi_pstore-<id>`.
    private func efiID(_ name: String) -> Int? {
        for prefix in ["dmesg-efi-", "dmesg-efi_pstore-"] where name.hasPrefix(prefix) {
            return Int(name.dropFirst(prefix.count))
        }
        return nil
    }

    // MARK: - Result

    /// Merges what belongs together and drops empty placeholders.
    mutating func finish() -> [HostInputs] {
        var merged = Array(repeating: false, count: hosts.count)
        // Journal-only hosts join the host root that has the same machine ID.
        for (i, kind) in kinds.enumerated() where kind == .machine {
            if let id = hosts[i].machineID,
               let root = kinds.indices.first(where: { kinds[$0] == .root && hosts[$0].machineID == id }) {
                absorb(i, into: root)
                merged[i] = true
            }
        }
        // Loose text of one machine is one host: the paths named are one host unless the host
        // names in their lines differ. A named host joins the identified host of that name.
        let identified = kinds.indices.filter { !merged[$0] && (kinds[$0] != .loose || hosts[$0].machineID != nil) }
        var byName: [String: Int] = [:]
        for i in identified { if let h = hosts[i].hostname { byName[h] = byName[h] ?? i } }
        for i in kinds.indices where !merged[i] && kinds[i] == .loose && hosts[i].machineID == nil {
            guard hosts[i].textHostnames.count == 1, let name = hosts[i].textHostnames.first else { continue }
            if let j = byName[name] {
                if j != i { absorb(i, into: j); merged[i] = true }
            } else {
                byName[name] = i
                hosts[i].label = name
                hosts[i].hostname = name
            }
        }
        let named = Set(byName.values)
        let looseNamed = named.filter { kinds[$0] == .loose && hosts[$0].machineID == nil }
        // Files whose lines name no host (or several) join the one host found, when there is one.
        let targets = Set(identified).union(looseNamed)
        if foldersApart {
            joinByFolder(targets: targets, named: named, merged: &merged)
        } else if targets.count == 1, let only = targets.first {
            for i in kinds.indices where !merged[i] && i != only && kinds[i] == .loose && !named.contains(i) {
                absorb(i, into: only)
                merged[i] = true
            }
        } else if targets.isEmpty {
            // Nothing names a host: every loose file given is one machine's.
            let rest = kinds.indices.filter { !merged[$0] && kinds[$0] == .loose && !hosts[$0].isEmpty }
            if let first = rest.first {
                for i in kinds.indices where !merged[i] && i != first && kinds[i] == .loose {
                    absorb(i, into: first)
                    merged[i] = true
                }
            }
        }
        var out: [HostInputs] = []
        for i in hosts.indices where !merged[i] && !(hosts[i].isEmpty && hosts[i].problems.isEmpty) {
            var h = hosts[i]
            if kinds[i] == .loose {
                // Loose logs gathered from several paths, oldest rotation first.
                h.kernelLogs.sort { FileNames.rotationOrder(lastComponent($0.path), lastComponent($1.path)) }
            }
            h.journalFiles = unique(h.journalFiles) { $0.name }
            if var boots = h.onlyBoots {
                // Its files that are its own alone: every boot they hold is this machine's.
                for source in h.journalFiles where !h.sharedJournalFiles.contains(source.name) {
                    guard let file = try? source.open() else { continue }
                    for b in file.values(ofField: "_BOOT_ID") { boots.insert(String(decoding: b, as: UTF8.self)) }
                }
                h.onlyBoots = boots
            }
            h.kernelLogs = unique(h.kernelLogs) { $0.path }
            h.pstore = unique(h.pstore) { $0.path }
            h.kdump = unique(h.kdump) { $0.path }
            h.unitFiles = unique(h.unitFiles) { $0.path }
            out.append(h)
        }
        return out
    }

    /// A journal file that names its machine, added to that machine's host. systemd-journal-remote's
    /// files carry the log server's machine ID in their header: the machine is the one their
    /// entries name (`home` is the folder it was found in).
    private mutating func addMachineJournal<T: FileTree>(_ tree: T, _ rel: String, header: String, home: String) {
        let source = tree.journalSource(rel)
        let file = try? source.open()
        let named = file.map(Self.entryMachineIDs) ?? []
        guard named.count > 1, let file else {
            hosts[machine(named.count == 1 ? named[0] : header, home: home)].journalFiles.append(source)
            return
        }
        // Several machines in one file (journal-remote without --split-mode=host): each is a host
        // of its own, reading the file for its own boots (boots are one machine's: the first
        // entry of each boot carrying each _MACHINE_ID, from the field's entry arrays).
        var boots: [String: Set<String>] = [:]
        for a in file.firstAppearances(ofField: "_MACHINE_ID") { boots[a.string, default: []].insert(a.bootID.description) }
        for (k, id) in named.enumerated() {
            let i = machine(id, home: home)
            hosts[i].journalFiles.append(source)
            hosts[i].sharedJournalFiles.insert(source.name)
            hosts[i].onlyBoots = (hosts[i].onlyBoots ?? []).union(boots[id] ?? [])
            if k == 0 {
                hosts[i].problems.append(InputProblem(
                    path: tree.display(rel), reason: "its entries are of \(named.count) machines (_MACHINE_ID "
                        + named.prefix(3).map { String($0.prefix(12)) + "…" }.joined(separator: ", ") + (named.count > 3 ? ", …" : "")
                        + "), as systemd-journal-remote writes without --split-mode=host: each is read as a host of its own"))
            }
        }
    }

    /// The machine IDs a journal file's entries name (`_MACHINE_ID`, from the field's own DATA
    /// objects: no entry is read), sorted.
    static func entryMachineIDs(_ file: JournalFile) -> [String] {
        file.values(ofField: "_MACHINE_ID").compactMap { String(bytes: $0, encoding: .utf8) }
            .filter(FileNames.isMachineID).sorted()
    }

    /// A fleet's loose folders whose lines name no host: each joins the one host found in its
    /// own folder or in a folder above or below it (a console log beside a machine's journal
    /// folder), else the loose folder nearest above it that names no host either, else it is a
    /// machine of its own.
    private mutating func joinByFolder(targets: Set<Int>, named: Set<Int>, merged: inout [Bool]) {
        func related(_ a: String, _ b: String) -> Bool { a == b || a.hasPrefix(b + "/") || b.hasPrefix(a + "/") }
        let nameless = kinds.indices.filter { !merged[$0] && kinds[$0] == .loose && !named.contains($0) && !targets.contains($0) }
        // Deepest first, so that a folder's logs gather upwards one level at a time.
        for i in nameless.sorted(by: { (homes[$0].first?.count ?? 0) > (homes[$1].first?.count ?? 0) }) {
            guard let folder = homes[i].first else { continue }
            let hosts = targets.filter { t in !merged[t] && homes[t].contains { related($0, folder) } }
            if hosts.count == 1, let only = hosts.first {
                absorb(i, into: only)
                merged[i] = true
                continue
            }
            guard hosts.isEmpty else { continue }
            let above = nameless.filter { j in
                j != i && !merged[j] && homes[j].contains { folder.hasPrefix($0 + "/") }
            }.max { (homes[$0].first?.count ?? 0) < (homes[$1].first?.count ?? 0) }
            if let above {
                absorb(i, into: above)
                merged[i] = true
            }
        }
    }

    private mutating func absorb(_ i: Int, into j: Int) {
        let h = hosts[i]
        hosts[j].journalFiles += h.journalFiles
        hosts[j].kernelLogs += h.kernelLogs
        hosts[j].pstore += h.pstore
        hosts[j].kdump += h.kdump
        hosts[j].unitFiles += h.unitFiles
        hosts[j].hostFiles += h.hostFiles
        hosts[j].unitProvenance.absorb(h.unitProvenance)
        hosts[j].problems += h.problems
        for n in h.textHostnames where !hosts[j].textHostnames.contains(n) { hosts[j].textHostnames.append(n) }
        if hosts[j].machineID == nil { hosts[j].machineID = h.machineID }
        if let boots = h.onlyBoots { hosts[j].onlyBoots = (hosts[j].onlyBoots ?? []).union(boots) }
        hosts[j].sharedJournalFiles.formUnion(h.sharedJournalFiles)
        if hosts[j].timeZone == nil && hosts[j].localtimeFile == nil {
            (hosts[j].timeZone, hosts[j].timeZoneSource, hosts[j].localtimeFile) = (h.timeZone, h.timeZoneSource, h.localtimeFile)
        }
    }
}

private func unique<T>(_ items: [T], by key: (T) -> String) -> [T] {
    var seen = Set<String>()
    return items.filter { seen.insert(key($0)).inserted }
}

private func lastComponent(_ path: String) -> String {
    String(path.split(separator: "/").last ?? Substring(path))
}
