import Events
import Journal
import KernelLog

/// One message kept for the "last words" of a boot.
struct KeptMessage {
    var time: Int64
    var who: [UInt8]
    var text: [UInt8]
    var cursor: EntryRef
    var priority: [UInt8]?
}

/// The boot's last entry as its last journal file's header records it, when that entry could
/// not be read (the file is cut or torn after it).
struct HeaderTail {
    var realtime: Int64
    var monotonic: UInt64
    var path: String
    /// Entries the header counts that could not be read.
    var entriesLost: Int
    /// The file is shorter than its header says (a cut copy, or a size lost in a crash).
    var fileCut: Bool
}

/// Per-boot aggregates collected in the single pass over the journal.
final class BootState {
    let id: String
    var first: Int64 = .max
    var last: Int64 = .min
    var entries = 0
    /// Entries inside the `--since`/`--until` window (all of them without one).
    var entriesInWindow = 0
    var firstCursor: EntryRef?
    /// File index (into the reader's files) of the boot's newest entry.
    var lastFile = -1
    var files = Set<Int>()
    var anchors: [(realtime: Int64, monotonic: UInt64)] = []
    var lastAnchorTime: Int64 = .min
    var lastMonotonic: UInt64 = 0
    /// The lowest monotonic stamp kept: how far into the boot the kept journal begins.
    var firstMonotonic: UInt64 = .max
    /// realtime − monotonic of the entry with the highest monotonic stamp: the kernel's start
    /// on the newest wall clock the boot had (after any NTP step).
    var startOffset: Int64?
    /// realtime − monotonic of the entry with the lowest monotonic stamp: the kernel's start on
    /// the clock the boot's first entries kept were written with (before any step).
    var firstOffset: Int64?
    /// How `startOffset` was found: a text boot's comes from its kernel lines' stamps.
    var startSource = BootStartSource.journalClock
    /// Only text logs hold the boot (kern.log, messages, a pasted console): no journal entry.
    var textOnly = false
    /// What its last file's header says of its last entry, when that entry is lost.
    var headerTail: HeaderTail?
    /// `headerTail` when the file is cut and the header records the boot going on for longer
    /// than a crash loses (journald syncs every `syncIntervalUSec`): a cut copy, not a tear.
    var cutTail: HeaderTail? {
        guard let t = headerTail, t.fileCut, t.realtime &- last > Self.syncIntervalUSec else { return nil }
        return t
    }
    /// How long journald may hold entries before it syncs them (`SyncIntervalSec=`, 5 min by
    /// default; critical ones at once): all a crash can take from the end of a file.
    static let syncIntervalUSec: Int64 = 300_000_000
    /// Whether the monotonic stamps count from the kernel's start. A text boot whose kernel start
    /// is not in its lines counts from its first line instead: that is no uptime.
    var monotonicIsUptime = true
    /// realtime − monotonic of the previous entry, to see the wall clock step.
    private var lastOffset: Int64?
    /// Where the wall clock moved against the monotonic one (NTP steps, RTC-less boards, suspend).
    var clockJumps: [(monotonic: UInt64, from: Int64, to: Int64)] = []
    /// The seqnum range of this boot in each seqnum ID (journald run) it has entries in.
    var seqnums: [ID128: (min: UInt64, max: UInt64, count: Int)] = [:]
    /// The newest shutdown markers (user managers excluded), oldest first.
    var shutdownMarkers: [ShutdownMarker] = []
    var bootMarkers: [BootMarker] = []
    /// The newest requests for a shutdown (a reboot run with sudo, the power key), oldest first.
    var shutdownRequests: [ShutdownRequest] = []
    /// Monotonic stamps of PID 1's last `Switching root.` and journald's last `Journal started`:
    /// shutdown markers before them belong to the initrd or to a journald that was restarted.
    var lastSwitchRoot: UInt64?
    var lastJournalStart: UInt64?

    static let markersKept = 64
    static let clockJumpThreshold: Int64 = 2_000_000
    static let clockJumpsKept = 32

    func addShutdownMarker(_ m: ShutdownMarker) {
        if shutdownMarkers.count >= Self.markersKept { shutdownMarkers.removeFirst() }
        shutdownMarkers.append(m)
    }

    func addShutdownRequest(_ r: ShutdownRequest) {
        if shutdownRequests.count >= 8 { shutdownRequests.removeFirst() }
        shutdownRequests.append(r)
    }

    func addBootMarker(_ m: BootMarker) {
        switch m.kind {
        case .switchRoot: lastSwitchRoot = max(lastSwitchRoot ?? 0, m.ref.monotonic)
        case .journalStarted: lastJournalStart = max(lastJournalStart ?? 0, m.ref.monotonic)
        case .startupFinished: break
        }
        if bootMarkers.count < 16 { bootMarkers.append(m) }
    }

    /// Clock bookkeeping for one entry: monotonic extremes, the kernel's start, wall-clock steps.
    func observeClock(realtime t: Int64, monotonic m: UInt64, seqnumID: ID128, seqnum: UInt64) {
        let offset = t &- Int64(clamping: m)
        if m < firstMonotonic {
            firstMonotonic = m
            firstOffset = offset
        }
        if m >= lastMonotonic { startOffset = offset }
        if let last = lastOffset, timeDistance(offset, last) > UInt64(Self.clockJumpThreshold) {
            if clockJumps.count < Self.clockJumpsKept { clockJumps.append((m, last &+ Int64(clamping: m), t)) }
            // Anchor both sides of the step so that monotonic stamps map through the right one.
            if anchors.count < 512 { anchors.append((t, m)) }
            lastAnchorTime = t
        }
        lastOffset = offset
        // Entries of one run come in long stretches: hash the 16-byte ID only when it changes.
        if let c = currentRun, c.id == seqnumID {
            currentRun = (c.id, min(c.min, seqnum), max(c.max, seqnum), c.count + 1)
            return
        }
        flushRun()
        currentRun = seqnums[seqnumID].map { (seqnumID, min($0.min, seqnum), max($0.max, seqnum), $0.count + 1) }
            ?? (seqnums.count < 16 ? (seqnumID, seqnum, seqnum, 1) : nil)
    }

    private var currentRun: (id: ID128, min: UInt64, max: UInt64, count: Int)?

    /// Folds the run being counted into `seqnums` (call once the scan is over).
    func flushRun() {
        if let c = currentRun { seqnums[c.id] = (c.min, c.max, c.count) }
        currentRun = nil
    }
    /// journald notices, logged in this boot, about the previous boot's files.
    var uncleanNotices: [JournalUncleanNotice] = []
    /// Each unit's accumulator, by name; `units` gives them as a dictionary.
    private var unitIndex: [String: Int] = [:]
    private var unitAccumulators: [UnitAccumulator] = []
    private var lastUnit: (name: String, index: Int)?
    var units: [String: UnitAccumulator] { unitIndex.mapValues { unitAccumulators[$0] } }
    func hasUnit(_ name: String) -> Bool { unitIndex[name] != nil }

    func addUnitEvent(_ u: UnitEvent) { addUnitEvent(u, time: u.time, ref: u.ref) }

    /// Adds `u` as if it had been read at `time` from the entry `ref`; returns the unit's
    /// place among the boot's units (for `noteUnitLine`).
    @discardableResult
    func addUnitEvent(_ u: borrowing UnitEvent, time: Int64, ref: EntryRef) -> Int {
        // A crash loop names one unit over and over, with the same String: compare before hashing.
        let i: Int
        if let l = lastUnit, l.name == u.unit {
            i = l.index
        } else if let known = unitIndex[u.unit] {
            i = known
        } else {
            i = unitAccumulators.count
            unitAccumulators.append(UnitAccumulator(unit: u.unit))
            unitIndex[u.unit] = i
        }
        lastUnit = (u.unit, i)
        unitAccumulators[i].add(u, time: time, ref: ref)
        return i
    }
    var kernel: [KernelRecord] = []
    var kernelCursors: [EntryRef] = []
    /// Each unit's processes' warning-or-worse messages, by pattern.
    var ownWords: [String: UnitWords] = [:]
    /// Where systemd's telling lines about a unit are (first failure, last failure, last
    /// restart), read back once the scan is over (`resolveUnitLines`).
    /// `UnitLineTag.count` spots per unit, in the order of `unitAccumulators` (a unit's spot
    /// for a tag at `unit * count + tag`): a crash loop's line is noted with one store, no
    /// lookup by name.
    private var unitLineSpots: [UnitLineSpot?] = []
    private typealias UnitLineSpot = (time: Int64, ref: EntryRef, location: EntryLocation)
    /// The text of those lines, once resolved.
    private(set) var unitLines: [String: [(time: Int64, ref: EntryRef, text: String)]] = [:]

    enum UnitLineTag: Int, Comparable, CaseIterable {
        case firstFailure, lastExit, lastFailure, lastRestart, startLimit
        static func < (a: UnitLineTag, b: UnitLineTag) -> Bool { a.rawValue < b.rawValue }
    }

    func addOwnWords(unit: String, text: UnsafeRawBufferPointer, priority: Int, time: Int64, ref: EntryRef) {
        // Called for most lines of a failing unit: the unit's name is compared, not hashed,
        // while the same unit goes on talking.
        if let last = lastOwnWords, last.unit == unit {
            ownWords.values[last.index].add(text, priority: priority, time: time, ref: ref)
            return
        }
        if let i = ownWords.index(forKey: unit) {
            ownWords.values[i].add(text, priority: priority, time: time, ref: ref)
            lastOwnWords = (unit, i)
            return
        }
        guard ownWords.count < UnitWords.unitsKept else { return }
        var words = UnitWords()
        words.add(text, priority: priority, time: time, ref: ref)
        // An insertion may move every entry: the remembered index goes.
        ownWords[unit] = words
        lastOwnWords = nil
    }
    private var lastOwnWords: (unit: String, index: Dictionary<String, UnitWords>.Index)?

    /// Notes where `u`, an event of the unit at `unit` (`addUnitEvent`'s answer), sits in the
    /// journal when it is one of the telling lines.
    func noteUnitLine(_ u: borrowing UnitEvent, unit: Int, time: Int64, ref: EntryRef, location: EntryLocation) {
        let tag: UnitLineTag
        switch u.kind {
        case .failed(let result) where result != "success": tag = .lastFailure
        case .mainExited(_, let status) where !(status == "0" || status.hasPrefix("0/")): tag = .lastExit
        case .restartScheduled: tag = .lastRestart
        case .startLimitHit: tag = .startLimit
        default: return
        }
        let tags = UnitLineTag.allCases.count
        // As many units as have accumulators (each far larger than its five spots).
        guard unit >= 0, unit < unitAccumulators.count else { return }
        let base = unit * tags
        if unitLineSpots.count < base + tags {
            unitLineSpots.append(contentsOf: repeatElement(nil, count: base + tags - unitLineSpots.count))
        }
        let slot = tag == .lastFailure && unitLineSpots[base + UnitLineTag.firstFailure.rawValue] == nil ? UnitLineTag.firstFailure : tag
        unitLineSpots[base + slot.rawValue] = (time, ref, location)
    }

    func resolveUnitLines(_ reader: JournalReader) {
        let tags = UnitLineTag.allCases.count
        for (unit, accumulator) in unitAccumulators.enumerated() where (unit + 1) * tags <= unitLineSpots.count {
            // In the tags' order: the spots are indexed by it.
            let spots = unitLineSpots[(unit * tags)..<((unit + 1) * tags)].compactMap { $0 }
            guard !spots.isEmpty else { continue }
            unitLines[accumulator.unit] = spots.compactMap { s in
                guard let m = reader.entry(at: s.location, fields: .only(["MESSAGE"]))?.bytes("MESSAGE") else { return nil }
                return (s.time, s.ref, String(decoding: m.prefix(500), as: UTF8.self))
            }
        }
        unitLineSpots = []
    }
    var forkFailures: [ForkFailure] = []
    var forkFailureCount = 0
    /// Entries of priority err or worse (`PRIORITY` 0–3, as `journalctl -p err` matches), by minute.
    var errorsPerMinute = PerMinuteCounts()
    var oomd: [OOMDKill] = []
    var fork = ForkRateEstimator()
    /// A ring of the newest entries, by location: their text is read once, at the end
    /// (`resolveLastWords`), instead of copied for every entry.
    private var ring: [PendingWord] = []
    /// The newest entries with their text, in time order, once the scan is over.
    private(set) var lastWords: [KeptMessage] = []
    private var ringNext = 0
    var lastFileSeen = -1

    /// Last words shown, out of the newest `lastWordsLooked` entries: routine chatter (cron
    /// sessions at info priority) and entries whose message was not recovered give way to what
    /// says something, so a few more are looked at than are kept.
    static let lastWordsKept = 6
    static let lastWordsLooked = 48

    /// The time of the newest entry kept (asked for every entry: kept, not looked up).
    private(set) var newestKept: Int64 = .min

    /// Plain values only, so that keeping one (done for nearly every entry) copies a few words:
    /// the cursor comes from the entry read back.
    struct PendingWord {
        var time: Int64
        var location: EntryLocation
        var isKernel: Bool
    }

    func keep(_ m: PendingWord) {
        newestKept = m.time
        if ring.count < Self.lastWordsLooked {
            ring.append(m)
            ringNext = ring.count == Self.lastWordsLooked ? 0 : ring.count
        } else {
            ring[ringNext] = m
            ringNext = ringNext + 1 == Self.lastWordsLooked ? 0 : ringNext + 1
        }
    }

    /// Reads the text of the entries in the ring back from the journal.
    func resolveLastWords(_ reader: JournalReader) {
        let pending = ring.count < Self.lastWordsLooked ? ring : Array(ring[ringNext...] + ring[..<ringNext])
        let all = pending.map { p in
            let e = reader.entry(at: p.location, fields: Self.lastWordsFields)
            let who = p.isKernel ? EntryFields.kernelBytes
                : Self.sender(e?.bytes("SYSLOG_IDENTIFIER") ?? e?.bytes("_COMM") ?? [], pid: e?.bytes("_PID"))
            return (KeptMessage(time: p.time, who: who, text: e?.bytes("MESSAGE") ?? [], cursor: e.map(EntryRef.init) ?? .none,
                                priority: e?.bytes("PRIORITY")), p.isKernel)
        }
        lastWords = Self.lastWords(of: all)
    }

    /// The last words among a boot's newest messages (oldest first, each marked whether it is
    /// the kernel's own), from a journal or a text log alike.
    static func lastWords(of all: [(KeptMessage, Bool)]) -> [KeptMessage] {
        // A relay's copy of a kernel line (klogd or rsyslog writing it again under `kernel`, the
        // kernel's stamp in front) says nothing the kernel's own entry does not.
        let kernelTexts = Set(all.filter(\.1).map(\.0.text))
        let words = all.filter { m, kernel in
            guard !kernel, m.who == EntryFields.kernelBytes, let start = KernelStamp.textStart(m.text) else { return true }
            return !kernelTexts.contains(Array(m.text[start...]))
        }
        // A message worth showing: it was recovered, it is the kernel's or at notice priority or
        // more urgent (syslog 0–5), and it came in the boot's last minute: older ones would be
        // shown as the last words while the boot went on talking. Else the newest entries as
        // they are.
        let newest = words.map(\.0.time).max() ?? .min
        let telling = words.filter { m, kernel in
            guard !m.text.isEmpty, m.time >= newest &- Self.lastWordsSpanUSec else { return false }
            if kernel { return true }
            guard let p = m.priority, p.count == 1, let digit = p.first, digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return true }
            return digit <= UInt8(ascii: "5")
        }
        return Array((telling.isEmpty ? words : telling).suffix(Self.lastWordsKept).map(\.0))
    }

    /// Who wrote a last word, as journalctl's default output names it: a user manager's lines
    /// ("Reached target Shutdown.") are not PID 1's, so `systemd[305]` (journalctl's `with-unit`
    /// says `user@1000.service`).
    static func sender(_ identifier: [UInt8], pid: [UInt8]?) -> [UInt8] {
        guard identifier == systemdBytes || identifier.starts(with: userUnitPrefix), let pid, pid != [UInt8(ascii: "1")],
              !pid.isEmpty, pid.count <= 10 else { return identifier }
        return systemdBytes + [UInt8(ascii: "[")] + pid + [UInt8(ascii: "]")]
    }

    static let userUnitPrefix: [UInt8] = Array("user@".utf8)

    /// A text boot's last words, from its newest lines (systemd's and other daemons'; the
    /// kernel's lines are the kernel records' own rows).
    func setLastWords(_ messages: [KeptMessage]) {
        lastWords = Self.lastWords(of: messages.suffix(Self.lastWordsLooked).map { ($0, false) })
    }

    /// How long before the boot's newest entry a telling message still counts as a last word.
    static let lastWordsSpanUSec: Int64 = 60_000_000

    static let lastWordsFields: FieldSelection = .only(["MESSAGE", "SYSLOG_IDENTIFIER", "_COMM", "PRIORITY", "_PID"])
    static let systemdBytes: [UInt8] = Array("systemd".utf8)
    static let kernelKept = 200_000

    init(id: String) { self.id = id }

    /// Only the boot's edges were read (`JournalScan.scanEdges`): its counts come from the
    /// journal's index, and what lies between its first entries and its last minutes is unread.
    var edgesOnly = false

    /// What the kernel-log module needs to match text logs to this boot and put them on its clock.
    /// Kept while the boot's records and clock pairs stay as they are: the analysis asks twice
    /// (choosing the boot, then analysing it), and each kernel record's cursor is formatted here.
    var anchor: JournalBootAnchor {
        let key = AnchorKey(records: kernel.count, cursors: kernelCursors.count, pairs: anchors.count,
                            first: first, last: last, lastMonotonic: lastMonotonic)
        if let kept = anchorKept, kept.key == key { return kept.anchor }
        var records = kernel
        for i in records.indices where i < kernelCursors.count {
            records[i].sources = [RecordSource(path: kernelCursors[i].cursor, line: 0, format: .journal)]
        }
        var pairs = anchors
        if let l = pairs.last, l.realtime < last { pairs.append((last, lastMonotonic)) }
        let anchor = JournalBootAnchor(bootID: id, firstRealtime: first, lastRealtime: last, anchors: pairs,
                                       kernelRecords: records)
        anchorKept = (key, anchor)
        return anchor
    }

    /// What `anchor` is built from, counted: records and pairs are only ever appended.
    private struct AnchorKey: Equatable {
        var records: Int, cursors: Int, pairs: Int
        var first: Int64, last: Int64, lastMonotonic: UInt64
    }
    private var anchorKept: (key: AnchorKey, anchor: JournalBootAnchor)?

    /// Realtime for a monotonic stamp of this boot, through the anchor nearest to it.
    func wallclock(monotonic m: UInt64) -> Int64? {
        guard !anchors.isEmpty else { return nil }
        var best = anchors[0]
        for a in anchors where a.monotonic <= m { best = a }
        let (delta, o1) = Int64(clamping: m).subtractingReportingOverflow(Int64(clamping: best.monotonic))
        let (t, o2) = best.realtime.addingReportingOverflow(delta)
        return o1 || o2 ? nil : t
    }
}

/// The one pass over the journal: groups entries by boot and keeps aggregates only.
struct JournalScan {
    var boots: [String: BootState] = [:]
    var bootOrder: [String] = []
    var totalEntries = 0
    /// Set while a boot's edges are read: only what tells how it began and ended is kept (its
    /// markers, clock, files, kernel records and last words); what only the analysed boot's
    /// report shows (units, PIDs, fork failures, own words) is not worked out, since the
    /// analysed boot is read again whole.
    private var readingEdges = false
    var pidMaxHint: Int?
    /// Where `pidMaxHint` was set, when a sysctl file set it.
    var pidMaxHintSource: PIDMaxSource?
    let window: (since: Int64?, until: Int64?)
    /// The journal's boot index, when one boot is read through it (`scanEdges`).
    var index: BootIndex?

    init(since: Int64?, until: Int64?) { window = (since, until) }

    /// Reads every entry of the set.
    mutating func scan(_ reader: JournalReader) {
        var current: (id: ID128, state: BootState)?
        reader.scan(fields: EntryFields.names, preparing: JournalEventPreparer.self) { e, event in
            let b = state(for: e.bootID, current: &current)
            add(e, event, to: b)
        }
        resolve(reader, boots: bootOrder)
    }

    /// Reads only the edges of every boot (`JournalReader.edgeEntries`): its first entries, its
    /// last minutes, its kernel messages, and its unlinked entries. Enough for how each boot began
    /// and ended and for choosing the boot to analyse; counts come from the index.
    mutating func scanEdges(_ reader: JournalReader, index: BootIndex) {
        // Of the edges, the lines that can tell how a boot began or ended, and its newest ones whatever
        // they say (its last words).
        let edges = reader.edgeEntries(index, headSeconds: Self.edgeHeadSeconds, tailSeconds: Self.edgeTailSeconds,
                                       edgeEntries: Self.edgeEntries, sieve: JournalEventExtractor.edgeSieve,
                                       unsieved: BootState.lastWordsLooked)
        var current: (id: ID128, state: BootState)?
        // Boot by boot, as `journalctl -b` reads one: entries of two boots are never weighed
        // against each other's order (a board without a clock starts each boot in the past).
        let firstSeen = index.extents.reduce(into: [ID128: UInt64]()) { m, e in
            m[e.bootID] = min(m[e.bootID] ?? e.first.realtime, e.first.realtime)
        }
        readingEdges = true
        defer { readingEdges = false }
        for boot in edges.keys.sorted(by: { (firstSeen[$0] ?? .max, $0) < (firstSeen[$1] ?? .max, $1) }) {
            guard let offsets = edges[boot] else { continue }
            reader.scan(fields: EntryFields.names, entries: offsets, preparing: JournalEventPreparer.self) { e, event in
                guard e.bootID == boot else { return }
                let b = state(for: e.bootID, current: &current)
                add(e, event, to: b)
            }
        }
        // A boot whose entries could not be read at all is still a boot the index holds.
        for id in index.bootIDs.sorted() where boots[id.description] == nil {
            _ = state(for: id, current: &current)
        }
        for id in bootOrder {
            guard let b = boots[id], let bootID = ID128(hex: id) else { continue }
            b.edgesOnly = true
            b.entries = max(b.entries, index.entryCount(of: bootID))
            b.files.formUnion(index.files(of: bootID))
            // Which journald runs the boot's entries are in, and where in them: from the index.
            b.flushRun()
            let runs = index.sequences(of: bootID)
            if !runs.isEmpty { b.seqnums = runs }
        }
        resolve(reader, boots: bootOrder)
    }

    /// Reads one boot through (the files that hold it, as the index says), replacing its
    /// edges-only state.
    mutating func scanBoot(_ reader: JournalReader, id: ID128, files: Set<Int>) {
        let key = id.description
        let fresh = BootState(id: key)
        fresh.fork.pidMaxFromCommandLine = pidMaxHint
        fresh.fork.pidMaxSetBy = pidMaxHintSource
        if boots[key] == nil { bootOrder.append(key) }
        boots[key] = fresh
        reader.scan(fields: EntryFields.names, boot: id, inFiles: files, preparing: JournalEventPreparer.self) { e, event in
            add(e, event, to: fresh)
        }
        resolve(reader, boots: [key])
    }

    /// A boot's first minute, read for its edges: where the kept journal begins, the initrd.
    static let edgeHeadSeconds: UInt64 = 60
    /// A boot's last minutes, read for its edges: the shutdown markers counted (the last 5 min),
    /// the request before them (5 min more) and the initrd's or journald's restart around them.
    static let edgeTailSeconds: UInt64 = 720
    /// At most this many entries of each edge in each file.
    static let edgeEntries = 50_000

    private mutating func state(for bootID: ID128, current: inout (id: ID128, state: BootState)?) -> BootState {
        if let c = current, c.id == bootID { return c.state }
        let key = bootID.description
        let b: BootState
        if let known = boots[key] {
            b = known
        } else {
            b = BootState(id: key)
            b.fork.pidMaxFromCommandLine = pidMaxHint
            b.fork.pidMaxSetBy = pidMaxHintSource
            boots[key] = b
            bootOrder.append(key)
        }
        current = (bootID, b)
        return b
    }

    private func resolve(_ reader: JournalReader, boots ids: [String]) {
        for id in ids {
            boots[id]?.resolveLastWords(reader)
            boots[id]?.resolveUnitLines(reader)
            boots[id]?.flushRun()
        }
    }

    private var unitNames = JournalEventExtractor.UnitNames()

    /// Adds one entry, with its event as `JournalEventPreparer` read it.
    mutating func add(_ e: EntryView, _ prepared: PreparedEvent?, to b: BootState) {
        totalEntries += 1
        let t = Int64(clamping: e.realtime)
        b.entries += 1
        if t < b.first { b.first = t; b.firstCursor = EntryRef(e) }
        if b.entries == 1, e.monotonic < 60_000_000, window.since == nil {
            b.fork.seedAtBoot(time: t - Int64(e.monotonic))
        }
        if t >= b.last { b.last = t; b.lastFile = e.location.file }
        b.observeClock(realtime: t, monotonic: e.monotonic, seqnumID: e.seqnumID, seqnum: e.seqnum)
        if e.location.file != b.lastFileSeen {
            b.files.insert(e.location.file)
            b.lastFileSeen = e.location.file
        }
        if b.anchors.isEmpty || t &- b.lastAnchorTime > 300_000_000 {
            if b.anchors.count < 512 { b.anchors.append((t, e.monotonic)) }
            b.lastAnchorTime = t
        }
        b.lastMonotonic = max(b.lastMonotonic, e.monotonic)
        let f = EntryFields(e)

        // Last words: the newest few entries of the boot.
        if t >= b.newestKept {
            b.keep(BootState.PendingWord(time: t, location: e.location, isKernel: f.isKernel))
        }

        // Boot-end evidence is read whatever the time window.
        let inWindow = (window.since.map { t >= $0 } ?? true) && (window.until.map { t <= $0 } ?? true)
        if inWindow { b.entriesInWindow += 1 }
        // What only the analysed boot's report needs is not worked out for edges.
        let counted = inWindow && !readingEdges
        let level = f.level
        if counted, let level, level <= 3 { b.errorsPerMinute.add(t) }

        if !f.isKernel, TextScan.equal(f.identifier, EntryFields.kernelBytes), let m = f.message,
           let n = JournalUncleanNotice.parse(String(decoding: m, as: UTF8.self), time: t, cursor: EntryRef(e)),
           b.uncleanNotices.count < 64 {
            // klogd relaying the kernel log through syslog.
            b.uncleanNotices.append(n)
        }
        if f.isKernel {
            let text = f.messageText
            if let n = JournalUncleanNotice.parse(text, time: t, cursor: EntryRef(e)), b.uncleanNotices.count < 64 {
                b.uncleanNotices.append(n)
            }
            // systemd-shutdown and early journald write to the kernel log under their own names,
            // and so does PID 1 around switch-root (`systemd-journald.service: Scheduled restart
            // job`): a text log shows those as `systemd[1]` lines, and they count the same.
            if let prepared, prepared.isUnit {
                if counted { addUnitEvent(prepared, e, time: t, to: b) }
            } else {
                switch prepared?.event(for: e) {
                case .shutdown(let m)?: b.addShutdownMarker(m)
                case .boot(let m)?: b.addBootMarker(m)
                default: break
                }
            }
            if b.kernel.count < BootState.kernelKept {
                let mono = f.sourceMonotonic.flatMap { EntryFields.int($0) }.map(UInt64.init) ?? e.monotonic
                b.kernel.append(KernelRecord(text: text, monotonicUSec: mono, wallclockUSec: t, clock: .journal,
                                             priority: f.priority.flatMap { EntryFields.int($0) }, bootID: b.id,
                                             sources: [RecordSource(path: "journal", line: 0, format: .journal)]))
                b.kernelCursors.append(EntryRef(e))
                if b.fork.pidMaxFromCommandLine == nil, text.hasPrefix("Command line:") || text.hasPrefix("Kernel command line:") {
                    b.fork.pidMaxFromCommandLine = Self.pidMax(fromCommandLine: text)
                }
            }
            return
        }
        if counted, let pid = f.pid {
            b.fork.observe(pid: pid, time: t, unit: f.systemdUnit)
        }
        // The unit's own words: its processes' messages at warning (4) or worse.
        if counted, f.pid != 1, let unit = f.systemdUnit, let level, level <= 4, let m = f.message, !m.isEmpty {
            b.addOwnWords(unit: unitNames.name(unit), text: UnsafeRawBufferPointer(rebasing: m.prefix(UnitWords.textKept)),
                          priority: level, time: t, ref: EntryRef(e))
        }
        guard let prepared else { return }
        if prepared.isUnit {
            if counted { addUnitEvent(prepared, e, time: t, to: b) }
        } else {
            b.apply(prepared.event(for: e), inWindow: counted)
        }
    }

    /// The event as read for the first entry with these values, this entry's time and cursor beside it.
    private func addUnitEvent(_ prepared: PreparedEvent, _ e: EntryView, time t: Int64, to b: BootState) {
        let ref = EntryRef(e)
        let unit = b.addUnitEvent(prepared.unitTemplate, time: t, ref: ref)
        // Where each unit event sits in the journal: evidence lines point back at it.
        b.noteUnitLine(prepared.unitTemplate, unit: unit, time: t, ref: ref, location: e.location)
    }

    /// `pid_max=N` on a kernel command line.
    static func pidMax(fromCommandLine text: String) -> Int? {
        KernelCommandLine(KernelHostLine.commandLine(in: text) ?? text).int("pid_max")
    }
}
