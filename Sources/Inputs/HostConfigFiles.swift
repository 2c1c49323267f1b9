/// A small configuration file of the analysed machine that says something about it:
/// `etc/os-release` and the sysctl files (`etc/sysctl.conf`, `*/sysctl.d/*.conf`).
public struct HostConfigFile: Sendable, Hashable {
    /// Where it sits on the machine (`/etc/sysctl.d/99-panic.conf`), for quoting as `path:line`.
    public var hostPath: String
    /// Where it was read (a path on disk, or `archive:member`).
    public var path: String
    public var text: String

    public init(hostPath: String, path: String, text: String) {
        self.hostPath = hostPath
        self.path = path
        self.text = text
    }
}

/// Finding a host root's configuration files. Symbolic links are not followed: in a copied
/// tree an absolute link (`etc/os-release -> /usr/lib/os-release`) would name a file of the
/// machine running postmortem, not of the one analysed; the link's target is read under the
/// root instead where that is a known place.
enum HostConfigFiles {
    static let limit = 64 << 10
    static let maxFiles = 200
    static let osRelease = ["etc/os-release", "usr/lib/os-release"]
    /// In systemd-sysctl's order of precedence for files of the same name.
    static let sysctlDirectories = ["etc/sysctl.d", "run/sysctl.d", "usr/local/lib/sysctl.d", "usr/lib/sysctl.d", "lib/sysctl.d"]

    static func read<T: FileTree>(_ tree: T, root rel: String) -> [HostConfigFile] {
        var out: [HostConfigFile] = []
        func add(_ sub: String) {
            let path = tree.join(rel, sub)
            guard out.count < maxFiles, tree.isFile(path), !tree.isSymlink(path),
                  let bytes = try? tree.read(path, limit: limit) else { return }
            out.append(HostConfigFile(hostPath: "/" + sub, path: tree.display(path), text: String(decoding: bytes, as: UTF8.self)))
        }
        if let os = osRelease.first(where: { tree.isFile(tree.join(rel, $0)) && !tree.isSymlink(tree.join(rel, $0)) }) { add(os) }
        add("etc/sysctl.conf")
        for dir in sysctlDirectories {
            for name in tree.children(tree.join(rel, dir)) where name.hasSuffix(".conf") { add(dir + "/" + name) }
        }
        return out
    }
}
