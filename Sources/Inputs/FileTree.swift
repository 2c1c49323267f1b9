import Foundation
import Journal
import KernelLog
#if canImport(Glibc)
import Glibc
#endif

/// What a path inside a tree is.
enum NodeKind: Equatable {
    case file
    case directory
    /// A symbolic link, or anything that is neither file nor directory: never used.
    case other
}

/// A tree of files addressed by relative paths (`""` is the root, `var/log/kern.log` a
/// file), so that one discovery walk serves both a directory on disk and an archive held
/// in memory.
protocol FileTree {
    /// How a relative path is shown in sources and problems.
    func display(_ rel: String) -> String
    func kind(_ rel: String) -> NodeKind?
    /// The names directly inside `rel`, sorted; `[]` when it is not a directory.
    func children(_ rel: String) -> [String]
    /// Up to `count` bytes from the start of a file.
    func head(_ rel: String, _ count: Int) -> [UInt8]
    /// The whole file, refusing more than `limit` bytes.
    func read(_ rel: String, limit: Int) throws(InputProblem) -> [UInt8]
    func modificationTime(_ rel: String) -> Int64?
    /// True for a symbolic link on disk (archive links are `.other` already).
    func isSymlink(_ rel: String) -> Bool
    /// Where a symbolic link points, as written in the link; `nil` for anything else.
    func symlinkTarget(_ rel: String) -> String?
    /// The file mapped read-only, when it is on disk (an archive is then read in place).
    func mapped(_ rel: String) -> SharedBytes?
    func journalSource(_ rel: String) -> JournalSource
    func textSource(_ rel: String) -> TextSource
    /// Which file or folder `rel` is, so that links, hardlinks and symlinked folders lead to
    /// one read (and a link loop to one walk); `nil` when it cannot be told.
    func identity(_ rel: String) -> FileIdentity?
    /// Why `rel` exists but cannot be read (permission denied), or `nil`.
    func unreadable(_ rel: String) -> String?
    /// True for a folder on a kernel pseudo file system (`/proc`, `/sys`, `/dev`):
    /// its files are not logs, some block when read, and it links back into the tree.
    func isPseudoFileSystem(_ rel: String) -> Bool
}

/// What a file is, whatever path reached it.
enum FileIdentity: Hashable {
    case disk(device: UInt64, inode: UInt64)
    /// An archive member's data (hardlinks share their target's).
    case member(archive: String, offset: Int, count: Int)
}

extension FileTree {
    func join(_ rel: String, _ name: String) -> String { rel.isEmpty ? name : rel + "/" + name }
    func isFile(_ rel: String) -> Bool { kind(rel) == .file }
    func isDirectory(_ rel: String) -> Bool { kind(rel) == .directory }
}

/// A directory on disk. Symbolic links are followed for files and directories, except that
/// callers may ask `isSymlink` (masked units are links to /dev/null). Only regular files
/// are ever read (`RegularFile`): FIFOs, sockets and devices are `.other`.
struct DiskTree: FileTree {
    let root: String
    /// At most this many names are taken from one directory (journal names first).
    static let listingLimit = 100_000

    init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    func full(_ rel: String) -> String {
        if rel.isEmpty { return root }
        return root == "/" ? "/" + rel : root + "/" + rel
    }

    func display(_ rel: String) -> String { full(rel) }

    /// `stat` through links.
    private func status(_ rel: String) -> stat? {
        var st = stat()
        return stat(full(rel), &st) == 0 ? st : nil
    }

    func kind(_ rel: String) -> NodeKind? {
        guard let st = status(rel) else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    func identity(_ rel: String) -> FileIdentity? {
        status(rel).map { .disk(device: UInt64($0.st_dev), inode: UInt64($0.st_ino)) }
    }

    func unreadable(_ rel: String) -> String? {
        guard let st = status(rel) else { return nil }
        let mode = (st.st_mode & S_IFMT) == S_IFDIR ? R_OK | X_OK : R_OK
        return access(full(rel), mode) == 0 ? nil : String(cString: strerror(errno))
    }

    func isPseudoFileSystem(_ rel: String) -> Bool {
        // Where the folder really is, links resolved: the kernel's pseudo file systems are
        // mounted at these places on every Linux system (pstore is real data, kept).
        guard let resolved = realpath(full(rel), nil) else { return false }
        defer { free(resolved) }
        let path = String(cString: resolved)
        if path.hasPrefix("/sys/fs/pstore") { return false }
        return ["/proc", "/sys", "/dev"].contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    func isSymlink(_ rel: String) -> Bool {
        var st = stat()
        return lstat(full(rel), &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    func symlinkTarget(_ rel: String) -> String? {
        guard isSymlink(rel) else { return nil }
        return try? FileManager.default.destinationOfSymbolicLink(atPath: full(rel))
    }

    func mapped(_ rel: String) -> SharedBytes? {
        guard kind(rel) == .file else { return nil }
        return try? SharedBytes(mapping: full(rel))
    }

    func children(_ rel: String) -> [String] { listing(rel).names }

    /// The names of `rel`, sorted, and how many were left out past `listingLimit` (one
    /// listing of the directory gives both).
    func listing(_ rel: String) -> (names: [String], omitted: Int) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: full(rel))) ?? []
        guard names.count > Self.listingLimit else { return (names.sorted(), 0) }
        // Journals are what matters most: never cut them off behind a flood of other names.
        let journals = names.filter(FileNames.isJournalName)
        let others = names.filter { !FileNames.isJournalName($0) }.sorted().prefix(Self.listingLimit)
        return ((journals + others).sorted(), names.count - journals.count - others.count)
    }

    func head(_ rel: String, _ count: Int) -> [UInt8] {
        RegularFile.head(path: full(rel), count: count)
    }

    func read(_ rel: String, limit: Int) throws(InputProblem) -> [UInt8] {
        do {
            return try RegularFile.read(path: full(rel), limit: limit).0
        } catch {
            throw InputProblem(error)
        }
    }

    func modificationTime(_ rel: String) -> Int64? {
        status(rel).map { Int64($0.st_mtim.tv_sec) }
    }

    func journalSource(_ rel: String) -> JournalSource { .file(full(rel)) }

    func textSource(_ rel: String) -> TextSource {
        TextSource(path: full(rel), bytes: nil, modificationTime: modificationTime(rel))
    }
}

/// The members of a tar archive, as a tree. Directories that have no member
/// of their own are implied by the paths below them.
struct ArchiveTree: FileTree {
    let archivePath: String
    /// The bytes the members' ranges point into (a mapped .tar, or an expansion).
    let store: SharedBytes
    private var nodes: [String: (kind: NodeKind, member: TarArchive.Member?)] = ["": (.directory, nil)]
    private var listing: [String: [String]] = [:]

    init(archivePath: String, store: SharedBytes, members: [TarArchive.Member]) {
        self.archivePath = archivePath
        self.store = store
        var listing: [String: Set<String>] = [:]
        for member in members {
            let kind: NodeKind
            switch member.kind {
            case .file, .hardlink: kind = .file
            case .directory: kind = .directory
            case .symlink, .other: kind = .other
            }
            // A later member of the same path replaces an earlier one, as tar extraction would.
            nodes[member.path] = (kind, member)
            var path = member.path
            while let slash = path.lastIndex(of: "/") {
                let parent = String(path[..<slash])
                listing[parent, default: []].insert(String(path[path.index(after: slash)...]))
                if nodes[parent] == nil { nodes[parent] = (.directory, nil) }
                path = parent
            }
            listing["", default: []].insert(path)
        }
        self.listing = listing.mapValues { $0.sorted() }
    }

    func display(_ rel: String) -> String { rel.isEmpty ? archivePath : archivePath + ":" + rel }

    func kind(_ rel: String) -> NodeKind? { nodes[rel]?.kind }

    func children(_ rel: String) -> [String] { kind(rel) == .directory ? listing[rel] ?? [] : [] }

    private func range(_ rel: String) -> Range<Int>? {
        guard let node = nodes[rel], node.kind == .file, let member = node.member else { return nil }
        return member.range
    }

    func head(_ rel: String, _ count: Int) -> [UInt8] {
        guard let r = range(rel) else { return [] }
        return store.copy(r.lowerBound..<(r.lowerBound + min(count, r.count)))
    }

    func read(_ rel: String, limit: Int) throws(InputProblem) -> [UInt8] {
        guard let r = range(rel) else { throw InputProblem(path: display(rel), reason: "not a file in the archive") }
        guard r.count <= limit else {
            throw InputProblem(path: display(rel), reason: "member of \(r.count) bytes is larger than the \(limit)-byte limit")
        }
        return store.copy(r)
    }

    func modificationTime(_ rel: String) -> Int64? { nodes[rel]?.member?.modificationTime }

    func isSymlink(_ rel: String) -> Bool { false }

    func symlinkTarget(_ rel: String) -> String? {
        if case .symlink(let target)? = nodes[rel]?.member?.kind { return target }
        return nil
    }

    func mapped(_ rel: String) -> SharedBytes? { nil }

    func identity(_ rel: String) -> FileIdentity? {
        guard let r = range(rel) else { return nil }
        return .member(archive: archivePath, offset: r.lowerBound, count: r.count)
    }

    func unreadable(_ rel: String) -> String? { nil }

    func isPseudoFileSystem(_ rel: String) -> Bool { false }

    func journalSource(_ rel: String) -> JournalSource {
        .member(name: display(rel), archive: store, range: range(rel) ?? 0..<0)
    }

    func textSource(_ rel: String) -> TextSource {
        TextSource(path: display(rel), member: ArchiveSlice(store: store, range: range(rel) ?? 0..<0),
                   modificationTime: modificationTime(rel))
    }
}
