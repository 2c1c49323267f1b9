/// Numbers, durations and sizes written for people: `320,245`, `4 min 12 s`, `12.3 GiB`. The one
/// such formatter: the analysis's notes and findings and every report format write them alike.
package enum HumanFormat {
    /// An integer with thousands separators.
    package static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    /// A rate (per second, say) as precise as its size calls for: `414`, `56.2`, `0.033`. A few
    /// processes over a short journal must not read as `0/s` beside a finite time to use every PID.
    package static func rate(_ value: Double) -> String {
        let m = value.magnitude
        guard m.isFinite, m > 0, m < 100 else { return number(value, decimals: 0) }
        if m >= 1 { return number(value, decimals: 1) }
        // Two significant digits below one (six decimals at most).
        var decimals = 2
        var scaled = m * 100
        while scaled < 10, decimals < 6 {
            scaled *= 10
            decimals += 1
        }
        return number(value, decimals: decimals)
    }

    /// A non-negative quantity with up to `decimals` fractional digits (trailing zeros dropped)
    /// and thousands separators in the integer part.
    package static func number(_ value: Double, decimals: Int = 1) -> String {
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
    package static func duration(seconds: Double) -> String {
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
    package static func kibibytes(_ kb: Int) -> String {
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
    package static func shortID(_ id: String) -> String {
        id.count > 12 ? String(id.prefix(12)) + "…" : id
    }
}
