import Testing
@testable import Analysis
import Events

/// The unit detectors of issue 11 item 7, on the events systemd logs (texts as systemd 252 and
/// 235 print them, src/core/service.c).
struct DetectorTests {
    static let t0: Int64 = 1_707_645_000_000_000

    static func ev(_ seconds: Double, _ kind: UnitEventKind, unit: String = "x.service") -> UnitEvent {
        UnitEvent(time: t0 + Int64(seconds * 1e6), unit: unit, kind: kind, cursor: .none)
    }

    @Test("a Restart=always poller that exits 0 every 30 s is not a crash loop; the same unit exiting 1 is")
    func pollerIsNotALoop() {
        var poller = UnitAccumulator(unit: "poll.service")
        var failing = UnitAccumulator(unit: "poll.service")
        for i in 0..<200 {
            let t = Double(i) * 30
            poller.add(Self.ev(t, .mainExited(code: "exited", status: "0/SUCCESS")))
            poller.add(Self.ev(t, .deactivated))
            poller.add(Self.ev(t + 0.1, .restartScheduled(counter: i + 1)))
            failing.add(Self.ev(t, .mainExited(code: "exited", status: "1/FAILURE")))
            failing.add(Self.ev(t, .failed(result: "exit-code")))
            failing.add(Self.ev(t + 0.1, .restartScheduled(counter: i + 1)))
        }
        #expect(poller.restartsObserved == 200 && failing.restartsObserved == 200)
        #expect(!poller.isCrashLoop)
        #expect(failing.isCrashLoop)
    }

    @Test("counter-less restart lines (systemd < 236) each count, even several a second; a 236+ pair counts once")
    func counterlessRestarts() {
        var old = UnitAccumulator(unit: "x.service")
        for i in 0..<50 {
            let t = Double(i) * 0.3
            old.add(Self.ev(t, .mainExited(code: "exited", status: "1/FAILURE")))
            old.add(Self.ev(t + 0.1, .restartScheduled(counter: nil)))
        }
        #expect(old.restartsObserved == 50)
        // systemd 236+: "Service hold-off time over, scheduling restart." then "Scheduled
        // restart job, restart counter is at N." for one restart.
        var new = UnitAccumulator(unit: "x.service")
        for i in 0..<50 {
            let t = Double(i) * 0.3
            new.add(Self.ev(t, .mainExited(code: "exited", status: "1/FAILURE")))
            new.add(Self.ev(t + 0.1, .restartScheduled(counter: nil)))
            new.add(Self.ev(t + 0.1, .restartScheduled(counter: i + 1)))
        }
        #expect(new.restartsObserved == 50)
        #expect(new.counterMax == 50)
    }

    @Test("v220–v235 log a failure twice (no result, then the result): one failure; lines of one kind each count")
    func failureLoggedTwice() {
        func results(_ lines: [(Double, String)]) -> (count: Int, results: [String: Int]) {
            var u = UnitAccumulator(unit: "x.service")
            for (t, r) in lines { u.add(Self.ev(t, .failed(result: r))) }
            return (u.failureCount, u.results)
        }
        let unknown = UnitEventKind.unknownResult
        // "Unit entered failed state." then "Failed with result 'exit-code'.", twice, a restart apart.
        let pairs = results([(0, unknown), (0, "exit-code"), (10, unknown), (10, "exit-code")])
        #expect(pairs.count == 2 && pairs.results == ["exit-code": 2])
        // As fast as RestartSec=0 loops: each pair is still one failure.
        let fast = results([(0, unknown), (0.01, "exit-code"), (0.2, unknown), (0.21, "exit-code")])
        #expect(fast.count == 2 && fast.results == ["exit-code": 2])
        // Negative: two results (v236+ in a fast loop), two result-less lines (v220–v226, v219),
        // a pair seconds apart: each line a failure.
        #expect(results([(0, "exit-code"), (0.1, "exit-code")]).count == 2)
        let bare = results([(0, unknown), (0.1, unknown)])
        #expect(bare.count == 2 && bare.results == [unknown: 2])
        let apart = results([(0, unknown), (3, "exit-code")])
        #expect(apart.count == 2 && apart.results == [unknown: 1, "exit-code": 1])
        // A start-limit failure told twice marks the start limit once, counts once.
        var limited = UnitAccumulator(unit: "x.service")
        limited.add(Self.ev(0, .failed(result: unknown)))
        limited.add(Self.ev(0, .failed(result: "start-limit-hit")))
        #expect(limited.failureCount == 1 && limited.startLimitHit && limited.results == ["start-limit-hit": 1])
        #expect(limited.failures.map(\.result) == ["start-limit-hit"])
    }

    @Test("a unit's own words: repeats, new patterns between them and the pattern cap count as a plain tally does")
    func ownWordsTally() {
        var w = UnitWords()
        var tally: [String: Int] = [:]
        var uncounted = 0
        var state: UInt64 = 7
        for _ in 0..<5_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            // Runs of one message, then another: 90 distinct patterns against a cap of 64.
            let n = Int(truncatingIfNeeded: (state >> 33) % 90)
            let text = "error \(n % 3 == 0 ? "again" : "in shard") \(n)x: code \(Int(state >> 50))"
            for _ in 0..<Int(truncatingIfNeeded: (state >> 20) % 4 + 1) {
                w.add(text, priority: 3, time: Self.t0, ref: .none)
                let key = UnitWords.normalise(text)
                if tally[key] != nil || tally.count < UnitWords.patternsKept { tally[key, default: 0] += 1 } else { uncounted += 1 }
            }
        }
        #expect(w.patterns.mapValues(\.count) == tally)
        #expect(w.uncounted == uncounted)
        #expect(uncounted > 0, "the cap was reached")
    }

    @Test("a unit's own words: numbers and hex normalised, counted, most frequent first")
    func ownWords() {
        var w = UnitWords()
        for i in 0..<30 {
            w.add("fatal: cannot open index /var/lib/polyscan/\(i).idx at 0x7f\(i)ab: database disk image is malformed (sqlite code 11)",
                  priority: 3, time: Self.t0, ref: .none)
        }
        w.add("warning: slow query 1234 ms", priority: 4, time: Self.t0, ref: .none)
        let top = w.top(3)
        #expect(top.first?.count == 30)
        #expect(top.first?.pattern == "fatal: cannot open index /var/lib/polyscan/#.idx at 0x#: database disk image is malformed (sqlite code #)")
        #expect(top.last?.pattern == "warning: slow query # ms")
        #expect(UnitWords.normalise("job 3f2a9c1e7b40aa11 done") == "job # done")
        #expect(UnitWords.normalise("ipv6 eth0 md5") == "ipv6 eth0 md5", "digits inside words stay")
    }
}
