import Foundation

/// `batch --shard K/N`: the share of a fleet one of N machines analyses. A host (or an archive,
/// which is opened by the shard that owns it) belongs to shard `hash(identity) mod N`, where the
/// identity is its path relative to the path `batch` was given, so that every machine of a job
/// runner agrees on the split whatever order it finds the hosts in. K counts from 0, like a
/// Kubernetes Indexed Job's `JOB_COMPLETION_INDEX` or a Slurm array's `SLURM_ARRAY_TASK_ID`.
public struct FleetShard: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// `nil` unless `0 <= index < count`.
    public init?(index: Int, count: Int) {
        guard count > 0, index >= 0, index < count else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses `K/N`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let k = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { return nil }
        self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// The whole fleet: one shard.
    public static let all = FleetShard(storage: 0, 1)
    private init(storage index: Int, _ count: Int) {
        self.index = index
        self.count = count
    }

    /// True when the host or archive of this identity is this shard's.
    public func owns(_ identity: String) -> Bool {
        Int(Self.hash(identity) % UInt64(count)) == index
    }

    /// FNV-1a (64 bit) of the identity's UTF-8: the same on every machine and every run,
    /// unlike Swift's seeded `Hasher`.
    static func hash(_ identity: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in identity.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// A host's or archive's `source` made relative to the path it was found under (the first of
    /// `paths` it lies in): `web1` for `/srv/fleet/web1` found under `/srv/fleet`,
    /// `dc2.tar.zst:hosts/web1` for a host inside `/srv/dc2.tar.zst`. A source that is one of
    /// `paths` keeps its last component; one outside every path (a machine ID) is kept whole.
    public static func identity(of given: String, under paths: [String]) -> String {
        // Discovery names archives by their absolute path and host folders as they were given:
        // both are made absolute, so `fleet`, `./fleet/` and `/srv/fleet` agree.
        let source = absolute(given)
        for raw in paths {
            let path = absolute(raw)
            let base = (path as NSString).lastPathComponent
            if source == path { return base }
            // An archive's member (`path:member`), loose logs naming a host (`path (host NAME)`).
            if source.hasPrefix(path + ":") || source.hasPrefix(path + " (") { return base + source.dropFirst(path.count) }
            let prefix = path == "/" ? "/" : path + "/"
            if source.hasPrefix(prefix) {
                let rest = source.dropFirst(prefix.count).drop { $0 == "/" }
                if !rest.isEmpty { return String(rest) }
            }
        }
        return given
    }

    /// `path` made absolute against the working directory, `.`, `..` and repeated or trailing
    /// slashes taken out.
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return (full as NSString).standardizingPath
    }
}
