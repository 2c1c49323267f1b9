/// Writes entries the way `journalctl -o export` and `-o json --all` (systemd 252) print
/// them, byte for byte for export.
public enum ExportFormat {
    /// Appends one entry in journal export format.
    public static func appendExport(_ e: JournalEntry, to out: inout [UInt8]) {
        appendASCII("__CURSOR=", &out); appendASCII(e.cursor, &out); out.append(10)
        appendASCII("__REALTIME_TIMESTAMP=\(e.realtime)\n", &out)
        appendASCII("__MONOTONIC_TIMESTAMP=\(e.monotonic)\n", &out)
        appendASCII("_BOOT_ID=\(e.bootID)\n", &out)
        for f in e.fields {
            // The boot ID was printed from the entry header already.
            if f.name == "_BOOT_ID" { continue }
            let name = Array(f.name.utf8)
            if isPrintable(name, allowNewline: false) && isPrintable(f.value, allowNewline: false) {
                out.append(contentsOf: name)
                out.append(UInt8(ascii: "="))
                out.append(contentsOf: f.value)
            } else {
                out.append(contentsOf: name)
                out.append(10)
                withUnsafeBytes(of: UInt64(f.value.count).littleEndian) { out.append(contentsOf: $0) }
                out.append(contentsOf: f.value)
            }
            out.append(10)
        }
        out.append(10)
    }

    /// Appends one entry as a JSON object and a newline (`-o json --all`).
    public static func appendJSON(_ e: JournalEntry, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        appendASCII("\"__CURSOR\":", &out); appendJSONString(Array(e.cursor.utf8), &out)
        appendASCII(",\"__REALTIME_TIMESTAMP\":\"\(e.realtime)\"", &out)
        appendASCII(",\"__MONOTONIC_TIMESTAMP\":\"\(e.monotonic)\"", &out)
        appendASCII(",\"_BOOT_ID\":\"\(e.bootID)\"", &out)
        // Repeated fields become one array, in first-appearance order.
        var order: [String] = []
        var values: [String: [[UInt8]]] = [:]
        for f in e.fields where f.name != "_BOOT_ID" {
            if values[f.name] == nil { order.append(f.name) }
            values[f.name, default: []].append(f.value)
        }
        for name in order {
            guard let vs = values[name] else { continue }
            out.append(UInt8(ascii: ","))
            appendJSONString(Array(name.utf8), &out)
            out.append(UInt8(ascii: ":"))
            if vs.count == 1 {
                appendJSONValue(vs[0], &out)
            } else {
                out.append(UInt8(ascii: "["))
                for (i, v) in vs.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    appendJSONValue(v, &out)
                }
                out.append(UInt8(ascii: "]"))
            }
        }
        out.append(contentsOf: [UInt8(ascii: "}"), 10])
    }

    private static func appendJSONValue(_ v: [UInt8], _ out: inout [UInt8]) {
        if isPrintable(v, allowNewline: true) {
            appendJSONString(v, &out)
        } else {
            out.append(UInt8(ascii: "["))
            for (i, b) in v.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendASCII(String(b), &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    static func appendJSONString(_ s: [UInt8], _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case 92: out.append(contentsOf: [92, 92])
            case 10: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 13: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 9: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<32:
                let hexDigits = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hexDigits[Int(b >> 4)], hexDigits[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func appendASCII(_ s: String, _ out: inout [UInt8]) { out.append(contentsOf: s.utf8) }

    /// systemd's `utf8_is_printable_newline`: valid UTF-8 with no control characters
    /// other than tab (and newline when allowed), no surrogates or non-characters.
    public static func isPrintable(_ s: [UInt8], allowNewline: Bool) -> Bool {
        s.withUnsafeBytes { isPrintable($0, allowNewline: allowNewline) }
    }

    /// `isPrintable` over bytes where they lie (a value in the mapped file).
    public static func isPrintable(_ s: UnsafeRawBufferPointer, allowNewline: Bool) -> Bool {
        var i = 0
        let n = s.count
        while i < n {
            let b0 = s[i]
            if b0 < 0x80 {
                if b0 < 0x20 {
                    if b0 == 9 || (b0 == 10 && allowNewline) { i += 1; continue }
                    return false
                }
                if b0 == 0x7F { return false }
                i += 1
                continue
            }
            let len: Int
            var cp: UInt32
            if b0 & 0xE0 == 0xC0 { len = 2; cp = UInt32(b0 & 0x1F) }
            else if b0 & 0xF0 == 0xE0 { len = 3; cp = UInt32(b0 & 0x0F) }
            else if b0 & 0xF8 == 0xF0 { len = 4; cp = UInt32(b0 & 0x07) }
            else { return false }
            guard i + len <= n else { return false }
            for k in 1..<len {
                let b = s[i + k]
                guard b & 0xC0 == 0x80 else { return false }
                cp = cp << 6 | UInt32(b & 0x3F)
            }
            // Overlong forms, surrogates, out of range, non-characters, C1 controls.
            let minimum: UInt32 = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000
            if cp < minimum || cp >= 0x110000 || (cp & 0xFFFF_F800) == 0xD800 { return false }
            if (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE { return false }
            if cp >= 0x80 && cp <= 0x9F { return false }
            i += len
        }
        return true
    }
}
