import Analysis
import Foundation
import Report

/// Parsing of the command line's time and zone arguments, kept here so it is testable.
public enum Arguments {
    /// `--since`/`--until`: `2024-07-19T07:52:28Z`, `2024-07-19 07:52:28` (in `zone`),
    /// `2024-07-19`, or `@1721375548` (Unix seconds).
    public static func time(_ text: String, zone: DisplayZone) -> Timestamp? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("@"), let s = Double(t.dropFirst()) { return Timestamp(microseconds: Int64(s * 1_000_000)) }
        var iso = t.replacingOccurrences(of: " ", with: "T")
        if iso.count == 10 { iso += "T00:00:00" }
        let hasZone = iso.hasSuffix("Z") || iso.dropFirst(19).contains("+") || iso.dropFirst(19).contains("-")
        if hasZone { return CivilTime.parseISO8601(iso).map(Timestamp.init(microseconds:)) }
        guard let local = CivilTime.parseISO8601(iso + "Z") else { return nil }
        let guess = Timestamp(microseconds: local)
        return Timestamp(microseconds: local - Int64(zone.offsetSeconds(at: guess)) * 1_000_000)
    }

    /// `--tz`: `UTC`, `local`, `+02:00` / `-0500`, or a zone name such as `Europe/Berlin`.
    public static func zone(_ text: String) -> DisplayZone? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.uppercased() == "UTC" || t == "Z" { return .utc }
        if t.lowercased() == "local" { return .local }
        if let first = t.first, first == "+" || first == "-" {
            let digits = t.dropFirst().filter(\.isNumber)
            guard digits.count == 4 || digits.count == 2, let v = Int(digits) else { return nil }
            let minutes = digits.count == 4 ? (v / 100) * 60 + v % 100 : v * 60
            return .fixed(offsetSeconds: (first == "-" ? -1 : 1) * minutes * 60, name: t)
        }
        // A named zone keeps its daylight-saving rules: the offset is the one at each time shown.
        if TimeZone(identifier: t) != nil { return .named(t) }
        return nil
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
