/// A small open-addressing map from object offsets (never 0) to values: the per-file
/// cache of decoded DATA objects. Faster than `Dictionary` on this hot path because keys
/// need no hashing protocol and a miss costs one probe run; when it fills it is simply
/// emptied, which bounds its memory.
struct OffsetTable<Value> {
    private var keys: [Int]
    private var values: [Value?]
    private var count = 0
    private var mask: Int
    private let limit: Int
    private let initialCapacity: Int

    /// Nothing is allocated until the first `set`: every file of a set has a table, and most
    /// files an analysis of one boot opens are never decoded (a few hundred kilobytes each,
    /// zeroed by the kernel, were most of opening a hundred files).
    init(capacity: Int = 1 << 12, maxCapacity: Int = 1 << 18) {
        keys = []
        values = []
        mask = 0
        initialCapacity = max(capacity, 2)
        limit = maxCapacity
    }

    @inline(__always)
    private func slot(_ key: Int) -> Int { (key &>> 3 &* 0x9E37_79B9) & mask }

    @inline(__always)
    func get(_ key: Int) -> Value? {
        guard !keys.isEmpty else { return nil }
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == 0 { return nil }
            i = (i &+ 1) & mask
        }
    }

    mutating func set(_ key: Int, _ value: Value) {
        if keys.isEmpty {
            keys = Array(repeating: 0, count: initialCapacity)
            values = Array(repeating: nil, count: initialCapacity)
            mask = initialCapacity - 1
        }
        if (count + 1) * 2 > keys.count {
            if keys.count >= limit {
                removeAll()
            } else {
                grow()
            }
        }
        var i = slot(key)
        while keys[i] != 0 && keys[i] != key { i = (i &+ 1) & mask }
        if keys[i] == 0 { count += 1 }
        keys[i] = key
        values[i] = value
    }

    mutating func removeAll() {
        for i in keys.indices { keys[i] = 0; values[i] = nil }
        count = 0
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: nil, count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for (i, k) in oldKeys.enumerated() where k != 0 {
            if let v = oldValues[i] { set(k, v) }
        }
    }
}
