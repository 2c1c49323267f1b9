import Foundation

/// A unit's restarts as running figures: how many, the first and the last, restarts per
/// minute, the densest 10-second and one-minute windows, and the median interval. The
/// memory depends on the restart rate and the length of the boot, not on how many restarts
/// there were: a unit restarted millions of times costs what one restarted thousands does.
struct RestartStats {
    private(set) var count = 0
    private(set) var first: Int64?
    private(set) var last: Int64?
    private(set) var perMinuteCounts = PerMinuteCounts()
    private var window10s = DensestWindow(width: 10_000_000)
    private var window1m = DensestWindow(width: 60_000_000)
    private(set) var intervals = MedianEstimator()
    /// The first few restart times, for units restarted too seldom to fold into one row.
    private(set) var earliest: [Int64] = []
    static let earliestKept = 16

    /// Adds a restart; times come in journal order.
    mutating func add(_ t: Int64) {
        if let l = last { intervals.add(Double(t - l) / 1e6) }
        count += 1
        if first == nil { first = t }
        last = t
        perMinuteCounts.add(t)
        window10s.add(t)
        window1m.add(t)
        if earliest.count < Self.earliestKept { earliest.append(t) }
    }

    /// Restarts of another boot of the same unit.
    mutating func merge(_ other: RestartStats) {
        count += other.count
        first = [first, other.first].compactMap { $0 }.min()
        last = [last, other.last].compactMap { $0 }.max()
        perMinuteCounts.merge(other.perMinuteCounts)
        window10s.merge(other.window10s)
        window1m.merge(other.window1m)
        intervals.merge(other.intervals)
        earliest = Array((earliest + other.earliest).sorted().prefix(Self.earliestKept))
    }

    /// Restarts per minute, oldest first.
    var perMinute: [(minute: Int64, count: Int)] { perMinuteCounts.sorted }

    /// The most restarts inside any 10-second window (the default StartLimitIntervalSec).
    var maxPer10s: Int { window10s.best }

    /// The most restarts inside any sliding minute.
    var peakPerMinute: Int { window1m.best }
}

/// Events counted by the minute of the wall clock they happened in: memory follows the
/// minutes that had any, not the number of events.
struct PerMinuteCounts {
    private var counts: [Int64: Int] = [:]

    /// Counts an event at `t` (microseconds since the epoch).
    mutating func add(_ t: Int64) {
        counts[ForkRateEstimator.floorDiv(t, 60_000_000), default: 0] += 1
    }

    mutating func merge(_ other: PerMinuteCounts) {
        counts.merge(other.counts, uniquingKeysWith: +)
    }

    /// Each minute (minutes since the epoch) and its count, oldest first.
    var sorted: [(minute: Int64, count: Int)] {
        counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The counts as the report's series: each minute's start and its count.
    var series: [SeriesPoint] {
        sorted.map { SeriesPoint(start: Timestamp(microseconds: $0.minute &* 60_000_000), value: Double($0.count)) }
    }
}

/// The most events inside any window of `width` microseconds, over events added in time
/// order. Holds only the events of the current window.
struct DensestWindow {
    let width: Int64
    private var times: [Int64] = []
    private var start = 0
    private(set) var best = 0

    init(width: Int64) { self.width = width }

    mutating func add(_ t: Int64) {
        times.append(t)
        while start < times.count, t &- times[start] >= width { start += 1 }
        best = max(best, times.count - start)
        // Drop what has left the window now and then, so the array stays the window's size.
        if start > 4096, start * 2 > times.count {
            times.removeFirst(start)
            start = 0
        }
    }

    mutating func merge(_ other: DensestWindow) { best = max(best, other.best) }
}

/// The median of a stream of values: exact up to `exactLimit` values, then from a histogram
/// with buckets 0.1% wide (so within 0.05% of the true median: a RestartSec of 100ms still
/// reads 100ms) whose size depends on the range of the values, not their number.
struct MedianEstimator {
    private var exact: [Double] = []
    /// Bucket index → count, once the exact values were folded in; `nil` before.
    private var buckets: [Int: Int]?
    private(set) var count = 0
    static let exactLimit = 1 << 16
    private static let ratio = 1.001
    private static let logRatio = log(ratio)

    mutating func add(_ v: Double) {
        guard v.isFinite else { return }
        count += 1
        if buckets == nil {
            exact.append(v)
            if exact.count > Self.exactLimit { foldIntoBuckets() }
        } else {
            buckets?[Self.bucket(v), default: 0] += 1
        }
    }

    mutating func merge(_ other: MedianEstimator) {
        if buckets == nil, other.buckets == nil, exact.count + other.exact.count <= Self.exactLimit {
            exact += other.exact
            count += other.count
            return
        }
        foldIntoBuckets()
        var theirs = other
        theirs.foldIntoBuckets()
        buckets?.merge(theirs.buckets ?? [:], uniquingKeysWith: +)
        count += other.count
    }

    var median: Double? {
        guard count > 0 else { return nil }
        guard let buckets else { return Stats.median(exact) }
        // The middle value's bucket (for an even count, the lower middle: close enough at 0.1%).
        let target = (count - 1) / 2
        var seen = 0
        for (b, n) in buckets.sorted(by: { $0.key < $1.key }) {
            seen += n
            if seen > target { return Self.value(b) }
        }
        return nil
    }

    private mutating func foldIntoBuckets() {
        guard buckets == nil else { return }
        var b: [Int: Int] = [:]
        for v in exact { b[Self.bucket(v), default: 0] += 1 }
        buckets = b
        exact = []
    }

    /// Buckets of 0.1% on each side of zero: negative indices for negative values, with a
    /// bucket of its own for zero; values below a microsecond count as zero.
    private static func bucket(_ v: Double) -> Int {
        let a = abs(v)
        guard a >= 1e-6 else { return 0 }
        let i = Int((log(a / 1e-6) / logRatio).rounded(.down)) + 1
        return v < 0 ? -i : i
    }

    private static func value(_ b: Int) -> Double {
        guard b != 0 else { return 0 }
        let mid = 1e-6 * exp((Double(abs(b) - 1) + 0.5) * logRatio)
        return b < 0 ? -mid : mid
    }
}
