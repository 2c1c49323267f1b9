import Compression
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads kernel messages from text logs: syslog (RFC 3164, RFC 5424, ISO 8601), raw
/// dmesg/console, `dmesg -T`, journalctl text, pstore and kdump files, compressed or not.
public enum KernelLogReader {
    /// Whole files past this size (after decompression) are refused rather than read.
    public static let maxFileBytes = 2 << 30

    /// Reads, decompresses (by magic bytes) and parses one file.
    public static func read(path: String) throws(KernelLogError) -> KernelLogFile {
        let (bytes, mtime) = try RegularFile.read(path: path, limit: maxFileBytes)
        return try parseMaybeCompressed(bytes: bytes, path: path, modificationTime: mtime)
    }

    static func parseMaybeCompressed(bytes: [UInt8], path: String, modificationTime: Int64?,
                                     firstLine: Int = 1) throws(KernelLogError) -> KernelLogFile {
        let algorithm = bytes.withUnsafeBytes { CompressionAlgorithm.sniff($0) }
        guard let algorithm else { return parsePlain(bytes: bytes, path: path, modificationTime: modificationTime, firstLine: firstLine) }
        let result: Result<[UInt8], CompressionError> = bytes.withUnsafeBytes { raw in
            do throws(CompressionError) {
                return .success(try algorithm.decompress(raw, limit: maxFileBytes))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let plain):
            return parsePlain(bytes: plain, path: path, modificationTime: modificationTime)
        case .failure(let error):
            throw KernelLogError(code: .decompression, path: path, detail: error.description)
        }
    }

    /// Parses a file's (already decompressed) bytes. `modificationTime` is µs since the
    /// epoch; it anchors the year of RFC 3164 stamps (the current time is used when nil).
    /// `firstLine` numbers the first line of `bytes` when they are the end of a longer text
    /// (the part of a big log that is read): every line is then named by its place in the file.
    public static func parse(bytes: [UInt8], path: String, modificationTime: Int64?, firstLine: Int = 1) -> KernelLogFile {
        do {
            return try parseMaybeCompressed(bytes: bytes, path: path, modificationTime: modificationTime, firstLine: firstLine)
        } catch {
            // A damaged .gz/.xz/.zst: nothing readable, and the report says why.
            var skipped = SkippedLines()
            skipped.add(line: 0, reason: "cannot decompress: \(error.detail)")
            return KernelLogFile(path: path, format: formatFromName(path) ?? .dmesg, records: [], boots: [], skipped: skipped,
                                 modificationTimeUSec: modificationTime)
        }
    }

    static func parsePlain(bytes: [UInt8], path: String, modificationTime: Int64?, firstLine: Int = 1,
                           messagesKept: Int = FileBuilder.maxMessages) -> KernelLogFile {
        var builder = FileBuilder(path: path, modificationTime: modificationTime)
        builder.firstLine = max(firstLine, 1)
        builder.messagesKept = messagesKept
        bytes.withUnsafeBufferPointer { builder.run($0) }
        return builder.finish()
    }

    /// The format implied by a file's name (pstore and kdump files look like dmesg inside).
    static func formatFromName(_ path: String) -> KernelLogFormat? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasPrefix("dmesg-ramoops-") || name.hasPrefix("dmesg-efi-") || name.hasPrefix("dmesg-efi_pstore-")
            || name.hasPrefix("dmesg-erst-") || name.hasPrefix("dmesg-nvram") {
            return .pstore
        }
        if name.hasPrefix("console-ramoops") { return .pstoreConsole }
        if name.hasPrefix("vmcore-dmesg") { return .kdump }
        return nil
    }
}

/// Builds one `KernelLogFile` in a single pass over its lines (plus a short look at the
/// first lines to decide how to read lines without prefixes).
struct FileBuilder {
    let path: String
    let modificationTime: Int64?
    var records: [KernelRecord] = []
    var recordPrecision: [UInt64] = []
    var yearless: [Int] = []
    var skipped = SkippedLines()
    var formatCounts: [KernelLogFormat: Int] = [:]
    var pstore: PstoreInfo?
    var recordTime: Int64?
    var notes: [String] = []
    var yearGuess: YearGuess?
    var bootStarts: [(record: Int, journalBootID: String?)] = []
    var pendingJournalBoot: (String?)? = nil
    var replayPending = false
    var lastHost: (bytes: [UInt8], string: String)?
    /// For each entry of `records`: the tag and PID when it is a program's line, nil for the kernel's.
    var programs: [(tag: String, pid: Int?)?] = []
    var messageCount = 0
    var messagesDropped = 0
    /// Lines before the newest systemd lines kept (`newestWindowStart`), not read.
    var linesBeforeWindow = 0
    /// The number of the first line read (`parse(…, firstLine:)`).
    var firstLine = 1
    /// The first line after those (`linesBeforeWindow`).
    var firstLineInWindow = 0
    /// systemd's lines kept at most (`maxMessages`; fewer in tests).
    var messagesKept = FileBuilder.maxMessages
    /// Other programs' newest lines (not systemd's, not the kernel's), kept for a boot's last
    /// words: added to the records when the boot ends (a `Linux version` line, a journal boot
    /// marker, the end of the file), so each lands in its boot.
    var tail: [(line: ParsedLine, lineNumber: Int)] = []
    var tailNext = 0
    static let tailKept = 48
    /// Host names the lines carry, in order of first appearance.
    var hostnames: [String] = []
    /// journalctl's header: the newest line's local date, and its zone.
    var header: (endLocalUSec: Int64, zoneOffsetSec: Int?, zoneName: String)?
    /// `short-full` stamps whose zone name is not known (read as UTC).
    var unknownZones: Set<String> = []

    init(path: String, modificationTime: Int64?) {
        self.path = path
        self.modificationTime = modificationTime
    }

    mutating func run(_ b: UnsafeBufferPointer<UInt8>) {
        let nameFormat = KernelLogReader.formatFromName(path)
        var lines = LineSplitter(b)
        // Line numbers name lines in the file; `linesRead` counts from the start of `b`.
        var lineNumber = firstLine - 1
        var linesRead = 0
        // A file with more of systemd's lines than are kept is read from where its newest ones
        // begin: how the boot ended is at its end (journalctl's `--` lines are read throughout:
        // the header's zone, the boot the window begins in).
        let windowStart = Self.newestWindowStart(b, systemLines: messagesKept)
        // A syzkaller report starts with `KEY: value` metadata and a blank line.
        let headerEnd = Self.metadataHeaderEnd(b)
        let (journalMode, consoleMode) = Self.prescan(b, nameFormat: nameFormat)
        var lastRecordLine = -1
        var lastProgramLine = -1
        var lastFrameLine = -1
        var inReportCopy = false
        while let range = lines.next() {
            lineNumber += 1
            linesRead += 1
            if range.lowerBound < windowStart, !Bytes.hasPrefix(b, range, "-- ") {
                linesBeforeWindow += 1
                firstLineInWindow = lineNumber + 1
                continue
            }
            if linesRead <= headerEnd {
                skipped.headerLines += 1
                continue
            }
            // syzkaller ends its reports with `REPORT:` and the report's lines again, without
            // stamps: counting them would report each hung task and panic twice.
            if headerEnd > 0, !inReportCopy, Bytes.equals(b, range, "REPORT:") {
                inReportCopy = true
                skipped.markerLines += 1
                continue
            }
            if inReportCopy {
                skipped.reportCopyLines += 1
                continue
            }
            let kind = LineParser.parse(b, range, journalMode: journalMode)
            switch kind {
            case .record(let line) where !line.isKernel:
                // Another program's line: counted, its host noted, and kept when it is one
                // of systemd's (unit events, shutdown and boot markers come from them).
                skipped.otherPrograms += 1
                noteHost(b, line.host)
                if let z = line.zoneName, line.zoneOffsetSec == nil, unknownZones.count < 8 { unknownZones.insert(Bytes.string(b, z)) }
                if Self.isSystemLine(b, line) {
                    if messageCount < messagesKept {
                        appendMessage(line, b, lineNumber: lineNumber)
                        lastRecordLine = lineNumber
                    } else {
                        messagesDropped += 1
                        lastRecordLine = -1
                    }
                } else {
                    keepInTail(line, lineNumber: lineNumber)
                    lastRecordLine = -1
                }
                lastProgramLine = lineNumber
            case .record(let line):
                // A boot ends before the kernel's banner: its other programs' last lines go in first.
                if Bytes.hasPrefix(b, line.text, "Linux version ") { flushTail(b, beforeBootStart: true) }
                if replayPending { resolveReplay(with: line, b) }
                if let z = line.zoneName, line.zoneOffsetSec == nil, unknownZones.count < 8 { unknownZones.insert(Bytes.string(b, z)) }
                append(line, b, lineNumber: lineNumber, nameFormat: nameFormat)
                lastRecordLine = lineNumber
            case .journalMarker(let id, let isBoot):
                skipped.markerLines += 1
                if isBoot {
                    flushTail(b)
                    pendingJournalBoot = .some(id)
                }
            case .journalHeader(let end, let offset, let name):
                skipped.markerLines += 1
                header = (end, offset, name)
            case .pstoreHeader(let reason, let count, let part):
                skipped.markerLines += 1
                if pstore == nil { pstore = PstoreInfo(reason: reason, count: count, parts: []) }
                pstore?.parts.append(part)
            case .ramoopsHeader(let usec, let compressed):
                skipped.markerLines += 1
                recordTime = recordTime ?? usec
                if compressed { skipped.add(line: lineNumber, reason: "ramoops record marked compressed") }
            case .replayMarker:
                replayPending = !records.isEmpty && lastRecordLine == lineNumber - 1
                skipped.markerLines += 1
            case .blank:
                skipped.blankLines += 1
                // journalctl indents an empty line inside a multi-line message too: the message goes on.
                if !range.isEmpty && !consoleMode {
                    if lastProgramLine == lineNumber - 1 { lastProgramLine = lineNumber }
                    if lastRecordLine == lineNumber - 1 { lastRecordLine = lineNumber }
                }
            case .plain(let r) where Bytes.hasPrefix(b, r, "#==[") || (lastFrameLine == lineNumber - 1 && Bytes.hasPrefix(b, r, "# ")):
                // SUSE supportconfig frames each log it copies: `#==[ Log File ]===#`, `# /var/log/messages`.
                skipped.markerLines += 1
                lastFrameLine = lineNumber
            case .plain(let r):
                if !consoleMode, let first = r.first, b[first] == 0x20 || b[first] == 0x09,
                   lastProgramLine == lineNumber - 1 {
                    // The further lines of another program's multi-line message.
                    skipped.continuationLines += 1
                    lastProgramLine = lineNumber
                    if lastRecordLine == lineNumber - 1, !records.isEmpty {
                        appendContinuation(b, r)
                        lastRecordLine = lineNumber
                    }
                } else if !consoleMode, let first = r.first, b[first] == 0x20 || b[first] == 0x09, !records.isEmpty,
                          lastRecordLine == lineNumber - 1 {
                    // journalctl indents the further lines of a multi-line message (console
                    // logs indent stack frames, which are records of their own).
                    appendContinuation(b, r)
                    skipped.continuationLines += 1
                    lastRecordLine = lineNumber
                } else if !consoleMode, let first = r.first, b[first] == 0x20 || b[first] == 0x09,
                          records.isEmpty && lastProgramLine < 0 {
                    // A file that begins inside a multi-line message (a rotation cut it): the
                    // message's head is in the file before.
                    skipped.continuationLines += 1
                } else if consoleMode && Self.isKmsgProperty(b, r) {
                    // `/dev/kmsg` follows a record with ` SUBSYSTEM=usb`-style properties.
                    skipped.continuationLines += 1
                } else if consoleMode {
                    var line = ParsedLine(format: nameFormat ?? .dmesg, isKernel: true, text: r)
                    line.wallPrecisionUSec = 0
                    if replayPending { resolveReplay(with: line, b) }
                    append(line, b, lineNumber: lineNumber, nameFormat: nameFormat)
                    lastRecordLine = lineNumber
                } else {
                    skipped.add(line: lineNumber, reason: SkippedLines.unrecognised)
                }
            case .malformed(let reason):
                skipped.add(line: lineNumber, reason: reason)
            }
        }
        flushTail(b)
    }

    /// systemd's lines kept from a syslog or journalctl file, at most: the newest
    /// (`newestWindowStart`); any beyond, counted and named.
    static let maxMessages = 400_000

    /// Where the newest `systemLines` of the lines that may be systemd's begin in `b`: a line
    /// counts when its first bytes (stamp, host, tag) name `systemd`, `init.scope` or `user@`,
    /// or it reports EAGAIN, so never fewer than `isSystemLine` keeps. 0 when all of them fit.
    static func newestWindowStart(_ b: UnsafeBufferPointer<UInt8>, systemLines limit: Int) -> Int {
        // Every such line is longer than 20 bytes, and one of the file's lines: a smaller file, or
        // one of fewer lines (counted at memchr's pace), cannot hold too many.
        guard limit > 0, b.count / 20 > limit, ByteSearch.newlines(in: UnsafeRawBufferPointer(b)) >= limit else { return 0 }
        let names = ["systemd", "init.scope", "user@"].map { Array($0.utf8) }
        var starts = [Int](repeating: 0, count: limit)
        var seen = 0
        var lines = LineSplitter(b)
        while let r = lines.next() {
            let head = UnsafeBufferPointer(rebasing: b[r.lowerBound..<min(r.upperBound, r.lowerBound + 200)])
            let candidate = names.contains { n in n.withUnsafeBufferPointer { ByteSearch.find(head, $0) != nil } }
                || eagain.withUnsafeBufferPointer { ByteSearch.find(UnsafeBufferPointer(rebasing: b[r]), $0) != nil }
            guard candidate else { continue }
            starts[seen % limit] = r.lowerBound
            seen += 1
        }
        // The oldest of the newest `limit`.
        return seen > limit ? starts[seen % limit] : 0
    }
    private static let eagain: [UInt8] = Array("Resource temporarily unavailable".utf8)

    /// A line of the system manager or one of systemd's daemons (`systemd`, `systemd-journald`;
    /// journalctl `with-unit` names them `init.scope`, `systemd-journald.service`, `user@1000.service`),
    /// or a failed fork: the only program lines that carry unit events and boot markers. The
    /// events themselves are read by `JournalEventExtractor`, the same code as for journal entries.
    static func isSystemLine(_ b: UnsafeBufferPointer<UInt8>, _ line: ParsedLine) -> Bool {
        guard let tag = line.tag else { return false }
        if Bytes.hasPrefix(b, tag, "systemd") || Bytes.equals(b, tag, "init.scope") || Bytes.hasPrefix(b, tag, "user@") {
            return true
        }
        guard line.text.count >= eagain.count else { return false }
        return eagain.withUnsafeBufferPointer { n in ByteSearch.find(UnsafeBufferPointer(rebasing: b[line.text]), n) != nil }
    }

    private mutating func noteHost(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>?) {
        guard let name = host(b, r), hostnames.count < 16, hostnames.last != name, !hostnames.contains(name) else { return }
        hostnames.append(name)
    }

    private mutating func keepInTail(_ line: ParsedLine, lineNumber: Int) {
        if tail.count < Self.tailKept {
            tail.append((line, lineNumber))
        } else {
            tail[tailNext] = (line, lineNumber)
            tailNext = (tailNext + 1) % Self.tailKept
        }
    }

    /// Adds the kept tail to the records, oldest first, and starts a new one. Before a kernel
    /// banner, the lines just before it may be the new boot's (`BootSplitter` takes up to
    /// `BootSplitter.lookBack` of them into it): the tail goes in among those in the file's order,
    /// so that a syslog daemon's start line stays after the old boot's last lines and beside the
    /// kernel lines it printed on starting.
    mutating func flushTail(_ b: UnsafeBufferPointer<UInt8>, beforeBootStart: Bool = false) {
        let ordered = tail.count < Self.tailKept ? tail : Array(tail[tailNext...] + tail[..<tailNext])
        tail.removeAll(keepingCapacity: true)
        tailNext = 0
        let end = records.count
        for (line, n) in ordered where messageCount < messagesKept {
            appendMessage(line, b, lineNumber: n)
        }
        guard beforeBootStart, pendingJournalBoot == nil, records.count > end,
              let firstTailLine = records[end].sources.first?.line else { return }
        func lineNumber(_ k: Int) -> Int { records[k].sources.first?.line ?? 0 }
        var at = end
        while at > 0, end - at < BootSplitter.lookBack, lineNumber(at - 1) > firstTailLine { at -= 1 }
        guard at < end, !bootStarts.contains(where: { $0.record >= at }) else { return }
        // Both runs are in the file's order: a stable sort by line number merges them.
        let order = (at..<records.count).sorted { (lineNumber($0), $0) < (lineNumber($1), $1) }
        var newIndex: [Int: Int] = [:]
        for (k, old) in order.enumerated() { newIndex[old] = at + k }
        records.replaceSubrange(at..., with: order.map { records[$0] })
        recordPrecision.replaceSubrange(at..., with: order.map { recordPrecision[$0] })
        programs.replaceSubrange(at..., with: order.map { programs[$0] })
        yearless = yearless.map { newIndex[$0] ?? $0 }.sorted()
    }

    private mutating func appendMessage(_ line: ParsedLine, _ b: UnsafeBufferPointer<UInt8>, lineNumber: Int) {
        append(line, b, lineNumber: lineNumber, nameFormat: nil)
        programs[programs.count - 1] = (line.tag.map { Bytes.string(b, $0) } ?? "", line.pid)
        messageCount += 1
    }

    static func isKmsgProperty(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var c = ByteCursor(b, r)
        guard c.skip(0x20) else { return false }
        let start = c.pos
        while let x = c.peek(), (x >= 0x41 && x <= 0x5A) || x == 0x5F { c.pos += 1 }
        return c.pos - start >= 3 && c.peek() == 0x3D
    }

    /// Lines 1…n of `KEY: value` metadata ended by a blank line, else 0.
    static func metadataHeaderEnd(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var lines = LineSplitter(b)
        var n = 0
        while let r = lines.next(), n < 40 {
            n += 1
            if r.isEmpty { return n > 1 ? n : 0 }
            var c = ByteCursor(b, r)
            let start = c.pos
            while let x = c.peek(), (x >= 0x41 && x <= 0x5A) || x == 0x5F { c.pos += 1 }
            guard c.pos - start >= 2, c.skip(0x3A) else { return 0 }
        }
        return 0
    }

    /// Looks at the first lines: journalctl text (its `-- ` lines) and console logs
    /// (kernel stamps), where lines without a prefix are still kernel text.
    static func prescan(_ b: UnsafeBufferPointer<UInt8>, nameFormat: KernelLogFormat?) -> (journal: Bool, console: Bool) {
        var lines = LineSplitter(b)
        var n = 0
        var journal = false
        var console = 0, syslog = 0
        var unstamped = 0, kernelText = 0
        while let r = lines.next(), n < 2000 {
            n += 1
            if Bytes.hasPrefix(b, r, "-- Boot ") || Bytes.hasPrefix(b, r, "-- Logs begin at ")
                || Bytes.hasPrefix(b, r, "-- Journal begins at ") || Bytes.hasPrefix(b, r, "-- No entries --") {
                journal = true
            }
            switch LineParser.parse(b, r, journalMode: false) {
            case .record(let line):
                switch line.format {
                case .dmesg, .pstore, .kdump, .pstoreConsole: console += 1
                case .journalctlText: journal = true
                default: syslog += 1
                }
            case .plain(let range):
                if kernelText == 0 || unstamped < 64 {
                    unstamped += 1
                    if KernelMessage.isKernelBootLine(Bytes.string(b, range)) { kernelText += 1 }
                }
            default: break
            }
        }
        // Kernel text without any stamp (`dmesg -t`, a serial console capture): read in order,
        // every line a record, when the first lines say it is the kernel's.
        let unstampedKernel = console == 0 && syslog == 0 && !journal && kernelText > 0
        let isConsole = nameFormat != nil || (console > 0 && console >= syslog) || unstampedKernel
        return (journal, isConsole && !journal)
    }

    private mutating func resolveReplay(with line: ParsedLine, _ b: UnsafeBufferPointer<UInt8>) {
        replayPending = false
        guard let last = records.last else { return }
        let newText = Bytes.string(b, line.text)
        // The torn line is a prefix of the replayed one with the same stamp: keep the replay.
        if newText.hasPrefix(last.text), last.monotonicUSec == line.monotonicUSec {
            let torn = records.removeLast()
            recordPrecision.removeLast()
            programs.removeLast()
            if yearless.last == records.count { yearless.removeLast() }
            if let start = bootStarts.last, start.record >= records.count { bootStarts.removeLast() }
            skipped.add(line: torn.sources.first?.line ?? 0, reason: "torn line `\(torn.text)` replaced by its replay")
        }
    }

    private mutating func appendContinuation(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) {
        guard !records.isEmpty else { return }
        var c = ByteCursor(b, r)
        c.skipSpaces()
        records[records.count - 1].text += "\n" + Bytes.string(b, c.pos..<r.upperBound)
    }

    private mutating func append(_ line: ParsedLine, _ b: UnsafeBufferPointer<UInt8>, lineNumber: Int, nameFormat: KernelLogFormat?) {
        let format = nameFormat ?? line.format
        if line.isKernel || format != .syslog { formatCounts[format, default: 0] += 1 }
        let text = line.mayHaveOctalEscapes ? Self.unescapeOctal(b, line.text) : Bytes.string(b, line.text)
        var clock: ClockSource = .none
        if line.wallclockUSec != nil {
            switch line.format {
            case .dmesgT: clock = .dmesgT
            default: clock = line.wallHasYear ? .syslog : .syslogInferredYear
            }
        }
        var record = KernelRecord(text: text, monotonicUSec: line.monotonicUSec, wallclockUSec: line.wallclockUSec,
                                  clock: clock, uncertaintyUSec: line.wallclockUSec == nil ? 0 : line.wallPrecisionUSec,
                                  priority: line.priority, facility: line.facility, hostname: host(b, line.host),
                                  sources: [RecordSource(path: path, line: lineNumber, format: format)])
        if let caller = line.caller { record.callerID = Bytes.string(b, caller) }
        if let pending = pendingJournalBoot {
            bootStarts.append((records.count, pending))
            pendingJournalBoot = nil
        }
        if line.wallclockUSec != nil && !line.wallHasYear { yearless.append(records.count) }
        if line.isKernel { noteHost(b, line.host) }
        records.append(record)
        recordPrecision.append(line.wallPrecisionUSec)
        programs.append(nil)
    }

    private mutating func host(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>?) -> String? {
        guard let r, r.lowerBound >= 0, r.upperBound <= b.count else { return nil }
        let bytes = UnsafeBufferPointer(rebasing: b[r])
        if let last = lastHost, last.bytes.elementsEqual(bytes) { return last.string }
        let s = String(decoding: bytes, as: UTF8.self)
        lastHost = (Array(bytes), s)
        return s
    }

    /// rsyslog writes control characters as `#ooo` (`#012` newline, `#011` tab).
    static func unescapeOctal(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        var hasEscape = false
        for i in r where b[i] == 0x23 { hasEscape = true; break }
        guard hasEscape else { return Bytes.string(b, r) }
        var out: [UInt8] = []
        out.reserveCapacity(r.count)
        var i = r.lowerBound
        while i < r.upperBound {
            let x = b[i]
            if x == 0x23, i + 3 < r.upperBound,
               let d0 = octal(b[i + 1]), let d1 = octal(b[i + 2]), let d2 = octal(b[i + 3]) {
                let v = d0 * 64 + d1 * 8 + d2
                if v < 0x20 || v == 0x7F {
                    out.append(UInt8(v))
                    i += 4
                    continue
                }
            }
            out.append(x)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func octal(_ x: UInt8) -> Int? { x >= 0x30 && x <= 0x37 ? Int(x - 0x30) : nil }

    mutating func finish() -> KernelLogFile {
        inferYears()
        applyHeaderZone()
        if !unknownZones.isEmpty {
            notes.append("\(path): time zone\(unknownZones.count == 1 ? "" : "s") \(unknownZones.sorted().joined(separator: ", ")) not known; those local times are read as UTC")
        }
        if linesBeforeWindow > 0 {
            notes.append("\(path): lines \(firstLine)–\(firstLineInWindow - 1) were not read: the text holds more "
                         + "than \(messagesKept) systemd lines, and the newest are read")
        }
        if messagesDropped > 0 {
            notes.append("\(path): \(messagesDropped) further systemd lines past the first \(messagesKept) were not read")
        }
        let programs = self.programs
        var boots = BootSplitter.split(&records, journalStarts: bootStarts) { i in i < programs.count ? programs[i]?.tag : nil }
        // Program lines go to `messages`; the boots' ranges are re-indexed over the kernel's records.
        var messages: [TextMessage] = []
        var kernelRecords: [KernelRecord] = []
        var newIndex = [Int](repeating: 0, count: records.count + 1)
        messages.reserveCapacity(messageCount)
        kernelRecords.reserveCapacity(records.count - messageCount)
        for (i, r) in records.enumerated() {
            newIndex[i] = kernelRecords.count
            if i < programs.count, let p = programs[i] {
                messages.append(TextMessage(identifier: p.tag, pid: p.pid, record: r))
            } else {
                kernelRecords.append(r)
            }
        }
        newIndex[records.count] = kernelRecords.count
        for k in boots.indices {
            let r = boots[k].records
            let lo = newIndex[Swift.min(r.lowerBound, records.count)], hi = newIndex[Swift.min(r.upperBound, records.count)]
            boots[k].records = lo..<Swift.max(lo, hi)
        }
        records = kernelRecords
        var format = KernelLogReader.formatFromName(path) ?? formatCounts.max { a, b in
            a.value != b.value ? a.value < b.value : a.key.rawValue > b.key.rawValue
        }?.key ?? .dmesg
        if pstore != nil && format == .dmesg { format = .pstore }
        if skipped.reportCopyLines > 0 {
            notes.append("\(path): the \(skipped.reportCopyLines) lines after syzkaller's `REPORT:` repeat the report above; not counted again")
        }
        var file = KernelLogFile(path: path, format: format, records: records, boots: boots, skipped: skipped,
                                 modificationTimeUSec: modificationTime, recordTimeUSec: recordTime, pstore: pstore, notes: notes)
        file.messages = messages
        file.hostnames = hostnames
        file.yearGuess = yearGuess
        return file
    }

    /// journalctl's header names the zone of its `short` stamps: they move to UTC by its offset.
    private mutating func applyHeaderZone() {
        guard let h = header, !yearless.isEmpty else { return }
        guard let offset = h.zoneOffsetSec else {
            notes.append("\(path): journalctl's header names the zone \(h.zoneName), which is not known; its times are read as UTC")
            return
        }
        let shift = Int64(offset) * 1_000_000
        for i in yearless where i < records.count {
            if let w = records[i].wallclockUSec { records[i].wallclockUSec = w - shift }
        }
        if offset != 0 {
            let hours = Double(offset) / 3600
            notes.append("\(path): times are local to \(h.zoneName) (UTC\(hours >= 0 ? "+" : "")\(hours) h), as journalctl's header says"
                         + (h.zoneName == "CST" ? "; CST is read as US Central, not China Standard Time" : ""))
        }
    }

    /// RFC 3164 stamps have no year. Time only moves forward inside a file, so a jump back by
    /// months (Dec 31 → Jan 1) means a new year; the last line is no later than the file's
    /// modification time (or now), which fixes the year of the last line.
    private mutating func inferYears() {
        guard let lastIndex = yearless.last else { return }
        // Clamped to 1970…9999 so that no caller-given time can overflow the arithmetic.
        let reference = Swift.min(Swift.max(header?.endLocalUSec ?? modificationTime ?? Int64(time(nil)) * 1_000_000, 0),
                                  253_402_300_799_000_000)
        let referenceYear = CivilTime.year(ofUSec: reference)
        let halfYear: Int64 = 150 * 86_400_000_000
        var wrapsAfter = [Int](repeating: 0, count: yearless.count)
        var wraps = 0
        if yearless.count >= 2 {
            for k in stride(from: yearless.count - 1, to: 0, by: -1) {
                wrapsAfter[k] = wraps
                let earlier = records[yearless[k - 1]].wallclockUSec ?? 0
                let later = records[yearless[k]].wallclockUSec ?? 0
                if earlier - later > halfYear { wraps += 1 }
            }
        }
        wrapsAfter[0] = wraps
        let lastProvisional = records[lastIndex].wallclockUSec ?? 0
        var lastYear = referenceYear
        // One day of slack: the stamp is local time of unknown zone.
        // One day of slack: the stamp is local time of unknown zone (none with journalctl's header,
        // whose end is the newest line's own local time).
        let slack: Int64 = header == nil ? 86_400_000_000 : 1_000_000
        if CivilTime.replacingYear(lastProvisional, with: lastYear) > reference + slack { lastYear -= 1 }
        for (k, index) in yearless.enumerated() {
            guard let w = records[index].wallclockUSec else { continue }
            // Hostile input can fake thousands of New Years; no year before 1970.
            records[index].wallclockUSec = CivilTime.replacingYear(w, with: Swift.max(1970, lastYear - wrapsAfter[k]))
        }
        let firstYear = Swift.max(1970, lastYear - wraps)
        let source: YearGuess.Source = header != nil ? .journalctlHeader : modificationTime == nil ? .currentDate : .modificationTime
        yearGuess = YearGuess(firstYear: firstYear, lastYear: lastYear, source: source, rollovers: wraps)
    }
}

/// Splits a file's records into boots.
enum BootSplitter {
    /// Kernel lines just before a banner that may be the new boot's (a syslog daemon's own
    /// start line, logged as the kernel's, comes first): at most this many are taken into it.
    static let lookBack = 50

    /// `program(i)` is the tag of another program's line, nil for the kernel's: such a line
    /// belongs to a boot but never starts one by its text (only the kernel's banner and command
    /// line do); a syslog daemon's start lines just before one go with it.
    static func split(_ records: inout [KernelRecord], journalStarts: [(record: Int, journalBootID: String?)],
                      program: (Int) -> String? = { _ in nil }) -> [TextBoot] {
        guard !records.isEmpty else { return [] }
        func isMessage(_ i: Int) -> Bool { program(i) != nil }
        var starts: [(Int, String?)] = [(0, nil)]
        var journalIndex = 0
        var maxMono: UInt64 = 0
        var hasBanner = false
        var hasCommandLine = false
        var lastAdvancedIndex = -1  // last record in this boot with a stamp past the first second
        var firstWall: Int64?       // the earliest wall-clock time of the kernel's lines in this boot so far
        /// A banner whose wall clock is a minute past the boot's earliest line, or 5 s past the
        /// line before it (the machine was off between).
        func bannerAfterGap(_ i: Int) -> Bool {
            guard i > starts[starts.count - 1].0, let w = records[i].wallclockUSec else { return false }
            if let f = firstWall, f < w &- 60_000_000 { return true }
            if let p = records[i - 1].wallclockUSec, p < w &- 5_000_000 { return true }
            return false
        }
        /// The first of the lines just before record `i` that are the boot beginning at `i`'s:
        /// unstamped kernel lines (printed before the banner) and a syslog daemon's start lines,
        /// no further than `window` µs of wall clock back; never over another program's line or
        /// a syslog daemon's stop (the last boot's end), nor back into the boot so far past its
        /// first second. `kernelLines` false: only the daemon's.
        func firstLineOfBoot(at i: Int, window: Int64, kernelLines: Bool) -> Int {
            let floor = Swift.max(lastAdvancedIndex, starts[starts.count - 1].0 - 1)
            var j = i
            while j - 1 > floor, i - (j - 1) <= lookBack {
                let p = records[j - 1]
                let logger = SyslogDaemonLine(text: p.text, program: program(j - 1))
                if logger == .stopping { break }
                if logger == nil && (isMessage(j - 1) || !kernelLines) { break }
                if let m = p.monotonicUSec, m >= 1_000_000 { break }
                if let pw = p.wallclockUSec, let w = records[i].wallclockUSec, pw < w &- window { break }
                if !kernelLines && (p.wallclockUSec == nil || records[i].wallclockUSec == nil) { break }
                j -= 1
            }
            return j
        }
        for i in records.indices {
            while journalIndex < journalStarts.count && journalStarts[journalIndex].record <= i {
                let js = journalStarts[journalIndex]
                if js.record == i {
                    if i == starts[starts.count - 1].0 { starts[starts.count - 1].1 = js.journalBootID } else { starts.append((i, js.journalBootID)) }
                    maxMono = 0; hasBanner = false; hasCommandLine = false; lastAdvancedIndex = i - 1; firstWall = nil
                }
                journalIndex += 1
            }
            let r = records[i]
            let kernelLine = !isMessage(i)
            let isBanner = kernelLine && r.text.hasPrefixBytes("Linux version ")
                && r.text.utf8.dropFirst(14).first.map { $0 >= 0x30 && $0 <= 0x39 } == true
            let isCommandLine = kernelLine && (r.text.hasPrefixBytes("Command line: ") || r.text.hasPrefixBytes("Kernel command line: "))
            var newBootAt: Int?
            // A restart prints `[    0.000000]` first; smaller steps back happen inside one boot
            // (TSC warp on a clocksource switch, journalctl's receive-order monotonic stamps).
            // The kernel's clock only: other programs' last lines are added when their boot ends.
            if kernelLine, let mono = r.monotonicUSec, (mono == 0 && maxMono > 1_000_000) || (mono < 5_000_000 && mono &+ 60_000_000 < maxMono) {
                // A syslog daemon that started with the boot logged its start just before.
                newBootAt = firstLineOfBoot(at: i, window: 5_000_000, kernelLines: false)
            } else if isBanner && r.monotonicUSec == nil && r.wallclockUSec == nil && (hasBanner || maxMono > 1_000_000) {
                // Text without any stamp (`dmesg -t`): the banner is the first line of its boot.
                newBootAt = i
            } else if isBanner && (hasBanner || maxMono > 1_000_000 || (starts[starts.count - 1].1 == nil && bannerAfterGap(i))) {
                // (A syslog file that begins inside a boot and strips the kernel's stamps: lines a
                // minute older than the banner, or before a silence, are an earlier boot's; not
                // after journalctl's `-- Boot` line, which says where the boot began: an RTC-less
                // board's first lines before its banner are on an unset clock.)
                // Back up over the unstamped lines printed just before the banner.
                newBootAt = firstLineOfBoot(at: i, window: hasBanner || maxMono > 1_000_000 ? 60_000_000 : 5_000_000, kernelLines: true)
            } else if isCommandLine && hasCommandLine && !hasBanner {
                newBootAt = i
            }
            if let at = newBootAt, at > starts[starts.count - 1].0 {
                starts.append((at, nil))
                maxMono = 0; hasBanner = false; hasCommandLine = false
                firstWall = nil
                for k in at..<i where !isMessage(k) { if let w = records[k].wallclockUSec { firstWall = Swift.min(firstWall ?? w, w) } }
                for k in at..<i {
                    if let m = records[k].monotonicUSec { maxMono = Swift.max(maxMono, m) }
                }
            }
            // A stamp 30 days past the boot's so far is garbage (real kern.log: `[1266851105.691884]
            // Initializing CPU#1` between 9 s stamps), not uptime.
            if let m = r.monotonicUSec, maxMono == 0 || m <= maxMono &+ 30 * 86_400_000_000 {
                maxMono = Swift.max(maxMono, m)
                if m >= 1_000_000 { lastAdvancedIndex = i }
            }
            if isBanner { hasBanner = true }
            if isCommandLine { hasCommandLine = true }
            // The kernel's lines only: a program's line on a clock not yet set (an RTC-less board's
            // timesyncd, a year back) is no earlier boot.
            if kernelLine, let w = r.wallclockUSec { firstWall = Swift.min(firstWall ?? w, w) }
        }
        var boots: [TextBoot] = []
        for (n, start) in starts.enumerated() {
            let end = n + 1 < starts.count ? starts[n + 1].0 : records.count
            var boot = TextBoot(index: n, records: start.0..<end, firstLine: records[start.0].sources.first?.line ?? 0)
            boot.journalBootID = start.1
            // The first and last lines in the file's order: other programs' last lines of a boot
            // are added to the records when it ends (`FileBuilder.tail`), after its kernel lines.
            var firstSource: RecordSource?, lastSource: RecordSource?
            func isBefore(_ a: RecordSource, _ b: RecordSource?) -> Bool { b.map { a.path == $0.path && a.line < $0.line } ?? false }
            func noteWall(_ r: KernelRecord) {
                guard let w = r.wallclockUSec, let source = r.sources.first else { return }
                if firstSource == nil || isBefore(source, firstSource) { boot.firstWallclockUSec = w; firstSource = source }
                if lastSource == nil || !isBefore(source, lastSource) { boot.lastWallclockUSec = w; lastSource = source }
            }
            for i in start.0..<end {
                records[i].textBoot = n
                let r = records[i]
                noteWall(r)
                if isMessage(i) { continue }
                if boot.banner == nil, case .banner(let version, let text)? = KernelHostLine.parse(r.text) {
                    boot.banner = text
                    boot.kernelVersion = version
                }
                if boot.commandLine == nil { boot.commandLine = KernelHostLine.commandLine(in: r.text) }
                if let m = r.monotonicUSec {
                    if boot.firstMonotonicUSec == nil { boot.firstMonotonicUSec = m }
                    boot.lastMonotonicUSec = m
                }
            }
            boots.append(boot)
        }
        return boots
    }
}

extension TextBoot {
    init(index: Int, records: Range<Int>, firstLine: Int) {
        self.index = index
        self.records = records
        self.firstLine = firstLine
    }
}

/// Splits a buffer into lines (LF, with a CR before it dropped); bounded by the buffer.
struct LineSplitter {
    let b: UnsafeBufferPointer<UInt8>
    var pos = 0

    init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

    mutating func next() -> Range<Int>? {
        guard pos < b.count, let base = b.baseAddress else { return nil }
        let start = pos
        let end: Int
        if let hit = memchr(base + start, 0x0A, b.count - start) {
            end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            pos = end + 1
        } else {
            end = b.count
            pos = b.count
        }
        var hi = end
        if hi > start && b[hi - 1] == 0x0D { hi -= 1 }
        return start..<hi
    }
}
