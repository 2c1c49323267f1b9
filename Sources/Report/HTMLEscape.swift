/// Escaping for HTML text and attribute values (and the SVG inside the page). Every string from a
/// report goes through `escape`: unit names, messages and paths come from the logs of a machine that
/// may have been compromised.
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\t": out += " "
            default:
                // Control characters are not allowed in HTML text; show that something was there.
                if TextLayout.isControl(u) { out += "\u{FFFD}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    /// A coordinate for SVG: one decimal, clamped so that odd data cannot print an exponent.
    static func coord(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (min(max(v, -1e6), 1e6) * 10).rounded() / 10
        let whole = Int(r)
        let tenth = Int(((r - Double(whole)) * 10).rounded().magnitude)
        let sign = r < 0 && whole == 0 ? "-" : ""
        return tenth == 0 ? sign + String(whole) : "\(sign)\(whole).\(tenth)"
    }
}
