import KernelLog

/// Kernel lines without a journal or any wall-clock time (serial consoles, `dmesg` without
/// `-T`, crash reports) cannot be placed in time, but their boots can still be told apart:
/// a `Linux version` line, or a file whose kernel clock starts lower than the one before it
/// ended, begins another boot. Each is analysed on its own; mixing two crashes' lines into
/// one boot would make one story of two.
struct KernelOnlyBoots {
    /// The records of each boot, in the files' order (oldest rotation first).
    var boots: [[KernelRecord]] = []
    /// The files each boot was read from, in the same order.
    var paths: [[String]] = []

    /// Groups `records` by the text boot each was read in, files in `files` order; a boot
    /// that does not begin another (`beginsAnother`) continues the one before.
    /// pstore, kdump and console-ramoops records hold the last boot's end: they join the last boot.
    init(_ records: [KernelRecord], files: [KernelLogFile]) {
        struct Key: Hashable { var path: String, boot: Int }
        var byKey: [Key: [KernelRecord]] = [:]
        var crashRecords: [KernelRecord] = []
        for r in records {
            guard let src = r.sources.first, !src.format.keepsABootsEnd, let tb = r.textBoot else {
                crashRecords.append(r)
                continue
            }
            byKey[Key(path: src.path, boot: tb), default: []].append(r)
        }
        var lastMonotonic: UInt64?
        for file in files where !file.format.keepsABootsEnd {
            for b in file.boots {
                guard let rs = byKey.removeValue(forKey: Key(path: file.path, boot: b.index)), !rs.isEmpty else { continue }
                if !boots.isEmpty, !Self.beginsAnother(b, after: lastMonotonic) {
                    boots[boots.count - 1] += rs
                    if !paths[paths.count - 1].contains(file.path) { paths[paths.count - 1].append(file.path) }
                } else {
                    boots.append(rs)
                    paths.append([file.path])
                }
                if let last = b.lastMonotonicUSec { lastMonotonic = last }
            }
        }
        // Records of boots no file listed (none expected) stay with the last boot, as before.
        for rs in byKey.values { crashRecords += rs }
        if boots.isEmpty, !crashRecords.isEmpty {
            boots = [crashRecords]
            paths = [Array(Set(crashRecords.compactMap { $0.sources.first?.path })).sorted()]
        } else if !crashRecords.isEmpty {
            boots[boots.count - 1] += crashRecords
        }
    }

    /// Whether text boot `b` begins another boot after one whose kernel clock reached
    /// `lastMonotonic`: a file's later boot, a `Linux version` line, or stamps that begin below
    /// where the boot before ended. Lines without stamps cannot say so: they go on.
    static func beginsAnother(_ b: TextBoot, after lastMonotonic: UInt64?) -> Bool {
        b.index > 0 || b.banner != nil || (b.firstMonotonicUSec.map { first in lastMonotonic.map { first < $0 } ?? false } ?? false)
    }

    /// Kernel reports that end or doom a boot: the one `--boot auto` takes is the newest that has one.
    static let fatal: Set<KernelEventKind> = [.panic, .oops, .bug, .softLockup, .hardLockup, .rcuStall, .hungTask, .oomKill, .mce]

    /// The boot `selection` names and which it is (no records, and `which` without `analysed`,
    /// when there is no such boot; no `which` when there is one boot); `.all` is every line.
    func select(_ selection: BootSelection, notes: inout [ReportNote]) -> (records: [KernelRecord], which: UntimedBoots?)? {
        guard boots.count > 1 else { return boots.first.map { ($0, nil) } }
        let chosen: Int?
        switch selection {
        case .all:
            return (boots.flatMap { $0 }, nil)
        case .auto:
            chosen = boots.lastIndex { $0.contains { r in KernelMessage.classify(r.text).map(Self.fatal.contains) ?? false } }
                ?? boots.count - 1
        case .offset(let n):
            chosen = n <= 0 && boots.count - 1 + n >= 0 ? boots.count - 1 + n : nil
        case .index(let n):
            chosen = n >= 1 && n <= boots.count ? n - 1 : nil
        case .id:
            chosen = nil
        }
        guard let chosen else {
            notes.append(.noSuchBoot(.untimed(boots: boots.count)))
            return ([], UntimedBoots(count: boots.count, analysed: nil, paths: []))
        }
        return (boots[chosen], UntimedBoots(count: boots.count, analysed: chosen + 1, paths: paths[chosen]))
    }
}
