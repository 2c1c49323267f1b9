import Analysis
import Foundation
import Inputs
import Report

/// Why a command-line value could not be used; each is a usage error (exit 2).
public enum ArgumentError: Error, Equatable, CustomStringConvertible {
    /// `--since`/`--until` in none of the forms journalctl accepts.
    case unreadableTime(String)
    /// A time or span that is a number but lies outside years 1970…9999 (`@1e300`, `@nan`).
    case timeOutOfRange(String)
    /// `--tz` names no zone, or an offset beyond ±14:00.
    case unknownZone(String)
    /// `--memory-budget` (or `POSTMORTEM_MEMORY_BUDGET`, named in `source`) is not a size, or
    /// is outside the sizes a budget may have.
    case badMemoryBudget(String, source: String)

    public var description: String {
        switch self {
        case .unreadableTime(let t):
            return "cannot read time '\(Console.printable(t))': use 'YYYY-MM-DD [HH:MM[:SS]]', 'HH:MM', "
                + "now, today, yesterday, tomorrow, '-1h', '+5min', '2 days ago' or '@UNIX-SECONDS'"
        case .timeOutOfRange(let t):
            return "time '\(Console.printable(t))' is outside the years 1970 to 9999"
        case .unknownZone(let z):
            return "unknown zone '\(Console.printable(z))': use UTC, local, an offset such as +02:00, or a name such as Europe/Berlin"
        case .badMemoryBudget(let v, let source):
            return "\(source): '\(Console.printable(v))' is not a memory budget: give a size from "
                + "\(MemoryBudget.format(MemoryBudget.minimum).replacingOccurrences(of: " MiB", with: "M")) to "
                + "\(MemoryBudget.format(MemoryBudget.maximum).replacingOccurrences(of: " TiB", with: "T")), as in 512M or 2G"
        }
    }
}

/// Parsing of the command line's time and zone arguments, kept here so it is testable.
public enum Arguments {
    /// The latest instant a time argument may name: 9999-12-31T23:59:59Z, in seconds.
    static let latestSeconds: Double = 253_402_300_799

    /// `--since`/`--until` in journalctl's forms (systemd.time(7)): `2024-07-19 07:52:28`,
    /// `2024-07-19 07:52`, `2024-07-19` (midnight), `07:52` (today), ISO 8601 with `T` and
    /// `Z` or an offset, `now`, `today`, `yesterday`, `tomorrow`, `-1h`, `+5min`,
    /// `2 days ago`, `@1721375548` (Unix seconds). A trailing `UTC` or zone name reads the
    /// time in that zone; otherwise it is read in `zone`.
    public static func time(_ text: String, zone: DisplayZone, now: Timestamp = .now) throws(ArgumentError) -> Timestamp {
        var t = text.trimmingCharacters(in: .whitespaces)
        let original = t
        let lower = t.lowercased()
        switch lower {
        case "now": return now
        case "today", "yesterday", "tomorrow":
            let midnight = startOfDay(containing: now, zone: zone)
            let day: Int64 = lower == "today" ? 0 : lower == "yesterday" ? -1 : 1
            // The civil day is shifted, not the instant, so a daylight-saving change is kept.
            return localToInstant(CivilTime(microseconds: midnight + day * 86_400_000_000), zone: zone)
        default: break
        }
        if t.hasPrefix("@") {
            guard let s = Double(t.dropFirst()) else { throw .unreadableTime(original) }
            guard s.isFinite, s >= 0, s <= latestSeconds else { throw .timeOutOfRange(original) }
            return Timestamp(microseconds: Int64((s * 1_000_000).rounded(.down)))
        }
        if let first = t.first, first == "+" || first == "-", let span = try span(String(t.dropFirst()), original) {
            return try offset(now, by: first == "-" ? -span : span, original)
        }
        if lower.hasSuffix(" ago"), let span = try span(String(t.dropLast(4)), original) {
            return try offset(now, by: -span, original)
        }
        // A trailing zone: `… UTC`, `… Europe/Berlin`.
        var readZone = zone
        if let space = t.lastIndex(of: " ") {
            let tail = String(t[t.index(after: space)...])
            if tail.uppercased() == "UTC" || tail == "Z" {
                readZone = .utc
                t = String(t[..<space])
            } else if tail.contains("/"), TimeZone(identifier: tail) != nil {
                readZone = .named(tail)
                t = String(t[..<space])
            }
        }
        return try calendarTime(t, zone: readZone, now: now, original: original)
    }

    /// `YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]`, `HH:MM[:SS]` (today), or ISO 8601 with its own offset.
    private static func calendarTime(_ t: String, zone: DisplayZone, now: Timestamp, original: String) throws(ArgumentError) -> Timestamp {
        var iso = t.replacingOccurrences(of: " ", with: "T")
        let b = Array(iso.utf8)
        let isClock = b.count >= 5 && b.count <= 8 && b.count > 2 && b[2] == UInt8(ascii: ":")
        if isClock {
            let today = CivilTime(microseconds: startOfDay(containing: now, zone: zone))
            func pad(_ v: Int, _ n: Int) -> String { String(repeating: "0", count: max(0, n - String(v).count)) + String(v) }
            iso = "\(pad(today.year, 4))-\(pad(today.month, 2))-\(pad(today.day, 2))T" + iso
        }
        switch iso.utf8.count {
        case 10: iso += "T00:00:00"
        case 16: iso += ":00"
        default: break
        }
        let tail = iso.utf8.dropFirst(19)
        let hasOffset = iso.hasSuffix("Z") || tail.contains(UInt8(ascii: "+")) || tail.contains(UInt8(ascii: "-"))
        if hasOffset {
            guard let us = CivilTime.parseISO8601(iso), iso.utf8.count <= 32 else { throw .unreadableTime(original) }
            return Timestamp(microseconds: us)
        }
        guard let us = CivilTime.parseISO8601(iso + "Z"), iso.utf8.count <= 26 else { throw .unreadableTime(original) }
        let civil = CivilTime(microseconds: us)
        guard civil.year >= 1970 else { throw .timeOutOfRange(original) }
        return localToInstant(civil, zone: zone)
    }

    /// A systemd time span (`1h`, `5min`, `1h 30min`, `2 days`, `90`) in microseconds; `nil`
    /// when the text is not a span at all.
    static func span(_ text: String, _ original: String) throws(ArgumentError) -> Int64? {
        let units: [(names: [String], usec: Int64)] = [
            (["us", "usec"], 1), (["ms", "msec"], 1_000),
            (["s", "sec", "second", "seconds"], 1_000_000), (["m", "min", "minute", "minutes"], 60_000_000),
            (["h", "hr", "hour", "hours"], 3_600_000_000), (["d", "day", "days"], 86_400_000_000),
            (["w", "week", "weeks"], 604_800_000_000), (["M", "month", "months"], 2_629_800_000_000),
            (["y", "year", "years"], 31_557_600_000_000),
        ]
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return nil }
            rest = rest.dropFirst(digits.count).drop { $0 == " " }
            let name = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(name.count).drop { $0 == " " }
            let unit: Int64
            if name.isEmpty {
                unit = 1_000_000
            } else if let u = units.first(where: { $0.names.contains(String(name)) }) {
                unit = u.usec
            } else if let u = units.first(where: { $0.names.contains(name.lowercased()) }) {
                unit = u.usec
            } else {
                return nil
            }
            guard let n = Int64(digits) else { throw .timeOutOfRange(original) }
            let (product, o1) = n.multipliedReportingOverflow(by: unit)
            let (sum, o2) = total.addingReportingOverflow(product)
            guard !o1, !o2 else { throw .timeOutOfRange(original) }
            total = sum
        }
        return total
    }

    private static func offset(_ now: Timestamp, by span: Int64, _ original: String) throws(ArgumentError) -> Timestamp {
        let (us, overflow) = now.microseconds.addingReportingOverflow(span)
        guard !overflow, us >= 0, us <= Int64(latestSeconds) * 1_000_000 else { throw .timeOutOfRange(original) }
        return Timestamp(microseconds: us)
    }

    /// Midnight of the civil day of `t` in `zone`, as the local civil microseconds.
    private static func startOfDay(containing t: Timestamp, zone: DisplayZone) -> Int64 {
        let local = t.microseconds + Int64(zone.offsetSeconds(at: t)) * 1_000_000
        let day = local >= 0 ? local / 86_400_000_000 : (local - 86_399_999_999) / 86_400_000_000
        return day * 86_400_000_000
    }

    /// The instant a civil time in `zone` names; in a daylight-saving gap or overlap, the
    /// offset found after one correction (the later reading), as `date -d` does.
    static func localToInstant(_ civil: CivilTime, zone: DisplayZone) -> Timestamp {
        let local = civil.microsecondsSinceEpoch
        let first = Timestamp(microseconds: local - Int64(zone.offsetSeconds(at: Timestamp(microseconds: local))) * 1_000_000)
        return Timestamp(microseconds: local - Int64(zone.offsetSeconds(at: first)) * 1_000_000)
    }

    /// `--tz`: `UTC`, `local`, `+02:00` / `-0500` (at most ±14:00), or a zone name such as `Europe/Berlin`.
    public static func zone(_ text: String) throws(ArgumentError) -> DisplayZone {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.uppercased() == "UTC" || t == "Z" { return .utc }
        if t.lowercased() == "local" { return .local }
        if let first = t.first, first == "+" || first == "-" {
            let body = t.dropFirst()
            let digits = body.filter(\.isNumber)
            let shapeOK = body.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ":") }
                && (digits.count == 4 || digits.count == 2) && body.filter({ $0 == ":" }).count <= 1
            guard shapeOK, let v = Int(digits) else { throw .unknownZone(text) }
            let (hours, minutes) = digits.count == 4 ? (v / 100, v % 100) : (v, 0)
            guard minutes < 60, hours * 60 + minutes <= 14 * 60 else { throw .unknownZone(text) }
            return .fixed(offsetSeconds: (first == "-" ? -1 : 1) * (hours * 60 + minutes) * 60, name: t)
        }
        // A named zone keeps its daylight-saving rules: the offset is the one at each time shown.
        if !t.isEmpty, TimeZone(identifier: t) != nil { return .named(t) }
        throw .unknownZone(text)
    }

    /// The environment variable that gives the memory budget when `--memory-budget` is not given.
    public static let memoryBudgetVariable = "POSTMORTEM_MEMORY_BUDGET"

    /// `--memory-budget`: bytes, or a number with K, M, G or T (powers of 1024; `KiB`, `MB`,
    /// `g` read the same), within `MemoryBudget.minimum...maximum`. Without `text`, the
    /// environment's `POSTMORTEM_MEMORY_BUDGET`, else the standard 1 GiB.
    public static func memoryBudget(_ text: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ArgumentError) -> MemoryBudget {
        let source: String
        let value: String
        if let text {
            (source, value) = ("--memory-budget", text)
        } else if let env = environment[memoryBudgetVariable] {
            (source, value) = (memoryBudgetVariable, env)
        } else {
            return .standard
        }
        let t = value.trimmingCharacters(in: .whitespaces)
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        var unit = t.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).uppercased()
        if unit.hasSuffix("IB") { unit.removeLast(2) } else if unit.count == 2, unit.hasSuffix("B") { unit.removeLast() }
        let shifts: [String: Int] = ["": 0, "B": 0, "K": 10, "M": 20, "G": 30, "T": 40]
        guard !digits.isEmpty, digits.count <= 18, let n = Int(digits), let shift = shifts[unit] else {
            throw .badMemoryBudget(value, source: source)
        }
        // Checked: `--memory-budget 99999999999T` is refused, not wrapped around.
        let (bytes, overflow) = n.multipliedReportingOverflow(by: 1 << shift)
        guard !overflow, let budget = MemoryBudget(bytes: bytes) else { throw .badMemoryBudget(value, source: source) }
        return budget
    }

    /// `--boot`: `auto`, `all`, `0`, `-1`, an index `3`, or a boot ID (or a unique prefix of one).
    public static func boot(_ text: String) -> BootSelection? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t.isEmpty || t == "auto" { return .auto }
        if t == "all" { return .all }
        if let n = Int(t) { return n <= 0 ? .offset(n) : .index(n) }
        if t.count >= 6, t.count <= 36, t.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
            return .id(t.replacingOccurrences(of: "-", with: ""))
        }
        return nil
    }
}
