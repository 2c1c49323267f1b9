import CArchive
import Compression
import Journal

/// A zip or 7-Zip archive (what a ticket or an issue tracker takes as an attachment), read with
/// libarchive. The only file that touches libarchive.
///
/// Each member is compressed on its own, so the members are expanded one after the other into
/// one unlinked temporary file (`ExpandedBytes`), which is then mapped and read in place like a
/// compressed tar's expansion: the journals are never copied again. The expansion stops at its
/// `ExpansionCap`. A zip cut short (a download that stopped) loses its central directory; its
/// members are then read from their local headers, and those before the cut are kept.
struct ZipArchive {
    enum Format: String {
        case zip
        case sevenZip = "7-Zip"
    }

    /// The expanded members' bytes, shared with the journal files read from them.
    let store: SharedBytes
    /// Members as a tar's are described: `range` is the member's data inside `store`.
    let members: [TarArchive.Member]
    let problems: [InputProblem]

    /// What the first bytes of a file say it is, if one of these.
    static func sniff(_ head: UnsafeRawBufferPointer) -> Format? {
        func starts(_ magic: [UInt8]) -> Bool { head.count >= magic.count && Swift.zip(head, magic).allSatisfy { $0 == $1 } }
        // A local file header, or the end record of an empty zip.
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return .sevenZip }
        return nil
    }

    static func sniff(_ head: [UInt8]) -> Format? { head.withUnsafeBytes { sniff($0) } }

    /// Members kept at most: a zip entry costs some 80 bytes of archive, so a hostile one could
    /// name millions (each a path and a node in memory); a host's logs are thousands.
    static let memberLimit = 250_000
    /// libarchive's read buffer for an archive on disk.
    static let chunk = 1 << 20
    /// How often the written pages are let go from memory (they stay in the file).
    static let releaseStep = 64 << 20

    /// Where the archive's bytes are.
    enum Source {
        /// A file on disk, read through libarchive's own buffer: a mapping of a large archive
        /// would stay resident as it is read.
        case file(String)
        case bytes(UnsafeRawBufferPointer)
    }

    /// Expands the archive in `source` (`size` bytes, `format` as its first bytes say, named
    /// `path` in messages), at most `cap` bytes of members.
    init(_ source: Source, size: Int, format: Format?, path: String, cap: ExpansionCap) {
        let out = ExpandedBytes.writable(capacity: Swift.min(cap.bytes, Swift.max(size &* 2, 1 << 20)))
        (members, problems) = Self.expand(source, format: format, path: path, cap: cap, into: out)
        out.releaseWritten()
        // The expansion is complete: the mapping stays, the descriptor goes.
        out.seal()
        store = SharedBytes(adopting: out)
    }

    private static func expand(_ source: Source, format: Format?, path: String, cap: ExpansionCap,
                               into out: ExpandedBytes) -> ([TarArchive.Member], [InputProblem]) {
        var members: [TarArchive.Member] = []
        var problems: [InputProblem] = []
        guard let reader = archive_read_new() else {
            return ([], [InputProblem(path: path, reason: "cannot make an archive reader")])
        }
        defer { archive_read_free(reader) }
        archive_read_support_format_zip(reader)
        archive_read_support_format_7zip(reader)
        func why(_ fallback: String) -> String { archive_error_string(reader).map { String(cString: $0) } ?? fallback }
        let opened: Int32
        switch source {
        case .file(let file): opened = archive_read_open_filename(reader, file, Self.chunk)
        case .bytes(let raw): opened = archive_read_open_memory(reader, raw.baseAddress, raw.count)
        }
        guard opened == ARCHIVE_OK else {
            return ([], [InputProblem(path: path, reason: "not a readable zip or 7-Zip archive: " + why("unknown format"))])
        }
        var filled = 0
        defer { out.markFilled(filled) }
        var sinceRelease = 0
        var index = 0
        reading: while true {
            var entry: OpaquePointer?
            let status = archive_read_next_header(reader, &entry)
            if status == ARCHIVE_EOF { break }
            guard index < Self.memberLimit else {
                problems.append(InputProblem(path: path, reason: "holds more than \(Self.memberLimit) members; the first ones are used"))
                break
            }
            guard status >= ARCHIVE_WARN, let entry else {
                // 7-Zip keeps its index at the end, and a zip cut inside its first member has nothing before it.
                let reason = index == 0
                    ? "no member can be read: \(why("unreadable header"))"
                        + (format == .sevenZip ? " (a 7-Zip archive's index is at its end: a cut one cannot be read)" : "")
                    : "member \(index + 1): \(why("unreadable header")); the members before it are used"
                problems.append(InputProblem(path: path, reason: reason))
                if status == ARCHIVE_FATAL { break }
                index += 1
                continue
            }
            index += 1
            let name = (archive_entry_pathname_utf8(entry) ?? archive_entry_pathname(entry)).map { String(cString: $0) } ?? ""
            guard let memberPath = TarArchive.normalise(name), !memberPath.isEmpty, TarArchive.isReasonable(memberPath) else {
                if !name.isEmpty { problems.append(InputProblem(path: path, reason: "member \(name): unusable path; skipped")) }
                continue
            }
            let type = archive_entry_filetype(entry)
            let mtime: Int64? = archive_entry_mtime_is_set(entry) != 0 ? Int64(archive_entry_mtime(entry)) : nil
            if type == CArchive_IFDIR {
                members.append(TarArchive.Member(path: memberPath, kind: .directory, range: filled..<filled,
                                                 modificationTime: mtime, headerOffset: index))
                continue
            }
            if type == CArchive_IFLNK {
                let target = archive_entry_symlink_utf8(entry).map { String(cString: $0) } ?? ""
                members.append(TarArchive.Member(path: memberPath, kind: .symlink(target: target), range: filled..<filled,
                                                 modificationTime: mtime, headerOffset: index))
                continue
            }
            guard type == CArchive_IFREG else { continue }
            if archive_entry_is_data_encrypted(entry) != 0 {
                problems.append(InputProblem(path: path, reason: "member \(memberPath) is encrypted; skipped"))
                continue
            }
            let start = filled
            var cut: String?
            var fatal = false
            // Block by block as libarchive decodes them: a member cut short keeps the blocks before the cut.
            while true {
                var block: UnsafeRawPointer?
                var size = 0
                var offset: Int64 = 0
                let r = archive_read_data_block(reader, &block, &size, &offset)
                if r == ARCHIVE_EOF { break }
                guard r >= ARCHIVE_WARN else {
                    cut = why("unreadable data")
                    fatal = r == ARCHIVE_FATAL
                    break
                }
                // A block's place in the member (a sparse member has holes); from a hostile
                // archive it can be anything, so it is checked against the cap before use.
                let (at, atOverflow) = start.addingReportingOverflow(Int(clamping: offset))
                let (end, endOverflow) = at.addingReportingOverflow(size)
                guard offset >= 0, size >= 0, !atOverflow, !endOverflow, end <= cap.bytes else {
                    problems.append(InputProblem(path: path, reason: "expands past \(cap); the members in its first "
                                                 + "\(MemoryBudget.format(cap.bytes)) are used"))
                    break reading
                }
                out.markFilled(filled)
                guard out.reserve(end) else {
                    problems.append(InputProblem(path: path, reason: "cannot expand it: \(out.failure ?? "no room"); "
                                                 + "the members before \(memberPath) are used"))
                    break reading
                }
                out.withMutableBytes { storage in
                    guard let base = storage.baseAddress else { return }
                    // A hole: zeros, as extraction would write (memory storage is not zero-filled).
                    if at > filled { base.advanced(by: filled).initializeMemory(as: UInt8.self, repeating: 0, count: at - filled) }
                    if let block, size > 0 { base.advanced(by: at).copyMemory(from: block, byteCount: size) }
                }
                sinceRelease &+= Swift.max(0, end - filled)
                filled = Swift.max(filled, end)
                if sinceRelease >= Self.releaseStep {
                    out.markFilled(filled)
                    out.releaseWritten()
                    sinceRelease = 0
                }
            }
            let declared = archive_entry_size_is_set(entry) != 0 ? Int(archive_entry_size(entry)) : nil
            var member = TarArchive.Member(path: memberPath, kind: .file, range: start..<filled, modificationTime: mtime,
                                           headerOffset: index)
            if let cut {
                // What came out before the damage is kept, as a cut tar member's is: a journal's
                // entries before it are read like those of a torn file.
                member.declaredSize = declared
                problems.append(InputProblem(path: path, reason: "member \(memberPath) is cut after \(filled - start) bytes "
                                             + "(\(cut)); what is there is read"))
            }
            if filled > start || cut == nil { members.append(member) }
            // Past a cut stream nothing more can be read.
            if fatal { break }
        }
        return (members, problems)
    }
}
