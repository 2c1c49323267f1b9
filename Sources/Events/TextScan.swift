import KernelLog

/// Small text helpers for log messages, written for speed on ASCII text without Foundation.
public enum TextScan {
    /// The text after `prefix` up to (not including) `terminator`, searching from the first `prefix`.
    static func between(_ text: Substring, after prefix: String, until terminator: Character) -> Substring? {
        guard let r = text.find(prefix) else { return nil }
        let rest = text[r.upperBound...]
        if let end = rest.firstIndex(of: terminator) { return rest[..<end] }
        return rest
    }

    /// The leading run of decimal digits, as an Int.
    static func leadingInt(_ text: Substring) -> Int? {
        var v = 0
        var n = 0
        for c in text.utf8 {
            guard c >= 48 && c <= 57 else { break }
            guard n < 18 else { return nil }
            v = v * 10 + Int(c - 48)
            n += 1
        }
        return n > 0 ? v : nil
    }

    /// `key=value` items separated by commas (as in `oom-kill:constraint=…,pid=1,uid=0`).
    static func commaItems(_ text: Substring) -> [Substring: Substring] {
        var out: [Substring: Substring] = [:]
        for item in text.split(separator: ",") {
            guard let eq = item.firstIndex(of: "=") else { continue }
            out[item[..<eq].trimmingSpaces()] = item[item.index(after: eq)...]
        }
        return out
    }

    /// True when `bytes` contains `needle`; a plain scan, the inputs are short messages.
    public static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, bytes.count >= needle.count else { return false }
        let last = bytes.count - needle.count
        var i = 0
        while i <= last {
            if bytes[i] == first {
                var j = 1
                while j < needle.count && bytes[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// True when `bytes` starts with `prefix`.
    public static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        guard bytes.count >= prefix.count else { return false }
        for i in 0..<prefix.count where bytes[i] != prefix[i] { return false }
        return true
    }

    /// True when `bytes` holds exactly `other`.
    @inline(__always)
    public static func equal(_ bytes: UnsafeRawBufferPointer?, _ other: [UInt8]) -> Bool {
        guard let bytes, bytes.count == other.count else { return false }
        for i in 0..<other.count where bytes[i] != other[i] { return false }
        return true
    }

    /// The bytes after the first `key` up to a space (trailing `.`/`,` dropped), as text.
    static func word(after key: [UInt8], in bytes: UnsafeRawBufferPointer) -> String? {
        guard let first = key.first, bytes.count >= key.count else { return nil }
        var i = 0
        while i + key.count <= bytes.count {
            if bytes[i] == first {
                var j = 1
                while j < key.count && bytes[i + j] == key[j] { j += 1 }
                if j == key.count {
                    var end = i + key.count
                    while end < bytes.count && bytes[end] != UInt8(ascii: " ") { end += 1 }
                    var last = end
                    while last > i + key.count, bytes[last - 1] == UInt8(ascii: ".") || bytes[last - 1] == UInt8(ascii: ",") {
                        last -= 1
                    }
                    return last > i + key.count ? String(decoding: bytes[(i + key.count)..<last], as: UTF8.self) : nil
                }
            }
            i += 1
        }
        return nil
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return s
    }
}

extension StringProtocol {
    /// `hasPrefix` by UTF-8 comparison: a Substring's `hasPrefix` walks Characters (grapheme
    /// breaking for every line read), and the texts compared here are ASCII.
    func startsUTF8(with prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }

    /// `hasSuffix` by UTF-8 comparison (see `startsUTF8`).
    func endsUTF8(with suffix: String) -> Bool {
        let n = suffix.utf8.count
        guard utf8.count >= n else { return false }
        return utf8[utf8.index(utf8.endIndex, offsetBy: -n)...].elementsEqual(suffix.utf8)
    }

    /// The first range of `needle`, by UTF-8 comparison (no Foundation).
    func find(_ needle: String) -> Range<Index>? {
        // A native string's bytes are contiguous: `memchr` over them, no copy of the needle.
        if let found = utf8.withContiguousStorageIfAvailable({ hay -> Int? in
            var n = needle
            return n.withUTF8 { ByteSearch.find(hay, $0) }
        }) {
            guard let offset = found else { return nil }
            let lower = utf8.index(utf8.startIndex, offsetBy: offset)
            return lower..<utf8.index(lower, offsetBy: needle.utf8.count)
        }
        return findByIndex(needle)
    }

    /// `find` for a string whose bytes are not contiguous (bridged), a byte at a time.
    func findByIndex(_ needle: String) -> Range<Index>? {
        let n = Array(needle.utf8)
        guard let first = n.first else { return nil }
        var i = startIndex
        while i < endIndex {
            if utf8[i] == first {
                var a = i
                var k = 0
                while k < n.count, a < endIndex, utf8[a] == n[k] {
                    a = utf8.index(after: a)
                    k += 1
                }
                if k == n.count { return i..<a }
            }
            i = utf8.index(after: i)
        }
        return nil
    }

    func has(_ needle: String) -> Bool { find(needle) != nil }
}
