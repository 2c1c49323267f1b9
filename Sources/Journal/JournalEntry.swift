/// One `FIELD=value` item of an entry. Values are bytes: journal fields may be binary.
public struct JournalField: Sendable, Hashable {
    /// The field name, e.g. `MESSAGE` or `_SYSTEMD_UNIT`.
    public var name: String
    /// The raw value, after decompression.
    public var value: [UInt8]
    /// With `FieldSelection.only`, the index of `name` in the selection's names sorted
    /// (`FieldSelection.sortedNames`), so that consumers can dispatch on an integer; else -1.
    public var slot: Int

    public init(name: String, value: [UInt8], slot: Int = -1) {
        self.name = name
        self.value = value
        self.slot = slot
    }

    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }

    /// The value as text (invalid UTF-8 repaired), for matching and display.
    public var string: String { String(decoding: value, as: UTF8.self) }
}

/// Where an entry was read: which file of the set, and the ENTRY object's offset.
public struct EntryLocation: Sendable, Hashable {
    /// Index into the reader's file list.
    public var file: Int
    /// Offset of the ENTRY object in that file.
    public var offset: Int

    public init(file: Int, offset: Int) {
        self.file = file
        self.offset = offset
    }
}

/// One journal entry: its header values and the fields that were asked for.
public struct JournalEntry: Sendable {
    public var seqnum: UInt64
    public var seqnumID: ID128
    /// Wall-clock time, microseconds since the Unix epoch (UTC).
    public var realtime: UInt64
    /// Microseconds since boot (CLOCK_MONOTONIC of `bootID`).
    public var monotonic: UInt64
    public var bootID: ID128
    public var xorHash: UInt64
    /// The items in file order; repeated fields appear repeatedly. When the read selected
    /// fields, only those are here.
    public var fields: [JournalField]
    public var location: EntryLocation

    public init(seqnum: UInt64, seqnumID: ID128, realtime: UInt64, monotonic: UInt64, bootID: ID128,
                xorHash: UInt64, fields: [JournalField], location: EntryLocation) {
        self.seqnum = seqnum
        self.seqnumID = seqnumID
        self.realtime = realtime
        self.monotonic = monotonic
        self.bootID = bootID
        self.xorHash = xorHash
        self.fields = fields
        self.location = location
    }

    /// The first value of `name` as text, or `nil` when the entry has no such field.
    public subscript(name: String) -> String? {
        for f in fields where f.name == name { return f.string }
        return nil
    }

    /// The first value of `name` as bytes.
    public func bytes(_ name: String) -> [UInt8]? {
        for f in fields where f.name == name { return f.value }
        return nil
    }

    /// Every value of `name`, in item order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.string)
    }

    /// The entry's cursor, in the form journalctl prints as `__CURSOR`.
    public var cursor: String {
        "s=\(seqnumID);i=\(hex(seqnum));b=\(bootID);m=\(hex(monotonic));t=\(hex(realtime));x=\(hex(xorHash))"
    }
}

@inline(__always)
func hex(_ v: UInt64) -> String { String(v, radix: 16) }

/// An offset in hex as the file holds it: a value read from damage that went negative as an
/// `Int` is shown as the unsigned number it was on disk, never as `-0x…`.
func hex(_ v: Int) -> String { String(UInt(bitPattern: v), radix: 16) }
