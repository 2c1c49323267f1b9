/// Which entries are worth decoding, told from the DATA objects an entry links to without
/// reading them: an entry is kept when it carries one of `anyOf`, unless it also carries one
/// of `passOver` and none of `unlessAlso`. Items are `FIELD=value`, looked up once per file
/// in its data hash table (a value is one DATA object per file, so an entry carries it
/// exactly when it links to that object).
///
/// The boots an analysis does not read through are read at their edges for how they ended;
/// a crash loop fills those minutes with thousands of lines that can say nothing about it.
public struct EntrySieve: Sendable {
    public var anyOf: [String]
    public var passOver: [String]
    public var unlessAlso: [String]

    public init(anyOf: [String], passOver: [String] = [], unlessAlso: [String] = []) {
        (self.anyOf, self.passOver, self.unlessAlso) = (anyOf, passOver, unlessAlso)
    }
}

/// An `EntrySieve` resolved against one file: the DATA offsets of its items.
struct FileSieve {
    private struct Role: OptionSet {
        let rawValue: UInt8
        static let any = Role(rawValue: 1)
        static let passOver = Role(rawValue: 2)
        static let unless = Role(rawValue: 4)
    }

    private var roles: [Int: Role] = [:]
    /// The DATA objects of each role, for `kept(in:)`.
    private var any: [Int] = [], passOver: [Int] = [], unless: [Int] = []
    /// One bit per `offset >> 3` modulo 4,096: most items of most entries are told apart by
    /// one load and a test, without hashing.
    private var bits = [UInt64](repeating: 0, count: 64)

    init(_ sieve: EntrySieve, file: JournalFile) {
        for (items, role) in [(sieve.anyOf, Role.any), (sieve.passOver, .passOver), (sieve.unlessAlso, .unless)] {
            for item in items {
                for d in file.dataObjects(matching: Array(item.utf8)) {
                    roles[d, default: []].insert(role)
                    switch role {
                    case .any: any.append(d)
                    case .passOver: passOver.append(d)
                    default: unless.append(d)
                    }
                    let b = Self.bit(d)
                    bits[b >> 6] |= 1 << UInt64(b & 63)
                }
            }
        }
    }

    @inline(__always)
    private static func bit(_ offset: Int) -> Int { (offset >> 3) & 4095 }

    /// Whether the entry at `offset` is kept. An entry whose header cannot be read is kept:
    /// the read that decodes it says what is wrong with it.
    func keeps(entryAt offset: Int, in file: JournalFile) -> Bool {
        guard let head = file.entryHead(at: offset) else { return true }
        var seen: Role = []
        bits.withUnsafeBufferPointer { bits in
            for k in 0..<head.itemCount {
                guard let d = file.itemOffset(entry: offset, index: k) else { break }
                let b = Self.bit(d)
                guard bits[b >> 6] & (1 << UInt64(b & 63)) != 0, let r = roles[d] else { continue }
                seen.formUnion(r)
            }
        }
        return seen.contains(.any) && (!seen.contains(.passOver) || seen.contains(.unless))
    }

    /// The entries lying in `range` (file offsets) that the sieve keeps, in file order, found
    /// from the DATA objects' entry arrays alone: no entry is read. Only for a stretch of the
    /// file that holds one boot's entries alone. At most `limit` are looked at per DATA object,
    /// from the range's end when `newest` (a tail), else from its start, so what is found is
    /// always the part of the range nearest that end.
    func kept(in range: ClosedRange<Int>, file: JournalFile, limit: Int, newest: Bool = false) -> [Int] {
        func entries(_ data: [Int]) -> [Int] {
            var out: [Int] = []
            for d in data {
                let list = file.entries(ofData: d)
                var k = list.firstSlot(atOrAfter: range.lowerBound, in: file)
                if newest {
                    let (past, overflow) = range.upperBound.addingReportingOverflow(1)
                    var n = (overflow ? list.count : list.firstSlot(atOrAfter: past, in: file)) - 1
                    var looked = 0
                    while n >= k, looked < limit, let o = list.offset(n, in: file), o >= range.lowerBound {
                        out.append(o)
                        n -= 1
                        looked += 1
                    }
                    continue
                }
                let stop = min(list.count, k.addingReportingOverflow(limit).overflow ? Int.max : k + limit)
                while k < stop, let o = list.offset(k, in: file), o <= range.upperBound {
                    out.append(o)
                    k += 1
                }
            }
            return out
        }
        let candidates = Set(entries(any))
        guard !candidates.isEmpty else { return [] }
        let passed = Set(entries(passOver)).subtracting(entries(unless))
        return candidates.subtracting(passed).sorted()
    }
}
