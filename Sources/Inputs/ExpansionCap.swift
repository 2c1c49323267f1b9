import Foundation
import Compression
#if canImport(Glibc)
import Glibc
#endif

/// How far one compressed archive may expand. The expansion goes to an unlinked temporary
/// file that is mapped, not to memory, so the cap guards the disk and the time spent rather
/// than memory: four times the memory budget at least (a decompression bomb stops there), more
/// for an archive whose own size says it holds that much (up to `ratio` times its compressed
/// size: a host's journals compress 5 to 10 times), and never more than half the free space
/// where it is written, even below the floor: filling the disk of the machine that just
/// crashed (its `/var/tmp`) would harm it, and the expansion would fail there anyway.
public struct ExpansionCap: Sendable, Equatable, CustomStringConvertible {
    public let bytes: Int
    public let reason: Reason

    public enum Reason: Sendable, Equatable {
        /// Four times the memory budget: the least an archive may expand to.
        case budget(MemoryBudget)
        /// `ratio` times the archive's compressed size.
        case archiveSize(compressed: Int)
        /// Half the free space of the folder the expansion is written to.
        case disk(folder: String, free: Int)
    }

    /// How many times its compressed size an archive may expand past the budget's floor.
    public static let ratio = 50

    /// The cap of an archive of `compressedSize` bytes, expanded into `folder` with `free` bytes free.
    public init(compressedSize: Int, budget: MemoryBudget, folder: String, free: Int?) {
        let floor = budget.archiveExpansion
        let (bySize, overflow) = max(0, compressedSize).multipliedReportingOverflow(by: Self.ratio)
        let wanted = overflow ? Int.max : bySize
        let (bytes, reason): (Int, Reason) = wanted > floor ? (wanted, .archiveSize(compressed: compressedSize))
                                                            : (floor, .budget(budget))
        if let free, max(0, free / 2) < bytes {
            self.init(max(0, free / 2), .disk(folder: folder, free: free))
        } else {
            self.init(bytes, reason)
        }
    }

    /// The cap of an archive of `compressedSize` bytes expanded where `postmortem` expands them
    /// (`$POSTMORTEM_SPILL_DIR`, else `$TMPDIR`, else `/var/tmp`), with its free space now.
    public static func here(compressedSize: Int, budget: MemoryBudget) -> ExpansionCap {
        let folder = ProcessInfo.spillDirectory
        var st = statvfs()
        let free: Int? = statvfs(folder, &st) == 0
            ? Int(exactly: UInt64(st.f_bavail).multipliedReportingOverflow(by: UInt64(st.f_frsize)).partialValue) : nil
        return ExpansionCap(compressedSize: compressedSize, budget: budget, folder: folder, free: free)
    }

    private init(_ bytes: Int, _ reason: Reason) {
        self.bytes = bytes
        self.reason = reason
    }

    /// `4 GiB of expanded archive, from the memory budget of 1 GiB (--memory-budget)`, or where else it came from.
    public var description: String {
        switch reason {
        case .budget(let budget):
            return budget.explain(bytes, "of expanded archive")
        case .archiveSize(let compressed):
            return "\(MemoryBudget.format(bytes)) of expanded archive (\(Self.ratio) times its \(MemoryBudget.format(compressed)))"
        case .disk(let folder, let free):
            return "\(MemoryBudget.format(bytes)) of expanded archive (half the \(MemoryBudget.format(free)) free in \(folder); "
                + "$POSTMORTEM_SPILL_DIR names another folder)"
        }
    }
}
