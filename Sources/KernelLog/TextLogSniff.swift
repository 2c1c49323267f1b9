/// What the first bytes of a text file say about it: whether it is a log postmortem reads
/// (syslog, journalctl text, kernel console text), and the host names its lines carry. The
/// lines are read by the same `LineParser` as the whole file later.
public struct TextLogSniff: Sendable, Hashable {
    /// Non-blank lines looked at.
    public var lines = 0
    /// Lines that are log records (any program's) or journalctl's own lines.
    public var logLines = 0
    /// Lines of kernel text without a stamp (a banner, a call trace, an event line).
    public var kernelText = 0
    /// Host names the lines carry, in order of first appearance (at most 16).
    public var hostnames: [String] = []
    public var binary = false
    /// A `Linux version` banner or the kernel's command line was seen.
    public var bootLines = 0

    /// True when the file reads as a log: most lines are records, or it is kernel text.
    public var isLog: Bool {
        guard !binary, lines > 0 else { return false }
        return logLines * 2 >= lines || (kernelText > 0 && (kernelText * 20 >= lines || bootLines > 0))
    }

    /// Why a file is not taken, for the report.
    public var reason: String {
        if binary { return "binary data, not a log" }
        if lines == 0 { return "empty" }
        return "not a log: \(lines - logLines) of the first \(lines) lines have no log timestamp or prefix"
    }

    /// Looks at up to `maxLines` lines of `head` (a file's first bytes; a cut last line is left out
    /// unless `complete`).
    public static func sniff(_ head: [UInt8], complete: Bool, maxLines: Int = 200) -> TextLogSniff {
        var out = TextLogSniff()
        head.withUnsafeBufferPointer { b in
            var splitter = LineSplitter(b)
            var n = 0
            while let r = splitter.next(), n < maxLines {
                if !complete, splitter.pos >= b.count, r.upperBound == b.count { break }
                n += 1
                switch LineParser.parse(b, r, journalMode: false) {
                case .blank: continue
                case .record(let line):
                    out.lines += 1
                    out.logLines += 1
                    if let h = line.host, out.hostnames.count < 16 {
                        let name = Bytes.string(b, h)
                        if !out.hostnames.contains(name) { out.hostnames.append(name) }
                    }
                case .journalMarker, .journalHeader, .pstoreHeader, .ramoopsHeader, .replayMarker:
                    out.lines += 1
                    out.logLines += 1
                case .plain(let range):
                    out.lines += 1
                    let first = range.first.map { b[$0] }
                    // Indented lines continue a record; supportconfig's `#==[ … ]==` headers frame its logs.
                    if first == 0x20 || first == 0x09 || Bytes.hasPrefix(b, range, "#==[") { out.logLines += 1 }
                    else if KernelMessage.isKernelBootLine(Bytes.string(b, range)) {
                        out.kernelText += 1
                        if Bytes.hasPrefix(b, range, "Linux version ") || Bytes.hasPrefix(b, range, "Command line: ") { out.bootLines += 1 }
                    }
                case .malformed(let why):
                    out.lines += 1
                    if why == "binary data" { out.binary = true }
                }
            }
        }
        return out
    }
}
