/// Proleptic Gregorian calendar arithmetic in UTC, without Foundation, so that the same
/// instant prints the same way on every machine. The one calendar of the package: the
/// kernel-log reader places syslog stamps with it, Analysis and Report print with it.
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

    public func iso8601(offsetSeconds: Int) -> String {
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

    // MARK: microsecond arithmetic for the kernel-log reader

    /// The civil date of a day number (Hinnant's civil_from_days).
    public static func civil(days z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    public static func usec(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, usec: UInt64 = 0) -> Int64 {
        let d = Int64(days(year: year, month: month, day: day))
        let s = d * 86400 + Int64(hour * 3600 + minute * 60 + second)
        return s * 1_000_000 + Int64(usec)
    }

    public static func year(ofUSec t: Int64) -> Int {
        let days = Int(floorDiv(t, 86_400_000_000))
        return civil(days: days).year
    }

    /// Moves a wall-clock time to another year, keeping month, day and time of day. Feb 29
    /// in a non-leap target year becomes Mar 1, as a syslog reader would have to guess.
    public static func replacingYear(_ t: Int64, with year: Int) -> Int64 {
        let dayUSec: Int64 = 86_400_000_000
        let days = Int(floorDiv(t, dayUSec))
        let within = t - Int64(days) * dayUSec
        let c = civil(days: days)
        return Int64(Self.days(year: year, month: c.month, day: c.day)) * dayUSec + within
    }

    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// `2024-02-19T12:58:01.123456Z` for notes.
    public static func iso(_ t: Int64) -> String {
        let dayUSec: Int64 = 86_400_000_000
        let days = Int(floorDiv(t, dayUSec))
        let within = t - Int64(days) * dayUSec
        let c = civil(days: days)
        let secs = within / 1_000_000
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year)-\(two(Int64(c.month)))-\(two(Int64(c.day)))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60))Z"
    }
}
