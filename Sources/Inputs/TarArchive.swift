import Journal
/// A tar archive (ustar, GNU and pax forms) read from bytes mapped or held in memory.
/// Nothing is ever written or copied: members are ranges into the archive's bytes.
///
/// Reading stops at the first header that cannot be trusted (bad checksum, a size past the
/// end); the members before it are kept and the reason is in `problems`.
public struct TarArchive: Sendable {
    /// One member. `path` is normalised: no leading `/` or `./`, no `.` components.
    public struct Member: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            case file
            case directory
            case symlink(target: String)
            /// A hard link to an earlier member; `range` is that member's data.
            case hardlink(target: String)
            case other
        }

        public var path: String
        public var kind: Kind
        /// The member's data inside `TarArchive.store`.
        public var range: Range<Int>
        /// Seconds since the Unix epoch.
        public var modificationTime: Int64?
        /// Offset of the member's header in the archive, for messages.
        public var headerOffset: Int
        /// The size the header declares, when the archive ends before it (a cut member).
        public var declaredSize: Int? = nil
    }

    /// A reason the archive could not be read completely, with the byte offset it concerns.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "offset \(offset): \(reason)" }
    }

    /// GNU long names and pax headers larger than this are refused as absurd.
    public static let metadataLimit = 1 << 20
    /// Member paths longer than PATH_MAX, or deeper than this many folders, are skipped: no
    /// real log tree needs them, and each level would cost a folder node (a 40,000-level
    /// path took 1.5 GB).
    public static let pathLimit = 4096
    public static let depthLimit = 64

    /// The archive's bytes, shared with the journal files read from it.
    public let store: SharedBytes
    private var bytes: UnsafeRawBufferPointer { store.unsafeBytes }
    public private(set) var members: [Member] = []
    public private(set) var problems: [Problem] = []

    /// True when the first block looks like a tar header (checksum matches).
    public static func looksLikeTar(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { looksLikeTar($0) }
    }

    public static func looksLikeTar(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 512 else { return false }
        return headerChecksumMatches(bytes, at: 0)
    }

    public init(store: SharedBytes) {
        self.store = store
        parse()
    }

    /// An archive held in memory (tests, small archives).
    public init(bytes: [UInt8]) {
        self.init(store: SharedBytes(bytes: bytes))
    }

    // MARK: - Parsing

    private mutating func parse() {
        var offset = 0
        var longName: String?
        var longLink: String?
        var pax: [String: String] = [:]
        var sawEnd = false
        var byPath: [String: Range<Int>] = [:]
        var skippedPaths = 0
        // Each iteration moves `offset` forward by at least one block, so the loop is bounded.
        while offset < bytes.count {
            guard bytes.count - offset >= 512 else {
                problems.append(Problem(offset: offset, reason: "archive is truncated inside a header"))
                return
            }
            if isZeroBlock(at: offset) {
                sawEnd = true
                break
            }
            guard Self.headerChecksumMatches(bytes, at: offset) else {
                problems.append(Problem(offset: offset, reason: "header checksum does not match; archive is corrupt or truncated here"))
                return
            }
            let sizeField = pax["size"].flatMap { Int($0) } ?? number(at: offset + 124, length: 12)
            guard let size = sizeField, size >= 0 else {
                problems.append(Problem(offset: offset, reason: "header has an unreadable size"))
                return
            }
            let dataStart = offset + 512
            let present = bytes.count - dataStart
            let typeflag = bytes[offset + 156]
            let headerName = name(offset: offset)
            guard size <= present else {
                let cutName = pax["path"] ?? longName ?? headerName
                // A regular file cut by the end of the archive keeps what is there: a journal's
                // entries before the cut are read like those of a torn file.
                let isFile = typeflag == UInt8(ascii: "0") || typeflag == 0 || typeflag == UInt8(ascii: "7")
                if isFile, let path = Self.normalise(cutName), !path.isEmpty, Self.isReasonable(path) {
                    members.append(Member(path: path, kind: .file, range: dataStart..<bytes.count,
                                          modificationTime: nil, headerOffset: offset, declaredSize: size))
                    problems.append(Problem(offset: offset, reason:
                        "member \(cutName) is cut after \(max(present, 0)) of its \(size) bytes; archive is truncated (what is there is read)"))
                } else {
                    problems.append(Problem(offset: offset, reason:
                        "member \(cutName) declares \(size) bytes but only \(max(present, 0)) remain; archive is truncated"))
                }
                return
            }
            let dataRange = dataStart..<(dataStart + size)
            let padded = size.isMultiple(of: 512) ? size : size + (512 - size % 512)
            let next = padded <= present ? dataStart + padded : bytes.count

            switch typeflag {
            case UInt8(ascii: "L"), UInt8(ascii: "K"):
                guard size <= Self.metadataLimit else {
                    problems.append(Problem(offset: offset, reason: "GNU long name of \(size) bytes is absurd"))
                    return
                }
                let text = cString(dataRange)
                if typeflag == UInt8(ascii: "L") { longName = text } else { longLink = text }
            case UInt8(ascii: "x"):
                guard size <= Self.metadataLimit else {
                    problems.append(Problem(offset: offset, reason: "pax header of \(size) bytes is absurd"))
                    return
                }
                guard let records = paxRecords(dataRange) else {
                    problems.append(Problem(offset: offset, reason: "pax header is malformed"))
                    return
                }
                pax.merge(records) { _, new in new }
            case UInt8(ascii: "g"):
                break  // global pax defaults: nothing postmortem needs
            default:
                let rawPath = pax["path"] ?? longName ?? headerName
                let rawLink = pax["linkpath"] ?? longLink ?? cString((offset + 157)..<(offset + 257))
                let mtime = pax["mtime"].flatMap { Int64($0.prefix { $0 != "." }) }
                    ?? number(at: offset + 136, length: 12).map { Int64($0) }
                switch Self.normalise(rawPath) {
                case .none:
                    problems.append(Problem(offset: offset, reason: "member path \(rawPath) leaves the archive (\"..\"); skipped"))
                case .some(let path) where path.isEmpty:
                    break  // "./" itself
                case .some(let path) where !Self.isReasonable(path):
                    skippedPaths += 1
                    if skippedPaths == 1 {
                        problems.append(Problem(offset: offset, reason:
                            "member path of \(path.utf8.count) bytes is longer than \(Self.pathLimit) bytes or deeper than \(Self.depthLimit) folders; skipped"))
                    }
                case .some(let path):
                    let kind: Member.Kind
                    var range = dataRange
                    switch typeflag {
                    case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): kind = .file
                    case UInt8(ascii: "5"): kind = .directory
                    case UInt8(ascii: "2"): kind = .symlink(target: rawLink)
                    case UInt8(ascii: "1"):
                        kind = .hardlink(target: rawLink)
                        if let target = Self.normalise(rawLink), let r = byPath[target] { range = r } else { range = dataStart..<dataStart }
                    default: kind = .other
                    }
                    if kind == .file { byPath[path] = range }
                    members.append(Member(path: path, kind: kind, range: range, modificationTime: mtime, headerOffset: offset))
                }
                longName = nil
                longLink = nil
                pax = [:]
            }
            offset = next
        }
        if skippedPaths > 1 {
            problems.append(Problem(offset: offset, reason: "\(skippedPaths) members in all had such paths and were skipped"))
        }
        if !sawEnd {
            problems.append(Problem(offset: bytes.count, reason: "archive ends without its end-of-archive blocks; it may be truncated"))
        }
    }

    static func isReasonable(_ path: String) -> Bool {
        path.utf8.count <= pathLimit && path.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) } < depthLimit
    }

    /// `nil` when the path climbs out with `..`; `""` for the archive root.
    static func normalise(_ raw: String) -> String? {
        var parts: [Substring] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { return nil }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    private func isZeroBlock(at offset: Int) -> Bool {
        for i in offset..<(offset + 512) where bytes[i] != 0 { return false }
        return true
    }

    static func headerChecksumMatches(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard offset >= 0, bytes.count - offset >= 512 else { return false }
        var unsigned = 0
        var signed = 0
        for i in 0..<512 {
            let b = (148..<156).contains(i) ? UInt8(ascii: " ") : bytes[offset + i]
            unsigned += Int(b)
            signed += Int(Int8(bitPattern: b))
        }
        guard let stored = octal(bytes, (offset + 148)..<(offset + 156)) else { return false }
        return stored == unsigned || stored == signed
    }

    /// The ustar name, with the POSIX `prefix` field when the magic says ustar.
    private func name(offset: Int) -> String {
        let base = cString(offset..<(offset + 100))
        let posixMagic: [UInt8] = Array("ustar".utf8) + [0]
        if Array(bytes[(offset + 257)..<(offset + 263)]) == posixMagic {
            let prefix = cString((offset + 345)..<(offset + 500))
            if !prefix.isEmpty { return prefix + "/" + base }
        }
        return base
    }

    private func cString(_ range: Range<Int>) -> String {
        let slice = bytes[range]
        let end = slice.firstIndex(of: 0) ?? range.upperBound
        return String(decoding: bytes[range.lowerBound..<end], as: UTF8.self)
    }

    /// Octal, or GNU base-256 when the high bit of the first byte is set.
    private func number(at offset: Int, length: Int) -> Int? {
        let first = bytes[offset]
        if first & 0x80 != 0 {
            guard first == 0x80 else { return nil }  // negative or wider than we accept
            var v = 0
            for i in (offset + 1)..<(offset + length) {
                guard v <= (Int.max >> 8) else { return nil }
                v = v << 8 | Int(bytes[i])
            }
            return v
        }
        return Self.octal(bytes, offset..<(offset + length))
    }

    private static func octal(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        var v = 0
        var digits = 0
        for i in range {
            let c = bytes[i]
            if c == UInt8(ascii: " ") || c == 0 {
                if digits > 0 { break } else { continue }
            }
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "7"), v <= (Int.max >> 3) else { return nil }
            v = v << 3 | Int(c - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? v : (range.count > 0 ? 0 : nil)
    }

    /// Pax records: `"<length> <key>=<value>\n"`, the length counting the whole record.
    private func paxRecords(_ range: Range<Int>) -> [String: String]? {
        var out: [String: String] = [:]
        var i = range.lowerBound
        while i < range.upperBound {
            if bytes[i] == 0 { break }  // padding
            var length = 0
            var j = i
            while j < range.upperBound, bytes[j] != UInt8(ascii: " ") {
                let c = bytes[j]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9"), length < Self.metadataLimit else { return nil }
                length = length * 10 + Int(c - UInt8(ascii: "0"))
                j += 1
            }
            guard j < range.upperBound, length > j - i + 1, length <= range.upperBound - i else { return nil }
            let recordEnd = i + length
            guard bytes[recordEnd - 1] == 10 else { return nil }
            let body = bytes[(j + 1)..<(recordEnd - 1)]
            guard let eq = body.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            out[String(decoding: body[..<eq], as: UTF8.self)] = String(decoding: body[(eq + 1)...], as: UTF8.self)
            i = recordEnd
        }
        return out
    }
}
