import Testing
@testable import KernelLog

/// A flood of one repeated line (issue 13: 100,000 identical kern.log lines never finished)
/// must cost time linear in the lines: each look-up skips the copies its file already took
/// once, and never scans them again.
struct DedupFloodTests {
    @Test func aMillionRepeatedLinesFromTwoSourcesMergeInLinearSteps() {
        let n = 1_000_000
        let text = "INFO: task jbd2/sda1-8:312 blocked for more than 120 seconds."
        func record(_ path: String, _ line: Int) -> KernelRecord {
            KernelRecord(text: text, monotonicUSec: 47_000_000_000, clock: .none,
                         sources: [RecordSource(path: path, line: line, format: .syslog)])
        }
        var index = DedupIndex()
        // Which sources each kept line holds: bit 0 kern.log, bit 1 syslog.
        var holds: [UInt8] = []
        holds.reserveCapacity(n)
        var merged = 0
        for (bit, path) in [(UInt8(1), "kern.log"), (UInt8(2), "syslog")] {
            for line in 0..<n {
                let r = record(path, line)
                if let hit = index.firstMatch(r, text: text, path: path,
                                              taken: { holds[$0] & bit != 0 }, matches: { _ in true }) {
                    holds[hit] |= bit
                    merged += 1
                } else {
                    index.insert(r, at: holds.count)
                    holds.append(bit)
                }
            }
        }
        // Every syslog copy found its own kern.log line, first come first merged.
        #expect(holds.count == n)
        #expect(merged == n)
        #expect(holds.allSatisfy { $0 == 3 })
        // Three neighbouring buckets per look-up, each entry skipped once per source.
        #expect(index.steps <= 8 * n, "steps: \(index.steps)")
    }
}

/// The placed records are put in time order by moving them along the permutation's cycles:
/// every permutation gives what copying `records[order[k]]` to `k` gives.
@Suite struct RecordPermutationTests {
    @Test(arguments: [0, 1, 2, 7, 100, 1000])
    func movesAsCopiesWould(count: Int) {
        var rng = SystemRandomNumberGenerator()
        let records = (0..<count).map { KernelRecord(text: "line \($0)", monotonicUSec: UInt64($0), sources: []) }
        for _ in 0..<5 {
            let order = Array(0..<count).shuffled(using: &rng)
            var moved = records
            KernelClock.permute(&moved, to: order)
            #expect(moved.map(\.text) == order.map { records[$0].text })
        }
        // Not a permutation of the indices (a count that differs): left as it is.
        var same = records
        KernelClock.permute(&same, to: Array(0..<max(0, count - 1)))
        #expect(count == 0 || same.map(\.text) == records.map(\.text))
    }
}
