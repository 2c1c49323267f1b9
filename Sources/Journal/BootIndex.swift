/// What a journal set's own indexes say about its boots, read without decoding an entry: for
/// each file, the boots it holds (each `_BOOT_ID` DATA object's entry array gives the count and
/// the first and last entry), the entries a torn file wrote but never linked, and where the
/// kernel's messages are. With it one boot is analysed by decoding that boot's entries and only
/// the edges of the others, so the time follows the boot asked about, not the journal kept.
public struct BootIndex: Sendable {
    /// One boot's entries in one file.
    public struct Extent: Sendable {
        /// Index into the reader's files.
        public var file: Int
        public var bootID: ID128
        /// The journald sequence (the file's seqnum ID) the entries' sequence numbers count in.
        public var seqnumID: ID128
        /// Entries the file's index links to this boot.
        public var entries: Int
        public var first: Stamp
        public var last: Stamp
        /// The `_BOOT_ID` DATA object.
        var data: Int
    }

    /// The fixed part of an entry: enough to order boots and place their edges.
    public struct Stamp: Sendable, Equatable {
        public var realtime: UInt64
        public var monotonic: UInt64
        public var seqnum: UInt64
        public var offset: Int
    }

    /// An entry found by the index (or past it), with its boot.
    struct Located: Sendable {
        var offset: Int
        var bootID: ID128
        var monotonic: UInt64
    }

    public private(set) var extents: [Extent] = []
    /// Per file: entries past the last linked one (a torn tail), which no index links.
    private(set) var unlinked: [[Located]] = []
    /// Per file: the entries that carry one of `telling` (the kernel's, journald's, fsck's).
    var telling: [[Located]] = []

    /// What the index holds of one boot, gathered once: a journal of thousands of boots (a
    /// hostile file can name that many) is not searched through for each of them.
    struct BootShare {
        /// Indices into `extents`.
        var extents: [Int] = []
        var entries = 0
        var files = Set<Int>()
        /// Per journald sequence: the boot's lowest and highest numbers and its entries, counted once.
        var sequences: [ID128: (min: UInt64, max: UInt64, count: Int)] = [:]

        mutating func add(entries n: Int, file: Int, extent: Int? = nil) {
            if let extent { extents.append(extent) }
            entries &+= n
            files.insert(file)
        }
    }
    private(set) var byBoot: [ID128: BootShare] = [:]
    /// Per file: indices into `extents`.
    private(set) var byFile: [[Int]] = []

    /// How many entries of file `file` are of the boots `keep` accepts (linked and unlinked).
    public func entries(inFile file: Int, ofBoots keep: (ID128) -> Bool) -> Int {
        guard file >= 0, file < byFile.count, file < unlinked.count else { return 0 }
        var n = 0
        for e in byFile[file] where e < extents.count && keep(extents[e].bootID) {
            n = Self.clampedSum(n, max(0, extents[e].entries))
        }
        for u in unlinked[file] where keep(u.bootID) { n = Self.clampedSum(n, 1) }
        return n
    }

    /// Sets the set's extents and unlinked entries (one list per file) and gathers them by boot and file.
    mutating func set(extents: [Extent], unlinked: [[Located]]) {
        self.extents = extents
        self.unlinked = unlinked
        byBoot = [:]
        byFile = Array(repeating: [], count: unlinked.count)
        for (n, e) in extents.enumerated() {
            byBoot[e.bootID, default: BootShare()].add(entries: 0, file: e.file, extent: n)
            if e.file >= 0, e.file < byFile.count { byFile[e.file].append(n) }
        }
        for id in Array(byBoot.keys) {
            guard let share = byBoot[id] else { continue }
            let runs = Self.sequences(share.extents.map { extents[$0] })
            byBoot[id]?.entries = runs.values.reduce(0) { Self.clampedSum($0, $1.count) }
            byBoot[id]?.sequences = runs
        }
        for (i, f) in unlinked.enumerated() {
            for u in f { byBoot[u.bootID, default: BootShare()].add(entries: 1, file: i) }
        }
    }

    /// Where one boot's entries lie in each journald sequence (seqnum ID) and how many there are,
    /// each entry counted once where two files hold the same ones (a journal given twice, or a
    /// journalctl dump beside the files it was made from): the same stretch twice counts once,
    /// and stretches whose sequence numbers overlap count no more entries than the numbers they
    /// span. journald numbers the system and user files of one run in one sequence, so their
    /// stretches overlap while holding different entries: those add up to the span.
    static func sequences(_ extents: [Extent]) -> [ID128: (min: UInt64, max: UInt64, count: Int)] {
        struct Copy: Hashable { var first: UInt64, last: UInt64, entries: Int, realtime: UInt64 }
        var bySequence: [ID128: [Extent]] = [:]
        for e in extents { bySequence[e.seqnumID, default: []].append(e) }
        var out: [ID128: (min: UInt64, max: UInt64, count: Int)] = [:]
        for (sequence, list) in bySequence {
            var copies = Set<Copy>()
            let distinct = list.filter { copies.insert(Copy(first: $0.first.seqnum, last: $0.last.seqnum, entries: $0.entries,
                                                            realtime: $0.first.realtime)).inserted }
            // Stretches by their lowest number; a damaged file's may run backwards.
            let stretches = distinct.map { (low: min($0.first.seqnum, $0.last.seqnum), high: max($0.first.seqnum, $0.last.seqnum),
                                            entries: max(0, $0.entries)) }.sorted { $0.low < $1.low }
            var count = 0
            var cluster: (low: UInt64, high: UInt64, entries: Int, members: Int)?
            func close() {
                guard let c = cluster else { return }
                // One stretch alone is counted as its index says, whatever its numbers.
                let width = c.high - c.low
                let span = width >= UInt64(Int.max) ? Int.max : Int(width) + 1
                count = clampedSum(count, c.members > 1 ? min(c.entries, span) : c.entries)
            }
            for s in stretches {
                if let c = cluster, s.low <= c.high {
                    cluster = (c.low, max(c.high, s.high), clampedSum(c.entries, s.entries), c.members + 1)
                } else {
                    close()
                    cluster = (s.low, s.high, s.entries, 1)
                }
            }
            close()
            let low = stretches.map(\.low).min() ?? 0
            let high = stretches.map(\.high).max() ?? 0
            out[sequence] = (low, high, count)
        }
        return out
    }

    /// Counts from a damaged index can be anything (never negative here): held at `Int.max`
    /// rather than wrapping.
    private static func clampedSum(_ a: Int, _ b: Int) -> Int { a.addingReportingOverflow(b).overflow ? .max : a + b }

    /// `sequences` of one boot, as the index holds it.
    public func sequences(of boot: ID128) -> [ID128: (min: UInt64, max: UInt64, count: Int)] {
        byBoot[boot]?.sequences ?? [:]
    }

    /// The extents of file `i`.
    func extents(inFile i: Int) -> [Extent] {
        i >= 0 && i < byFile.count ? byFile[i].map { extents[$0] } : []
    }

    /// The extents of `boot`: its entries in each file that holds it.
    public func extents(of boot: ID128) -> [Extent] {
        (byBoot[boot]?.extents ?? []).map { extents[$0] }
    }

    /// Entries of `boot`: those its files link, and those found past the linked ones.
    public func entryCount(of boot: ID128) -> Int { byBoot[boot]?.entries ?? 0 }

    /// For each extent of file `i` (in `extents(inFile:)`'s order), whether its stretch of the
    /// file (its first to its last entry) overlaps another boot's: found in one sweep over the
    /// stretches sorted by start, so a hostile file's thousands of boots are not compared pairwise.
    func overlapping(inFile i: Int) -> [Bool] {
        let mine = extents(inFile: i)
        let order = mine.indices.sorted { mine[$0].first.offset < mine[$1].first.offset }
        var out = Array(repeating: false, count: mine.count)
        var reach = Int.min
        for (n, e) in order.enumerated() {
            let s = mine[e]
            if reach >= s.first.offset { out[e] = true }
            if n + 1 < order.count, mine[order[n + 1]].first.offset <= s.last.offset { out[e] = true }
            reach = max(reach, s.last.offset)
        }
        return out
    }

    /// The boots the index holds.
    public var bootIDs: Set<ID128> { Set(byBoot.keys) }

    /// The files holding entries of `boot`.
    public func files(of boot: ID128) -> Set<Int> { byBoot[boot]?.files ?? [] }

    /// Entries read for every boot whatever their place in it, up to this many per file: the
    /// kernel's match text logs to boots; they and journald's and fsck's own messages carry the
    /// notices about the previous boot's files and file systems.
    static let telling = ["_TRANSPORT=kernel", "SYSLOG_IDENTIFIER=systemd-journald", "SYSLOG_IDENTIFIER=systemd-fsck"]
    static let tellingEntriesKept = 200_000
    /// Entry headers read per boot and item where boots' stretches in a file overlap.
    static let overlapReads = 4096
}

extension JournalReader {
    /// Reads the set's indexes: every file's boots, unlinked tail and kernel entries. Each file's
    /// health is set from its structure alone (entries counted in the index and past it, the
    /// chain's and the tail's damage); the files an analysis then reads through are counted anew.
    public func bootIndex() -> BootIndex {
        var index = BootIndex()
        index.telling = Array(repeating: [], count: files.count)
        let tellingItems = BootIndex.telling.map { Array($0.utf8) }
        let files = self.files
        let perFile = PerFile.map(files.count) { i in
            let file = files[i]
            // Looking at entries here must not count their damage: the reading that decodes
            // them does, once.
            var unlinked: [BootIndex.Located] = []
            var extents: [BootIndex.Extent] = []
            var telling: [BootIndex.Located] = []
            file.withHealthKept {
                for d in file.dataObjects(ofField: "_BOOT_ID") {
                    // The first and last entries only: the slots between are counted, not read.
                    let list = file.entries(ofData: d)
                    var first: EntryHead?
                    var last: EntryHead?
                    var k = 0
                    while first == nil, k < list.count {
                        first = list.offset(k, in: file).flatMap { file.entryHead(at: $0) }
                        k += 1
                    }
                    k = list.count - 1
                    while last == nil, k >= 0 {
                        last = list.offset(k, in: file).flatMap { file.entryHead(at: $0) }
                        k -= 1
                    }
                    guard let f = first, let l = last else { continue }
                    // Slots after the last readable one point past a cut or a tear (their array
                    // or their entry is gone): not counted, as a whole read does not count them.
                    let readable = k + 2
                    extents.append(BootIndex.Extent(
                        file: i, bootID: f.bootID, seqnumID: file.seqnumID, entries: readable,
                        first: .init(realtime: f.realtime, monotonic: f.monotonic, seqnum: f.seqnum, offset: f.offset),
                        last: .init(realtime: l.realtime, monotonic: l.monotonic, seqnum: l.seqnum, offset: l.offset), data: d))
                }
                let tellingOffsets = file.entryOffsets(ofData: tellingItems.flatMap { file.dataObjects(matching: $0) })
                for o in tellingOffsets.suffix(BootIndex.tellingEntriesKept) {
                    if let h = file.entryHead(at: o) { telling.append(.init(offset: o, bootID: h.bootID, monotonic: h.monotonic)) }
                }
            }
            // The survey reads each entry it looks at once, as a whole read would: what it finds
            // wrong with them (entries cut by the end of the file) is counted.
            let survey = file.survey()
            for h in survey.unlinked { unlinked.append(.init(offset: h.offset, bootID: h.bootID, monotonic: h.monotonic)) }
            file.health.applySurvey(linked: survey.linked, skipped: survey.skipped, recovered: survey.unlinked.count,
                                    notes: survey.notes)
            // The pages looked at are let go: memory follows the files being looked at, not the set.
            file.finishedReading()
            return (extents, unlinked, telling)
        }
        var extents: [BootIndex.Extent] = []
        var unlinked: [[BootIndex.Located]] = Array(repeating: [], count: files.count)
        for (i, f) in perFile.enumerated() {
            extents += f.0
            unlinked[i] = f.1
            index.telling[i] = f.2
        }
        index.set(extents: extents, unlinked: unlinked)
        return index
    }

    /// The entries, per boot, per file and in file order, that say how each boot began and ended without
    /// reading the boot through: each boot's entries in the first `headSeconds` and the last
    /// `tailSeconds` of its monotonic clock (at most `edgeEntries` of each per file, and at least
    /// its first entry), its kernel, journald and fsck entries, and every unlinked entry.
    ///
    /// With a `sieve`, the edges' entries are taken only when it keeps them, but for each
    /// boot's first entry and newest `unsieved` entries in each file; at most twenty times
    /// `edgeEntries` are looked at per edge and file.
    public func edgeEntries(_ index: BootIndex, headSeconds: UInt64, tailSeconds: UInt64, edgeEntries: Int,
                            sieve: EntrySieve? = nil, unsieved: Int = 0) -> [ID128: [[Int]]] {
        var lastMonotonic: [ID128: UInt64] = [:]
        var firstMonotonic: [ID128: UInt64] = [:]
        for e in index.extents {
            lastMonotonic[e.bootID] = max(lastMonotonic[e.bootID] ?? 0, e.last.monotonic)
            firstMonotonic[e.bootID] = min(firstMonotonic[e.bootID] ?? .max, e.first.monotonic)
        }
        for u in index.unlinked.joined() { lastMonotonic[u.bootID] = max(lastMonotonic[u.bootID] ?? 0, u.monotonic) }
        var out: [ID128: [[Int]]] = [:]
        let files = self.files
        let (firstAt, lastAt) = (firstMonotonic, lastMonotonic)
        let perFile = PerFile.map(files.count) { i in
            let file = files[i]
            let firstMonotonic = firstAt, lastMonotonic = lastAt
            var picked: [ID128: [Int]] = [:]
            file.withHealthKept {
                let extents = index.extents(inFile: i)
                // The sieve's items are looked up only in a file where an edge needs them.
                var resolved: FileSieve?
                func fileSieve() -> FileSieve? {
                    if resolved == nil, let sieve { resolved = FileSieve(sieve, file: file) }
                    return resolved
                }
                let twentyFold = edgeEntries.multipliedReportingOverflow(by: 20)
                let lookLimit = twentyFold.overflow ? Int.max : twentyFold.partialValue
                let overlapping = index.overlapping(inFile: i)
                for (x, e) in extents.enumerated() {
                    // Only the slots at either end are read: the boot's middle costs nothing.
                    let list = file.entries(ofData: e.data)
                    // Where the boot has its stretch of the file to itself, the sieve's entries in
                    // a range are found from the entry arrays alone; else each one is looked at.
                    let alone = x < overlapping.count && !overlapping[x]
                    func sieved(_ slots: ClosedRange<Int>, newest: Bool) -> [Int]? {
                        guard alone, sieve != nil, let from = list.offset(slots.lowerBound, in: file),
                              let to = list.offset(slots.upperBound, in: file), from <= to else { return nil }
                        return fileSieve()?.kept(in: from...to, file: file, limit: lookLimit, newest: newest)
                    }
                    let (start, startOverflow) = (firstMonotonic[e.bootID] ?? e.first.monotonic)
                        .addingReportingOverflow(headSeconds * 1_000_000)
                    // The edges' bounds are found by binary search on the entries' monotonic
                    // stamps (in file order within a boot): only the entries taken are listed.
                    let headLimit = min(list.count, edgeEntries)
                    let headEnd = startOverflow ? headLimit
                        : list.firstSlot(in: min(1, headLimit)..<headLimit, in: file, unreadable: false) { $0 > start }
                    if headEnd > 1, let kept = sieved(1...(headEnd - 1), newest: false) {
                        if let o = list.offset(0, in: file) { picked[e.bootID, default: []].append(o) }
                        picked[e.bootID, default: []] += kept.prefix(edgeEntries - 1)
                    } else {
                        var n = 0
                        var taken = 0
                        while n < headEnd, taken < edgeEntries, n < lookLimit {
                            if let o = list.offset(n, in: file), n == 0 || fileSieve()?.keeps(entryAt: o, in: file) ?? true {
                                picked[e.bootID, default: []].append(o)
                                taken += 1
                            }
                            n += 1
                        }
                    }
                    let end = lastMonotonic[e.bootID] ?? e.last.monotonic
                    let from = end > tailSeconds * 1_000_000 ? end - tailSeconds * 1_000_000 : 0
                    let tailStart = list.firstSlot(in: 0..<list.count, in: file, unreadable: true) { $0 >= from }
                    var taken = 0
                    // From the last readable slot (`Extent.entries`): slots past a cut are no entries.
                    var n = min(list.count, e.entries) - 1
                    var looked = 0
                    // The newest entries whatever they carry (`unsieved`), then the sieve's.
                    while n >= tailStart, taken < edgeEntries, looked < lookLimit, sieve == nil || looked < unsieved {
                        if let o = list.offset(n, in: file) {
                            picked[e.bootID, default: []].append(o)
                            taken += 1
                        }
                        n -= 1
                        looked += 1
                    }
                    guard n >= tailStart, taken < edgeEntries, looked < lookLimit, sieve != nil else { continue }
                    if let kept = sieved(tailStart...n, newest: true) {
                        picked[e.bootID, default: []] += kept.suffix(edgeEntries - taken)
                        continue
                    }
                    while n >= tailStart, taken < edgeEntries, looked < lookLimit {
                        if let o = list.offset(n, in: file), fileSieve()?.keeps(entryAt: o, in: file) ?? true {
                            picked[e.bootID, default: []].append(o)
                            taken += 1
                        }
                        n -= 1
                        looked += 1
                    }
                }
            }
            if i < index.telling.count { for t in index.telling[i] { picked[t.bootID, default: []].append(t.offset) } }
            if i < index.unlinked.count { for u in index.unlinked[i] { picked[u.bootID, default: []].append(u.offset) } }
            var unique: [ID128: [Int]] = [:]
            for (boot, offsets) in picked {
                var u: [Int] = []
                u.reserveCapacity(offsets.count)
                for o in offsets.sorted() where u.last != o { u.append(o) }
                unique[boot] = u
            }
            file.finishedReading()
            return unique
        }
        for (i, picked) in perFile.enumerated() {
            for (boot, offsets) in picked {
                if out[boot] == nil { out[boot] = Array(repeating: [], count: files.count) }
                out[boot]?[i] = offsets
            }
        }
        return out
    }

    /// The boots with an entry carrying each of `items` (`FIELD=value`), from the DATA objects'
    /// entry arrays. An entry's boot is told by where it lies: each boot's entries in a file lie
    /// between its first and last (the index's extents), and the array lists entries by offset,
    /// so one binary search per boot and file answers: a crash loop's hundreds of thousands of
    /// entries are not walked. Only where two boots' stretches overlap are the entries in the
    /// stretch read (their headers say the boot). Each file is looked at once for all items.
    public func bootIDs(carrying items: [String], index: BootIndex) -> [String: Set<ID128>] {
        let payloads = items.map { Array($0.utf8) }
        var out = [String: Set<ID128>](uniqueKeysWithValues: items.map { ($0, []) })
        for (i, file) in files.enumerated() {
            let stretches = index.extents(inFile: i).map { (from: $0.first.offset, to: $0.last.offset, boot: $0.bootID) }
            let overlaps = index.overlapping(inFile: i)
            var looked = false
            file.withHealthKept {
                for (item, payload) in zip(items, payloads) {
                    let data = file.dataObjects(matching: payload)
                    looked = looked || !data.isEmpty
                    for d in data {
                        let list = file.entries(ofData: d)
                        for (n, s) in stretches.enumerated() where out[item]?.contains(s.boot) == false {
                            let overlapped = overlaps[n]
                            var k = list.firstSlot(atOrAfter: s.from, in: file)
                            // Where stretches overlap, a bounded number of headers is read per
                            // stretch: a hostile file of thousands of overlapping boots cannot
                            // make this quadratic in its entries.
                            let stop = overlapped ? min(list.count, k &+ BootIndex.overlapReads) : list.count
                            while k < stop, let o = list.offset(k, in: file), o <= s.to {
                                if !overlapped || file.entryHead(at: o)?.bootID == s.boot {
                                    out[item]?.insert(s.boot)
                                    break
                                }
                                k += 1
                            }
                        }
                    }
                }
            }
            // The pages looked at are let go once per file, after every item.
            if looked { file.finishedReading() }
        }
        return out
    }

    /// `scan(fields:_:)` over chosen entries only: `entries[i]` are offsets in file *i*, in file
    /// order, as `edgeEntries` gives them for one boot. The entries are interleaved across files
    /// as a whole read does. Their damage is not counted in the files' health (see `bootIndex`).
    public func scan<P: EntryPreparer>(fields: [String], entries: [[Int]], preparing: P.Type,
                                       _ body: (EntryView, P.Prepared) throws -> Void) rethrows {
        let saved = files.map(\.health)
        defer {
            for (i, (f, h)) in zip(files, saved).enumerated() {
                f.health = h
                if i < entries.count, !entries[i].isEmpty { f.finishedReading() }
            }
        }
        // A second thread pays for itself on a whole read, not on a few thousand entries.
        let count = entries.reduce(0) { $0 &+ $1.count }
        try scan(fields: fields, source: .offsets(entries), preparing: preparing,
                 threadAbove: count < Self.threadedOffsets ? .max : 0, body)
    }

    /// Chosen entries read on a second thread from this many.
    static let threadedOffsets = 16 * JournalReader.batchSize

    /// `scan(fields:_:)` over the entries of one boot: the files in `files` (those holding it)
    /// are read through, as a whole read reads them, and only that boot's entries are decoded.
    /// Those files' health is counted anew, entry by entry.
    public func scan<P: EntryPreparer>(fields: [String], boot: ID128, inFiles files: Set<Int>, preparing: P.Type,
                                       _ body: (EntryView, P.Prepared) throws -> Void) rethrows {
        for i in files where i >= 0 && i < self.files.count { self.files[i].resetHealth() }
        try scan(fields: fields, source: .boot(boot, files: files), preparing: preparing, body)
    }
}

/// Which entries a merge reads.
enum EntrySource {
    /// Every entry of every file.
    case all
    /// The entries carrying one item (`FIELD=value`), through the data hash tables.
    case matching([UInt8])
    /// Given offsets per file, in file order.
    case offsets([[Int]])
    /// Every entry of the given files, but only those of one boot decoded.
    case boot(ID128, files: Set<Int>)
}

/// A file's structure, read without decoding an entry.
struct FileSurvey {
    /// Slots of the file's entry-array chain, less those found to point at no entry.
    var linked = 0
    /// Slots found to point at no valid entry (among the newest, which are checked).
    var skipped = 0
    /// Entries past the last linked one.
    var unlinked: [EntryHead] = []
    /// What was wrong with the chain or the tail.
    var notes: [(offset: Int?, reason: String)] = []
}

extension JournalFile {
    /// Runs `body`, which looks at entries, with the file's health left as it was: what is
    /// wrong with them is counted by the reading that decodes them, once.
    func withHealthKept<T>(_ body: () throws -> T) rethrows -> T {
        let kept = health
        defer { health = kept }
        return try body()
    }

    /// A run of this many valid entries among the newest slots: the slots before it are trusted.
    static let validRunTrusted = 256

    /// Walks the entry-array chain (the newest slots' entries checked) and the objects past its
    /// last entry.
    func survey() -> FileSurvey {
        var out = FileSurvey()
        let chain = entryArrayChain
        // A crash leaves the newest slots pointing at entries that never reached the disk: the
        // slots are checked from the newest back until a long run of them holds valid entries.
        var valid = 0
        var k = chain.count - 1
        while k >= 0, valid < Self.validRunTrusted {
            defer { k -= 1 }
            let o = chain.offset(k, in: self)
            if let o, entryHead(at: o) != nil {
                valid += 1
            } else {
                valid = 0
                out.skipped += 1
                out.notes.append((o, "entry array points at no valid ENTRY object"))
            }
        }
        out.linked = chain.count - out.skipped
        if let reason = chain.stopReason, out.linked < Int(clamping: header.nEntries) {
            out.notes.append((chain.stopOffset, reason))
        }
        var tail = TailScanner(from: linkedEnd(chain))
        while let h = tail.next(in: self) { out.unlinked.append(h) }
        if let g = tail.firstGarbage {
            out.notes.append((g, "\(tail.garbageBytes) bytes after the last entry are not valid objects"))
        }
        return out
    }
}

extension FileHealth {
    /// The counts a survey gives, for a file whose entries are not all read.
    mutating func applySurvey(linked: Int, skipped: Int, recovered: Int, notes: [(offset: Int?, reason: String)]) {
        entriesLinked = linked
        entriesSkipped = skipped
        entriesRecovered = recovered
        countedFromIndex = true
        for n in notes { note(n.offset, n.reason) }
    }
}
