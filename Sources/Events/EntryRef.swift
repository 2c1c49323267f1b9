import Journal

/// Where an event was read: the entry's header values, formatted as a journalctl cursor only
/// when printed (formatting one per event costs more than the rest of the analysis).
public struct EntryRef: Sendable, Hashable {
    public var seqnumID: ID128
    public var seqnum: UInt64
    public var bootID: ID128
    public var monotonic: UInt64
    public var realtime: UInt64
    public var xorHash: UInt64
    /// For a line of a text log: where it is (`/var/log/messages:1234`); nil for journal entries.
    public var textLocation: String?

    public init(_ e: JournalEntry) {
        (seqnumID, seqnum, bootID, monotonic, realtime, xorHash) =
            (e.seqnumID, e.seqnum, e.bootID, e.monotonic, e.realtime, e.xorHash)
    }

    public init(_ v: EntryView) {
        (seqnumID, seqnum, bootID, monotonic, realtime, xorHash) =
            (v.seqnumID, v.seqnum, v.bootID, v.monotonic, v.realtime, v.xorHash)
    }

    /// A line of a text log: its place in the file, its time, and its time since the boot's
    /// start where known (the shutdown-marker rules compare markers on that clock).
    public init(textLocation: String, realtime: Int64, monotonic: UInt64) {
        (seqnumID, seqnum, bootID, xorHash) = (.zero, 0, .zero, 0)
        self.realtime = UInt64(clamping: realtime)
        self.monotonic = monotonic
        self.textLocation = textLocation
    }

    /// A reference with no entry behind it (events built from text, in tests).
    public static let none = EntryRef()

    private init() {
        (seqnumID, seqnum, bootID, monotonic, realtime, xorHash) = (.zero, 0, .zero, 0, 0, 0)
    }

    /// The cursor as `journalctl` prints it (`s=…;i=…;b=…;m=…;t=…;x=…`).
    public var cursor: String {
        if let textLocation { return textLocation }
        guard self != .none else { return "" }
        return JournalEntry(seqnum: seqnum, seqnumID: seqnumID, realtime: realtime, monotonic: monotonic, bootID: bootID,
                            xorHash: xorHash, fields: [], location: EntryLocation(file: 0, offset: 0)).cursor
    }
}
