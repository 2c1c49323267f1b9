/// Object types (`journal-def.h`).
enum ObjectType: UInt8, Sendable {
    case unused = 0, data = 1, field = 2, entry = 3, dataHashTable = 4, fieldHashTable = 5, entryArray = 6, tag = 7
}

/// Byte offsets inside objects, relative to the object's start.
enum ObjectLayout {
    static let headerSize = 16
    // DATA
    static let dataHash = 16
    static let dataNextHash = 24
    static let dataNextField = 32
    static let dataEntryOffset = 40
    static let dataEntryArrayOffset = 48
    static let dataNEntries = 56
    static let dataPayloadRegular = 64
    static let dataPayloadCompact = 72
    // FIELD
    static let fieldHash = 16
    static let fieldNextHash = 24
    static let fieldHeadData = 32
    static let fieldPayload = 40
    // ENTRY
    static let entrySeqnum = 16
    static let entryRealtime = 24
    static let entryMonotonic = 32
    static let entryBootID = 40
    static let entryXorHash = 56
    static let entryItems = 64
    // ENTRY_ARRAY
    static let arrayNext = 16
    static let arrayItems = 24
    // HASH TABLE
    static let hashTableItems = 16

    // DATA object compression flags.
    static let compressedXZ: UInt8 = 1
    static let compressedLZ4: UInt8 = 2
    static let compressedZSTD: UInt8 = 4

    /// systemd's `VALID_REALTIME` / `VALID_MONOTONIC` bound: timestamps at or past 2^55 µs are garbage.
    static let timestampLimit: UInt64 = 1 << 55
    /// The most a DATA payload may decompress to (journald's DATA_SIZE_MAX is 768 MiB; we cap lower).
    static let maxPayload = 256 << 20
}
