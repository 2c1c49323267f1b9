/// `journalctl -o verbose`: each entry is a line with its time and cursor in brackets, then
/// its fields, four spaces in; a value's further lines are indented to where it began. Values
/// journalctl did not print (`[N bytes blob data]` without `--all`) are left out and counted.
struct VerboseTextParser {
    let bytes: UnsafeRawBufferPointer

    /// The cursor of an entry's first line: the text between ` [` and the closing `]`, when it
    /// gives the entry's seqnum ID, seqnum, boot and both clocks.
    static func cursor(of line: UnsafeRawBufferPointer) -> JournalTextImport.Cursor? {
        guard line.last == UInt8(ascii: "]"), let open = line.lastIndex(of: UInt8(ascii: "[")), open > 0,
              line[open - 1] == UInt8(ascii: " ") else { return nil }
        let cursor = JournalTextImport.Cursor(line[(open + 1)..<(line.count - 1)])
        return cursor.isWhole ? cursor : nil
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
            let lineEnd = JournalTextImport.lineEnd(bytes, from: i)
            let line = UnsafeRawBufferPointer(rebasing: bytes[i..<lineEnd])
            defer { i = lineEnd + 1 }
            if line.first != UInt8(ascii: " ") {
                if line.starts(with: "-- ".utf8) { continue }  // a boot separator
                flush()
                continuation = 0
                guard let cursor = Self.cursor(of: line) else {
                    if !line.isEmpty { builder.skip("lines that are neither an entry's first line nor its fields", at: i) }
                    continue
                }
                var e = JournalTextImport.Entry()
                (e.seqnumID, e.seqnum, e.bootID, e.monotonic, e.realtime) =
                    (cursor.seqnumID, cursor.seqnum, cursor.bootID, cursor.monotonic, cursor.realtime)
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
    private func fieldLine(_ line: UnsafeRawBufferPointer, at place: Int, continuing: Int, into e: inout JournalTextImport.Entry,
                           builder: inout JournalTextImport.Builder) -> Int {
        let indent = line.prefix { $0 == UInt8(ascii: " ") }.count
        // Further lines start where the value began (a field's line has four spaces, fewer than
        // any value's start); spaces past that are the value's own.
        if continuing > 0, indent >= continuing, case .owned(let r)? = e.items.last {
            e.owned.append(10)
            e.owned += line.dropFirst(continuing)
            e.items[e.items.count - 1] = .owned(r.lowerBound..<e.owned.count)
            return continuing
        }
        let field = line[indent...]
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
