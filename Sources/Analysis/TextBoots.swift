import Events
import Journal
import KernelLog

/// Boots rebuilt from text logs alone (syslog, `/var/log/messages`, journalctl text, kern.log,
/// dmesg) when there is no journal: the same `BootState` the journal scan fills, fed with the
/// same events (`JournalEventExtractor` reads systemd's lines), so that the boot's end, its
/// units and its kernel are judged by one set of rules whatever the input.
struct TextBoots {
    var boots: [BootState] = []
    var notes: [ReportNote] = []

    /// One boot of one file.
    private struct Segment {
        var file: Int
        var boot: Int
        var first: Int64?
        var last: Int64?
        /// The file shows the boot's start (a kernel banner, a restart of the kernel's clock,
        /// journalctl's boot line, or a later boot of the same file).
        var startsBoot: Bool
        var journalBootID: String?
        /// realtime − uptime, from kernel lines with both stamps, and which lines told it.
        var kernelStart: (time: Int64, source: BootStartSource)?
    }

    private final class Group {
        var segments: [Segment] = []
        var first: Int64?
        var last: Int64?
        var journalBootID: String?
        var kernelStart: (time: Int64, source: BootStartSource)?

        init(_ s: Segment) { add(s) }

        func add(_ s: Segment) {
            segments.append(s)
            if let f = s.first { first = min(first ?? f, f) }
            if let l = s.last { last = max(last ?? l, l) }
            journalBootID = journalBootID ?? s.journalBootID
            // The banner's start over one worked out from other lines; else the earliest (a
            // relayed line's stamp is when it was received, never before it was printed).
            if let k = s.kernelStart {
                if let current = kernelStart {
                    if current.source != .kernelBanner, k.source == .kernelBanner || k.time < current.time { kernelStart = k }
                } else {
                    kernelStart = k
                }
            }
        }
    }

    /// Groups the files' boots into the machine's boots and replays their lines. `records` are
    /// the kernel records as `KernelClock.place` returned them: each gets the boot it joined.
    /// `excluding` ("path#boot") and boots within `journalSpans` are the journal's: left out.
    static func build(files: [KernelLogFile], records: inout [KernelRecord], options: AnalysisOptions,
                      excluding: Set<String> = [], journalSpans: [(Int64, Int64)] = [], journalIDs: Set<String> = [],
                      unitFiles: [(path: String, text: String)] = []) -> TextBoots {
        var out = TextBoots()
        var segments: [Segment] = []
        let margin = syslogMargin
        // The kernel records as placed (their local times moved to the journal's year and zone),
        // by file and boot; systemd's lines of a file move with its kernel lines.
        var placedBySegment: [String: [Int]] = [:]
        var shift: [String: Int64] = [:]
        let fileIndex = Dictionary(files.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
        for i in records.indices {
            // Lines the journal also has are merged into its records (whose first source is the journal).
            for src in records[i].sources where src.format != .journal {
                if src == records[i].sources.first, let tb = records[i].textBoot {
                    placedBySegment["\(src.path)#\(tb)", default: []].append(i)
                }
                if shift[src.path] == nil, let w = records[i].wallclockUSec, let f = fileIndex[src.path],
                   let original = Self.record(atLine: src.line, in: files[f].records)?.wallclockUSec {
                    shift[src.path] = w &- original
                }
            }
        }
        var messagesByBoot: [[Int: [TextMessage]]] = files.map { f in
            let d = shift[f.path] ?? 0
            return Dictionary(grouping: f.messages.map { m in
                var m = m
                if d != 0, let w = m.record.wallclockUSec { m.record.wallclockUSec = w &+ d }
                return m
            }) { $0.record.textBoot ?? 0 }
        }
        for (f, file) in files.enumerated() {
            // pstore, kdump and console-ramoops records belong to the boot they ended, never a boot of their own.
            guard !file.format.keepsABootsEnd else { continue }
            for b in file.boots where !excluding.contains("\(file.path)#\(b.index)") && !journalIDs.contains(b.journalBootID ?? "") {
                let placed = (placedBySegment["\(file.path)#\(b.index)"] ?? []).map { records[$0] }
                let start = Analyzer.kernelStart(fromText: placed)
                let startsBoot = b.index > 0 || b.journalBootID != nil || b.banner != nil
                    || (b.firstMonotonicUSec.map { $0 < 5_000_000 } ?? false)
                // The boot's whole span in the file (lines merged into the journal's included), moved as its lines were.
                let d = shift[file.path] ?? 0
                let times = [b.firstWallclockUSec, b.lastWallclockUSec].compactMap { $0.map { $0 &+ d } }
                    + placed.compactMap(\.wallclockUSec) + (messagesByBoot[f][b.index] ?? []).compactMap(\.record.wallclockUSec)
                let walls = onSetClock(times.filter(Analyzer.plausible), kernelStart: start?.time,
                                       unsetUntil: unsetClockUntil(messagesByBoot[f][b.index] ?? []))
                if !journalSpans.isEmpty {
                    // Beside a journal, only a boot with systemd's own lines (syslog, journalctl text) that
                    // the text places clearly outside every journal boot; kernel-only text stays with
                    // the journal boot `KernelClock` matched it to.
                    guard !(messagesByBoot[f][b.index] ?? []).isEmpty, let lo = walls.min(), let hi = walls.max(),
                          !journalSpans.contains(where: { lo <= $0.1 &+ margin && hi >= $0.0 &- margin }) else { continue }
                }
                segments.append(Segment(file: f, boot: b.index, first: walls.min(), last: walls.max(),
                                        startsBoot: startsBoot, journalBootID: b.journalBootID, kernelStart: start))
            }
        }
        guard !segments.isEmpty else { return out }
        // In time order; a boot no file shows starting continues the boot before it.
        let timed = segments.filter { $0.first != nil }.sorted { ($0.first ?? 0, $0.file, $0.boot) < ($1.first ?? 0, $1.file, $1.boot) }
        var groups: [Group] = []
        for s in timed {
            // journalctl interleaves boots whose clocks overlap (an RTC-less board's restored
            // time), printing `-- Boot <id> --` at every change: one ID is one boot, wherever it is.
            if let id = s.journalBootID, let g = groups.first(where: { $0.journalBootID == id }) {
                g.add(s)
            } else if let g = groups.last, sameBoot(s, g) {
                g.add(s)
            } else {
                groups.append(Group(s))
            }
        }
        // journalctl prints no `-- Boot` line before its first boot: a file's first boot is
        // unnamed. Where that boot's ID is named later (boots interleaved), the named boot whose
        // lines meet the unnamed one's in time, and is not the one the file's first marker
        // names (a marker begins another boot), is it.
        for (n, g) in groups.enumerated() where g.journalBootID == nil {
            guard let s = g.segments.first(where: { $0.boot == 0 }), let lo = g.first, let hi = g.last,
                  let next = segments.first(where: { $0.file == s.file && $0.boot == 1 })?.journalBootID else { continue }
            let meeting = groups.filter { other in
                guard let id = other.journalBootID, id != next, let olo = other.first, let ohi = other.last else { return false }
                return olo <= hi &+ margin && ohi &+ margin >= lo
            }
            if meeting.count == 1, let target = meeting.first {
                for moved in g.segments { target.add(moved) }
                groups[n].segments.removeAll()
            }
        }
        groups.removeAll { $0.segments.isEmpty }
        // In time order, by the lines stamped after each boot's kernel started (a segment of
        // only unset-clock lines says nothing of when its boot ran); the sort is not stable.
        let begins = groups.map { g in
            onSetClock(g.segments.compactMap(\.first), kernelStart: g.kernelStart?.time,
                       unsetUntil: unsetClockUntil(g.segments.flatMap { messagesByBoot[$0.file][$0.boot] ?? [] })).min() ?? .max
        }
        groups = groups.indices.sorted { (begins[$0], $0) < (begins[$1], $1) }.map { groups[$0] }
        // Files without wall-clock times (`dmesg -t`, journalctl short-monotonic, a serial console)
        // cannot be placed among the others: they join the newest boot (the one that was running
        // when they were captured); with nothing timed at all, the caller reads them as kernel text.
        guard let newest = groups.last else {
            // Read as kernel text: their systemd lines count nothing, and the report says so.
            out.notes += untimedNote(files)
            return out
        }
        // Of several such boots (their kernel clocks start again: a `Linux version` line, a file
        // whose stamps begin below where the one before ended), only the last can be the running
        // one; the others cannot be placed in time and are left out, named.
        var runs: [[Segment]] = []
        var lastMonotonic: UInt64?
        for s in segments.filter({ $0.first == nil }).sorted(by: { ($0.file, $0.boot) < ($1.file, $1.boot) }) {
            let b = files[s.file].boots.first { $0.index == s.boot }
            let restarts = b.map { KernelOnlyBoots.beginsAnother($0, after: lastMonotonic) } ?? (s.boot > 0)
            if restarts || runs.isEmpty { runs.append([s]) } else { runs[runs.count - 1].append(s) }
            if let last = b?.lastMonotonicUSec { lastMonotonic = last }
        }
        /// The kernel release a segment's lines name: its banner's, else a report header's.
        func release(_ s: Segment) -> String? {
            let f = files[s.file]
            guard let b = f.boots.first(where: { $0.index == s.boot }) else { return nil }
            if let v = b.kernelVersion { return v }
            return b.records.lazy.compactMap { $0 < f.records.count ? KernelHostLine.runningRelease(in: f.records[$0].text) : nil }.first
        }
        // Unless its lines name another kernel than the newest boot's: then it is another boot.
        if let joining = runs.last {
            let paths = Set(joining.map { files[$0.file].path }).sorted()
            let theirs = joining.lazy.compactMap(release).first, running = newest.segments.lazy.compactMap(release).first
            if let theirs, let running, theirs != running {
                out.notes.append(.untimedOtherKernel(paths: paths, release: theirs, newestRelease: running))
            } else {
                for s in joining { newest.add(s) }
                out.notes.append(.untimedLinesJoinNewest(paths: paths))
            }
        }
        let left = runs.dropLast()
        if !left.isEmpty {
            let paths = Set(left.flatMap { $0 }.map { files[$0.file].path }).sorted()
            out.notes.append(.untimedBootsLeftOut(paths: paths, count: left.count))
        }

        var key: [String: String] = [:]  // "file#boot" → boot id
        for (n, g) in groups.enumerated() {
            let id = g.journalBootID ?? "text-boot-\(n + 1)"
            for s in g.segments { key["\(files[s.file].path)#\(s.boot)"] = id }
            out.boots.append(BootState(id: id))
        }
        // Kernel records join their file's boot.
        var kernelByBoot: [String: [Int]] = [:]
        for i in records.indices {
            guard let src = records[i].sources.first, let tb = records[i].textBoot, let id = key["\(src.path)#\(tb)"] else { continue }
            records[i].bootID = id
            kernelByBoot[id, default: []].append(i)
        }
        var names = JournalEventExtractor.UnitNames()
        names.descriptions = unitDescriptions(files: files, unitFiles: unitFiles)
        var unattributedJobs = 0
        let since = options.since?.microseconds, until = options.until?.microseconds
        for (n, g) in groups.enumerated() {
            let b = out.boots[n]
            var messages: [TextMessage] = []
            for s in g.segments {
                messages += messagesByBoot[s.file].removeValue(forKey: s.boot) ?? []
            }
            // The same line in two files (syslog and daemon.log, a rotation's overlap) counts once;
            // a line repeated within one file (v219's identical restart lines, several a second)
            // counts each time: a file's copies are kept past those another file already gave.
            var kept: [TextLineKey: Int] = [:]
            var inFile: [TextLineKey: Int] = [:]
            var currentPath: String?
            messages = messages.filter { m in
                let path = m.record.sources.first?.path
                if path != currentPath { (inFile, currentPath) = ([:], path) }
                let key = TextLineKey(m)
                let n = (inFile[key] ?? 0) &+ 1
                inFile[key] = n
                guard n > (kept[key] ?? 0) else { return false }
                kept[key] = n
                return true
            }
            messages = Self.inTimeOrder(messages) { $0.record.wallclockUSec }
            let kernel = kernelByBoot[b.id] ?? []
            // The kernel's start from all the boot's lines: journalctl may have split a burst of
            // them over several `-- Boot` stretches, and one stretch's banner alone tells it late.
            let kernelStart = Analyzer.kernelStart(fromText: kernel.map { records[$0] }) ?? g.kernelStart
            let walls = messages.compactMap(\.record.wallclockUSec) + kernel.compactMap { records[$0].wallclockUSec }
            let everyWall = walls.filter(Analyzer.plausible)
            let plausibleWalls = onSetClock(everyWall, kernelStart: kernelStart?.time, unsetUntil: unsetClockUntil(messages))
            if plausibleWalls.count < everyWall.count {
                let n = everyWall.count - plausibleWalls.count
                out.notes.append(.linesBeforeKernelStart(count: n, bootID: b.id))
            }
            b.entries = messages.count + kernel.count
            if let lo = plausibleWalls.min(), let hi = plausibleWalls.max() {
                b.first = lo
                b.last = hi
            } else {
                b.first = g.first ?? 0
                b.last = g.last ?? 0
            }
            // Text has no monotonic clock of its own: times since the kernel's start (or the
            // first line) stand in for it, so the shutdown-marker rules can compare them.
            let start = kernelStart.flatMap { Analyzer.plausible($0.time) && $0.time <= b.first ? $0 : nil }
            let origin = start?.time ?? b.first
            if kernelStart != nil, origin != b.first { b.startOffset = origin }
            b.textOnly = true
            b.startSource = start?.source ?? .dmesgUptime
            b.monotonicIsUptime = start != nil
            func mono(_ t: Int64) -> UInt64 { t >= origin ? UInt64(t &- origin) : 0 }
            if !plausibleWalls.isEmpty {
                b.firstMonotonic = mono(b.first)
                b.lastMonotonic = mono(b.last)
            }
            var lastAnchor = Int64.min
            for i in kernel {
                let r = records[i]
                guard let w = r.wallclockUSec, let m = r.monotonicUSec, b.anchors.count < 512, w &- lastAnchor > 300_000_000 else { continue }
                b.anchors.append((w, m))
                lastAnchor = w
            }
            for i in kernel {
                let r = records[i]
                if let n = JournalUncleanNotice.parse(r.text, time: r.wallclockUSec ?? 0,
                                                      cursor: ref(r, mono: r.wallclockUSec.map(mono) ?? 0)),
                   b.uncleanNotices.count < 64 {
                    b.uncleanNotices.append(n)
                }
            }
            // Lines systemd wrote to the kernel log (`systemd[1]: …` in a dmesg or kern.log) are
            // its lines as much as the syslog's: read in time order among them, as the journal
            // reads its kernel entries. They stay kernel records too, as in the journal.
            let kmsg = kernel.compactMap { Self.kmsgMessage(records[$0]) }
            let eventLines = Self.inTimeOrder(messages.map { ($0, false) } + kmsg.map { ($0, true) }) { $0.0.record.wallclockUSec }
            for (m, inKernelLog) in eventLines {
                // A line without a wall-clock time (journalctl short-monotonic) cannot be placed
                // among the others: its events are not counted.
                guard let t = m.record.wallclockUSec, Analyzer.plausible(t) else { continue }
                let inWindow = (since.map { t >= $0 } ?? true) && (until.map { t <= $0 } ?? true)
                guard let ev = JournalEventExtractor.event(text: m.record.text, identifier: m.identifier, pid: m.pid, time: t,
                                                           ref: ref(m.record, mono: mono(t)), names: &names) else {
                    if names.descriptions.leavesUnitUnknown(text: m.record.text, identifier: m.identifier, pid: m.pid) {
                        unattributedJobs += 1
                    }
                    continue
                }
                // Of a kernel-log line, what the journal takes from its kernel entries: unit
                // events and markers (its other notices come from the line as a kernel record).
                if inKernelLog {
                    switch ev {
                    case .unit, .shutdown, .boot: break
                    default: continue
                    }
                }
                b.apply(ev, inWindow: inWindow)
            }
            // Last words as a journal's: the newest lines, the final minute's telling ones first.
            let timed = messages.filter { $0.record.wallclockUSec.map(Analyzer.plausible) ?? false }
            if let m = timed.last, let t = m.record.wallclockUSec, SyslogDaemonLine(text: m.record.text, program: m.identifier) == .stopping,
               !kernel.contains(where: { (records[$0].wallclockUSec ?? .min) > t }) {
                // Nothing was logged after the syslog daemon stopped: a shutdown stopped it.
                b.addShutdownMarker(ShutdownMarker(time: t, kind: .syslogStopped, text: m.record.text, cursor: ref(m.record, mono: mono(t))))
            }
            b.setLastWords(timed.suffix(BootState.lastWordsLooked).map { m in
                let t = m.record.wallclockUSec ?? 0
                return KeptMessage(time: t, who: BootState.sender(Array(m.identifier.utf8), pid: m.pid.map { Array(String($0).utf8) }), text: Array(m.record.text.utf8), cursor: ref(m.record, mono: mono(t)),
                                   priority: m.record.priority.map { Array(String($0).utf8) })
            })
            b.flushRun()
        }
        out.notes += untimedNote(files)
        if unattributedJobs > 0 { out.notes.append(.jobsNamedByDescription(count: unattributedJobs)) }
        return out
    }

    /// The units job messages name by description (systemd before v250): from the unit files
    /// given, then from the lines themselves, in the order each file has them.
    static func unitDescriptions(files: [KernelLogFile], unitFiles: [(path: String, text: String)]) -> UnitDescriptions {
        var d = UnitDescriptions()
        for u in UnitFileQuoter.descriptions(unitFiles) { d.add(description: u.description, unit: u.unit) }
        for f in files {
            // Line order within the file: the kernel's lines PID 1 wrote sit among the syslog's.
            let lines = f.messages + f.records.compactMap(kmsgMessage)
            let ordered = lines.count == f.messages.count ? lines : lines.sorted {
                ($0.record.sources.first?.line ?? 0) < ($1.record.sources.first?.line ?? 0)
            }
            for m in ordered {
                d.learn(text: m.record.text, identifier: m.identifier, pid: m.pid, time: m.record.wallclockUSec ?? 0)
            }
        }
        return d
    }

    /// The note on systemd lines without a wall-clock time, whose unit events are not counted.
    private static func untimedNote(_ files: [KernelLogFile]) -> [ReportNote] {
        let untimed = files.reduce(0) { n, f in n + f.messages.filter { $0.record.wallclockUSec == nil }.count }
        return untimed > 0 ? [.untimedSystemdLines(count: untimed)] : []
    }

    /// The stamp of systemd-timesyncd's `System clock time unset or jumped backwards, restoring
    /// from recorded timestamp` when the lines after it are more than a day later: it and the
    /// lines before it were written on the unset clock (a board without an RTC).
    static func unsetClockUntil(_ messages: [TextMessage]) -> Int64? {
        guard let m = messages.first(where: { $0.identifier.hasPrefix("systemd-timesyncd") && $0.record.text.hasPrefix("System clock time unset") }),
              let t = m.record.wallclockUSec,
              messages.contains(where: { ($0.record.wallclockUSec ?? .min) > t &+ 86_400_000_000 }) else { return nil }
        return t
    }

    /// Syslog stamps have whole seconds: times this close are the same moment.
    static let syslogMargin: Int64 = 2_000_000

    /// The wall-clock stamps of `walls` written once the boot's clock was set: a line stamped
    /// before its kernel started (by more than syslog's whole second), or at or before
    /// timesyncd's unset-clock line, was written on a made-up time (a board without an RTC logs
    /// on one until a saved time or NTP steps it) and says nothing of when the boot ran. All of
    /// them when none would be left.
    static func onSetClock(_ walls: [Int64], kernelStart: Int64?, unsetUntil: Int64?) -> [Int64] {
        var set = walls
        if let started = kernelStart, Analyzer.plausible(started) {
            let after = set.filter { $0 >= started &- syslogMargin }
            if !after.isEmpty { set = after }
        }
        if let unset = unsetUntil {
            let after = set.filter { $0 > unset }
            if !after.isEmpty { set = after }
        }
        return set
    }

    /// `s` continues group `g`: the same journal boot, the same kernel start, or a file that does
    /// not show a boot starting (a rotation, a file beginning mid-boot).
    private static func sameBoot(_ s: Segment, _ g: Group) -> Bool {
        if let a = s.journalBootID, let b = g.journalBootID { return a == b }
        if let a = s.kernelStart, let b = g.kernelStart { return timeDistance(a.time, b.time) <= 5_000_000 }
        // A file's boots were told apart where it was read: two of one file are one boot only by
        // their journal ID or kernel start, never by being close in time.
        if g.segments.contains(where: { $0.file == s.file }) { return false }
        if !s.startsBoot { return true }
        // Two files that both show the start (kern.log and syslog of one boot): the same start.
        if let f = s.first, let gf = g.first, g.segments.contains(where: \.startsBoot) {
            return timeDistance(f, gf) <= 120_000_000
        }
        return false
    }

    /// The record read from `line` (records are in file order), by binary search.
    static func record(atLine line: Int, in records: [KernelRecord]) -> KernelRecord? {
        var lo = 0, hi = records.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (records[mid].sources.first?.line ?? 0) < line { lo = mid + 1 } else { hi = mid }
        }
        return lo < records.count && records[lo].sources.first?.line == line ? records[lo] : nil
    }

    /// `lines` by time, lines of one second (or without a time, last) in the order given: the
    /// sort is not stable.
    static func inTimeOrder<L>(_ lines: [L], time: (L) -> Int64?) -> [L] {
        lines.enumerated().sorted { (time($0.element) ?? .max, $0.offset) < (time($1.element) ?? .max, $1.offset) }.map(\.element)
    }

    /// A kernel record systemd wrote under its own name, as the line of that program.
    static func kmsgMessage(_ r: KernelRecord) -> TextMessage? {
        guard let sender = KmsgSender(r.text) else { return nil }
        var record = r
        record.text = sender.message
        return TextMessage(identifier: sender.identifier, pid: sender.pid, record: record)
    }

    private static func ref(_ r: KernelRecord, mono: UInt64) -> EntryRef {
        EntryRef(textLocation: r.sources.first?.description ?? "text log", realtime: r.wallclockUSec ?? 0, monotonic: mono)
    }
}

/// A text line's identity across files: when, who, what.
private struct TextLineKey: Hashable {
    var time: Int64?
    var identifier: String
    var text: String

    init(_ m: TextMessage) {
        time = m.record.wallclockUSec
        identifier = m.identifier
        text = m.record.text
    }
}

extension BootState {
    /// Adds one event read from a text line (the journal scan does the same for entries).
    func apply(_ ev: JournalEvent, inWindow: Bool) {
        switch ev {
        case .shutdown(let m): addShutdownMarker(m)
        case .boot(let m): addBootMarker(m)
        case .journalUnclean(let n):
            if uncleanNotices.count < 64 { uncleanNotices.append(n) }
        case .unit(let u):
            if inWindow { addUnitEvent(u) }
        case .forkFailure(let ff):
            guard inWindow else { return }
            forkFailureCount += 1
            if forkFailures.count < 1000 { forkFailures.append(ff) }
        case .oomd(let k):
            if inWindow, oomd.count < 1000 { oomd.append(k) }
        case .shutdownRequest(let r):
            addShutdownRequest(r)
        }
    }
}

extension TextBoots {
    /// Text boots put among the journal's (in the journal's own order) by their wall-clock span:
    /// each goes before the first journal boot that begins after it ended.
    static func merge(_ text: [BootState], into journal: [BootState]) -> [BootState] {
        var out = journal
        for t in text.sorted(by: { $0.first < $1.first }) {
            let at = out.firstIndex { $0.first > t.last } ?? out.count
            out.insert(t, at: at)
        }
        return out
    }

    /// The host the text logs name most often (syslog and journalctl lines carry it).
    static func hostname(_ files: [KernelLogFile]) -> String? {
        var counts: [String: Int] = [:]
        for f in files {
            for h in f.hostnames { counts[h, default: 0] += 1 }
        }
        return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
    }
}
