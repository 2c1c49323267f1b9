#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in UTC time with microsecond precision, as the journal keeps it.
/// Encoded in JSON as ISO 8601 with microseconds and a `Z` (`2024-07-19T07:52:28.123456Z`).
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Microseconds since the Unix epoch.
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public init(journalRealtime: UInt64) { self.microseconds = Int64(clamping: journalRealtime) }

    public var seconds: Double { Double(microseconds) / 1_000_000 }

    /// This machine's clock now (for relative command-line times such as `-1h`).
    public static var now: Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microseconds < b.microseconds }

    /// ISO 8601 in UTC with six fractional digits.
    public var iso8601: String {
        let c = CivilTime(microseconds: microseconds)
        return c.iso8601(offsetSeconds: 0)
    }

    public var description: String { iso8601 }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let us = CivilTime.parseISO8601(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not an ISO 8601 time: \(text)"))
        }
        microseconds = us
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso8601)
    }
}

/// Proleptic Gregorian calendar arithmetic in UTC, without Foundation, so that the same
/// instant prints the same way on every machine.
public struct CivilTime: Sendable, Equatable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second, self.microsecond) =
            (year, month, day, hour, minute, second, microsecond)
    }

    /// Times outside years 1…9999 (only a corrupt file holds them) are clamped to that range,
    /// so that printing never overflows.
    public init(microseconds: Int64) {
        let us = Int(min(max(microseconds, -62_135_596_800_000_000), 253_402_300_799_999_999))
        var secs = us >= 0 ? us / 1_000_000 : (us - 999_999) / 1_000_000
        let micro = us - secs * 1_000_000
        var days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        secs -= days * 86400
        // Howard Hinnant's civil_from_days.
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.init(year: y, month: m, day: d, hour: secs / 3600, minute: secs / 60 % 60, second: secs % 60,
                  microsecond: micro)
    }

    /// Days since 1970-01-01 for a civil date (Hinnant's days_from_civil).
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Microseconds since the epoch for this civil time read as UTC.
    public var microsecondsSinceEpoch: Int64 {
        let d = CivilTime.days(year: year, month: month, day: day)
        return Int64(((d * 24 + hour) * 60 + minute) * 60 + second) * 1_000_000 + Int64(microsecond)
    }

    func iso8601(offsetSeconds: Int) -> String {
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(microsecond, 6))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)` into microseconds since the epoch.
    public static func parseISO8601(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func num(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= b.count else { return nil }
            var v = 0
            for i in r {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 19, let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10),
              let h = num(11..<13), let mi = num(14..<16), let s = num(17..<19),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        var i = 19
        var micro = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 6 { micro = micro * 10 + Int(b[i] - 48); digits += 1 }
                i += 1
            }
            while digits < 6 { micro *= 10; digits += 1 }
        }
        var offset = 0
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                guard let oh = num(i + 1..<i + 3) else { return nil }
                let colon = i + 3 < b.count && b[i + 3] == UInt8(ascii: ":")
                let om = (colon ? num(i + 4..<i + 6) : num(i + 3..<i + 5)) ?? 0
                offset = sign * (oh * 60 + om) * 60
            }
        }
        let t = CivilTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s, microsecond: micro)
        return t.microsecondsSinceEpoch - Int64(offset) * 1_000_000
    }
}
