/// The run's memory budget (`--memory-budget`, `POSTMORTEM_MEMORY_BUDGET`) and every
/// per-input cap derived from it, in one place: what is read into memory from an input is
/// bounded by a share of this, and a cap that is hit is named with the budget it came from.
///
/// The shares are those the 1 GiB default was measured with (README, "Memory budget"). What
/// the journal reader itself holds (its value caches, a few batches of entries) is fixed and
/// not scaled: it is bounded per file being read, whatever the budget.
public struct MemoryBudget: Sendable, Hashable, CustomStringConvertible {
    /// The budget in bytes, between `minimum` and `maximum`.
    public let bytes: Int

    /// 1 GiB: the README's budget.
    public static let standard = MemoryBudget(clamping: 1 << 30)
    /// Below this the fixed parts alone would not fit: the program itself (about 30 MiB) and
    /// the 64 MiB buffer an archive is expanded through on its way to the temporary file.
    public static let minimum = 128 << 20
    /// 1 TiB; more is no longer a bound (and the caps derived from it would overflow).
    public static let maximum = 1 << 40

    /// `nil` when `bytes` is outside `minimum...maximum`.
    public init?(bytes: Int) {
        guard bytes >= Self.minimum, bytes <= Self.maximum else { return nil }
        self.bytes = bytes
    }

    private init(clamping bytes: Int) {
        self.bytes = min(max(bytes, Self.minimum), Self.maximum)
    }

    /// Kernel text read per host (newest logs first). Parsed text costs about eight times its
    /// size, so 3/32 of the budget: 96 MiB of 1 GiB.
    public var kernelText: Int { bytes / 32 * 3 }
    /// How far any compressed archive may expand (4 GiB of 1 GiB); a big archive may expand
    /// further (`ExpansionCap`). The expansion goes to an unlinked temporary file that is
    /// mapped, not to memory.
    public var archiveExpansion: Int { bytes * 4 }
    /// Unit files and drop-ins read per host, in all: 16 MiB of 1 GiB.
    public var unitFileBytes: Int { bytes / 64 }
    /// The table a journalctl dump's values are found through while it is made into journal
    /// files (past it, through the files' own hash chains: slower, same result).
    public var dumpValueTable: Int { bytes / 8 }
    /// How much of a dump, and of the files made from it, is read or written before their
    /// pages are let go from memory.
    public var dumpReleaseStep: Int { bytes / 16 }
    /// One pstore record: 64 MiB of 1 GiB.
    public var pstoreFile: Int { bytes / 16 }
    /// The package lists (`var/lib/dpkg/info/*.list`) read for unit provenance: 64 MiB of 1 GiB.
    public var packageListBytes: Int { bytes / 16 }

    /// The share of one of `jobs` hosts analysed at once (`batch -j`), so that the run as a
    /// whole stays within the budget; never below `minimum`.
    public func shared(among jobs: Int) -> MemoryBudget {
        MemoryBudget(clamping: bytes / max(1, jobs))
    }

    /// How a cap that was hit is explained: `"96 MiB of kernel text per host, from the memory budget of 1 GiB (--memory-budget)"`.
    public func explain(_ cap: Int, _ what: String) -> String {
        "\(Self.format(cap)) \(what), from the memory budget of \(self) (--memory-budget)"
    }

    /// `1 GiB`, `512 MiB`, `1536 MiB`, `100 KiB`, `12 bytes`.
    public static func format(_ bytes: Int) -> String {
        for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift) \(unit)"
        }
        if bytes >= 1 << 20 { return "\(bytes >> 20) MiB" }
        return bytes >= 1 << 10 ? "\(bytes >> 10) KiB" : "\(bytes) bytes"
    }

    public var description: String { Self.format(bytes) }
}
