/// A time zone read from the bytes of a TZif file (RFC 8536), such as a machine's copied
/// `etc/localtime` that is a file rather than a link and so names no zone: its transitions,
/// and the POSIX TZ rule in its footer for the times after them (the "slim" files most
/// distributions now ship hold only a few transitions and rely on that rule).
///
/// Every count and offset is checked against the bytes there are; a file that does not
/// parse gives `nil`, never a trap.
public struct ZoneRules: Sendable, Hashable {
    struct LocalType: Sendable, Hashable {
        var offset: Int
        var isDST: Bool
        var abbreviation: String
    }

    private var transitions: [Int64] = []
    private var transitionTypes: [Int] = []
    private var types: [LocalType] = []
    private var footer: PosixTZ?

    /// Parses TZif version 1 to 4 bytes.
    public init?(tzif bytes: [UInt8]) {
        var r = ByteReader(bytes)
        guard let v1 = Self.header(&r) else { return nil }
        // Version 1 data uses 32-bit times; version 2 and later repeat it with 64-bit times
        // after it, then a footer. Skip the first block when there is a second.
        if v1.version >= 2 {
            guard r.skip(v1.dataSize(timeSize: 4)), let v2 = Self.header(&r),
                  readBlock(&r, v2, timeSize: 8) else { return nil }
            footer = Self.footer(&r)
        } else {
            guard readBlock(&r, v1, timeSize: 4) else { return nil }
        }
        guard !types.isEmpty || footer != nil else { return nil }
    }

    /// True when the zone never leaves UTC (a copy of `Etc/UTC`).
    public var isUTC: Bool {
        types.allSatisfy { $0.offset == 0 } && (footer.map { $0.standardOffset == 0 && $0.dstName == nil } ?? true)
    }

    /// Seconds east of UTC, and the abbreviation, in force at `t` (seconds since the epoch).
    public func local(at t: Int64) -> (offset: Int, abbreviation: String) {
        if let last = transitions.last, t >= last, let footer {
            return footer.local(at: t)
        }
        if transitions.isEmpty, let footer { return footer.local(at: t) }
        // Before the first transition, the first type applies (RFC 8536 section 3.2).
        var lo = 0, hi = transitions.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if transitions[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        let index = lo == 0 ? 0 : transitionTypes[lo - 1]
        guard index >= 0, index < types.count else { return (0, "UTC") }
        return (types[index].offset, types[index].abbreviation)
    }

    // MARK: parsing

    struct Header {
        var version: Int
        var isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt: Int

        func dataSize(timeSize: Int) -> Int {
            timecnt * timeSize + timecnt + typecnt * 6 + charcnt + leapcnt * (timeSize + 4) + isstdcnt + isutcnt
        }
    }

    /// Real files have a few thousand transitions at most; refuse absurd counts up front.
    static let countLimit = 1 << 16

    private static func header(_ r: inout ByteReader) -> Header? {
        guard r.take(4) == Array("TZif".utf8), let v = r.u8() else { return nil }
        let version = v == 0 ? 1 : Int(v) - 0x30
        guard version >= 1, version <= 9, r.skip(15) else { return nil }
        var counts: [Int] = []
        for _ in 0..<6 {
            guard let c = r.u32(), c <= countLimit else { return nil }
            counts.append(Int(c))
        }
        return Header(version: version, isutcnt: counts[0], isstdcnt: counts[1], leapcnt: counts[2],
                      timecnt: counts[3], typecnt: counts[4], charcnt: counts[5])
    }

    private mutating func readBlock(_ r: inout ByteReader, _ h: Header, timeSize: Int) -> Bool {
        guard h.typecnt > 0 else { return false }
        var times: [Int64] = []
        for _ in 0..<h.timecnt {
            if timeSize == 8 {
                guard let t = r.u64() else { return false }
                times.append(Int64(bitPattern: t))
            } else {
                guard let t = r.u32() else { return false }
                times.append(Int64(Int32(bitPattern: t)))
            }
        }
        var indices: [Int] = []
        for _ in 0..<h.timecnt {
            guard let i = r.u8(), Int(i) < h.typecnt else { return false }
            indices.append(Int(i))
        }
        var raw: [(offset: Int, isDST: Bool, abbreviationIndex: Int)] = []
        for _ in 0..<h.typecnt {
            guard let off = r.u32(), let dst = r.u8(), let idx = r.u8() else { return false }
            let offset = Int(Int32(bitPattern: off))
            guard abs(offset) < 26 * 3600 else { return false }
            raw.append((offset, dst != 0, Int(idx)))
        }
        guard let chars = r.take(h.charcnt) else { return false }
        guard r.skip(h.leapcnt * (timeSize + 4) + h.isstdcnt + h.isutcnt) else { return false }
        // Transition times must increase; anything else is a damaged file.
        for i in times.indices.dropFirst() where times[i] <= times[i - 1] { return false }
        transitions = times
        transitionTypes = indices
        types = raw.map { t in
            var end = t.abbreviationIndex
            while end < chars.count, chars[end] != 0 { end += 1 }
            let name = t.abbreviationIndex < chars.count ? String(decoding: chars[t.abbreviationIndex..<end], as: UTF8.self) : ""
            return LocalType(offset: t.offset, isDST: t.isDST, abbreviation: name)
        }
        return true
    }

    private static func footer(_ r: inout ByteReader) -> PosixTZ? {
        guard r.u8() == 0x0A, let text = r.line(limit: 256) else { return nil }
        return PosixTZ(text)
    }
}

/// A POSIX TZ string as TZif footers carry it: `CET-1CEST,M3.5.0,M10.5.0/3`, `<+0530>-5:30`,
/// `AEST-10AEDT,M10.1.0,M4.1.0/3`, `EST5EDT,M3.2.0,M11.1.0`.
struct PosixTZ: Sendable, Hashable {
    var standardName: String
    /// Seconds east of UTC (POSIX writes west as positive; stored the other way round).
    var standardOffset: Int
    var dstName: String?
    var dstOffset: Int
    var start: Rule?
    var end: Rule?

    /// When a change happens: a rule day, and the local time of day (seconds, may be negative or past 24 h).
    struct Rule: Sendable, Hashable {
        enum Day: Sendable, Hashable {
            /// `Mm.w.d`: day `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
            case monthWeekDay(month: Int, week: Int, weekday: Int)
            /// `Jn`: day 1…365, February 29 never counted.
            case julian(Int)
            /// `n`: day 0…365, February 29 counted in leap years.
            case zeroBased(Int)
        }
        var day: Day
        var time: Int
    }

    init?(_ text: String) {
        var s = Substring(text)
        guard let std = Self.name(&s), let stdOff = Self.offset(&s) else { return nil }
        standardName = std
        standardOffset = -stdOff
        guard !s.isEmpty else {
            dstOffset = standardOffset
            return
        }
        guard let dst = Self.name(&s) else { return nil }
        dstName = dst
        if let off = Self.offset(&s) { dstOffset = -off } else { dstOffset = standardOffset + 3600 }
        guard s.first == ",", case let rest = s.dropFirst(), let comma = rest.firstIndex(of: ","),
              let a = Self.rule(rest[..<comma]), let b = Self.rule(rest[rest.index(after: comma)...]) else {
            // A DST name with no rules: POSIX leaves the dates to the implementation; take none.
            return
        }
        start = a
        end = b
    }

    func local(at t: Int64) -> (offset: Int, abbreviation: String) {
        guard let start, let end, let dstName else { return (standardOffset, standardName) }
        let year = Self.year(ofLocal: t + Int64(standardOffset))
        // The change instants in UTC: a start in standard time, an end in DST.
        let begins = Self.instant(start, year: year) - Int64(standardOffset)
        let ends = Self.instant(end, year: year) - Int64(dstOffset)
        let inDST = begins < ends ? (t >= begins && t < ends) : !(t >= ends && t < begins)
        return inDST ? (dstOffset, dstName) : (standardOffset, standardName)
    }

    // MARK: parsing

    private static func name(_ s: inout Substring) -> String? {
        if s.first == "<" {
            guard let close = s.firstIndex(of: ">") else { return nil }
            let n = String(s[s.index(after: s.startIndex)..<close])
            s = s[s.index(after: close)...]
            return n.isEmpty ? nil : n
        }
        let n = s.prefix { $0.isLetter }
        guard n.count >= 3 else { return nil }
        s = s.dropFirst(n.count)
        return String(n)
    }

    /// `[+-]hh[:mm[:ss]]` as seconds.
    private static func offset(_ s: inout Substring) -> Int? {
        var sign = 1
        if s.first == "+" { s = s.dropFirst() } else if s.first == "-" { sign = -1; s = s.dropFirst() }
        guard let v = clock(&s) else { return nil }
        return sign * v
    }

    private static func clock(_ s: inout Substring) -> Int? {
        var parts: [Int] = []
        while parts.count < 3 {
            let digits = s.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 3, let v = Int(digits) else { break }
            parts.append(v)
            s = s.dropFirst(digits.count)
            guard s.first == ":" else { break }
            s = s.dropFirst()
        }
        guard let h = parts.first, h <= 167 else { return nil }
        let m = parts.count > 1 ? parts[1] : 0, sec = parts.count > 2 ? parts[2] : 0
        guard m < 60, sec < 60 else { return nil }
        return h * 3600 + m * 60 + sec
    }

    private static func rule(_ text: Substring) -> Rule? {
        var s = text
        let day: Rule.Day
        if s.first == "M" {
            let fields = s.dropFirst().prefix { $0 != "/" }.split(separator: ".")
            guard fields.count == 3, let m = Int(fields[0]), let w = Int(fields[1]), let d = Int(fields[2]),
                  (1...12).contains(m), (1...5).contains(w), (0...6).contains(d) else { return nil }
            day = .monthWeekDay(month: m, week: w, weekday: d)
            s = s.drop { $0 != "/" }
        } else if s.first == "J" {
            let digits = s.dropFirst().prefix { $0.isNumber }
            guard let n = Int(digits), (1...365).contains(n) else { return nil }
            day = .julian(n)
            s = s.dropFirst(1 + digits.count)
        } else {
            let digits = s.prefix { $0.isNumber }
            guard let n = Int(digits), (0...365).contains(n) else { return nil }
            day = .zeroBased(n)
            s = s.dropFirst(digits.count)
        }
        var time = 7200
        if s.first == "/" {
            s = s.dropFirst()
            guard let t = offset(&s) else { return nil }
            time = t
        }
        guard s.isEmpty else { return nil }
        return Rule(day: day, time: time)
    }

    // MARK: calendar (proleptic Gregorian, days since 1970-01-01)

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func year(ofLocal t: Int64) -> Int {
        let days = Int(t >= 0 ? t / 86400 : (t - 86399) / 86400)
        var y = 1970 + days / 366
        while daysFromCivil(y + 1, 1, 1) <= days { y += 1 }
        while daysFromCivil(y, 1, 1) > days { y -= 1 }
        return y
    }

    /// The rule's local instant in `year`, as seconds since the epoch of that local time.
    static func instant(_ rule: Rule, year: Int) -> Int64 {
        let day: Int
        switch rule.day {
        case .julian(let n):
            // Day n of a 365-day year: after February, skip the 29th in leap years.
            day = daysFromCivil(year, 1, 1) + n - 1 + (isLeap(year) && n >= 60 ? 1 : 0)
        case .zeroBased(let n):
            day = daysFromCivil(year, 1, 1) + n
        case .monthWeekDay(let m, let w, let d):
            let first = daysFromCivil(year, m, 1)
            let firstWeekday = ((first % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
            var date = first + (d - firstWeekday + 7) % 7 + (w - 1) * 7
            let nextMonth = m == 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, m + 1, 1)
            while date >= nextMonth { date -= 7 }
            day = date
        }
        return Int64(day) * 86400 + Int64(rule.time)
    }
}

/// Bounds-checked big-endian reads over untrusted bytes.
struct ByteReader {
    private let bytes: [UInt8]
    private var at = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ n: Int) -> [UInt8]? {
        guard n >= 0, n <= bytes.count - at else { return nil }
        defer { at += n }
        return Array(bytes[at..<(at + n)])
    }

    mutating func skip(_ n: Int) -> Bool {
        guard n >= 0, n <= bytes.count - at else { return false }
        at += n
        return true
    }

    mutating func u8() -> UInt8? { take(1)?.first }

    mutating func u32() -> UInt32? {
        take(4).map { $0.reduce(0) { $0 << 8 | UInt32($1) } }
    }

    mutating func u64() -> UInt64? {
        take(8).map { $0.reduce(0) { $0 << 8 | UInt64($1) } }
    }

    /// Bytes up to the next newline (consumed), as text.
    mutating func line(limit: Int) -> String? {
        var end = at
        while end < bytes.count, bytes[end] != 0x0A, end - at < limit { end += 1 }
        guard end < bytes.count, bytes[end] == 0x0A else { return nil }
        defer { at = end + 1 }
        return String(decoding: bytes[at..<end], as: UTF8.self)
    }
}
