/// A 128-bit systemd ID (boot ID, machine ID, file ID, seqnum ID), kept as the 16 bytes
/// in file order so that its hex form matches `journalctl`.
public struct ID128: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The first eight bytes, big-endian, so that ordering and printing follow the byte order.
    public var high: UInt64
    /// The last eight bytes, big-endian.
    public var low: UInt64

    public static let zero = ID128(high: 0, low: 0)

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Reads 16 bytes starting at `offset`; the caller has checked the range.
    init(bytes: UnsafeRawBufferPointer, at offset: Int) {
        var h: UInt64 = 0
        var l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(bytes[offset + i]) }
        for i in 8..<16 { l = l << 8 | UInt64(bytes[offset + i]) }
        self.init(high: h, low: l)
    }

    /// Parses 32 hex digits (dashes allowed, as in UUID form); `nil` for anything else.
    public init?(hex: some StringProtocol) {
        self.init(hexDigits: hex.utf8)
    }

    /// `init(hex:)` over bytes as they lie in a text (a journalctl dump's lines).
    public init?(hexDigits: some Collection<UInt8>) {
        var h: UInt64 = 0
        var l: UInt64 = 0
        var count = 0
        for c in hexDigits where c != UInt8(ascii: "-") {
            guard count < 32, let v = hexValue(c) else { return nil }
            if count < 16 { h = h << 4 | UInt64(v) } else { l = l << 4 | UInt64(v) }
            count += 1
        }
        guard count == 32 else { return nil }
        self.init(high: h, low: l)
    }

    public var isZero: Bool { high == 0 && low == 0 }

    /// The 16 bytes in file order.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// 32 lowercase hex digits, as journalctl prints it.
    public var description: String { hex32(high) + hex32(low) }

    public static func < (a: ID128, b: ID128) -> Bool { (a.high, a.low) < (b.high, b.low) }
}

@inline(__always)
private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

private func hex32(_ v: UInt64) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8](repeating: 0, count: 16)
    for i in 0..<16 { out[i] = digits[Int((v >> (60 - 4 * UInt64(i))) & 0xF)] }
    return String(decoding: out, as: UTF8.self)
}
