/// Where a machine's units come from, read from its tree: the `*.wants/` and `*.requires/`
/// links that enable them, and the dpkg file lists (`var/lib/dpkg/info/*.list`) that say which
/// package installed a unit file.
public struct UnitProvenanceInputs: Sendable, Hashable {
    /// `(folder, unit)`: `etc/systemd/system/multi-user.target.wants` links `polyscan.service`.
    public var links: [UnitLink] = []
    /// A unit file's path on the machine (`/lib/systemd/system/ssh.service`) → its package.
    public var packages: [String: String] = [:]

    public init() {}

    mutating func absorb(_ other: UnitProvenanceInputs) {
        links += other.links
        packages.merge(other.packages) { a, _ in a }
    }
}

/// One enablement link: the target whose `.wants`/`.requires` folder holds the unit.
public struct UnitLink: Sendable, Hashable {
    /// `multi-user.target`.
    public var target: String
    public var unit: String
    /// The folder it was found in, relative to the host root (`etc/systemd/system/multi-user.target.wants`).
    public var folder: String

    public init(target: String, unit: String, folder: String) {
        self.target = target
        self.unit = unit
        self.folder = folder
    }
}

enum UnitProvenanceScan {
    /// dpkg lists read at most per list (in all: `listBytes`, from the memory budget): a
    /// machine has thousands of small ones.
    static let listLimit = 8 << 20
    static let linksKept = 10_000

    /// `unitDirs` and `dpkgInfo` are folders of `tree` (relative paths).
    static func scan<T: FileTree>(_ tree: T, unitDirs: [String], dpkgInfo: String,
                                      listBytes: Int = MemoryBudget.standard.packageListBytes) -> UnitProvenanceInputs {
        var out = UnitProvenanceInputs()
        for dir in unitDirs {
            for name in tree.children(dir) where name.hasSuffix(".wants") || name.hasSuffix(".requires") {
                let folder = tree.join(dir, name)
                guard tree.isDirectory(folder), !tree.isSymlink(folder) else { continue }
                let target = String(name.prefix(upTo: name.lastIndex(of: ".") ?? name.endIndex))
                for unit in tree.children(folder) where FileNames.isUnitName(unit) && out.links.count < linksKept {
                    out.links.append(UnitLink(target: target, unit: unit, folder: folder))
                }
            }
        }
        var budget = listBytes
        for name in tree.children(dpkgInfo).sorted() where name.hasSuffix(".list") && budget > 0 {
            let path = tree.join(dpkgInfo, name)
            guard tree.isFile(path), let bytes = try? tree.read(path, limit: min(listLimit, budget)) else { continue }
            budget -= bytes.count
            // `openssh-server.list`, `libc6:amd64.list`.
            let package = String(name.dropLast(5).prefix { $0 != ":" })
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.contains("/systemd/") {
                let last = line.split(separator: "/").last.map(String.init) ?? ""
                if FileNames.isUnitName(last) || line.hasSuffix(".conf") { out.packages[String(line)] = package }
            }
        }
        return out
    }
}
