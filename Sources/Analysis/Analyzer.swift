import Events
import Journal
import KernelLog

/// The forensic analysis: journal, kernel logs and unit files in, a `PostmortemReport` out.
public enum Analyzer {
    /// Reads the journal once (a small field selection, aggregates only), then works out how
    /// each boot ended, what the analysed boot's units, kernel and PIDs did, and why it died.
    ///
    /// One boot (any `--boot` but `all`) is read through the journal's `_BOOT_ID` index: every
    /// boot's edges first (its first entries, last minutes and kernel messages: enough for how it
    /// ended and for choosing the boot), then the chosen boot's entries only. The time follows
    /// that boot, not the whole journal kept.
    public static func analyze(_ input: AnalysisInput, options: AnalysisOptions) -> PostmortemReport {
        var scan = JournalScan(since: options.since?.microseconds, until: options.until?.microseconds)
        // A `pid_max=` on a text log's kernel command line sizes the PID space before the scan.
        scan.pidMaxHint = input.kernelLogs.flatMap(\.boots).compactMap { b in
            b.commandLine.flatMap { JournalScan.pidMax(fromCommandLine: $0) }
        }.max()
        // A sysctl file's kernel.pid_max is applied after the command line's, so it wins.
        if let set = SysctlFiles.assignments(input.hostFiles).last(where: { $0.key == "kernel.pid_max" }),
           let n = Int(set.value), n > 300 {
            scan.pidMaxHint = n
            scan.pidMaxHintSource = .sysctl(path: set.path, line: set.line)
        }
        guard let reader = input.journal else { return analyze(input, options: options, scan: scan) }
        // A journal of one boot is analysed by reading it through: its edges would be read twice
        // for nothing. Listing boots reads only the edges, however many boots there are.
        let oneBoot = options.reading == .auto && !options.bootsOnly && reader.values(ofField: "_BOOT_ID").count < 2
        if (options.boot == .all && !options.bootsOnly) || options.reading == .everyEntry || oneBoot {
            scan.scan(reader)
            return options.bootsOnly ? boots(input, options: options, scan: scan) : analyze(input, options: options, scan: scan)
        }
        let index = reader.bootIndex()
        scan.index = index
        scan.scanEdges(reader, index: index)
        if options.bootsOnly { return boots(input, options: options, scan: scan) }
        // The boot the analysis would choose from the edges: how boots ended is decided there.
        if let chosen = analyze(input, options: options, scan: scan, selectOnly: true).analyzedBoot,
           let id = ID128(hex: chosen) {
            scan.scanBoot(reader, id: id, files: index.files(of: id))
        }
        return analyze(input, options: options, scan: scan)
    }

    /// The boots of a journal already scanned and how each ended, no boot analysed.
    static func boots(_ input: AnalysisInput, options: AnalysisOptions, scan: JournalScan) -> PostmortemReport {
        // Choosing a boot is where the analysis stops short of analysing one.
        var listing = options
        listing.boot = .auto
        var report = analyze(input, options: listing, scan: scan, selectOnly: true)
        report.analyzedBoot = nil
        return report
    }

    /// The analysis of a journal already scanned (`scan`): with `selectOnly`, only as far as
    /// choosing the boot to analyse (`analyzedBoot`).
    static func analyze(_ input: AnalysisInput, options: AnalysisOptions, scan: JournalScan,
                        selectOnly: Bool = false) -> PostmortemReport {
        var report = PostmortemReport()
        let filePaths = input.journal?.files.map(\.path) ?? []

        // A file of several machines: only this host's boots.
        let ids = input.onlyBoots.map { only in scan.bootOrder.filter { only.contains($0) } } ?? scan.bootOrder
        var ordered = BootOrder.order(ids.compactMap { scan.boots[$0] }, files: input.journal?.files ?? [])
        JournalFileState.attachHeaderTails(ordered, reader: input.journal)
        var kernelNotes: [ReportNote] = []
        var textRecords = input.kernelRecords
        var matchedTextBoots: Set<String> = []
        if !input.kernelLogs.isEmpty {
            let placed = KernelClock.place(files: input.kernelLogs, journal: ordered.map(\.anchor))
            // Lines the journal has come back merged into its own records; keep the others.
            textRecords += placed.records.filter { r in !r.sources.contains { $0.format == .journal } }
            kernelNotes = (placed.notes + placed.skipped).map(ReportNote.text)
            // Files whose every line lacks a time (journalctl -o cat): said once, with what keeps times.
            let untimed = input.kernelLogs.filter(\.hasNoTimes)
            if !untimed.isEmpty {
                kernelNotes.append(.noTimesInText(paths: untimed.map(\.path), lines: untimed.reduce(0) { $0 &+ $1.records.count }))
            }
            // A text boot the journal names (journalctl's `-- Boot <id> --`) is the journal's; one
            // matched by kernel lines alone may be another boot of the same machine (they repeat
            // their boot lines), so the time spans decide that.
            matchedTextBoots = Set(placed.bootMatches.filter { $0.method == .journalctlBootLine && $0.bootID != nil }
                .map { "\($0.path)#\($0.textBoot)" })
        }
        // The boots the journal does not hold come from the text logs, read by the same rules
        // (with no journal, every boot does).
        var textOnly = false
        if !input.kernelLogs.isEmpty {
            let journalSpans = ordered.map { ($0.first, $0.last) }
            let text = TextBoots.build(files: input.kernelLogs, records: &textRecords, options: options,
                                       excluding: matchedTextBoots, journalSpans: journalSpans, journalIDs: Set(ordered.map(\.id)),
                                       unitFiles: input.unitFiles)
            if ordered.isEmpty, !text.boots.isEmpty {
                ordered = text.boots
                textOnly = true
            } else if !text.boots.isEmpty {
                ordered = TextBoots.merge(text.boots, into: ordered)
                kernelNotes.append(.textOnlyBootsAdded(count: text.boots.count))
            }
            kernelNotes += text.notes
        }
        let textByBoot = assignKernelRecords(textRecords, to: ordered, options: options)
        var ends: [BootEndFinding] = []
        for (i, b) in ordered.enumerated() {
            ends.append(BootEndClassifier.classify(index: i, boots: ordered, filePaths: filePaths, input: input,
                                                   textRecords: textByBoot[b.id] ?? [], options: options))
        }
        report.boots = zip(ordered, ends).map { b, e in
            bootSummary(b, end: e, textRecords: textByBoot[b.id] ?? [])
        }
        var latest = Int64.min
        for (i, b) in ordered.enumerated() {
            if i > 0, b.last < latest { report.boots[i].clockBehind = true }
            latest = max(latest, b.last)
        }
        report.host = HostInfo(hostname: nil, machineID: nil)
        if let reader = input.journal {
            // The field hash tables hold every distinct value without reading an entry.
            if let only = input.onlyBoots {
                // The name this host's boots carried (the file holds other machines' too); its
                // machine ID is the one discovery split the file by.
                report.host.hostname = reader.firstAppearances(ofField: "_HOSTNAME").last { only.contains($0.bootID.description) }?.string
            } else {
                if let h = reader.values(ofField: "_HOSTNAME").last {
                    report.host.hostname = String(decoding: h, as: UTF8.self)
                }
                if let m = reader.values(ofField: "_MACHINE_ID").last {
                    report.host.machineID = String(decoding: m, as: UTF8.self)
                }
            }
        }
        report.inputs = JournalFileState.merge(input.inputs, reader: input.journal)
        if let only = input.onlyBoots, let reader = input.journal {
            report.inputs = JournalFileState.counting(only: only, index: scan.index ?? reader.bootIndex(), reader: reader,
                                                      inputs: report.inputs)
        }
        report.notes = JournalFileState.lossNotes(input.journal) + kernelNotes
        if textOnly {
            report.notes.append(.textLogsOnly(boots: ordered.count))
            if report.host.hostname == nil { report.host.hostname = TextBoots.hostname(input.kernelLogs) }
        }

        let selected = selectBoots(ordered, ends: ends.map(\.kind), selection: options.boot, notes: &report.notes)
        if let reader = input.journal {
            addReaderNotes(reader, to: &report)
        }
        if ordered.isEmpty, !textRecords.isEmpty {
            // Kernel logs alone, with no time to place them: each boot they hold is analysed on
            // its own, as a boot without a journal.
            guard let (records, which) = KernelOnlyBoots(textRecords, files: input.kernelLogs).select(options.boot, notes: &report.notes)
            else { return report }
            report.untimedBoots = which
            // One boot whose start the lines hold (its `Linux version` line): a boot told by its
            // kernel clock, as when there are several, not lines without a boot.
            if which == nil, options.boot != .all, records.contains(where: { $0.monotonicUSec != nil }),
               records.contains(where: { KernelMessage.classify($0.text) == .bootBanner }) {
                report.untimedBoots = UntimedBoots(count: 1, analysed: 1,
                                                   paths: Array(Set(records.compactMap { $0.sources.first?.path })).sorted())
            }
            // The host the lines name (journalctl short-monotonic, a console with syslog's host field).
            if report.host.hostname == nil { report.host.hostname = TextBoots.hostname(input.kernelLogs) }
            guard !records.isEmpty else { return report }
            analyzeKernelOnly(records, input: input, options: options, into: &report)
            // Kernel lines that say nothing (no event, no stop) are no boot whose end could be told.
            let end = BootEndClassifier.classify(kernelOnly: records, isNewest: which.map { $0.analysed == $0.count } ?? true)
            if options.boot != .all, end.kind != .unknown || !report.kernelEvents.isEmpty || !report.oomKills.isEmpty {
                report.end = BootEnd(kind: end.kind, lastEntry: nil, nextBootFirst: nil, gapSeconds: nil, evidence: end.evidence)
            }
            // Host facts from the last boot the lines hold (after its `Linux version` line).
            // Stable: lines without a wall-clock time keep their order in the file.
            let sorted = records.enumerated().sorted {
                ($0.element.wallclockUSec ?? .min, $0.offset) < ($1.element.wallclockUSec ?? .min, $1.offset)
            }.map(\.element)
            let lastBoot = sorted.lastIndex { KernelMessage.classify($0.text) == .bootBanner } ?? 0
            report.host.facts = hostFacts(boot: nil, textRecords: Array(sorted[lastBoot...]), input: input, report: report)
            return report
        }
        guard !selected.isEmpty else {
            // (A boot that --boot names and the set does not hold has its own note.)
            if input.journal != nil, ordered.isEmpty { report.notes.append(.journalEmpty) }
            report.host.facts = hostFacts(boot: nil, textRecords: [], input: input, report: report)
            return report
        }
        if options.boot != .all, let b = selected.first, let i = ordered.firstIndex(where: { $0 === b }) {
            report.analyzedBoot = b.id
            if selectOnly { return report }
            let next = i + 1 < ordered.count ? ordered[i + 1] : nil
            let nextStart = next == nil ? nil : report.boots[i + 1].start
            let life = lastSignOfLife(b, textRecords: textByBoot[b.id] ?? [], before: nextStart?.microseconds)
            // The silence runs from the last sign of life to the next boot's kernel start; a next
            // boot whose clock was never set (it starts "before" this one ended) gives no gap.
            let nextBegins = nextStart?.microseconds ?? next?.first
            let clockUnset = report.boots[i].clockBehind == true || (next != nil && report.boots[i + 1].clockBehind == true)
            let gap = clockUnset ? nil : nextBegins.map { Double($0 &- life.time) / 1e6 }.flatMap { $0 >= 0 ? $0 : nil }
            var end = BootEnd(kind: ends[i].kind, lastEntry: Timestamp(microseconds: b.last),
                              nextBootFirst: next.map { Timestamp(microseconds: $0.first) }, gapSeconds: gap,
                              evidence: ends[i].evidence)
            end.lastSignOfLife = Timestamp(microseconds: life.time)
            end.lastSignSource = life.source
            end.nextBootStart = nextStart
            end.ignoredMarkers = ends[i].ignored
            end.conflicting = ends[i].conflicting
            end.requestedBy = ends[i].request.map(ShutdownInitiator.init)
            report.end = end
            let journalGap = clockUnset ? nil : nextBegins.map { Double($0 &- b.last) / 1e6 }
            if let journalGap, journalGap > 0, ends[i].kind == .unclean, !b.textOnly {
                report.notes.append(.journalEndsBeforeNextBoot(bootID: b.id, seconds: journalGap))
            }
        }

        if options.since != nil || options.until != nil {
            report.window = TimeWindow(since: options.since, until: options.until,
                                       entries: selected.reduce(0) { $0 &+ $1.entriesInWindow })
        }
        var boot = BootAnalysis(options: options)
        boot.locator = JournalFileLocator(files: input.journal?.files ?? [])
        boot.unitLinks = input.unitLinks
        boot.unitPackages = input.unitPackages
        for b in selected {
            boot.add(b, textRecords: textByBoot[b.id] ?? [])
        }
        boot.finish(unitFiles: input.unitFiles, into: &report)
        let analysed = options.boot == .all ? nil : selected.first
        report.host.facts = hostFacts(boot: analysed, textRecords: analysed.map { textByBoot[$0.id] ?? [] } ?? [],
                                      input: input, report: report)
        addFirstBoots(ordered, reader: input.journal, index: scan.index, to: &report)
        return report
    }

    /// Each reported unit's first boot in the journal kept: whether it is new on this machine.
    static func addFirstBoots(_ ordered: [BootState], reader: JournalReader?, index: BootIndex?,
                              to report: inout PostmortemReport) {
        // A boot read only at its edges is asked through the index: PID 1's messages name the
        // unit. Every unit's items are looked up in one pass over the files.
        var indexed: [String: Set<ID128>] = [:]
        if let reader, let index, ordered.contains(where: \.edgesOnly) {
            let names = report.units.map(\.unit)
            indexed = reader.bootIDs(carrying: names.flatMap { ["UNIT=\($0)", "USER_UNIT=\($0)"] }, index: index)
        }
        for i in report.units.indices {
            let name = report.units[i].unit
            let carrying = (indexed["UNIT=\(name)"] ?? []).union(indexed["USER_UNIT=\(name)"] ?? [])
            let has: (BootState) -> Bool = { b in
                guard b.edgesOnly, let id = ID128(hex: b.id) else { return b.hasUnit(name) }
                return carrying.contains(id) || b.hasUnit(name)
            }
            guard let first = ordered.first(where: has) else { continue }
            var p = report.units[i].provenance ?? UnitProvenance()
            p.firstBoot = first.id
            report.units[i].provenance = p
        }
    }

    /// A boot's summary: its kept entries, how it ended, and its clock: the kernel's start on the
    /// newest wall clock it had, its monotonic run time, where the kept journal begins, clock steps.
    static func bootSummary(_ b: BootState, end e: BootEndFinding, textRecords: [KernelRecord]) -> BootSummary {
        var s = BootSummary(bootID: b.id, first: Timestamp(microseconds: b.first), last: Timestamp(microseconds: b.last),
                            entries: b.entries, end: e.kind, endEvidence: e.evidence)
        if let start = b.startOffset, plausible(start) {
            s.start = Timestamp(microseconds: start)
            s.startSource = b.startSource
        } else if let (start, source) = kernelStart(fromText: textRecords) {
            s.start = Timestamp(microseconds: start)
            s.startSource = source
        }
        if b.textOnly { s.textOnly = true }
        // A text boot's stamps counted from its first line are no uptime: how long it ran is unknown.
        if b.entries > 0, b.monotonicIsUptime {
            // Up to the last entry its file's header records, when a cut took the boot's end.
            s.uptimeSeconds = Double(max(b.lastMonotonic, b.cutTail?.monotonic ?? 0)) / 1e6
            if b.firstMonotonic != .max { s.firstEntryUptimeSeconds = Double(b.firstMonotonic) / 1e6 }
        }
        s.clockJumps = b.clockJumps.map {
            ClockJump(uptimeSeconds: Double($0.monotonic) / 1e6, from: Timestamp(microseconds: $0.from),
                      to: Timestamp(microseconds: $0.to))
        }
        return s
    }

    /// A wall-clock time between 1990 and 2200: anything else is a broken clock or a broken file.
    static func plausible(_ us: Int64) -> Bool { us >= 631_152_000_000_000 && us <= 7_258_118_400_000_000 }

    /// The kernel's start from text logs with their own wall clock: the `Linux version` line's
    /// stamp minus its uptime, else the earliest time-minus-uptime of any line (syslog stamps come
    /// when the line is received, never before it was printed). A syslog daemon that starts
    /// late receives the kernel's first seconds in one burst, all stamped with the burst's time:
    /// then the latest line of the burst (the banner's second) tells the start best. Lines
    /// after the burst are not used with a banner: the clock may have been set since.
    static func kernelStart(fromText records: [KernelRecord]) -> (time: Int64, source: BootStartSource)? {
        /// A line's own wall clock and the start its uptime implies, for syslog lines only.
        func stamped(_ r: KernelRecord) -> (wall: Int64, start: Int64)? {
            guard let w = r.wallclockUSec, let m = r.monotonicUSec, r.clock == .syslog || r.clock == .syslogInferredYear else { return nil }
            let start = w &- Int64(clamping: m)
            return plausible(start) ? (w, start) : nil
        }
        var best: Int64?
        var banner: (wall: Int64, start: Int64)?
        for r in records {
            guard let s = stamped(r) else { continue }
            if banner == nil, (r.monotonicUSec ?? .max) < 1_000_000, r.text.hasPrefix("Linux version ") { banner = s }
            best = min(best ?? s.start, s.start)
        }
        guard let banner else {
            if let best { return (best, .dmesgUptime) }
            // No uptime stamps (journalctl's text, rsyslog reading the journal, `dmesg -T`, which
            // prints the boot's start plus each line's uptime): the banner is the kernel's first
            // line, printed as it started; its stamp is the start.
            let plain = records.first { r in
                r.text.hasPrefix("Linux version ") && (r.clock == .syslog || r.clock == .syslogInferredYear || r.clock == .dmesgT)
                    && r.wallclockUSec.map(plausible) == true
            }
            return plain?.wallclockUSec.map { ($0, .kernelBanner) }
        }
        var start = banner.start
        for r in records {
            guard let s = stamped(r), s.wall >= banner.wall, s.wall &- banner.wall < Self.syslogBurstUSec else { continue }
            start = min(start, s.start)
        }
        return (start, .kernelBanner)
    }

    /// Lines stamped within this of the banner were received in its burst (syslog stamps have
    /// whole seconds).
    static let syslogBurstUSec: Int64 = 1_000_000

    /// The boot's last sign of life: its last journal entry, or a later line that only a kernel
    /// log, pstore or kdump kept, before the next boot's kernel started (`before`).
    static func lastSignOfLife(_ b: BootState, textRecords: [KernelRecord],
                               before: Int64? = nil) -> (time: Int64, source: SourceKind) {
        var out = (time: b.last, source: b.textOnly ? SourceKind.kernelLog : .journal)
        // The last entry its file's header records, though the entry itself is lost.
        if let tail = b.headerTail, tail.realtime > out.time, before.map({ tail.realtime < $0 }) ?? true { out.time = tail.realtime }
        for r in textRecords {
            guard let w = r.wallclockUSec, w > out.time, plausible(w), before.map({ w < $0 }) ?? true,
                  !r.sources.contains(where: { $0.format == .journal }) else { continue }
            let formats = r.sources.map(\.format)
            out = (w, formats.contains(.pstore) || formats.contains(.pstoreConsole) ? .pstore : formats.contains(.kdump) ? .kdump : .kernelLog)
        }
        return out
    }

    /// Groups text-log records by the boot they belong to: the boot the kernel module matched,
    /// else the boot whose time range (up to the next boot's start) holds the record. Crash-dump
    /// records with only a kernel stamp go to the boot the crash ended, put on its clock.
    static func assignKernelRecords(_ records: [KernelRecord], to boots: [BootState],
                                    options: AnalysisOptions) -> [String: [KernelRecord]] {
        var out: [String: [KernelRecord]] = [:]
        let ids = Set(boots.map(\.id))
        let crashBoot = BootEndClassifier.crashArtefactBoot(boots, options: options).map { boots[$0] }
        for var r in records {
            // A wall-clock time before 1990 or after 2200 is a parse accident, not a time.
            if let w = r.wallclockUSec, w < 631_152_000_000_000 || w > 7_258_118_400_000_000 { r.wallclockUSec = nil }
            if let id = r.bootID, ids.contains(id) {
                if r.wallclockUSec == nil, let m = r.monotonicUSec, let b = boots.first(where: { $0.id == id }) {
                    r.wallclockUSec = b.wallclock(monotonic: m)
                    r.clock = .bootAnchor
                }
                out[id, default: []].append(r)
                continue
            }
            guard let t = r.wallclockUSec else {
                let dump = r.sources.contains { $0.format.isCrashDump }
                if dump, let b = crashBoot, let m = r.monotonicUSec {
                    r.wallclockUSec = b.wallclock(monotonic: m)
                    r.clock = .bootAnchor
                    r.bootID = b.id
                    r.isLastWords = r.isLastWords || (r.wallclockUSec ?? 0) > b.last
                    out[b.id, default: []].append(r)
                }
                continue
            }
            for (i, b) in boots.enumerated() {
                let end = i + 1 < boots.count ? boots[i + 1].first : Int64.max
                if t >= b.first &- 120_000_000 && t < end {
                    out[b.id, default: []].append(r)
                    break
                }
            }
        }
        return out
    }

    static func selectBoots(_ boots: [BootState], ends: [BootEndKind], selection: BootSelection,
                            notes: inout [ReportNote]) -> [BootState] {
        guard !boots.isEmpty else { return [] }
        switch selection {
        case .all:
            return boots
        case .auto:
            if let i = ends.lastIndex(of: .unclean) { return [boots[i]] }
            if let i = ends.lastIndex(of: .clean) { return [boots[i]] }
            return [boots[boots.count - 1]]
        case .offset(let n):
            let i = boots.count - 1 + min(0, n)
            guard i >= 0, n <= 0 else {
                notes.append(.noSuchBoot(.offset(n, boots: boots.count)))
                return []
            }
            return [boots[i]]
        case .index(let n):
            guard n >= 1, n <= boots.count else {
                notes.append(.noSuchBoot(.index(n, boots: boots.count)))
                return []
            }
            return [boots[n - 1]]
        case .id(let id):
            let want = id.lowercased().replacingDashes()
            let hits = boots.filter { $0.id.hasPrefix(want) }
            guard hits.count == 1 else {
                notes.append(.noSuchBoot(hits.isEmpty ? .unknownID(id) : .ambiguousID(id)))
                return []
            }
            return hits
        }
    }

    static func addReaderNotes(_ reader: JournalReader, to report: inout PostmortemReport) {
        for p in reader.unreadable {
            report.notes.append(.journalFileUnreadable(p.description))
        }
    }

    static func analyzeKernelOnly(_ records: [KernelRecord], input: AnalysisInput, options: AnalysisOptions,
                                  into report: inout PostmortemReport) {
        var boot = BootAnalysis(options: options)
        let pseudo = BootState(id: "")
        pseudo.first = records.compactMap(\.wallclockUSec).min() ?? 0
        pseudo.last = records.compactMap(\.wallclockUSec).max() ?? 0
        boot.add(pseudo, textRecords: records, textOnly: true)
        boot.finish(unitFiles: input.unitFiles, into: &report)
        report.notes.append(.kernelLogsOnly)
    }
}

extension String {
    func replacingDashes() -> String { String(filter { $0 != "-" }) }
}
