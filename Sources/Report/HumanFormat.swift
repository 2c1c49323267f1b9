import Analysis

/// Numbers, durations and sizes written for people: `320,245`, `4 min 12 s`, `12.3 GiB`.
enum HumanFormat {
    /// An integer with thousands separators.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    /// A non-negative quantity with up to `decimals` fractional digits (trailing zeros dropped)
    /// and thousands separators in the integer part.
    static func number(_ value: Double, decimals: Int = 1) -> String {
        guard value.isFinite else { return value.isNaN ? "n/a" : (value < 0 ? "-∞" : "∞") }
        var scale = 1.0
        for _ in 0..<max(0, decimals) { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        guard rounded.magnitude < 1e15 else { return String(rounded) }
        let whole = Int(rounded.magnitude)
        let fraction = Int(((rounded.magnitude - Double(whole)) * scale).rounded())
        var text = count(whole)
        if decimals > 0, fraction > 0 {
            var digits = String(fraction)
            while digits.count < decimals { digits = "0" + digits }
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return rounded < 0 ? "-" + text : text
    }

    /// A span of time with its two most significant units: `350 ms`, `12 s`, `4 min 12 s`,
    /// `3 h 5 min`, `2 d 4 h`.
    static func duration(seconds: Double) -> String {
        guard seconds.isFinite else { return "n/a" }
        let sign = seconds < 0 ? "-" : ""
        let s = seconds.magnitude
        if s < 1 { return sign + "\(Int((s * 1000).rounded())) ms" }
        if s < 10, s != s.rounded() { return sign + number(s, decimals: 1) + " s" }
        // The smaller unit is rounded, so that 24 h 59 min 58 s reads 1 d 1 h, not 1 d.
        guard s < 1e15 else { return sign + number(s / 86400, decimals: 0) + " d" }
        func two(_ a: Int, _ ua: String, _ b: Int, _ ub: String) -> String {
            b == 0 ? "\(sign)\(a) \(ua)" : "\(sign)\(a) \(ua) \(b) \(ub)"
        }
        let seconds = Int(s.rounded())
        if seconds < 60 { return "\(sign)\(seconds) s" }
        if seconds < 3600 { return two(seconds / 60, "min", seconds % 60, "s") }
        let minutes = Int((s / 60).rounded())
        if minutes < 1440 { return two(minutes / 60, "h", minutes % 60, "min") }
        let hours = Int((s / 3600).rounded())
        return two(hours / 24, "d", hours % 24, "h")
    }

    /// A size given in KiB, in binary units: `512 KiB`, `1.5 MiB`, `12.3 GiB`.
    static func kibibytes(_ kb: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(kb)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return number(value, decimals: unit == 0 ? 0 : 1) + " " + units[unit]
    }

    /// The first 12 hex digits of a boot or machine ID, for headlines; the full ID elsewhere.
    static func shortID(_ id: String) -> String {
        id.count > 12 ? String(id.prefix(12)) + "…" : id
    }
}

/// Times printed in a `DisplayZone`.
struct ZonedClock: Sendable {
    let zone: DisplayZone

    /// Years 1 to 9999: what a four-digit clock can show, and safe for the calendar arithmetic.
    private static let printable: ClosedRange<Int64> = -62_135_596_800_000_000...253_402_300_799_999_999

    private func civil(_ t: Timestamp) -> CivilTime {
        let offset = Int64(max(min(zone.offsetSeconds(at: t), 86_400), -86_400)) * 1_000_000
        let clamped = min(max(t.microseconds, Self.printable.lowerBound), Self.printable.upperBound)
        return CivilTime(microseconds: min(max(clamped + offset, Self.printable.lowerBound), Self.printable.upperBound))
    }

    private static func pad(_ v: Int, _ n: Int) -> String {
        let s = String(v.magnitude)
        return (v < 0 ? "-" : "") + (s.count >= n ? s : String(repeating: "0", count: n - s.count) + s)
    }

    /// `13:01:40`.
    func time(_ t: Timestamp) -> String {
        let c = civil(t)
        return "\(Self.pad(c.hour, 2)):\(Self.pad(c.minute, 2)):\(Self.pad(c.second, 2))"
    }

    /// `13:01`.
    func hourMinute(_ t: Timestamp) -> String {
        let c = civil(t)
        return "\(Self.pad(c.hour, 2)):\(Self.pad(c.minute, 2))"
    }

    /// `2024-07-19`.
    func date(_ t: Timestamp) -> String {
        let c = civil(t)
        return "\(Self.pad(c.year, 4))-\(Self.pad(c.month, 2))-\(Self.pad(c.day, 2))"
    }

    /// `07-19`.
    func monthDay(_ t: Timestamp) -> String {
        let c = civil(t)
        return "\(Self.pad(c.month, 2))-\(Self.pad(c.day, 2))"
    }

    /// `2024-07-19 13:01:40`.
    func dateTime(_ t: Timestamp) -> String { date(t) + " " + time(t) }

    /// `2024-07-19 13:01:40 UTC`: a time that stands alone, with its zone.
    func labelled(_ t: Timestamp) -> String { dateTime(t) + " " + zone.name(at: t) }

    /// ISO 8601 with microseconds in the display zone: `…Z` for UTC, `…+02:00` otherwise.
    func iso8601(_ t: Timestamp) -> String {
        let c = civil(t)
        let offset = zone.offsetSeconds(at: t)
        let base = "\(Self.pad(c.year, 4))-\(Self.pad(c.month, 2))-\(Self.pad(c.day, 2))T"
            + "\(Self.pad(c.hour, 2)):\(Self.pad(c.minute, 2)):\(Self.pad(c.second, 2)).\(Self.pad(c.microsecond, 6))"
        if case .utc = zone { return base + "Z" }
        let sign = offset < 0 ? "-" : "+"
        let m = offset.magnitude / 60
        return base + sign + Self.pad(Int(m / 60), 2) + ":" + Self.pad(Int(m % 60), 2)
    }

    /// True when every time falls on one calendar day in this zone, so a clock time alone is unambiguous.
    func sameDay(_ times: [Timestamp]) -> Bool {
        guard let first = times.first else { return true }
        let day = date(first)
        return times.allSatisfy { date($0) == day }
    }
}

extension Timestamp {
    /// Seconds from `a` to `b`, computed in floating point so that no pair of times can overflow.
    static func seconds(from a: Timestamp, to b: Timestamp) -> Double {
        (Double(b.microseconds) - Double(a.microseconds)) / 1_000_000
    }

    /// The instant `seconds` after the epoch, clamped to what a `Timestamp` holds (0 for NaN).
    static func clamped(seconds: Double) -> Timestamp {
        guard seconds.isFinite else { return Timestamp(microseconds: seconds.isNaN ? 0 : (seconds < 0 ? .min : .max)) }
        let us = seconds * 1_000_000
        if us >= 9.2e18 { return Timestamp(microseconds: .max) }
        if us <= -9.2e18 { return Timestamp(microseconds: .min) }
        return Timestamp(microseconds: Int64(us))
    }
}
