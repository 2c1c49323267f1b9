import Foundation
import Journal

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
}

extension FileTree {
    func join(_ rel: String, _ name: String) -> String { rel.isEmpty ? name : rel + "/" + name }
    func isFile(_ rel: String) -> Bool { kind(rel) == .file }
    func isDirectory(_ rel: String) -> Bool { kind(rel) == .directory }
}

/// A directory on disk. Symbolic links are followed for files and directories, except that
/// callers may ask `isSymlink` (masked units are links to /dev/null); walks are depth-bounded,
/// so link loops end.
struct DiskTree: FileTree {
    let root: String
    /// At most this many names are taken from one directory.
    static let listingLimit = 100_000

    init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    func full(_ rel: String) -> String {
        if rel.isEmpty { return root }
        return root == "/" ? "/" + rel : root + "/" + rel
    }

    func display(_ rel: String) -> String { full(rel) }

    func kind(_ rel: String) -> NodeKind? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full(rel), isDirectory: &isDir) else { return nil }
        if isDir.boolValue { return .directory }
        let type = (try? FileManager.default.attributesOfItem(atPath: full(rel)))?[.type] as? FileAttributeType
        return type == .typeRegular || type == .typeSymbolicLink ? .file : .other
    }

    func isSymlink(_ rel: String) -> Bool {
        let attributes = try? FileManager.default.attributesOfItem(atPath: full(rel))
        return attributes?[.type] as? FileAttributeType == .typeSymbolicLink
    }

    func symlinkTarget(_ rel: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: full(rel))
    }

    func mapped(_ rel: String) -> SharedBytes? { try? SharedBytes(mapping: full(rel)) }

    func children(_ rel: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: full(rel))) ?? []
        return Array(names.sorted().prefix(Self.listingLimit))
    }

    func head(_ rel: String, _ count: Int) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: full(rel)) else { return [] }
        defer { try? handle.close() }
        return [UInt8]((try? handle.read(upToCount: count)) ?? Data())
    }

    func read(_ rel: String, limit: Int) throws(InputProblem) -> [UInt8] {
        let path = full(rel)
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0
        guard size <= limit else {
            throw InputProblem(path: path, reason: "file of \(size) bytes is larger than the \(limit)-byte limit")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputProblem(path: path, reason: "cannot open the file")
        }
        defer { try? handle.close() }
        do {
            // Read one byte past the limit so that a file that grew since `stat` is still caught.
            let data = try handle.read(upToCount: limit + 1) ?? Data()
            guard data.count <= limit else {
                throw InputProblem(path: path, reason: "file is larger than the \(limit)-byte limit")
            }
            return [UInt8](data)
        } catch let problem as InputProblem {
            throw problem
        } catch {
            throw InputProblem(path: path, reason: "cannot read the file: \(error.localizedDescription)")
        }
    }

    func modificationTime(_ rel: String) -> Int64? {
        let date = (try? FileManager.default.attributesOfItem(atPath: full(rel)))?[.modificationDate] as? Date
        return date.map { Int64($0.timeIntervalSince1970.rounded(.down)) }
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
    let archive: TarArchive
    private var nodes: [String: (kind: NodeKind, member: TarArchive.Member?)] = ["": (.directory, nil)]
    private var listing: [String: [String]] = [:]

    init(archivePath: String, archive: TarArchive) {
        self.archivePath = archivePath
        self.archive = archive
        var listing: [String: Set<String>] = [:]
        for member in archive.members {
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
        return archive.store.copy(r.lowerBound..<(r.lowerBound + min(count, r.count)))
    }

    func read(_ rel: String, limit: Int) throws(InputProblem) -> [UInt8] {
        guard let r = range(rel) else { throw InputProblem(path: display(rel), reason: "not a file in the archive") }
        guard r.count <= limit else {
            throw InputProblem(path: display(rel), reason: "member of \(r.count) bytes is larger than the \(limit)-byte limit")
        }
        return archive.store.copy(r)
    }

    func modificationTime(_ rel: String) -> Int64? { nodes[rel]?.member?.modificationTime }

    func isSymlink(_ rel: String) -> Bool { false }

    func symlinkTarget(_ rel: String) -> String? {
        if case .symlink(let target)? = nodes[rel]?.member?.kind { return target }
        return nil
    }

    func mapped(_ rel: String) -> SharedBytes? { nil }

    func journalSource(_ rel: String) -> JournalSource {
        .member(name: display(rel), archive: archive.store, range: range(rel) ?? 0..<0)
    }

    func textSource(_ rel: String) -> TextSource {
        TextSource(path: display(rel), bytes: range(rel).map { archive.store.copy($0) } ?? [],
                   modificationTime: modificationTime(rel))
    }
}
