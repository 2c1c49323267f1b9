/// Plain-text layout: making untrusted strings safe for a terminal, wrapping, truncating and padding.
/// Widths count `Character`s, which is right for the ASCII and Latin text logs are mostly made of.
public enum TextLayout {
    /// Log text can carry escape sequences and control bytes; printed raw they would drive the
    /// reader's terminal. Newlines and tabs become spaces, other controls a visible `\xNN`.
    public static func terminalSafe(_ s: String) -> String {
        var needsWork = false
        for u in s.unicodeScalars where isControl(u) {
            needsWork = true
            break
        }
        guard needsWork else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if u == "\n" || u == "\t" || u == "\r" {
                out.append(" ")
            } else if isControl(u) {
                let hex = String(u.value, radix: 16)
                let shown = u.value > 0xFF ? "\\u" + hex : "\\x" + (hex.count < 2 ? "0" + hex : hex)
                out.append(contentsOf: shown.unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    /// C0 and C1 controls, DEL, and the bidirectional formatting characters (embeddings,
    /// overrides, isolates, marks), which can make a line read backwards ("Trojan Source").
    static func isControl(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0..<0x20, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// `s` cut to at most `width` characters, ending in `…` when cut.
    static func truncate(_ s: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        guard s.count > width else { return s }
        return String(s.prefix(width - 1)) + "…"
    }

    /// `s` padded with spaces to `width` (on the left when `right` is set); never cut.
    static func pad(_ s: String, to width: Int, right: Bool = false) -> String {
        let n = width - s.count
        guard n > 0 else { return s }
        let spaces = String(repeating: " ", count: n)
        return right ? spaces + s : s + spaces
    }

    /// Words of `s` filled into lines of at most `width` characters. A word longer than a
    /// line (a path, a cursor) stands alone on its line whole: cut in two it could no longer
    /// be copied, and a terminal folds it without losing a character.
    static func wrap(_ s: String, width: Int) -> [String] {
        let width = max(width, 1)
        var lines: [String] = []
        var line = ""
        for word in s.split(separator: " ", omittingEmptySubsequences: true) {
            if word.count > width {
                if !line.isEmpty { lines.append(line) }
                lines.append(String(word))
                line = ""
                continue
            }
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// `s` wrapped to `width` with `first` before the first line and `rest` (usually spaces of
    /// the same length) before the others.
    static func hanging(_ s: String, first: String, rest: String, width: Int) -> [String] {
        let body = wrap(s, width: width - max(first.count, rest.count))
        return body.enumerated().map { ($0.offset == 0 ? first : rest) + $0.element }
    }
}

/// ANSI SGR styles, applied only when the options ask for colour. Styles wrap text that is already
/// laid out, so colour never changes a line's width.
struct Styler: Sendable {
    let enabled: Bool

    enum Style: String {
        case bold = "1", dim = "2", red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", cyan = "36"
        case boldRed = "1;31", boldGreen = "1;32", boldYellow = "1;33"
    }

    func apply(_ style: Style, _ s: String) -> String {
        guard enabled, !s.isEmpty else { return s }
        return "\u{1B}[\(style.rawValue)m\(s)\u{1B}[0m"
    }
}
