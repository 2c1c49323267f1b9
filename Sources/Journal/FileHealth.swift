/// What reading one file found: how much of it was usable and what was lost, with the
/// offsets. Reports show it; it is never an error.
public struct FileHealth: Sendable {
    public var path: String
    public var state: JournalState
    public var fileSize: Int
    /// `header_size + arena_size`: the size the writer said the file has.
    public var declaredSize: UInt64
    /// The header's entry count (may be ahead of what reached the disk).
    public var headerEntries: UInt64
    /// Entries read through the entry-array chain.
    public var entriesLinked = 0
    /// Entries found by scanning past the last linked entry: written but never linked.
    public var entriesRecovered = 0
    /// Entry-array slots whose ENTRY object did not validate.
    public var entriesSkipped = 0
    /// Items dropped from otherwise good entries because their DATA object was bad.
    public var itemsDropped = 0
    /// Valid entries skipped because they come before the one already returned (a seqnum or
    /// time that goes backwards), as `sd_journal_next` skips them.
    public var entriesOutOfOrder = 0
    /// DATA objects whose payload does not hash to the value stored with it (checked once
    /// per object). journalctl (252) prints such values unchanged, and so do we: they are
    /// kept, and counted here so that the damage is said.
    public var hashMismatches = 0
    /// Entries whose size field claims more items than their own (an enlarged size would read
    /// the objects after them as items): read with their own items only.
    public var entriesOversized = 0
    /// The entries were counted in the file's index, not read one by one: an analysis of one
    /// boot reads only that boot's entries and the edges of the others.
    public var countedFromIndex = false
    /// The file was found cut short while it was read, and a problem says so: said once per
    /// count of the file's health (kept, reset and restored with it).
    var cutShortNoted = false
    /// The first problems, with offsets (`problemCount` has them all).
    public var problems: [JournalProblem] = []
    public var problemCount = 0

    static let problemLimit = 64

    init(path: String, state: JournalState, fileSize: Int, declaredSize: UInt64, headerEntries: UInt64) {
        self.path = path
        self.state = state
        self.fileSize = fileSize
        self.declaredSize = declaredSize
        self.headerEntries = headerEntries
    }

    /// Bytes the header claims that are not in the file (a hard reset, or a cut copy).
    public var missingBytes: UInt64 { declaredSize > UInt64(fileSize) ? declaredSize - UInt64(fileSize) : 0 }

    /// True when anything was lost or looked wrong.
    public var isDamaged: Bool {
        problemCount > 0 || missingBytes > 0 || entriesSkipped > 0 || itemsDropped > 0 || entriesOutOfOrder > 0
            || hashMismatches > 0 || entriesOversized > 0
    }

    /// Entries read from the file in all (some may then be skipped as out of order).
    public var entriesRead: Int { entriesLinked + entriesRecovered }

    mutating func note(_ offset: Int?, _ reason: String) {
        problemCount += 1
        if problems.count < Self.problemLimit {
            problems.append(JournalProblem(path: path, offset: offset, reason: reason))
        }
    }
}
