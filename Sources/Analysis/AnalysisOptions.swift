#if canImport(Glibc)
import Glibc
#endif
import Journal
import KernelLog

/// Which boot to analyse, in journalctl's terms.
public enum BootSelection: Sendable, Hashable {
    /// The newest boot that ended uncleanly, else the newest that ended cleanly, else the newest.
    case auto
    /// Relative to the newest: 0 is the newest, -1 the one before (`journalctl -b -1`).
    case offset(Int)
    /// Absolute, 1 is the oldest boot in the set (`journalctl -b 1`).
    case index(Int)
    /// A boot ID (32 hex digits, or a unique prefix).
    case id(String)
    /// Every boot at once.
    case all
}

/// What to analyse.
public struct AnalysisOptions: Sendable {
    public var boot: BootSelection
    /// Entries before this are left out of units, OOM kills, fork rate and kernel events.
    public var since: Timestamp?
    public var until: Timestamp?
    /// Restrict the unit table (and the causes about units) to this unit.
    public var unit: String?
    /// The running boot, when the live machine is analysed: it is `ongoing`, never unclean.
    public var localBootID: String?
    /// How the journal is read when one boot is analysed.
    public var reading = JournalReading.auto
    /// Only the boots and how each ended (`postmortem boots`): the journal is read as for one
    /// boot (its index and every boot's edges) and no boot is analysed.
    public var bootsOnly = false

    /// True when `name` is the unit `--unit` asks for, read as journalctl reads `-u`: a glob
    /// (`poly*`), a full name, or a name without a type, which means `.service`.
    public func unitMatches(_ name: String) -> Bool {
        guard let unit else { return true }
        if unit.contains(where: { "*?[".contains($0) }) { return fnmatch(unit, name, 0) == 0 }
        if unit.contains(".") { return unit == name }
        return unit + ".service" == name
    }

    public init(boot: BootSelection = .auto, since: Timestamp? = nil, until: Timestamp? = nil, unit: String? = nil,
                localBootID: String? = nil) {
        self.boot = boot
        self.since = since
        self.until = until
        self.unit = unit
        self.localBootID = localBootID
    }
}

/// Everything one analysis reads.
public struct AnalysisInput: @unchecked Sendable {
    public var journal: JournalReader?
    /// Kernel text logs (kern.log, dmesg, pstore, vmcore-dmesg) as parsed by `KernelLogReader` /
    /// `PstoreReader`; the analysis puts them on the journal's clock (`KernelClock.place`),
    /// matches them to boots and drops the lines the journal already has.
    public var kernelLogs: [KernelLogFile]
    /// Kernel records already placed on a clock (wall-clock time and boot ID where known).
    public var kernelRecords: [KernelRecord]
    public var unitFiles: [(path: String, text: String)]
    /// The host's `etc/os-release` and sysctl files, by their path on the host (`/etc/sysctl.conf`).
    public var hostFiles: [(path: String, text: String)] = []
    /// `(target, unit)` for each `*.wants`/`*.requires` link that enables a unit.
    public var unitLinks: [(target: String, unit: String)] = []
    /// A unit file's path on the machine → the Debian package that installed it.
    public var unitPackages: [String: String] = [:]
    /// The inputs as discovered, for the report's input table.
    public var inputs: [InputSummary]
    /// `*.journal~` names seen (journald renames a file it finds dirty).
    public var dirtyJournalFiles: [String]
    /// pstore or kdump artefacts found (paths): evidence that a boot ended in a crash.
    public var crashArtefacts: [String]
    /// The journal boots (32 hex digits) that are this host's, when its journal files hold other
    /// machines' entries too (a log server's unsplit file): only those are the host's boots.
    public var onlyBoots: Set<String>?

    public init(journal: JournalReader?, kernelLogs: [KernelLogFile] = [], kernelRecords: [KernelRecord] = [],
                unitFiles: [(path: String, text: String)] = [], inputs: [InputSummary] = [],
                dirtyJournalFiles: [String] = [], crashArtefacts: [String] = []) {
        self.journal = journal
        self.kernelLogs = kernelLogs
        self.kernelRecords = kernelRecords
        self.unitFiles = unitFiles
        self.inputs = inputs
        self.dirtyJournalFiles = dirtyJournalFiles
        self.crashArtefacts = crashArtefacts
    }
}

/// How the journal is read when one boot is analysed (any `--boot` but `all`, which reads it all).
public enum JournalReading: Sendable {
    /// Through the `_BOOT_ID` index when the journal holds more than one boot (the edges of the
    /// others, then the analysed boot's entries); a journal of one boot is read through.
    case auto
    /// Every entry of every boot: the index-driven reading's oracle in the tests.
    case everyEntry
    /// Through the index even for a journal of one boot (the tests, to read it both ways).
    case index
}
