import Analysis

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

    /// `[246.756]`: the kernel's own stamp, seconds since it started, as dmesg prints it, for a
    /// line that has no wall-clock time (a console log's).
    static func uptime(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e12 else { return "[?]" }
        let ms = Int64((seconds * 1000).rounded())
        return "[\(ms / 1000).\(pad(Int(ms % 1000), 3))]"
    }

    /// What an uptime stamp is, for a caption.
    static let uptimeCaption = "[seconds] since the kernel started (the logs carry no wall-clock time)"

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
