/// `journalctl -o verbose`: each entry is a line with its time and cursor in brackets, then
/// its fields, four spaces in; a value's further lines are indented to where it began. Values
/// journalctl did not print (`[N bytes blob data]` without `--all`) are left out and counted.
struct VerboseTextParser {
    let bytes: UnsafeRawBufferPointer

    /// The cursor of an entry's first line: the text between ` [` and the closing `]`, when it
    /// holds `s=`, `i=`, `b=`, `m=` and `t=`.
    static func cursor(of line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard line.last == UInt8(ascii: "]"), let open = line.lastIndex(of: UInt8(ascii: "[")), open > line.startIndex,
              line[line.index(before: open)] == UInt8(ascii: " ") else { return nil }
        let inside = line[line.index(after: open)..<line.index(before: line.endIndex)]
        let keys = inside.split(separator: UInt8(ascii: ";")).compactMap { $0.count > 2 && $0.dropFirst().first == UInt8(ascii: "=") ? $0.first : nil }
        for k in "sibmt".utf8 where !keys.contains(k) { return nil }
        return inside
    }

    func forEach(into builder: inout JournalTextImport.Builder) {
        var entry: JournalTextImport.Entry?
        var entryStart = 0
        /// How far the open value's further lines are indented (0: no value open).
        var continuation = 0
        var i = 0
        let n = bytes.count
        func flush() {
            if let e = entry { builder.add(e, at: entryStart) }
            entry = nil
        }
        while i < n && !builder.stopped {
            var lineEnd = i
            while lineEnd < n && bytes[lineEnd] != 10 { lineEnd += 1 }
            let line = Array(bytes[i..<lineEnd])[...]
            defer { i = lineEnd + 1 }
            if line.first != UInt8(ascii: " ") {
                if line.starts(with: Array("-- ".utf8)) { continue }  // a boot separator
                flush()
                continuation = 0
                guard let cursor = Self.cursor(of: line) else {
                    if !line.isEmpty { builder.skip("lines that are neither an entry's first line nor its fields", at: i) }
                    continue
                }
                var e = JournalTextImport.Entry()
                _ = e.meta(Array("__CURSOR".utf8), cursor)
                for part in cursor.split(separator: UInt8(ascii: ";")) where part.count > 2 {
                    switch part.first {
                    case UInt8(ascii: "t"): e.realtime = JournalTextImport.number(part.dropFirst(2), radix: 16)
                    case UInt8(ascii: "m"): e.monotonic = JournalTextImport.number(part.dropFirst(2), radix: 16)
                    case UInt8(ascii: "b"): e.bootID = JournalTextImport.id128(part.dropFirst(2))
                    default: break
                    }
                }
                entry = e
                entryStart = i
                continue
            }
            guard var e = entry.take() else {
                builder.skip("lines that are neither an entry's first line nor its fields", at: i)
                continue
            }
            continuation = fieldLine(line, at: i, continuing: continuation, into: &e, builder: &builder)
            entry = e
        }
        flush()
    }

    /// Reads one indented line into `e`: a further line of the value before (indented to
    /// `continuing`), or a field. Returns the indent of the new value's further lines (0: none).
    private func fieldLine(_ line: ArraySlice<UInt8>, at place: Int, continuing: Int, into e: inout JournalTextImport.Entry,
                           builder: inout JournalTextImport.Builder) -> Int {
        let indent = line.prefix { $0 == UInt8(ascii: " ") }.count
        // Further lines start where the value began (a field's line has four spaces, fewer than
        // any value's start); spaces past that are the value's own.
        if continuing > 0, indent >= continuing, case .owned(let r)? = e.items.last {
            e.owned += [10] + line.dropFirst(continuing)
            e.items[e.items.count - 1] = .owned(r.lowerBound..<e.owned.count)
            return continuing
        }
        let field = line.dropFirst(indent)
        guard indent == 4, let eq = field.firstIndex(of: UInt8(ascii: "=")), JournalTextImport.isFieldName(field[..<eq]) else {
            builder.skip("lines that are neither an entry's first line nor its fields", at: place)
            return 0
        }
        let value = field[(eq + 1)...]
        if value.first == UInt8(ascii: "["), String(decoding: value, as: UTF8.self).hasSuffix(" blob data]") {
            builder.skip("values journalctl printed as blob data (its --all prints them)", at: place)
            return 0
        }
        if JournalTextImport.isMetaName(field[..<eq]), e.meta(field[..<eq], value) { return 0 }
        e.own(Array(field))
        return 4 + (eq - field.startIndex) + 1
    }
}
