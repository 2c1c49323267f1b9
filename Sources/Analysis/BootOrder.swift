import Journal

/// Puts boots in the order the machine lived them. Wall-clock time is the weakest witness
/// (a board without an RTC starts every boot at the same made-up time until NTP steps it), so:
/// boots that share a journald run (seqnum ID) are ordered by seqnum; runs are ordered by
/// what the files say (the live `system.journal` holds the newest run) and then by the newest
/// wall clock each run reached, which comes after any NTP step.
enum BootOrder {
    static func order(_ boots: [BootState], files: [JournalFile]) -> [BootState] {
        guard boots.count > 1 else { return boots }
        // Each boot's run: the seqnum ID most of its entries carry.
        func run(_ b: BootState) -> ID128? { b.seqnums.max { ($0.value.count, $1.key.description) < ($1.value.count, $0.key.description) }?.key }
        // The run whose file is still the live one (`system.journal`, `user-1000.journal`: no `@`).
        var liveRuns = Set<ID128>()
        for f in files {
            let name = f.path.split(separator: "/").last.map(String.init) ?? f.path
            if name.hasSuffix(".journal"), !name.contains("@") { liveRuns.insert(f.seqnumID) }
        }
        // Successor edges inside each run, by seqnum.
        var byRun: [ID128: [Int]] = [:]
        for (i, b) in boots.enumerated() {
            if let r = run(b) { byRun[r, default: []].append(i) }
        }
        var next = [Int?](repeating: nil, count: boots.count)
        var waiting = [Int](repeating: 0, count: boots.count)
        for (r, members) in byRun {
            let sorted = members.sorted { (boots[$0].seqnums[r]?.min ?? 0, $0) < (boots[$1].seqnums[r]?.min ?? 0, $1) }
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                next[a] = b
                waiting[b] += 1
            }
        }
        // The newest wall clock each run reached.
        var runEnd: [ID128: Int64] = [:]
        for b in boots { if let r = run(b) { runEnd[r] = max(runEnd[r] ?? .min, b.last) } }
        func key(_ i: Int) -> (Int, Int64, Int64, String) {
            let b = boots[i]
            let r = run(b)
            let live = r.map { liveRuns.contains($0) } ?? false
            let end = r.flatMap { runEnd[$0] } ?? b.last
            return (live ? 1 : 0, end, b.startOffset ?? b.first, b.id)
        }
        // Among the boots whose predecessors are placed, the one whose run ended first goes next.
        var ready = boots.indices.filter { waiting[$0] == 0 }
        var out: [BootState] = []
        var placed = Set<Int>()
        while !ready.isEmpty {
            var best = 0
            for j in ready.indices.dropFirst() where key(ready[j]) < key(ready[best]) { best = j }
            let i = ready.remove(at: best)
            out.append(boots[i])
            placed.insert(i)
            if let n = next[i] {
                waiting[n] -= 1
                if waiting[n] == 0 { ready.append(n) }
            }
        }
        // Chains are acyclic by construction; anything left (it should not be) keeps wall-clock order.
        out += boots.indices.filter { !placed.contains($0) }.map { boots[$0] }
        return out
    }

    /// True when the order differs from sorting the boots by their first entry's wall-clock time.
    static func differsFromWallClock(_ ordered: [BootState]) -> Bool {
        let byClock = ordered.sorted { ($0.first, $0.id) < ($1.first, $1.id) }
        return zip(byClock, ordered).contains { $0.0 !== $0.1 }
    }
}
