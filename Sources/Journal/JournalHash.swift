/// The two hash functions of the journal format: Jenkins lookup3 `hashlittle2` (DATA and
/// FIELD hashes without KEYED_HASH, and every entry's `xor_hash`) and SipHash-2-4 keyed
/// by the file ID (DATA and FIELD hashes with KEYED_HASH).
enum JournalHash {
    /// systemd's `jenkins_hash64`: `hashlittle2` with both seeds 0, as `(c << 32) | b`.
    static func jenkins64(_ data: UnsafeRawBufferPointer) -> UInt64 {
        var a: UInt32 = 0xdead_beef &+ UInt32(truncatingIfNeeded: data.count)
        var b = a
        var c = a
        @inline(__always) func rot(_ x: UInt32, _ k: UInt32) -> UInt32 { (x << k) | (x >> (32 - k)) }
        var length = data.count
        var i = 0
        @inline(__always) func byte(_ j: Int) -> UInt32 { UInt32(data[j]) }
        // Whole words are loaded as such (little-endian, as hashlittle2 reads them): the check of
        // every DATA payload's stored hash runs over all the bytes a file holds.
        @inline(__always) func word(_ j: Int) -> UInt32 { UInt32(littleEndian: data.loadUnaligned(fromByteOffset: j, as: UInt32.self)) }
        while length > 12 {
            a &+= word(i)
            b &+= word(i + 4)
            c &+= word(i + 8)
            a &-= c; a ^= rot(c, 4); c &+= b
            b &-= a; b ^= rot(a, 6); a &+= c
            c &-= b; c ^= rot(b, 8); b &+= a
            a &-= c; a ^= rot(c, 16); c &+= b
            b &-= a; b ^= rot(a, 19); a &+= c
            c &-= b; c ^= rot(b, 4); b &+= a
            length -= 12
            i += 12
        }
        if length == 0 { return UInt64(c) << 32 | UInt64(b) }
        if length >= 12 { c &+= byte(i + 11) << 24 }
        if length >= 11 { c &+= byte(i + 10) << 16 }
        if length >= 10 { c &+= byte(i + 9) << 8 }
        if length >= 9 { c &+= byte(i + 8) }
        if length >= 8 { b &+= byte(i + 7) << 24 }
        if length >= 7 { b &+= byte(i + 6) << 16 }
        if length >= 6 { b &+= byte(i + 5) << 8 }
        if length >= 5 { b &+= byte(i + 4) }
        if length >= 4 { a &+= byte(i + 3) << 24 }
        if length >= 3 { a &+= byte(i + 2) << 16 }
        if length >= 2 { a &+= byte(i + 1) << 8 }
        if length >= 1 { a &+= byte(i) }
        c ^= b; c &-= rot(b, 14)
        a ^= c; a &-= rot(c, 11)
        b ^= a; b &-= rot(a, 25)
        c ^= b; c &-= rot(b, 16)
        a ^= c; a &-= rot(c, 4)
        b ^= a; b &-= rot(a, 14)
        c ^= b; c &-= rot(b, 24)
        return UInt64(c) << 32 | UInt64(b)
    }

    /// SipHash-2-4 of `data` with a 16-byte key (the file ID's bytes).
    static func siphash24(_ data: UnsafeRawBufferPointer, key: ID128) -> UInt64 {
        // The key's bytes read little-endian; ID128 holds them big-endian. Hashed once per
        // DATA object read, so no array is made for the key.
        let k0 = key.high.byteSwapped, k1 = key.low.byteSwapped
        var v0: UInt64 = 0x736f_6d65_7073_6575 ^ k0
        var v1: UInt64 = 0x646f_7261_6e64_6f6d ^ k1
        var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ k0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ k1
        @inline(__always) func rotl(_ x: UInt64, _ b: UInt64) -> UInt64 { (x << b) | (x >> (64 - b)) }
        @inline(__always) func round() {
            v0 &+= v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
            v2 &+= v3; v3 = rotl(v3, 16); v3 ^= v2
            v0 &+= v3; v3 = rotl(v3, 21); v3 ^= v0
            v2 &+= v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
        }
        let n = data.count
        let whole = n & ~7
        var i = 0
        while i < whole {
            let m = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            v3 ^= m
            round(); round()
            v0 ^= m
            i += 8
        }
        var last = UInt64(truncatingIfNeeded: n) << 56
        var shift: UInt64 = 0
        while i < n {
            last |= UInt64(data[i]) << shift
            shift += 8
            i += 1
        }
        v3 ^= last
        round(); round()
        v0 ^= last
        v2 ^= 0xff
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }
}
