#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Expands the paths a user names into journal files: a file stays as it is; a
/// directory yields its `*.journal` and `*.journal~` files and those of its subfolders
/// (machine-ID folders, namespaces), sorted by path, as journalctl -D would find them.
enum JournalDirectory {
    static func expand(_ paths: [String]) -> [String] {
        var out: [String] = []
        for p in paths {
            if isDirectory(p) {
                var found: [String] = []
                collect(p, depth: 0, into: &found)
                out.append(contentsOf: found.sorted())
            } else {
                out.append(p)
            }
        }
        return out
    }

    static func isJournalName(_ name: String) -> Bool {
        name.hasSuffix(".journal") || name.hasSuffix(".journal~")
    }

    private static func collect(_ dir: String, depth: Int, into out: inout [String]) {
        guard depth < 4, let d = opendir(dir) else { return }
        defer { closedir(d) }
        while let ent = readdir(d) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            if isDirectory(path) {
                collect(path, depth: depth + 1, into: &out)
            } else if isJournalName(name) {
                out.append(path)
            }
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
