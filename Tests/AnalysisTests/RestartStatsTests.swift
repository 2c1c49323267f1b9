import Testing
@testable import Analysis

/// The running restart figures against plain computations over every value kept.
@Suite struct RestartStatsTests {
    struct Rand {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        mutating func unit() -> Double { Double(next() % 1_000_000) / 1_000_000 }
    }

    static func bruteDensest(_ times: [Int64], width: Int64) -> Int {
        var best = 0
        for i in times.indices {
            var n = 0
            for j in i..<times.count where times[j] - times[i] < width { n += 1 }
            best = max(best, n)
        }
        return best
    }

    @Test("the densest window equals a brute-force count, bursts and gaps alike")
    func densestWindow() {
        var rng = Rand(state: 3)
        var t: Int64 = 1_700_000_000_000_000
        var times: [Int64] = []
        for i in 0..<6000 {
            // Bursts of fast restarts, pauses of seconds to minutes.
            t += i % 500 < 400 ? Int64(rng.next() % 200_000) : Int64(rng.next() % 90_000_000)
            times.append(t)
        }
        for width: Int64 in [10_000_000, 60_000_000] {
            var w = DensestWindow(width: width)
            for x in times { w.add(x) }
            #expect(w.best == Self.bruteDensest(times, width: width), "width \(width)")
        }
    }

    @Test("the median is exact up to the limit and within 0.05% beyond it")
    func median() {
        var rng = Rand(state: 11)
        var small = MedianEstimator()
        var values: [Double] = []
        for _ in 0..<10_001 {
            let v = 0.1 + rng.unit() * rng.unit() * 5
            small.add(v)
            values.append(v)
        }
        #expect(small.median == Stats.median(values))

        var big = MedianEstimator()
        var all: [Double] = []
        for i in 0..<(MedianEstimator.exactLimit * 3) {
            // Mostly ~147 ms apart, some zero, a few negative (a clock step) and long pauses.
            let v = i % 1000 == 0 ? -2.0 : (i % 997 == 0 ? 0 : 0.147 * (0.8 + 0.4 * rng.unit()) + (i % 50 == 0 ? 30 : 0))
            big.add(v)
            all.append(v)
        }
        let exact = Stats.median(all) ?? 0
        let estimate = big.median ?? 0
        #expect(abs(estimate - exact) <= exact * 0.0005, "\(estimate) vs \(exact)")
        #expect(big.count == all.count)
    }

    @Test("restarts merged from two boots equal the restarts added in one")
    func merge() {
        var rng = Rand(state: 5)
        var one = RestartStats(), a = RestartStats(), b = RestartStats()
        var t: Int64 = 1_000_000_000
        for i in 0..<4000 {
            t += 50_000 + Int64(rng.next() % 300_000)
            one.add(t)
            if i < 2500 { a.add(t) } else { b.add(t) }
        }
        var merged = a
        merged.merge(b)
        #expect(merged.count == one.count)
        #expect(merged.first == one.first && merged.last == one.last)
        #expect(merged.perMinute.map(\.count) == one.perMinute.map(\.count))
        #expect(merged.peakPerMinute == one.peakPerMinute || merged.peakPerMinute == max(a.peakPerMinute, b.peakPerMinute))
        #expect(merged.earliest == one.earliest)
        #expect(one.earliest.count == RestartStats.earliestKept)
        // The interval across the two parts is the only one the merge does not see.
        #expect(merged.intervals.count == one.intervals.count - 1)
    }
}
