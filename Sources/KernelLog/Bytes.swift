#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounds-checked cursor over one line of bytes. Every read checks `pos < end`, so a
/// line cut anywhere yields `nil`, never a trap.
struct ByteCursor {
    let base: UnsafeBufferPointer<UInt8>
    var pos: Int
    let end: Int

    init(_ base: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        self.base = base
        self.pos = Swift.max(0, range.lowerBound)
        self.end = Swift.min(base.count, Swift.max(self.pos, range.upperBound))
    }

    var atEnd: Bool { pos >= end }
    var remaining: Int { end - pos }

    func peek(_ offset: Int = 0) -> UInt8? {
        let i = pos &+ offset
        guard offset >= 0, i < end else { return nil }
        return base[i]
    }

    mutating func skip(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        pos += 1
        return true
    }

    mutating func skipSpaces() {
        while let b = peek(), b == 0x20 || b == 0x09 { pos += 1 }
    }

    /// Matches `literal` at the cursor and moves past it.
    mutating func skip(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard remaining >= n else { return false }
        let ok = literal.withUTF8Buffer { lit in
            for i in 0..<n where base[pos + i] != lit[i] { return false }
            return true
        }
        if ok { pos += n }
        return ok
    }

    /// Reads up to `maxDigits` decimal digits (at least one).
    mutating func readUInt(maxDigits: Int = 18) -> UInt64? {
        var value: UInt64 = 0
        var n = 0
        while n < maxDigits, let b = peek(), b >= 0x30, b <= 0x39 {
            value = value &* 10 &+ UInt64(b - 0x30)
            pos += 1
            n += 1
        }
        return n > 0 ? value : nil
    }

    /// Reads exactly `count` digits.
    mutating func readFixed(_ count: Int) -> Int? {
        var value = 0
        for i in 0..<count {
            guard let b = peek(i), b >= 0x30, b <= 0x39 else { return nil }
            value = value &* 10 &+ Int(b - 0x30)
        }
        pos += count
        return value
    }

    /// A fraction `.dddddd` as microseconds (extra digits dropped, fewer scaled up); the
    /// number of digits read is returned too.
    mutating func readFractionUSec() -> (usec: UInt64, digits: Int)? {
        guard peek() == 0x2E else { return nil }
        pos += 1
        var value: UInt64 = 0
        var n = 0
        while let b = peek(), b >= 0x30, b <= 0x39 {
            if n < 6 { value = value * 10 + UInt64(b - 0x30) }
            n += 1
            pos += 1
            if n > 12 { return nil }
        }
        guard n > 0 else { return nil }
        var scale = n
        while scale < 6 { value *= 10; scale += 1 }
        return (value, n)
    }

    /// Reads a token up to the next space; nil when empty.
    mutating func readToken() -> Range<Int>? {
        let start = pos
        while let b = peek(), b != 0x20, b != 0x09 { pos += 1 }
        return pos > start ? start..<pos : nil
    }
}

enum Bytes {
    static func string(_ base: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        let lo = Swift.max(0, range.lowerBound), hi = Swift.min(base.count, range.upperBound)
        guard lo < hi else { return "" }
        return String(decoding: UnsafeBufferPointer(rebasing: base[lo..<hi]), as: UTF8.self)
    }

    static func equals(_ base: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard range.count == n, range.lowerBound >= 0, range.upperBound <= base.count else { return false }
        return literal.withUTF8Buffer { lit in
            for i in 0..<n where base[range.lowerBound + i] != lit[i] { return false }
            return true
        }
    }

    static func hasPrefix(_ base: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard range.count >= n, range.lowerBound >= 0, range.upperBound <= base.count else { return false }
        return literal.withUTF8Buffer { lit in
            for i in 0..<n where base[range.lowerBound + i] != lit[i] { return false }
            return true
        }
    }

    /// Month number 1…12 from a three-letter English abbreviation.
    static func month(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        switch (a, b, c) {
        case (0x4A, 0x61, 0x6E): return 1   // Jan
        case (0x46, 0x65, 0x62): return 2   // Feb
        case (0x4D, 0x61, 0x72): return 3   // Mar
        case (0x41, 0x70, 0x72): return 4   // Apr
        case (0x4D, 0x61, 0x79): return 5   // May
        case (0x4A, 0x75, 0x6E): return 6   // Jun
        case (0x4A, 0x75, 0x6C): return 7   // Jul
        case (0x41, 0x75, 0x67): return 8   // Aug
        case (0x53, 0x65, 0x70): return 9   // Sep
        case (0x4F, 0x63, 0x74): return 10  // Oct
        case (0x4E, 0x6F, 0x76): return 11  // Nov
        case (0x44, 0x65, 0x63): return 12  // Dec
        default: return nil
        }
    }

    static func isDigit(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return b >= 0x30 && b <= 0x39
    }
}

package enum ByteSearch {
    /// The newline bytes in `b` (`memchr` from one to the next), a chunk at a time: `read(k)`
    /// is told after each chunk that the first `k` bytes were read, so that a mapping's pages
    /// can go (a 1 GiB log counted does not become 1 GiB resident).
    package static func newlines(in b: UnsafeRawBufferPointer, chunk: Int = 16 << 20, read: (Int) -> Void = { _ in }) -> Int {
        guard let base = b.baseAddress else { return 0 }
        var n = 0
        var from = 0
        while from < b.count {
            let end = Swift.min(b.count, from + Swift.max(chunk, 1))
            var at = from
            while at < end, let hit = memchr(base + at, 0x0A, end - at) {
                n += 1
                at = base.distance(to: UnsafeRawPointer(hit)) + 1
            }
            from = end
            read(from)
        }
        return n
    }

    /// First offset of `needle` in `hay`: `memchr` for the first byte, then a compare.
    package static func find(_ hay: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>, from: Int = 0) -> Int? {
        guard let h = hay.baseAddress, let first = needle.first, hay.count >= needle.count else { return nil }
        let last = hay.count - needle.count
        var i = from
        while i <= last {
            guard let hit = memchr(h + i, Int32(first), last - i + 1) else { return nil }
            let at = h.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            var ok = true
            for k in 1..<needle.count where hay[at + k] != needle[k] { ok = false; break }
            if ok { return at }
            i = at + 1
        }
        return nil
    }
}

extension String {
    /// Substring search on UTF-8 bytes with `memchr`: much faster than `String.contains` on
    /// Linux, and the hot path of message classification.
    func containsBytes(_ needle: StaticString) -> Bool {
        firstByteOffset(of: needle) != nil
    }

    func firstByteOffset(of needle: StaticString) -> Int? {
        var copy = self
        return copy.withUTF8 { hay -> Int? in
            needle.withUTF8Buffer { nd -> Int? in
                guard nd.count > 0, hay.count >= nd.count, let h = hay.baseAddress, let n = nd.baseAddress else {
                    return nil
                }
                return ByteSearch.find(UnsafeBufferPointer(start: h, count: hay.count),
                                       UnsafeBufferPointer(start: n, count: nd.count))
            }
        }
    }

    func hasPrefixBytes(_ prefix: StaticString) -> Bool {
        var copy = self
        return copy.withUTF8 { hay in
            prefix.withUTF8Buffer { p in
                guard hay.count >= p.count else { return false }
                for i in 0..<p.count where hay[i] != p[i] { return false }
                return true
            }
        }
    }
}

/// |a − b| without overflow, for times that come from files (any two Int64 differ by less than 2⁶⁴).
public func timeDistance(_ a: Int64, _ b: Int64) -> UInt64 {
    a > b ? UInt64(bitPattern: a &- b) : UInt64(bitPattern: b &- a)
}

extension Int64 {
    /// `self + d`, held at the ends of the range instead of trapping (times read from files).
    public func addingClamped(_ d: Int64) -> Int64 {
        let (v, overflow) = addingReportingOverflow(d)
        return overflow ? (d > 0 ? .max : .min) : v
    }

    /// `self - d`, held at the ends of the range instead of trapping.
    public func subtractingClamped(_ d: Int64) -> Int64 {
        let (v, overflow) = subtractingReportingOverflow(d)
        return overflow ? (d > 0 ? .min : .max) : v
    }
}
