/// Kernel records from every source on one UTC clock, deduplicated and sorted.
public struct PlacedKernelLog: Sendable {
    /// Sorted by wall-clock time; records without one keep their file order at the end.
    public var records: [KernelRecord]
    /// How times were obtained and what limits them (year inference, zone offsets, drift).
    public var notes: [String]
    /// Per-file summaries of skipped lines.
    public var skipped: [String]
    /// Which journal boot each text boot was matched to.
    public var bootMatches: [BootMatch]

    public init(records: [KernelRecord], notes: [String], skipped: [String], bootMatches: [BootMatch] = []) {
        self.records = records
        self.notes = notes
        self.skipped = skipped
        self.bootMatches = bootMatches
    }
}

/// One text boot and the journal boot it was matched to (nil when none fits).
public struct BootMatch: Sendable, Hashable {
    public enum Method: String, Sendable, Codable {
        /// journalctl text named the boot (`-- Boot <id> --`).
        case journalctlBootLine
        /// The same kernel lines (text and stamp) are in the journal's boot.
        case kernelLines
        /// The text boot's times fall inside the journal boot.
        case timeOverlap
        /// pstore/kdump: the record's time follows the journal boot's start (console-ramoops: the
        /// next boot's does).
        case recordTime
    }
    public var path: String
    public var textBoot: Int
    public var bootID: String?
    public var method: Method?
    /// Kernel lines found in both (for `kernelLines`).
    public var matchedLines: Int
}

/// Puts kernel records from text logs on the journal's clock.
public enum KernelClock {
    static let monoTolerance: UInt64 = 5_000        // 5 ms: journald and the text log read the same stamp
    static let hour: Int64 = 3_600_000_000
    static let day: Int64 = 86_400_000_000

    /// Places every record of `files` and of the journal's kernel records on one clock.
    public static func place(files: [KernelLogFile], journal rawJournal: [JournalBootAnchor]) -> PlacedKernelLog {
        var notes: [String] = []
        let journal = sanitized(rawJournal, notes: &notes)
        var skipped: [String] = []
        var matches: [BootMatch] = []
        let index = JournalIndex(journal)
        var placedText: [KernelRecord] = []

        for original in files {
            var file = original
            notes += file.notes
            if let s = file.skipped.summary(path: file.path) { skipped.append(s) }
            // Year and zone of RFC 3164 / dmesg -T / journalctl short text, from the journal. The
            // reader's guess of the year is said only when the journal did not give it.
            let (placedNotes, yearFromJournal) = correctLocalTimes(&file, index)
            if !yearFromJournal, let guess = file.yearGuess { notes.append(guess.note(path: file.path)) }
            notes += placedNotes
            var fileMatches = file.boots.map { matchBoot($0, in: file, index) }
            if file.boots.isEmpty && !file.records.isEmpty {
                fileMatches = []
            }
            for (b, boot) in file.boots.enumerated() {
                let m = fileMatches[b]
                matches.append(m)
                for i in boot.records where i < file.records.count {
                    file.records[i].bootID = m.bootID
                    placeOne(&file.records[i], boot: m.bootID.flatMap { index.boots[$0] }, anchors: m.bootID.flatMap { index.anchors[$0] })
                }
            }
            if file.format == .dmesgT && !file.records.isEmpty {
                notes.append("\(file.path): `dmesg -T` times are computed from the boot time and drift after suspend/resume; "
                    + "they are shown as printed")
            }
            let n = file.records.reduce(0) { $0 + ($1.clock == .none && $1.monotonicUSec != nil ? 1 : 0) }
            if n > 0 {
                notes.append("\(file.path): \(n) record\(n == 1 ? "" : "s") have only the kernel's monotonic stamp and no journal boot to map it")
            }
            let unstamped = file.records.reduce(0) { $0 + ($1.clock == .none && $1.monotonicUSec == nil ? 1 : 0) }
            // A file with no time at all is said by the analysis, with what to read instead.
            if unstamped > 0, !original.hasNoTimes {
                notes.append("\(file.path): \(unstamped) line\(unstamped == 1 ? "" : "s") carry no timestamp at all; read in file order, without times")
            }
            placedText += file.records
        }

        // Journal kernel records, then text records merged into them where they are the same line.
        var merged: [KernelRecord] = []
        for boot in journal {
            for var r in boot.kernelRecords {
                r.bootID = r.bootID ?? boot.bootID
                if r.wallclockUSec != nil && r.clock == .none { r.clock = .journal }
                merged.append(r)
            }
        }
        let journalCount = merged.count
        var journalIndex = DedupIndex(records: journalCount)
        for i in 0..<journalCount { journalIndex.insert(merged[i], at: i) }
        var absorbed = [Set<String>](repeating: [], count: journalCount)
        var textIndex = DedupIndex()
        var duplicates = 0
        // A text line can only be the same line as another text source's when its text is in
        // two sources: only those are indexed and looked up (a long log's lines are mostly in
        // no other file, and each indexed line costs its lists).
        var firstPath: [Int: String] = [:]
        var inTwoSources = Set<Int>()
        let hashes = placedText.map { r -> Int in
            let hash = DedupKey.hash(r.text.trimmingSpaces())
            let path = r.sources.first?.path ?? ""
            if let first = firstPath[hash] {
                if first != path { inTwoSources.insert(hash) }
            } else {
                firstPath[hash] = path
            }
            return hash
        }
        firstPath = [:]
        for (k, r) in placedText.enumerated() {
            let textHash = hashes[k]
            let shared = inTwoSources.contains(textHash)
            guard shared || journalIndex.holds(textHash) else {
                merged.append(r)
                continue
            }
            let path = r.sources.first?.path ?? ""
            let text = r.text.trimmingSpaces()
            if let hit = journalIndex.firstMatch(r, textHash: textHash, path: path,
                                                 taken: { absorbed[$0].contains(path) },
                                                 matches: { merged[$0].text.trimmingSpaces() == text && sameLine(merged[$0], r) }) {
                absorbed[hit].insert(path)
                mergeInto(&merged[hit], r)
                duplicates += 1
                continue
            }
            if shared, let hit = textIndex.firstMatch(r, textHash: textHash, path: path,
                                              taken: { i in merged[i].sources.contains { $0.path == path } },
                                              matches: { merged[$0].text.trimmingSpaces() == text && sameLine(merged[$0], r) }) {
                mergeInto(&merged[hit], r)
                duplicates += 1
                continue
            }
            if shared { textIndex.insert(r, at: merged.count, textHash: textHash) }
            merged.append(r)
        }
        if duplicates > 0 {
            notes.append("\(duplicates) kernel line\(duplicates == 1 ? "" : "s") appeared in more than one source and were merged")
        }

        // Last words: after the journal's last entry of the boot.
        var maxJournalMono: [String: UInt64] = [:]
        for boot in journal {
            let fromRecords: UInt64? = boot.kernelRecords.compactMap(\.monotonicUSec).max()
            let fromAnchors: UInt64? = boot.anchors.map(\.monotonic).max()
            maxJournalMono[boot.bootID] = fromRecords ?? fromAnchors ?? 0
        }
        for i in merged.indices {
            // Fields read in place: a copy of each record would count references to all it holds.
            guard let id = merged[i].bootID, let boot = index.boots[id],
                  !merged[i].sources.contains(where: { $0.format == .journal }) else { continue }
            if let w = merged[i].wallclockUSec, merged[i].clock != .none {
                merged[i].isLastWords = w > boot.lastRealtime
            } else if let m = merged[i].monotonicUSec, let jm = maxJournalMono[id], jm > 0 {
                merged[i].isLastWords = m > jm
            }
        }
        let lastWords = merged.reduce(0) { $0 + ($1.isLastWords ? 1 : 0) }
        if lastWords > 0 {
            notes.append("\(lastWords) kernel record\(lastWords == 1 ? "" : "s") come after the journal's last entry of their boot (kept only by text logs, pstore or kdump)")
        }

        // Stable sort by time; untimed records keep their order after the timed ones.
        let order = merged.indices.sorted { a, b in
            switch (merged[a].wallclockUSec, merged[b].wallclockUSec) {
            case let (x?, y?): return x != y ? x < y : a < b
            case (.some, .none): return true
            case (.none, .some): return false
            case (.none, .none): return a < b
            }
        }
        permute(&merged, to: order)
        return PlacedKernelLog(records: merged, notes: notes, skipped: skipped, bootMatches: matches)
    }

    /// Puts `records[order[k]]` at `k` for every `k` (`order` a permutation of the indices), by
    /// swaps along its cycles: records are moved, not copied.
    static func permute(_ records: inout [KernelRecord], to order: [Int]) {
        guard order.count == records.count else { return }
        var done = [Bool](repeating: false, count: order.count)
        for start in order.indices where !done[start] {
            var j = start
            while true {
                done[j] = true
                let next = order[j]
                guard next != start, next >= 0, next < records.count, !done[next] else { break }
                records.swapAt(j, next)
                j = next
            }
        }
    }

    /// Journal times come from files that may be corrupt: keep only 1970…2200, so that the
    /// arithmetic below cannot overflow.
    static func sanitized(_ boots: [JournalBootAnchor], notes: inout [String]) -> [JournalBootAnchor] {
        let maxWall: Int64 = 7_258_118_400_000_000  // 2200-01-01
        let maxMono: UInt64 = 100 * 365 * 86_400_000_000
        func ok(_ w: Int64?) -> Bool { w.map { $0 >= 0 && $0 <= maxWall } ?? true }
        var out: [JournalBootAnchor] = []
        for var b in boots {
            guard ok(b.firstRealtime), ok(b.lastRealtime) else {
                notes.append("journal boot \(b.bootID): realtime range out of bounds, not used for kernel logs")
                continue
            }
            b.anchors = b.anchors.filter { ok($0.realtime) && $0.monotonic <= maxMono }
            b.kernelRecords = b.kernelRecords.filter { ok($0.wallclockUSec) && ($0.monotonicUSec ?? 0) <= maxMono }
            out.append(b)
        }
        return out
    }

    // MARK: - matching

    struct JournalIndex {
        var boots: [String: JournalBootAnchor] = [:]
        var anchors: [String: [(realtime: Int64, monotonic: UInt64)]] = [:]
        /// Trimmed text → where the journal's records with that text are (`record(_:)`): positions,
        /// not copies, for a journal holds thousands of kernel lines per boot.
        var byText: [String: [Position]] = [:]
        var ordered: [JournalBootAnchor] = []
        private let journal: [JournalBootAnchor]

        struct Position {
            var boot: Int32
            var record: Int32
        }

        init(_ journal: [JournalBootAnchor]) {
            self.journal = journal
            ordered = journal.sorted { $0.firstRealtime < $1.firstRealtime }
            boots.reserveCapacity(journal.count)
            byText.reserveCapacity(journal.reduce(0) { $0 &+ $1.kernelRecords.count })
            for (n, b) in journal.enumerated() {
                boots[b.bootID] = b
                var a = b.anchors
                if a.isEmpty {
                    a = b.kernelRecords.compactMap { r in
                        guard let w = r.wallclockUSec, let m = r.monotonicUSec else { return nil }
                        return (w, m)
                    }
                }
                anchors[b.bootID] = a.sorted { $0.monotonic < $1.monotonic }
                // Positions fit in 32 bits: a boot keeps at most `kernelKept` records, a journal far fewer boots.
                guard n < Int(Int32.max) else { break }
                for (i, r) in b.kernelRecords.enumerated() where i < Int(Int32.max) {
                    byText[r.text.trimmingSpaces(), default: []].append(Position(boot: Int32(n), record: Int32(i)))
                }
            }
        }

        /// The boot of the record at `p`.
        func bootID(_ p: Position) -> String { journal[Int(p.boot)].bootID }

        /// The record at `p`.
        func record(_ p: Position) -> KernelRecord { journal[Int(p.boot)].kernelRecords[Int(p.record)] }

        /// Whether the record at `p` is the event `r` is (`KernelClock.sameEvent`), read in place.
        func sameEvent(_ p: Position, _ r: KernelRecord) -> Bool {
            KernelClock.sameEvent(journal[Int(p.boot)].kernelRecords[Int(p.record)], r)
        }
    }

    private static func matchBoot(_ boot: TextBoot, in file: KernelLogFile, _ index: JournalIndex) -> BootMatch {
        var m = BootMatch(path: file.path, textBoot: boot.index, bootID: nil, method: nil, matchedLines: 0)
        guard !index.boots.isEmpty else { return m }
        if let id = boot.journalBootID, index.boots[id] != nil {
            m.bootID = id
            m.method = .journalctlBootLine
            return m
        }
        // Kernel lines in both: same text and the same stamp (monotonic, or wall clock).
        var scores: [String: Int] = [:]
        let count = boot.records.count
        let step = Swift.max(1, count / 400)
        var i = boot.records.lowerBound
        while i < boot.records.upperBound, i < file.records.count {
            let r = file.records[i]
            if let hits = index.byText[r.text.trimmingSpaces()] {
                var seen = Set<Int32>()
                for p in hits.prefix(4096) where !seen.contains(p.boot) && index.sameEvent(p, r) {
                    seen.insert(p.boot)
                    // Lines of the first second repeat in every boot of the same kernel.
                    let early: Bool = (r.monotonicUSec.map { $0 <= 1_000_000 }) ?? false
                    scores[index.bootID(p), default: 0] += early ? 1 : 10
                }
            }
            i += step
        }
        let ranked = scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        if let best = ranked.first, best.value > 0, ranked.count == 1 || ranked[1].value < best.value {
            m.bootID = best.key
            m.method = .kernelLines
            m.matchedLines = best.value
            return m
        }
        // Times inside a journal boot (only when the text boot carries wall-clock times).
        if let first = boot.firstWallclockUSec, let last = boot.lastWallclockUSec {
            let candidates = index.ordered.filter { first <= $0.lastRealtime.addingClamped(hour) && last >= $0.firstRealtime.subtractingClamped(hour) }
            if candidates.count == 1, let only = candidates.first {
                m.bootID = only.bootID
                m.method = .timeOverlap
                return m
            }
        }
        // pstore / kdump: the record was written during the boot that crashed.
        if file.format.isCrashDump, let t = file.recordTimeUSec ?? file.modificationTimeUSec {
            if let b = index.ordered.last(where: { $0.firstRealtime <= t }) {
                m.bootID = b.bootID
                m.method = .recordTime
            }
        }
        // The previous boot's console: its file is dated when the next boot mounted pstore (the
        // kernel keeps no time for it), so it is the boot before the one holding that time.
        if file.format == .pstoreConsole, let t = file.modificationTimeUSec,
           let i = index.ordered.lastIndex(where: { $0.firstRealtime <= t }), i > 0 {
            m.bootID = index.ordered[i - 1].bootID
            m.method = .recordTime
        }
        return m
    }

    /// The same kernel line read from two sources. Within one journal boot the kernel's
    /// stamp decides; across unknown boots the wall clocks must agree too, since the lines of
    /// the first second repeat in every boot.
    static func sameLine(_ a: KernelRecord, _ b: KernelRecord) -> Bool {
        if let x = a.bootID, let y = b.bootID {
            return x == y && sameEvent(a, b)
        }
        guard let x = a.wallclockUSec, let y = b.wallclockUSec, a.clock != .none, b.clock != .none else { return false }
        let cap: UInt64 = 60_000_000
        let ua: UInt64 = Swift.min(a.uncertaintyUSec, cap)
        let ub: UInt64 = Swift.min(b.uncertaintyUSec, cap)
        let slack: Int64 = Int64(ua + ub) + 2_000_000
        guard timeDistance(x, y) <= UInt64(slack) else { return false }
        if let m = a.monotonicUSec, let n = b.monotonicUSec { return (m > n ? m - n : n - m) <= monoTolerance }
        return true
    }

    /// Same line in two sources: equal stamps when both have the kernel's, else wall clocks close.
    static func sameEvent(_ a: KernelRecord, _ b: KernelRecord) -> Bool {
        if let x = a.monotonicUSec, let y = b.monotonicUSec {
            return (x > y ? x - y : y - x) <= monoTolerance
        }
        if let x = a.wallclockUSec, let y = b.wallclockUSec {
            let cap: UInt64 = 3_600_000_000
            let ua: UInt64 = Swift.min(a.uncertaintyUSec, cap)
            let ub: UInt64 = Swift.min(b.uncertaintyUSec, cap)
            let slack: Int64 = Int64(ua + ub) + 2_000_000
            return timeDistance(x, y) <= UInt64(slack)
        }
        return false
    }

    // MARK: - local time correction

    /// RFC 3164, journalctl short and `dmesg -T` print local time without a year or zone.
    /// Kernel lines also in the journal give both: the year by the nearest match, the zone as
    /// the median offset rounded to 15 minutes.
    /// Also says whether the year of yearless stamps now comes from the journal.
    private static func correctLocalTimes(_ file: inout KernelLogFile, _ index: JournalIndex) -> (notes: [String], yearFromJournal: Bool) {
        let local = file.records.indices.filter { file.records[$0].clock == .syslogInferredYear || file.records[$0].clock == .dmesgT }
        guard !local.isEmpty else { return ([], false) }
        var notes: [String] = []
        var yearShift = 0
        var deltas: [Int64] = []
        let step = Swift.max(1, local.count / 2000)
        var k = 0
        // Year shift from matching lines: for each match, the shift that brings the line
        // closest to the journal's time.
        var shiftVotes: [Int: Int] = [:]
        while k < local.count {
            let r = file.records[local[k]]
            k += step
            guard let w = r.wallclockUSec, let hits = index.byText[r.text.trimmingSpaces()] else { continue }
            for p in hits.prefix(8) {
                let h = index.record(p)
                guard let jw = h.wallclockUSec else { continue }
                if let x = r.monotonicUSec, let y = h.monotonicUSec, (x > y ? x - y : y - x) > monoTolerance { continue }
                let year = CivilTime.year(ofUSec: jw)
                var bestShift = 0
                var bestDelta = Int64.max
                for candidate in [year - 1, year, year + 1] {
                    let moved = CivilTime.replacingYear(w, with: candidate)
                    let (d, overflow) = jw.subtractingReportingOverflow(moved)
                    if !overflow, d.magnitude < bestDelta.magnitude { bestDelta = d; bestShift = candidate - CivilTime.year(ofUSec: w) }
                }
                if bestDelta.magnitude <= UInt64(15 * hour) {
                    shiftVotes[bestShift, default: 0] += 1
                    deltas.append(bestDelta)
                }
            }
        }
        var method = ""
        if let vote = shiftVotes.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }) {
            yearShift = file.records.first(where: { $0.clock == .syslogInferredYear }) == nil ? 0 : vote.key
            method = "\(deltas.count) kernel line\(deltas.count == 1 ? "" : "s") also in the journal"
        } else if file.records[local[0]].clock == .syslogInferredYear {
            // No common line: the shift that puts most records inside journal boots.
            var best = (shift: 0, inside: 0)
            for shift in -3...3 {
                var inside = 0
                for j in stride(from: 0, to: local.count, by: Swift.max(1, local.count / 500)) {
                    guard let w = file.records[local[j]].wallclockUSec else { continue }
                    let moved = CivilTime.replacingYear(w, with: CivilTime.year(ofUSec: w) + shift)
                    if index.ordered.contains(where: { moved >= $0.firstRealtime.subtractingClamped(day) && moved <= $0.lastRealtime.addingClamped(day) }) { inside += 1 }
                }
                if inside > best.inside || (inside == best.inside && inside > 0 && abs(shift) < abs(best.shift)) { best = (shift, inside) }
            }
            if best.inside > 0 {
                yearShift = best.shift
                method = "the journal boots' times"
            }
        }
        deltas.sort()
        var offset: Int64 = 0
        if !deltas.isEmpty {
            let median = deltas[deltas.count / 2]
            let quarter: Int64 = 900_000_000
            let tenMinutes: Int64 = 600_000_000
            if median.magnitude >= UInt64(tenMinutes) {
                let half: Int64 = median >= 0 ? quarter / 2 : -quarter / 2
                offset = ((median + half) / quarter) * quarter
            }
        }
        if yearShift != 0 || offset != 0 || !method.isEmpty {
            for i in local {
                guard var w = file.records[i].wallclockUSec else { continue }
                if yearShift != 0 && file.records[i].clock == .syslogInferredYear {
                    w = CivilTime.replacingYear(w, with: CivilTime.year(ofUSec: w) + yearShift)
                }
                file.records[i].wallclockUSec = w + offset
            }
            // offset = UTC - local, so the host's zone is UTC minus it.
            let hours = -Double(offset) / Double(hour)
            var note = "\(file.path): local times placed on the journal's clock using \(method.isEmpty ? "the journal" : method)"
            let yearless = local.filter { file.records[$0].clock == .syslogInferredYear }.compactMap { file.records[$0].wallclockUSec }
            if !method.isEmpty, let lo = yearless.min(), let hi = yearless.max() {
                let (first, last) = (CivilTime.year(ofUSec: lo), CivilTime.year(ofUSec: hi))
                note += "; the year (\(first == last ? "\(last)" : "\(first)–\(last)")) from them"
            }
            if deltas.isEmpty {
                note += "; no common line, so the zone is unknown and local times are read as UTC"
            } else {
                note += offset == 0 ? "; the logging host's zone matches UTC" : "; the logging host's local time was UTC\(hours >= 0 ? "+" : "")\(hours) h (estimated)"
            }
            notes.append(note)
            let records = file.records
            for b in file.boots.indices {
                let walls = file.boots[b].records.compactMap { $0 < records.count ? records[$0].wallclockUSec : nil }
                file.boots[b].firstWallclockUSec = walls.first
                file.boots[b].lastWallclockUSec = walls.max()
            }
        } else if file.records[local[0]].clock == .syslogInferredYear || file.records[local[0]].clock == .dmesgT {
            notes.append("\(file.path): local times without a zone are read as UTC (no journal line to compare with)")
        }
        return (notes, !method.isEmpty)
    }

    // MARK: - placing

    private static func placeOne(_ r: inout KernelRecord, boot: JournalBootAnchor?, anchors: [(realtime: Int64, monotonic: UInt64)]?) {
        if let mono = r.monotonicUSec, let anchors, !anchors.isEmpty {
            // Nearest anchor by monotonic time: the shorter the distance, the less drift.
            var lo = 0, hi = anchors.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if anchors[mid].monotonic < mono { lo = mid + 1 } else { hi = mid }
            }
            var best = lo
            if lo > 0 {
                let below: UInt64 = distance(mono, anchors[lo - 1].monotonic)
                let above: UInt64 = distance(mono, anchors[lo].monotonic)
                if below < above { best = lo - 1 }
            }
            let a = anchors[best]
            let gap: UInt64 = distance(mono, a.monotonic)
            guard gap < UInt64(Int64.max / 4) else { return }
            let signed: Int64 = mono >= a.monotonic ? Int64(gap) : -Int64(gap)
            let (placed, overflow) = a.realtime.addingReportingOverflow(signed)
            guard !overflow else { return }
            r.wallclockUSec = placed
            r.clock = .bootAnchor
            // 1 ms for the anchor itself plus 100 ppm clock drift over the distance.
            r.uncertaintyUSec = 1_000 + gap / 10_000
            return
        }
        _ = boot
    }

    static func distance(_ a: UInt64, _ b: UInt64) -> UInt64 { a > b ? a - b : b - a }

    private static func mergeInto(_ kept: inout KernelRecord, _ other: KernelRecord) {
        kept.sources += other.sources
        if kept.monotonicUSec == nil { kept.monotonicUSec = other.monotonicUSec }
        if kept.wallclockUSec == nil, let w = other.wallclockUSec {
            kept.wallclockUSec = w
            kept.clock = other.clock
            kept.uncertaintyUSec = other.uncertaintyUSec
        }
        if kept.hostname == nil { kept.hostname = other.hostname }
        if kept.priority == nil { kept.priority = other.priority }
        if kept.callerID == nil { kept.callerID = other.callerID }
        if kept.textBoot == nil { kept.textBoot = other.textBoot }
        if kept.bootID == nil { kept.bootID = other.bootID }
    }
}

/// Text plus a coarse stamp bucket (10 ms of kernel time, or 1 h of wall clock), so that a
/// line repeated thousands of times (`Call Trace:`) is compared only with its neighbours.
/// The text is held by its hash, computed once per line: a look-up tries ten buckets, and the
/// caller compares the texts of the candidates (two texts sharing a hash only cost that).
struct DedupKey: Hashable {
    var text: Int
    var byMonotonic: Bool
    var bucket: Int64

    static func hash(_ text: String) -> Int {
        var h = Hasher()
        h.combine(text)
        return h.finalize()
    }

    static let monoBucket: UInt64 = 10_000
    static let wallBucket: Int64 = 3_600_000_000
}

struct DedupIndex {
    var byMonotonic: [DedupKey: [Int]] = [:]
    var byWall: [DedupKey: [Int]] = [:]
    /// Records without a kernel stamp, the only ones a stamped record compares by wall clock.
    var byWallUnstamped: [DedupKey: [Int]] = [:]
    /// Per list and source file: how many leading entries of the list already hold a line
    /// of that file. A flood of one repeated line (100,000 `Call Trace:`) then costs one
    /// step per line, not a scan of every earlier copy.
    private var skip: [Cursor: Int] = [:]
    /// Entries looked at per list beyond the skipped ones: neighbours in time that are not
    /// the same line.
    static let maxCandidates = 512
    /// Entries looked at so far, over all look-ups (what the linear-time test counts).
    private(set) var steps = 0

    private enum Table: Hashable { case monotonic, wall, wallUnstamped }
    private struct Cursor: Hashable {
        var table: Table
        var key: DedupKey
        /// The source file, by its number in `paths`.
        var path: Int
    }
    private var paths: [String: Int] = [:]

    /// The texts held (by hash): a line whose text no list holds is answered with one look-up,
    /// not ten (most lines of a long log are in no other source).
    private var texts = Set<Int>()

    init() {}

    /// An index for about `records` records: its tables are made that large at once.
    init(records: Int) {
        let n = max(0, min(records, 1 << 22))
        byMonotonic.reserveCapacity(n)
        byWall.reserveCapacity(n)
        texts.reserveCapacity(n)
    }

    mutating func insert(_ r: KernelRecord, at i: Int) {
        insert(r, at: i, textHash: DedupKey.hash(r.text.trimmingSpaces()))
    }

    /// Whether a record with this text hash was inserted.
    func holds(_ textHash: Int) -> Bool { texts.contains(textHash) }

    /// `insert` with the hash of the record's trimmed text already worked out.
    mutating func insert(_ r: KernelRecord, at i: Int, textHash text: Int) {
        texts.insert(text)
        if let m = r.monotonicUSec {
            byMonotonic[DedupKey(text: text, byMonotonic: true, bucket: Int64(m / DedupKey.monoBucket)), default: []].append(i)
        }
        if let w = r.wallclockUSec {
            let key = DedupKey(text: text, byMonotonic: false, bucket: CivilTime.floorDiv(w, DedupKey.wallBucket))
            byWall[key, default: []].append(i)
            if r.monotonicUSec == nil { byWallUnstamped[key, default: []].append(i) }
        }
    }

    /// The lowest index that may hold the same line as `r` (first come, first merged), is not
    /// `taken` by `path` already and `matches`. Linear in the input overall: entries taken by
    /// `path` at the head of a list are skipped once and never looked at again for it.
    mutating func firstMatch(_ r: KernelRecord, text: String, path: String,
                             taken: (Int) -> Bool, matches: (Int) -> Bool) -> Int? {
        firstMatch(r, textHash: DedupKey.hash(text), path: path, taken: taken, matches: matches)
    }

    /// `firstMatch` with the hash of the record's trimmed text already worked out.
    mutating func firstMatch(_ r: KernelRecord, textHash text: Int, path: String,
                             taken: (Int) -> Bool, matches: (Int) -> Bool) -> Int? {
        guard texts.contains(text) else { return nil }
        let pathNumber: Int
        if let n = paths[path] {
            pathNumber = n
        } else {
            pathNumber = paths.count
            paths[path] = pathNumber
        }
        var lists: [(Table, DedupKey)] = []
        lists.reserveCapacity(10)
        if let m = r.monotonicUSec {
            let b = Int64(m / DedupKey.monoBucket)
            for d: Int64 in -1...1 { lists.append((.monotonic, DedupKey(text: text, byMonotonic: true, bucket: b &+ d))) }
        }
        if let w = r.wallclockUSec {
            let b = CivilTime.floorDiv(w, DedupKey.wallBucket)
            let table: Table = r.monotonicUSec == nil ? .wall : .wallUnstamped
            for d: Int64 in -3...3 { lists.append((table, DedupKey(text: text, byMonotonic: false, bucket: b &+ d))) }
        }
        var best: Int?
        for (table, key) in lists {
            let list: [Int]
            switch table {
            case .monotonic: list = byMonotonic[key] ?? []
            case .wall: list = byWall[key] ?? []
            case .wallUnstamped: list = byWallUnstamped[key] ?? []
            }
            guard !list.isEmpty else { continue }
            let cursor = Cursor(table: table, key: key, path: pathNumber)
            let skipped = skip[cursor] ?? 0
            var start = skipped
            while start < list.count, taken(list[start]) { start += 1; steps += 1 }
            if start != skipped { skip[cursor] = start }
            var looked = 0
            var k = start
            while k < list.count, looked < Self.maxCandidates {
                let i = list[k]
                if let b = best, i >= b { break }
                if !taken(i), matches(i) {
                    best = i
                    break
                }
                looked += 1
                k += 1
                steps += 1
            }
        }
        return best
    }
}
