/// Header state byte: how the writer left the file.
public enum JournalState: String, Sendable, Codable {
    case offline, online, archived, unknown

    init(byte: UInt8) {
        switch byte {
        case 0: self = .offline
        case 1: self = .online
        case 2: self = .archived
        default: self = .unknown
        }
    }
}

/// The incompatible feature bits a reader must understand (`journal-def.h`).
public struct IncompatibleFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let compressedXZ = IncompatibleFlags(rawValue: 1 << 0)
    public static let compressedLZ4 = IncompatibleFlags(rawValue: 1 << 1)
    public static let keyedHash = IncompatibleFlags(rawValue: 1 << 2)
    public static let compressedZSTD = IncompatibleFlags(rawValue: 1 << 3)
    public static let compact = IncompatibleFlags(rawValue: 1 << 4)
    public static let known: IncompatibleFlags = [.compressedXZ, .compressedLZ4, .keyedHash, .compressedZSTD, .compact]

    /// The names journalctl --header prints.
    public var names: [String] {
        var out: [String] = []
        if contains(.compressedXZ) { out.append("COMPRESSED-XZ") }
        if contains(.compressedLZ4) { out.append("COMPRESSED-LZ4") }
        if contains(.keyedHash) { out.append("KEYED-HASH") }
        if contains(.compressedZSTD) { out.append("COMPRESSED-ZSTD") }
        if contains(.compact) { out.append("COMPACT") }
        return out
    }
}

/// The fixed part of a journal file (`docs/JOURNAL_FILE_FORMAT.md`). Fields after
/// `tail_entry_monotonic` exist only when `headerSize` covers them.
public struct JournalHeader: Sendable {
    static let signature: [UInt8] = Array("LPKSHHRH".utf8)
    /// The smallest header systemd ever wrote (v187 had 208 + counters; 208 is the base).
    static let minimumSize = 208

    public var compatibleFlags: UInt32
    public var incompatibleFlags: IncompatibleFlags
    public var state: JournalState
    public var fileID: ID128
    public var machineID: ID128
    public var tailEntryBootID: ID128
    public var seqnumID: ID128
    public var headerSize: Int
    public var arenaSize: UInt64
    public var dataHashTableOffset: UInt64
    public var dataHashTableSize: UInt64
    public var fieldHashTableOffset: UInt64
    public var fieldHashTableSize: UInt64
    public var tailObjectOffset: UInt64
    public var nObjects: UInt64
    public var nEntries: UInt64
    public var tailEntrySeqnum: UInt64
    public var headEntrySeqnum: UInt64
    public var entryArrayOffset: UInt64
    public var headEntryRealtime: UInt64
    public var tailEntryRealtime: UInt64
    public var tailEntryMonotonic: UInt64
    public var nData: UInt64?
    public var nFields: UInt64?
    public var nTags: UInt64?
    public var nEntryArrays: UInt64?

    public var isCompact: Bool { incompatibleFlags.contains(.compact) }
    public var isKeyedHash: Bool { incompatibleFlags.contains(.keyedHash) }

    /// Parses and checks the header of `bytes` (the whole file).
    init(bytes: UnsafeRawBufferPointer, path: String) throws(JournalError) {
        guard bytes.count >= 8 else {
            throw JournalError(.notAJournal, path: path, offset: 0, detail: "file is \(bytes.count) bytes, shorter than a journal signature")
        }
        for i in 0..<8 where bytes[i] != Self.signature[i] {
            throw JournalError(.notAJournal, path: path, offset: 0, detail: "signature is not LPKSHHRH")
        }
        guard bytes.count >= Self.minimumSize else {
            throw JournalError(.truncated, path: path, offset: 0,
                               detail: "file is \(bytes.count) bytes, shorter than the \(Self.minimumSize)-byte header")
        }
        func u64(_ o: Int) -> UInt64 { bytes.u64(o) ?? 0 }
        compatibleFlags = bytes.u32(8) ?? 0
        let incompatible = bytes.u32(12) ?? 0
        let unknown = incompatible & ~IncompatibleFlags.known.rawValue
        guard unknown == 0 else {
            let bits = (0..<32).filter { unknown & (1 << UInt32($0)) != 0 }.map { "bit \($0) (0x\(String(1 << $0, radix: 16)))" }
            throw JournalError(.unsupportedFeature, path: path, offset: 12,
                               detail: "unknown incompatible flag \(bits.joined(separator: ", ")): written by a newer systemd")
        }
        incompatibleFlags = IncompatibleFlags(rawValue: incompatible)
        state = JournalState(byte: bytes[16])
        fileID = ID128(bytes: bytes, at: 24)
        machineID = ID128(bytes: bytes, at: 40)
        tailEntryBootID = ID128(bytes: bytes, at: 56)
        seqnumID = ID128(bytes: bytes, at: 72)
        let size = u64(88)
        guard size >= UInt64(Self.minimumSize), size <= UInt64(bytes.count), let hs = Int(exactly: size) else {
            throw JournalError(.badHeader, path: path, offset: 88,
                               detail: "header_size \(size) is outside \(Self.minimumSize)…\(bytes.count)")
        }
        headerSize = hs
        arenaSize = u64(96)
        dataHashTableOffset = u64(104)
        dataHashTableSize = u64(112)
        fieldHashTableOffset = u64(120)
        fieldHashTableSize = u64(128)
        tailObjectOffset = u64(136)
        nObjects = u64(144)
        nEntries = u64(152)
        tailEntrySeqnum = u64(160)
        headEntrySeqnum = u64(168)
        entryArrayOffset = u64(176)
        headEntryRealtime = u64(184)
        tailEntryRealtime = u64(192)
        tailEntryMonotonic = u64(200)
        func optional(_ o: Int) -> UInt64? { o + 8 <= hs ? u64(o) : nil }
        nData = optional(208)
        nFields = optional(216)
        nTags = optional(224)
        nEntryArrays = optional(232)
    }
}
