import Compression
import Foundation
import Journal
import KernelLog

/// Everything found for one machine: its journals, kernel text and unit files, ready for
/// the readers. Discovery never reads journal entries; it only finds and groups.
public struct HostInputs: Sendable {
    /// What to call the host in a report: its hostname, else its machine ID, else the path named.
    public var label: String
    /// Where the host was found, as named when it was met: a host root's path, an archive's
    /// `archive.tar.zst:member/path`, a machine ID folder's ID. Unlike `label`, never replaced by the
    /// hostname: `batch` keys shards and report folders on it.
    public var source: String = ""
    /// The 32-hex machine ID, from `etc/machine-id`, a journal's machine-ID directory or a
    /// journal file header.
    public var machineID: String?
    /// From `etc/hostname`, when a host root was named.
    public var hostname: String?
    /// Journal files of this host (`*.journal`, `*.journal~`, or files with the journal magic).
    public var journalFiles: [JournalSource]
    /// Kernel text logs (kern.log, messages, syslog, dmesg, or any file named explicitly),
    /// oldest rotation first. Syslog files hold other lines too; only kernel lines are used later.
    public var kernelLogs: [TextSource]
    /// The newest log of each rotation family (`kern.log` of `kern.log.2.gz`, `kern.log.1`,
    /// `kern.log`; a log that is no rotation is its own family): the logs whose end is the
    /// crash's end.
    public var newestKernelLogs: Set<String> {
        var newest: [String: String] = [:]
        // `kernelLogs` runs oldest first within a family: the last one met is the newest.
        for log in kernelLogs { newest[Self.rotationFamily(log.path)] = log.path }
        return Set(newest.values)
    }

    /// A kernel log's rotation family: its folder and its name without the rotation
    /// (`/var/log` and `kern.log` for `/var/log/kern.log.2.gz`).
    public static func rotationFamily(_ path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return folder + "\u{0}" + FileNames.rotationKey(name).stem
    }
    /// One source per pstore record: a record directory's `dmesg.txt` (written by
    /// systemd-pstore), or its parts joined oldest part first, or a single flat file.
    public var pstore: [TextSource]
    /// kdump's `vmcore-dmesg.txt` (and kdump-tools' `dmesg.*`) files from `var/crash/*/`.
    public var kdump: [TextSource]
    /// Unit files and drop-ins from the unit directories of a host root.
    public var unitFiles: [UnitFileText]
    /// `etc/os-release` and the sysctl files of a host root, for the report's host facts.
    public var hostFiles: [HostConfigFile] = []
    /// The journal boots that are this machine's (32 hex digits), when one of its journal files
    /// holds other machines' entries too (systemd-journal-remote without --split-mode=host):
    /// the analysis takes only those. `nil`: every boot its files hold.
    public var onlyBoots: Set<String>?
    /// Its journal files that hold other machines' entries too (by name).
    var sharedJournalFiles: Set<String> = []
    /// The links that enable units and the packages that installed their files.
    public var unitProvenance = UnitProvenanceInputs()
    /// Paths that were named or found but could not be used, and why.
    public var problems: [InputProblem]
    /// Host names the text logs' lines carry (syslog and journalctl name the host on every line):
    /// what tells loose files of one machine from another's.
    public var textHostnames: [String] = []
    /// The machine's time zone (`Europe/Berlin`), from a host root's `etc/localtime` link or
    /// `etc/timezone`; reports show times in it unless told otherwise.
    public var timeZone: String?
    /// Where `timeZone` was read, for the report's notes.
    public var timeZoneSource: String?
    /// A copied `etc/localtime` that is a TZif file, not a link: it names no zone but holds
    /// its rules (used when there is no `timeZone`).
    public var localtimeFile: [UInt8]?

    public init(label: String, machineID: String? = nil, hostname: String? = nil, journalFiles: [JournalSource] = [],
                kernelLogs: [TextSource] = [], pstore: [TextSource] = [], kdump: [TextSource] = [],
                unitFiles: [UnitFileText] = [], problems: [InputProblem] = []) {
        self.label = label
        self.machineID = machineID
        self.hostname = hostname
        self.journalFiles = journalFiles
        self.kernelLogs = kernelLogs
        self.pstore = pstore
        self.kdump = kdump
        self.unitFiles = unitFiles
        self.problems = problems
    }

    /// True when nothing readable was found (there may still be problems).
    public var isEmpty: Bool {
        journalFiles.isEmpty && kernelLogs.isEmpty && pstore.isEmpty && kdump.isEmpty && unitFiles.isEmpty
    }

    /// Nothing to read but files that are no logs (a fleet folder's README): no machine.
    public var holdsOnlySkippedFiles: Bool {
        isEmpty && !problems.isEmpty && problems.allSatisfy(\.isSkippedFile)
    }
}

/// A journal file to open: on disk, or a member of an archive.
public enum JournalSource: Sendable, Hashable {
    /// A path on disk, for `JournalFile(path:)`.
    case file(String)
    /// A member of an archive, read in place with `JournalFile(name:shared:range:)`: the
    /// archive's bytes (mapped, or expanded once) are shared, never copied per member.
    /// `name` is `archive:member`.
    case member(name: String, archive: SharedBytes, range: Range<Int>)
    /// A journal file made from journalctl's text output (`JournalTextImport`), read like a
    /// member; `name` is the text's path, with `[n]` when the text held several files.
    case made(name: String, bytes: SharedBytes, from: JournalTextOrigin)

    /// The path or the member's name.
    public var name: String {
        switch self {
        case .file(let path): return path
        case .member(let name, _, _): return name
        case .made(let name, _, _): return name
        }
    }

    /// The file, opened where it lies (mapped, or in the bytes it shares).
    public func open() throws(JournalError) -> JournalFile {
        switch self {
        case .file(let path): try JournalFile(path: path)
        case .member(let name, let archive, let range): try JournalFile(name: name, shared: archive, range: range)
        case .made(let name, let bytes, let origin): try JournalFile(name: name, shared: bytes, range: 0..<bytes.count, madeFrom: origin)
        }
    }
}

/// A text file (kernel log, pstore record, kdump dmesg).
public struct TextSource: Sendable, Hashable {
    /// The path on disk, or `archive:member` for an archive member, or a pstore record directory.
    public var path: String
    /// The bytes, when they came from an archive or were assembled; `nil` means read `path`.
    /// They may be compressed (rotated `.gz`, `.xz`, `.zst` logs): use `load()`.
    public var bytes: [UInt8]?
    /// Seconds since the Unix epoch, from the file system or the tar header.
    public var modificationTime: Int64?
    /// The member's bytes inside an archive, copied only when the text is loaded (one text at
    /// a time, never one copy per hardlink or per discovery).
    var member: ArchiveSlice?

    public init(path: String, bytes: [UInt8]? = nil, modificationTime: Int64? = nil) {
        self.path = path
        self.bytes = bytes
        self.modificationTime = modificationTime
    }

    init(path: String, member: ArchiveSlice, modificationTime: Int64?) {
        self.init(path: path, bytes: nil, modificationTime: modificationTime)
        self.member = member
    }

    /// True when the text is on disk at `path` (not assembled, not in an archive).
    public var isOnDisk: Bool { bytes == nil && member == nil }

    /// Whether the text is stored compressed (told by its first bytes).
    public var isCompressed: Bool {
        let head: [UInt8]
        if let member {
            head = member.store.copy(member.range.lowerBound..<min(member.range.upperBound, member.range.lowerBound + 16))
        } else if let bytes {
            head = Array(bytes.prefix(16))
        } else {
            head = RegularFile.head(path: path, count: 16)
        }
        return head.withUnsafeBytes { CompressionAlgorithm.sniff($0) } != nil
    }

    /// How many bytes the text takes where it is stored (compressed, if it is), known before
    /// it is read; `nil` when it is not a regular file that can be looked at.
    public var storedSize: Int? {
        if let member { return member.range.count }
        if let bytes { return bytes.count }
        return RegularFile.size(path: path)
    }

    /// The last lines of the text that fit in `limit` bytes (the first line cut by the limit is
    /// dropped), how many bytes before them were left unread, and what went wrong expanding it.
    /// Compressed text has no end to read without expanding it all: it is expanded into an
    /// unlinked temporary file (pages released as they are written, like an archive), at most
    /// `cap` bytes, and the end of what came out is taken.
    /// The end of the text, whole lines of at most `limit` bytes; `unread` bytes and
    /// `unreadLines` lines before it are not read (`nil` when they could not be counted, or
    /// are more than `linesCountedUpTo` bytes: counting is reading them).
    public func loadTail(limit: Int, cap: ExpansionCap, countingLinesUpTo counted: Int = TextSource.linesCountedUpTo) throws(InputProblem)
        -> (bytes: ArraySlice<UInt8>, unread: Int, unreadLines: Int?, problem: InputProblem?) {
        let limit = max(limit, 0)
        // The tail and the byte before it, when there is one: a newline there means the tail starts a line.
        // The unread start is counted (its lines), and its pages let go as the count moves on.
        func lastLines(_ stored: UnsafeRawBufferPointer, _ release: (Int) -> Void) -> (bytes: ArraySlice<UInt8>, unread: Int, unreadLines: Int?) {
            let withBefore = Array(stored.suffix(stored.count > limit ? limit + 1 : limit))
            let (lines, unread) = Self.wholeLines(withBefore, limit: limit, size: stored.count)
            let head = UnsafeRawBufferPointer(rebasing: stored[..<min(max(unread, 0), stored.count)])
            return (lines, unread, unread <= counted ? ByteSearch.newlines(in: head, read: release) : nil)
        }
        if let member {
            let bytes = member.store.unsafeBytes
            guard member.range.lowerBound >= 0, member.range.upperBound <= bytes.count else {
                throw InputProblem(path: path, reason: "member lies outside its archive")
            }
            let stored = UnsafeRawBufferPointer(rebasing: bytes[member.range])
            let start = member.range.lowerBound
            return try Self.expandedTail(stored, path: path, limit: limit, cap: cap,
                                         releasingStored: { member.store.releasePages(before: start + $0) }, lastLines)
        }
        if let bytes {
            let result = bytes.withUnsafeBytes { stored in
                Result { () throws(InputProblem) in
                    try Self.expandedTail(stored, path: path, limit: limit, cap: cap, releasingStored: { _ in }, lastLines)
                }
            }
            return try result.get()
        }
        guard isCompressed else {
            // Plain text on disk: only its end is read; its start is only counted.
            do {
                let size = RegularFile.size(path: path) ?? 0
                let (lines, unread) = Self.wholeLines(try RegularFile.tail(path: path, count: size > limit ? limit + 1 : limit),
                                                      limit: limit, size: size)
                return (lines, unread, unread <= counted ? RegularFile.newlines(path: path, inFirst: unread) : nil, nil)
            } catch {
                throw InputProblem(error)
            }
        }
        let mapped: SharedBytes
        do { mapped = try SharedBytes(mapping: path) } catch {
            throw InputProblem(path: path, reason: "cannot map it: \(error)")
        }
        return try Self.expandedTail(mapped.unsafeBytes, path: path, limit: limit, cap: cap,
                                     releasingStored: { mapped.releasePages(before: $0) }, lastLines)
    }

    /// The most of a text's unread start whose lines are counted (`loadTail`): a few seconds
    /// of reading a cold disk; past it, lines are numbered from the first one read.
    public static let linesCountedUpTo = 2 << 30

    /// `lastLines` of `stored`, expanded first when it is compressed. `lastLines(bytes, release)`
    /// is given the bytes read and how to let their pages go (the stored ones' by
    /// `releasingStored`, an expansion's by its own storage).
    private static func expandedTail(_ stored: UnsafeRawBufferPointer, path: String, limit: Int, cap: ExpansionCap,
                                     releasingStored: @escaping (Int) -> Void,
                                     _ lastLines: (UnsafeRawBufferPointer, (Int) -> Void) -> (bytes: ArraySlice<UInt8>, unread: Int, unreadLines: Int?))
        throws(InputProblem) -> (bytes: ArraySlice<UInt8>, unread: Int, unreadLines: Int?, problem: InputProblem?) {
        guard let algorithm = CompressionAlgorithm.sniff(stored) else {
            let (lines, unread, unreadLines) = lastLines(stored, releasingStored)
            return (lines, unread, unreadLines, nil)
        }
        let (expanded, error) = algorithm.expandKeepingPartial(stored, limit: cap.bytes, spilling: true)
        let problem = error.map { e in
            expanded.filled >= cap.bytes
                ? InputProblem(path: path, reason: "expands past \(cap); the end of its first \(MemoryBudget.format(cap.bytes)) is read")
                : InputProblem(path: path, reason: "cannot expand all of the \(algorithm.rawValue) data (\(e.detail)); "
                               + "the end of the \(expanded.filled) bytes before the damage is read")
        }
        let (lines, unread, unreadLines) = lastLines(expanded.bytes) { expanded.releasePages(before: $0) }
        return (lines, unread, unreadLines, problem)
    }

    /// Whole lines of a tail read with the byte before it (when the text is longer than
    /// `limit`): the line the limit cuts is dropped. `size` is the whole text's.
    static func wholeLines(_ withBefore: [UInt8], limit: Int, size: Int) -> (bytes: ArraySlice<UInt8>, unread: Int) {
        guard withBefore.count > limit else { return (withBefore[...], max(0, size - withBefore.count)) }
        let tail = withBefore.dropFirst()
        if withBefore.first == UInt8(ascii: "\n") { return (tail, size - tail.count) }
        guard let newline = tail.firstIndex(of: UInt8(ascii: "\n")) else { return (tail[tail.endIndex...], size) }
        let kept = tail[(newline + 1)...]
        return (kept, size - kept.count)
    }

    /// The text's bytes: read from disk when needed, and expanded when they are gzip, xz or
    /// zstd compressed (told by magic bytes, not by name). `limit` bounds both the file read
    /// and the expanded size; only regular files are read (a FIFO or device is refused).
    public func load(limit: Int = KernelLogReader.maxFileBytes) throws(InputProblem) -> [UInt8] {
        let raw: [UInt8]
        if let member {
            guard member.range.count <= limit else {
                throw InputProblem(path: path, reason: "\(member.range.count) bytes is over the limit of \(limit); skipped")
            }
            raw = member.store.copy(member.range)
        } else if let bytes {
            guard bytes.count <= limit else {
                throw InputProblem(path: path, reason: "\(bytes.count) bytes is over the limit of \(limit); skipped")
            }
            raw = bytes
        } else {
            do {
                raw = try RegularFile.read(path: path, limit: limit).0
            } catch {
                throw InputProblem(error)
            }
        }
        return try Expand.ifCompressed(raw, path: path, limit: limit)
    }
}

/// A range of an archive's bytes.
struct ArchiveSlice: Sendable, Hashable {
    let store: SharedBytes
    let range: Range<Int>
}

/// The text of a unit file or drop-in (`foo.service`, `foo.service.d/override.conf`).
public struct UnitFileText: Sendable, Hashable {
    /// Where it was found; the last component is the unit name or the drop-in's name.
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// The unit this file configures: `foo.service` for both `foo.service` and
    /// `foo.service.d/override.conf`.
    public var unitName: String {
        let parts = path.split(separator: "/")
        guard let last = parts.last else { return path }
        if last.hasSuffix(".conf"), parts.count >= 2, parts[parts.count - 2].hasSuffix(".d") {
            return String(parts[parts.count - 2].dropLast(2))
        }
        return String(last)
    }
}

/// Something named or found that could not be used.
public struct InputProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String
    /// A file that is no log (a README beside the logs), named and skipped: nothing was lost.
    public var isSkippedFile = false

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }

    /// A file the kernel-log layer could not read, said the same way.
    init(_ error: KernelLogError) {
        self.init(path: error.path, reason: error.reason)
    }
}

/// Expanding gzip/xz/zstd data told by its magic bytes.
enum Expand {
    /// Like `ifCompressed`, but a cut or damaged stream (a copy that stopped short) still
    /// gives the bytes before the damage, with the problem to report.
    static func keepingPartial(_ raw: [UInt8], path: String, limit: Int) -> (bytes: [UInt8], problem: InputProblem?) {
        guard raw.withUnsafeBytes({ CompressionAlgorithm.sniff($0) }) != nil else { return (raw, nil) }
        return raw.withUnsafeBytes { keepingPartial($0, path: path, limit: limit) }
    }

    /// A whole archive expanded once, into a temporary file its members then share in place
    /// (memory stays bounded whatever the archive expands to); like
    /// `keepingPartial`, a cut stream gives what came before the cut.
    /// The expansion stops at its `ExpansionCap`, and the problem then names that cap.
    static func archive(_ raw: UnsafeRawBufferPointer, path: String, budget: MemoryBudget) -> (SharedBytes, InputProblem?) {
        guard let algorithm = CompressionAlgorithm.sniff(raw) else { return (SharedBytes(bytes: Array(raw)), nil) }
        let cap = ExpansionCap.here(compressedSize: raw.count, budget: budget)
        let limit = cap.bytes
        let (bytes, error) = algorithm.expandKeepingPartial(raw, limit: limit, spilling: true)
        let problem = error.map {
            bytes.filled >= limit
                ? InputProblem(path: path, reason: "expands past \(cap)"
                               + "; the members in its first \(MemoryBudget.format(limit)) are used")
                : InputProblem(path: path, reason: "cannot expand all of the \(algorithm.rawValue) data (\($0.detail)); "
                               + "\(bytes.filled) bytes before the damage are used")
        }
        return (SharedBytes(adopting: bytes), problem)
    }

    /// `keepingPartial` over bytes where they lie (a mapped archive).
    static func keepingPartial(_ raw: UnsafeRawBufferPointer, path: String, limit: Int) -> (bytes: [UInt8], problem: InputProblem?) {
        guard let algorithm = CompressionAlgorithm.sniff(raw) else { return (Array(raw), nil) }
        let out = algorithm.decompressKeepingPartial(raw, limit: limit)
        guard let error = out.problem else { return (out.bytes, nil) }
        return (out.bytes, InputProblem(path: path, reason: "cannot expand all of the \(algorithm.rawValue) data (\(error.detail)); "
                                                 + "\(out.bytes.count) bytes before the damage are used"))
    }

    static func ifCompressed(_ raw: [UInt8], path: String, limit: Int) throws(InputProblem) -> [UInt8] {
        let algorithm = raw.withUnsafeBytes { CompressionAlgorithm.sniff($0) }
        guard let algorithm else { return raw }
        let result: Result<[UInt8], CompressionError> = raw.withUnsafeBytes { buffer in
            Result { () throws(CompressionError) in try algorithm.decompress(buffer, limit: limit) }
        }
        switch result {
        case .success(let bytes): return bytes
        case .failure(let error):
            throw InputProblem(path: path, reason: "cannot expand \(algorithm.rawValue) data: \(error.detail)")
        }
    }
}
