/// One line recognised as a message, with byte ranges into the file rather than strings:
/// strings are only built for kernel records.
struct ParsedLine {
    var format: KernelLogFormat
    var isKernel: Bool
    var text: Range<Int>
    var monotonicUSec: UInt64?
    var wallclockUSec: Int64?
    /// False for RFC 3164 and journalctl short stamps, whose year must be inferred.
    var wallHasYear = true
    /// True when the stamp carried its UTC offset (ISO 8601, RFC 5424).
    var wallHasZone = false
    /// Resolution of the wall-clock stamp.
    var wallPrecisionUSec: UInt64 = 1_000_000
    var priority: Int?
    var facility: Int?
    var host: Range<Int>?
    var caller: Range<Int>?
    /// The syslog tag (`systemd`, `sshd`) of a line from a program other than the kernel.
    var tag: Range<Int>?
    /// The `[pid]` after the tag.
    var pid: Int?
    /// The UTC offset a journalctl `short-full` / `with-unit` stamp's zone name gave, in seconds
    /// (the stamp itself is local time); nil when the name is unknown.
    var zoneOffsetSec: Int?
    /// The zone name as printed (`CST`), when the stamp had one.
    var zoneName: Range<Int>?
    /// rsyslog escapes control characters as `#ooo`; only syslog text needs unescaping.
    var mayHaveOctalEscapes = false
}

/// What one input line turned out to be.
enum LineKind {
    case record(ParsedLine)
    /// journalctl's `-- Boot <id> --` (id when it is 32 hex digits), `-- Reboot --`, and its other `-- ` lines.
    case journalMarker(bootID: String?, isBoot: Bool)
    /// journalctl's `-- Logs begin at Mon 2020-01-06 10:00:00 CST, end at … --` (or `-- Journal
    /// begins at …, ends at … --`): the last time printed, local, and its zone's offset.
    case journalHeader(endLocalUSec: Int64, zoneOffsetSec: Int?, zoneName: String)
    /// pstore's `Panic#1 Part1` header.
    case pstoreHeader(reason: String, count: Int, part: Int)
    /// ramoops' `====sec.usec-D` header.
    case ramoopsHeader(usec: Int64, compressed: Bool)
    /// `** replaying previous printk message **` (console after a torn line).
    case replayMarker
    case blank
    /// Text with no recognisable prefix: a continuation, or a console line without stamp.
    case plain(Range<Int>)
    case malformed(String)
}

enum LineParser {
    static let maxLineBytes = 256 * 1024

    static func parse(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, journalMode: Bool) -> LineKind {
        guard !range.isEmpty else { return .blank }
        guard range.count <= maxLineBytes else { return .malformed("line longer than \(maxLineBytes) bytes") }
        var c = ByteCursor(b, range)
        guard let first = c.peek() else { return .blank }
        // Binary data: a NUL or most bytes outside printable text means this is not a log line.
        if !looksLikeText(b, range) { return .malformed("binary data") }

        switch first {
        case 0x2D:  // '-'
            if Bytes.hasPrefix(b, range, "-- ") { return journalMarker(b, range) }
        case 0xE2:  // journalctl -x (systemd ≥ 248) prefixes catalog text with `░░ `
            if Bytes.hasPrefix(b, range, "\u{2591}\u{2591}") { return .journalMarker(bootID: nil, isBoot: false) }
        case 0x3C:  // '<'
            if let kind = parsePriorityPrefixed(&c, b, range, journalMode: journalMode) { return kind }
        case 0x5B:  // '['
            if let kind = parseBracketed(&c, b, range, journalMode: journalMode) { return kind }
        case 0x3D:  // '='
            if let kind = parseRamoopsHeader(b, range) { return kind }
        case 0x2A:  // '*'
            if Bytes.hasPrefix(b, range, "** replaying previous printk message **") { return .replayMarker }
        case 0x30...0x39:
            if let kind = parseISOLine(&c, b, range) { return kind }
            c.pos = range.lowerBound
            if let kind = parseKmsg(&c, b, range) { return kind }
            c.pos = range.lowerBound
            if let kind = parseUnixLine(&c, b, range) { return kind }
        case 0x64:  // systemd-pstore's dmesg.txt names each part: `dmesg-efi-155021849102001:`
            if Bytes.hasPrefix(b, range, "dmesg-"), let last = range.last, b[last] == 0x3A,
               !range.contains(where: { b[$0] == 0x20 }) {
                return .journalMarker(bootID: nil, isBoot: false)
            }
        case 0x41...0x5A:
            if let kind = parseFullLine(&c, b, range) { return kind }
            c.pos = range.lowerBound
            if let kind = parseRFC3164(&c, b, range) { return kind }
            if let kind = parsePstoreHeader(b, range) { return kind }
        default:
            break
        }
        if first == 0x20 || first == 0x09 {
            var allSpace = true
            for i in range where b[i] != 0x20 && b[i] != 0x09 { allSpace = false; break }
            if allSpace { return .blank }
        }
        return .plain(range)
    }

    /// Text means no NUL and at most a few percent of control bytes (UTF-8 is allowed).
    static func looksLikeText(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var control = 0
        for i in range {
            let x = b[i]
            if x == 0 { return false }
            if x < 0x20 && x != 0x09 && x != 0x0C && x != 0x1B { control += 1 }
            if x == 0x7F || x == 0xFF || x == 0xFE { control += 1 }
        }
        return control * 20 <= range.count
    }

    // MARK: - markers

    private static func journalMarker(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> LineKind {
        // journalctl before v250 separated boots with `-- Reboot --`.
        if Bytes.equals(b, range, "-- Reboot --") { return .journalMarker(bootID: nil, isBoot: true) }
        if Bytes.hasPrefix(b, range, "-- Logs begin at ") || Bytes.hasPrefix(b, range, "-- Journal begins at "),
           let header = journalHeader(b, range) {
            return header
        }
        guard Bytes.hasPrefix(b, range, "-- Boot ") else { return .journalMarker(bootID: nil, isBoot: false) }
        var c = ByteCursor(b, range.lowerBound + 8..<range.upperBound)
        var id: String?
        if let tok = c.readToken() {
            let hexOnly = tok.allSatisfy { i in
                let x = b[i]
                return (x >= 0x30 && x <= 0x39) || (x >= 0x61 && x <= 0x66)
            }
            if tok.count == 32 && hexOnly { id = Bytes.string(b, tok) }
        }
        return .journalMarker(bootID: id, isBoot: true)
    }

    /// `-- Logs begin at Mon 2020-01-06 10:00:00 CST, end at Tue 2020-01-07 11:00:00 CST. --`: the
    /// end time (the newest line's date, which anchors the year of `short` stamps) and its zone.
    private static func journalHeader(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> LineKind? {
        var at: Int?
        var i = range.lowerBound
        while i + 8 < range.upperBound {
            if b[i] == 0x2C, b[i + 1] == 0x20, b[i + 2] == 0x65, b[i + 3] == 0x6E, b[i + 4] == 0x64 {  // ", end"
                var c = ByteCursor(b, (i + 5)..<range.upperBound)
                _ = c.skip(0x73)  // `ends at` (v246+)
                if c.skip(" at ") { at = c.pos }
                break
            }
            i += 1
        }
        guard let start = at else { return nil }
        var c = ByteCursor(b, start..<range.upperBound)
        guard let stamp = readFullStamp(&c, b) else { return nil }
        let name = stamp.zone.map { Bytes.string(b, $0) } ?? ""
        return .journalHeader(endLocalUSec: stamp.local, zoneOffsetSec: stamp.offset, zoneName: name)
    }

    /// journalctl's `short-full` stamp: `Mon 2024-02-19 12:58:01[.123456] CET` → local µs, resolution,
    /// the zone name and its offset when known. The cursor ends after the zone.
    static func readFullStamp(_ c: inout ByteCursor, _ b: UnsafeBufferPointer<UInt8>)
        -> (local: Int64, precision: UInt64, zone: Range<Int>?, offset: Int?)? {
        guard let w0 = c.peek(), w0 >= 0x41, w0 <= 0x5A, let w1 = c.peek(1), w1 >= 0x61, w1 <= 0x7A,
              let w2 = c.peek(2), w2 >= 0x61, w2 <= 0x7A, c.peek(3) == 0x20 else { return nil }
        c.pos += 4
        guard let year = c.readFixed(4), c.skip(0x2D), let month = c.readFixed(2), c.skip(0x2D), let day = c.readFixed(2),
              c.skip(0x20), let (h, mi, s) = readClock(&c) else { return nil }
        var usec: UInt64 = 0
        var precision: UInt64 = 1_000_000
        if let frac = c.readFractionUSec() {
            usec = frac.usec
            precision = frac.digits >= 6 ? 1 : UInt64(pow10(6 - frac.digits))
        }
        guard let local = checkedWall(year: year, month: month, day: day, h, mi, s, usec) else { return nil }
        guard c.skip(0x20) else { return nil }
        let zs = c.pos
        while let x = c.peek(), x != 0x20, x != 0x2C, !(x == 0x2E && (c.peek(1) == nil || c.peek(1) == 0x20)) { c.pos += 1 }
        let zone = zs..<c.pos
        guard !zone.isEmpty, zone.count <= 8 else { return nil }
        return (local, precision, zone, zoneOffset(b, zone))
    }

    /// Seconds east of UTC for the zone names tzdata gives the zones most logs come from, and for
    /// numeric ones (`+03`, `-0530`). `CST` is read as US Central (journalctl on Chinese hosts
    /// prints `CST` too: the report notes the assumption); unknown names give nil.
    static func zoneOffset(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Int? {
        var c = ByteCursor(b, r)
        if let sign = c.peek(), sign == 0x2B || sign == 0x2D {
            c.pos += 1
            guard let hh = c.readFixed(2), hh <= 14 else { return nil }
            let mm = c.readFixed(2) ?? 0
            guard c.atEnd, mm < 60 else { return nil }
            return (hh * 3600 + mm * 60) * (sign == 0x2D ? -1 : 1)
        }
        let name = Bytes.string(b, r)
        let hours: [String: Double] = [
            "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "IST": 5.5, "CET": 1, "CEST": 2, "MET": 1,
            "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7,
            "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "JST": 9, "KST": 9, "HKT": 8,
            "SGT": 8, "AWST": 8, "ACST": 9.5, "ACDT": 10.5, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
            "SAST": 2, "WIB": 7, "PKT": 5,
        ]
        return hours[name].map { Int($0 * 3600) }
    }

    /// `Panic#1 Part1`, `Oops#2 Part3`, `Emergency#1 Part1`, `Shutdown#…`, `Unknown#…`.
    private static func parsePstoreHeader(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> LineKind? {
        guard range.count < 64 else { return nil }
        var c = ByteCursor(b, range)
        let start = c.pos
        while let x = c.peek(), (x >= 0x41 && x <= 0x5A) || (x >= 0x61 && x <= 0x7A) { c.pos += 1 }
        let reason = start..<c.pos
        guard reason.count >= 3, c.skip(0x23), let count = c.readUInt(maxDigits: 9), c.skip(" Part"),
              let part = c.readUInt(maxDigits: 6) else { return nil }
        c.skipSpaces()
        guard c.atEnd else { return nil }
        return .pstoreHeader(reason: Bytes.string(b, reason), count: Int(count), part: Int(part))
    }

    /// `====1550218491.020010-D` (seconds.microseconds, D plain or C compressed).
    private static func parseRamoopsHeader(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> LineKind? {
        var c = ByteCursor(b, range)
        guard c.skip("===="), let sec = c.readUInt(maxDigits: 12), c.skip(0x2E), let usec = c.readUInt(maxDigits: 9),
              c.skip(0x2D), let flag = c.peek() else { return nil }
        return .ramoopsHeader(usec: Int64(sec) * 1_000_000 + Int64(Swift.min(usec, 999_999)), compressed: flag == 0x43)
    }

    // MARK: - console formats

    /// `<6>[  12.345678] text` (dmesg -r, pstore), or RFC 5424 `<6>1 2024-…`.
    private static func parsePriorityPrefixed(_ c: inout ByteCursor, _ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
                                              journalMode: Bool) -> LineKind? {
        let save = c.pos
        guard c.skip(0x3C), let pri = c.readUInt(maxDigits: 3), c.skip(0x3E), pri <= 1023 else { c.pos = save; return nil }
        let priority = Int(pri & 7), facility = Int(pri >> 3)
        if c.peek() == 0x31, c.peek(1) == 0x20 {
            c.pos += 2
            return parseRFC5424(&c, b, priority: priority, facility: facility)
        }
        if c.peek() == 0x5B, case .record(var line)? = parseBracketed(&c, b, c.pos..<range.upperBound, journalMode: journalMode) {
            line.priority = line.priority ?? priority
            line.facility = line.facility ?? facility
            return .record(line)
        }
        // rsyslog's `<PRI>` before an RFC 3339 or RFC 3164 line (`<30>2024-02-19T12:58:01+00:00 host
        // systemd[1]: …`, `<13>Feb 19 12:58:01 host tag: …`).
        let afterPri = c.pos
        if let x = c.peek(), x >= 0x30, x <= 0x39 {
            if case .record(var line)? = parseISOLine(&c, b, afterPri..<range.upperBound) {
                line.priority = priority
                line.facility = facility
                return .record(line)
            }
            c.pos = afterPri
        } else if let x = c.peek(), x >= 0x41, x <= 0x5A {
            if case .record(var line)? = parseRFC3164(&c, b, afterPri..<range.upperBound) {
                line.priority = priority
                line.facility = facility
                return .record(line)
            }
            c.pos = afterPri
        }
        // `<4>text` without a stamp (printk.time=0 console through dmesg -r).
        var line = ParsedLine(format: .dmesg, isKernel: true, text: c.pos..<range.upperBound)
        line.priority = priority
        line.facility = facility
        return .record(line)
    }

    /// `[  12.345678] …`, `[  12.345678][ T123] …`, `[Mon Feb 11 19:22:56 2019] …`, or
    /// journalctl short-monotonic `[  12.345678] host kernel: …`.
    private static func parseBracketed(_ c: inout ByteCursor, _ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
                                       journalMode: Bool) -> LineKind? {
        let save = c.pos
        if let mono = readMonotonicStamp(&c) {
            var caller: Range<Int>?
            if c.peek() == 0x5B {
                let s = c.pos
                c.pos += 1
                c.skipSpaces()
                let idStart = c.pos
                if let x = c.peek(), x == 0x54 || x == 0x43 {  // T or C
                    c.pos += 1
                    if c.readUInt(maxDigits: 10) != nil, c.skip(0x5D) {
                        caller = idStart..<(c.pos - 1)
                    } else { c.pos = s }
                } else { c.pos = s }
            }
            _ = c.skip(0x20)
            let textStart = c.pos
            // journalctl short-monotonic: `host tag: message`.
            if caller == nil, let kind = parseHostTag(&c, b, range.upperBound, requireKernelTag: !journalMode) {
                if case .record(var line) = kind {
                    line.format = .journalctlText
                    line.monotonicUSec = mono
                    line.wallclockUSec = nil
                    return .record(line)
                }
                return kind
            }
            c.pos = textStart
            var line = ParsedLine(format: .dmesg, isKernel: true, text: textStart..<range.upperBound)
            line.monotonicUSec = mono
            line.caller = caller
            return .record(line)
        }
        c.pos = save
        if let (wall, textStart) = readDmesgTStamp(&c) {
            var line = ParsedLine(format: .dmesgT, isKernel: true, text: textStart..<range.upperBound)
            line.wallclockUSec = wall
            return .record(line)
        }
        c.pos = save
        return nil
    }

    /// `[ 5123.456789]` → microseconds; the cursor ends after `]`.
    static func readMonotonicStamp(_ c: inout ByteCursor) -> UInt64? {
        let save = c.pos
        guard c.skip(0x5B) else { return nil }
        c.skipSpaces()
        guard let sec = c.readUInt(maxDigits: 12), let frac = c.readFractionUSec(), c.skip(0x5D) else {
            c.pos = save
            return nil
        }
        let (product, overflow) = sec.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { c.pos = save; return nil }
        return product &+ frac.usec
    }

    /// `[Mon Feb 11 19:22:56 2019] ` → wall clock (as written, no zone).
    private static func readDmesgTStamp(_ c: inout ByteCursor) -> (Int64, Int)? {
        guard c.skip(0x5B), c.remaining >= 24 else { return nil }
        c.pos += 4  // weekday and space
        guard let m0 = c.peek(), let m1 = c.peek(1), let m2 = c.peek(2), let month = Bytes.month(m0, m1, m2) else { return nil }
        c.pos += 3
        c.skipSpaces()
        guard let day = c.readUInt(maxDigits: 2), c.skip(0x20), let (h, mi, s) = readClock(&c), c.skip(0x20),
              let year = c.readFixed(4), c.skip(0x5D) else { return nil }
        _ = c.skip(0x20)
        guard let wall = checkedWall(year: year, month: month, day: Int(day), h, mi, s, 0) else { return nil }
        return (wall, c.pos)
    }

    static func readClock(_ c: inout ByteCursor) -> (Int, Int, Int)? {
        guard let h = c.readFixed(2), c.skip(0x3A), let m = c.readFixed(2), c.skip(0x3A), let s = c.readFixed(2),
              h < 24, m < 60, s <= 60 else { return nil }
        return (h, m, s)
    }

    static func checkedWall(year: Int, month: Int, day: Int, _ h: Int, _ m: Int, _ s: Int, _ usec: UInt64) -> Int64? {
        guard year >= 1970, year <= 9999, (1...12).contains(month), (1...31).contains(day) else { return nil }
        return CivilTime.usec(year: year, month: month, day: day, hour: h, minute: m, second: s, usec: usec)
    }

    /// `/dev/kmsg` records: `6,17159,5340096332127,-;usb 1-4: USB disconnect`.
    private static func parseKmsg(_ c: inout ByteCursor, _ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> LineKind? {
        guard let pri = c.readUInt(maxDigits: 4), c.skip(0x2C), c.readUInt(maxDigits: 20) != nil, c.skip(0x2C),
              let usec = c.readUInt(maxDigits: 18), c.skip(0x2C) else { return nil }
        while let x = c.peek(), x != 0x3B, x != 0x20 { c.pos += 1 }
        guard c.skip(0x3B) else { return nil }
        var line = ParsedLine(format: .dmesg, isKernel: true, text: c.pos..<range.upperBound)
        line.monotonicUSec = usec
        line.priority = Int(pri & 7)
        line.facility = Int(pri >> 3)
        return .record(line)
    }

    // MARK: - syslog formats

    /// RFC 3164 and journalctl short / short-precise: `Feb 19 12:58:01[.123456] host tag: msg`.
    private static func parseRFC3164(_ c: inout ByteCursor, _ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> LineKind? {
        guard c.remaining >= 16, let m0 = c.peek(), let m1 = c.peek(1), let m2 = c.peek(2),
              let month = Bytes.month(m0, m1, m2), c.peek(3) == 0x20 else { return nil }
        c.pos += 4
        _ = c.skip(0x20)
        guard let day = c.readUInt(maxDigits: 2), day >= 1, day <= 31, c.skip(0x20) else {
            return .malformed("syslog date without a valid day")
        }
        guard let (h, mi, s) = readClock(&c) else { return .malformed("syslog date without a valid time") }
        var usec: UInt64 = 0
        var precision: UInt64 = 1_000_000
        if let frac = c.readFractionUSec() {
            usec = frac.usec
            precision = frac.digits >= 6 ? 1 : UInt64(pow10(6 - frac.digits))
        }
        guard c.skip(0x20) else { return .malformed("syslog date not followed by a host") }
        // The year is unknown here: 1972 is a leap year, so Feb 29 survives until the
        // reader moves the record to its inferred year.
        let wall = CivilTime.usec(year: 1972, month: month, day: Int(day), hour: h, minute: mi, second: s, usec: usec)
        guard let kind = parseHostTag(&c, b, range.upperBound, requireKernelTag: false) else {
            return .malformed("syslog line without `host tag:`")
        }
        guard case .record(var line) = kind else { return kind }
        line.format = precision < 1_000_000 ? .journalctlText : .syslog
        line.wallclockUSec = wall
        line.wallHasYear = false
        line.wallPrecisionUSec = precision
        return .record(line)
    }

    /// journalctl `short-full` and `with-unit`: `Mon 2024-02-19 12:58:01 CET host tag[pid]: msg`.
    private static func parseFullLine(_ c: inout ByteCursor, _ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> LineKind? {
        guard c.remaining >= 28, c.peek(3) == 0x20, Bytes.isDigit(c.peek(4)) else { return nil }
        guard let stamp = readFullStamp(&c, b) else { return nil }
        guard c.skip(0x20), let kind = parseHostTag(&c, b, range.upperBound, requireKernelTag: false) else {
            return .malformed("journalctl short-full stamp not followed by `host tag:`")
        }
        guard case .record(var line) = kind else { return kind }
        line.format = .journalctlText
        line.zoneName = stamp.zone
        line.zoneOffsetSec = stamp.offset
        if let offset = stamp.offset {
            line.wallclockUSec = stamp.local - Int64(offset) * 1_000_000
            line.wallHasZone = true
        } else {
            line.wallclockUSec = stamp.local
        }
        line.wallPrecisionUSec = stamp.precision
        return .record(line)
    }

    /// journalctl `short-unix`: `1708347481.123456 host tag[pid]: msg` (seconds since the epoch, UTC).
    private static func parseUnixLine(_ c: inout ByteCursor, _ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> LineKind? {
        let start = c.pos
        guard let sec = c.readUInt(maxDigits: 11), c.pos - start >= 9, let frac = c.readFractionUSec(), c.skip(0x20),
              let kind = parseHostTag(&c, b, range.upperBound, requireKernelTag: false) else { return nil }
        guard case .record(var line) = kind else { return kind }
        line.format = .journalctlText
        line.wallclockUSec = Int64(sec) * 1_000_000 + Int64(frac.usec)
        line.wallHasZone = true
        line.wallPrecisionUSec = frac.digits >= 6 ? 1 : UInt64(pow10(6 - frac.digits))
        return .record(line)
    }

    /// rsyslog `RSYSLOG_FileFormat` / journalctl short-iso: `2024-02-19T12:58:01.123456+00:00 host tag: msg`.
    private static func parseISOLine(_ c: inout ByteCursor, _ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> LineKind? {
        let save = c.pos
        guard let (wall, precision) = readISOStamp(&c) else { c.pos = save; return nil }
        guard c.skip(0x20), let kind = parseHostTag(&c, b, range.upperBound, requireKernelTag: false) else {
            return .malformed("ISO 8601 stamp not followed by `host tag:`")
        }
        guard case .record(var line) = kind else { return kind }
        line.format = .syslogISO
        line.wallclockUSec = wall
        line.wallHasZone = true
        line.wallPrecisionUSec = precision
        return .record(line)
    }

    /// `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm|±hhmm)` → UTC µs and the stamp's resolution.
    static func readISOStamp(_ c: inout ByteCursor) -> (Int64, UInt64)? {
        guard let year = c.readFixed(4), c.skip(0x2D), let month = c.readFixed(2), c.skip(0x2D), let day = c.readFixed(2),
              c.skip(0x54) || c.skip(0x20), let (h, mi, s) = readClock(&c) else { return nil }
        var usec: UInt64 = 0
        var precision: UInt64 = 1_000_000
        if let frac = c.readFractionUSec() {
            usec = frac.usec
            precision = frac.digits >= 6 ? 1 : UInt64(pow10(6 - frac.digits))
        }
        var offsetSec = 0
        if c.skip(0x5A) {
            offsetSec = 0
        } else if let sign = c.peek(), sign == 0x2B || sign == 0x2D {
            c.pos += 1
            guard let oh = c.readFixed(2) else { return nil }
            _ = c.skip(0x3A)
            guard let om = c.readFixed(2), oh <= 18, om < 60 else { return nil }
            offsetSec = (oh * 3600 + om * 60) * (sign == 0x2D ? -1 : 1)
        } else {
            return nil
        }
        guard let wall = checkedWall(year: year, month: month, day: day, h, mi, s, usec) else { return nil }
        return (wall - Int64(offsetSec) * 1_000_000, precision)
    }

    /// RFC 5424 after `<PRI>1 `: `TIMESTAMP HOST APP PROCID MSGID SD MSG`.
    private static func parseRFC5424(_ c: inout ByteCursor, _ b: UnsafeBufferPointer<UInt8>, priority: Int, facility: Int) -> LineKind {
        var wall: Int64?
        var precision: UInt64 = 1_000_000
        if c.skip(0x2D) {
            wall = nil
        } else if let (w, p) = readISOStamp(&c) {
            wall = w
            precision = p
        } else {
            return .malformed("RFC 5424 line with a bad timestamp")
        }
        guard c.skip(0x20), let host = c.readToken(), c.skip(0x20), let app = c.readToken(), c.skip(0x20),
              let procid = c.readToken(), c.skip(0x20), c.readToken() != nil, c.skip(0x20) else {
            return .malformed("RFC 5424 line with missing header fields")
        }
        // Structured data: `-` or one or more `[id k="v" …]` with `\]` escapes.
        if !c.skip(0x2D) {
            var guardCount = 0
            while c.peek() == 0x5B, guardCount < 64 {
                guardCount += 1
                c.pos += 1
                var inQuote = false
                while let x = c.peek() {
                    c.pos += 1
                    if x == 0x5C { c.pos += 1; continue }
                    if x == 0x22 { inQuote.toggle() } else if x == 0x5D && !inQuote { break }
                }
            }
        }
        _ = c.skip(0x20)
        if c.skip("\u{FEFF}") {}  // UTF-8 BOM
        let isKernel = Bytes.equals(b, app, "kernel")
        var line = ParsedLine(format: .syslog5424, isKernel: isKernel, text: Swift.min(c.pos, c.end)..<c.end)
        if !isKernel {
            line.tag = app
            var p = ByteCursor(b, procid)
            if let n = p.readUInt(maxDigits: 10), p.atEnd { line.pid = Int(n) }
        }
        line.wallclockUSec = wall
        line.wallHasZone = true
        line.wallPrecisionUSec = precision
        line.priority = priority
        line.facility = facility
        line.host = host
        if isKernel { stripKernelStamp(&line, b) }
        return .record(line)
    }

    /// After a syslog stamp: `host tag[pid]: message`. Only `kernel` lines become records;
    /// `requireKernelTag` makes anything else "not this format" (nil).
    private static func parseHostTag(_ c: inout ByteCursor, _ b: UnsafeBufferPointer<UInt8>, _ end: Int,
                                     requireKernelTag: Bool) -> LineKind? {
        let save = c.pos
        guard let host = c.readToken(), c.skip(0x20) else { c.pos = save; return nil }
        let tagStart = c.pos
        while let x = c.peek(), x != 0x3A, x != 0x20, x != 0x5B { c.pos += 1 }
        let tag = tagStart..<c.pos
        var pid: Int?
        if c.peek() == 0x5B {
            c.pos += 1
            let digits = c.pos
            let n = c.readUInt(maxDigits: 10)
            if n != nil, c.peek() == 0x5D, c.pos - digits <= 10 { pid = n.map(Int.init) }
            while let x = c.peek(), x != 0x5D, x != 0x20 { c.pos += 1 }
            guard c.skip(0x5D) else { c.pos = save; return nil }
        }
        guard !tag.isEmpty, c.skip(0x3A) else { c.pos = save; return nil }
        _ = c.skip(0x20)
        // klogd relays the kernel's lines with their stamp; journalctl's `with-unit` names it by
        // its unit (`busybox-klogd.service[206]: [    3.643842] FAT-fs …`), `short` as `kernel[206]`.
        let isKernel = Bytes.equals(b, tag, "kernel") || (c.peek() == 0x5B && Self.isKlogd(b, tag))
        if !isKernel && requireKernelTag { c.pos = save; return nil }
        var line = ParsedLine(format: .syslog, isKernel: isKernel, text: c.pos..<end)
        line.host = host
        line.mayHaveOctalEscapes = true
        if isKernel {
            stripKernelStamp(&line, b)
        } else {
            line.tag = tag
            line.pid = pid
        }
        return .record(line)
    }

    /// A tag naming klogd (`klogd`, `busybox-klogd.service`).
    static func isKlogd(_ b: UnsafeBufferPointer<UInt8>, _ tag: Range<Int>) -> Bool {
        klogd.withUnsafeBufferPointer { ByteSearch.find(UnsafeBufferPointer(rebasing: b[tag]), $0) != nil }
    }

    private static let klogd: [UInt8] = Array("klogd".utf8)

    /// A syslog kernel message may still begin with the kernel's `[ 123.456789]` stamp.
    private static func stripKernelStamp(_ line: inout ParsedLine, _ b: UnsafeBufferPointer<UInt8>) {
        var c = ByteCursor(b, line.text)
        guard c.peek() == 0x5B, let mono = readMonotonicStamp(&c) else { return }
        if c.peek() == 0x5B {
            let s = c.pos
            c.pos += 1
            c.skipSpaces()
            let idStart = c.pos
            if let x = c.peek(), x == 0x54 || x == 0x43, c.pos < c.end {
                c.pos += 1
                if c.readUInt(maxDigits: 10) != nil, c.skip(0x5D) { line.caller = idStart..<(c.pos - 1) } else { c.pos = s }
            } else { c.pos = s }
        }
        _ = c.skip(0x20)
        line.monotonicUSec = mono
        line.text = c.pos..<line.text.upperBound
    }

    private static func pow10(_ n: Int) -> Int {
        var v = 1
        for _ in 0..<Swift.max(0, n) { v *= 10 }
        return v
    }
}

/// The kernel's own `[ 123.456789] ` stamp at the head of a message that something relayed
/// (klogd, or rsyslog's imklog writing the kernel log back into the journal under `kernel`):
/// read by the one reader of that shape, `LineParser.readMonotonicStamp`.
public enum KernelStamp {
    /// Where the kernel's text begins after a leading stamp (and the one space after it), or
    /// `nil` when the message does not begin with one.
    public static func textStart(_ message: [UInt8]) -> Int? {
        guard message.first == 0x5B else { return nil }
        return message.withUnsafeBufferPointer { b in
            var c = ByteCursor(b, 0..<b.count)
            guard LineParser.readMonotonicStamp(&c) != nil else { return nil }
            _ = c.skip(0x20)
            return c.pos
        }
    }
}
