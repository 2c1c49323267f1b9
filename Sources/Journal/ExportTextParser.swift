/// `journalctl -o export`: `NAME=value` lines, or a name line then a 64-bit little-endian size,
/// the value's bytes and a newline; a blank line ends an entry.
struct ExportTextParser {
    let bytes: UnsafeRawBufferPointer

    func forEach(into builder: inout JournalTextImport.Builder) {
        var entry = JournalTextImport.Entry()
        var entryStart = 0
        var i = 0
        let n = bytes.count
        func flush(_ at: Int) {
            if entry.realtime != nil || !entry.items.isEmpty { builder.add(entry, at: entryStart) }
            entry = JournalTextImport.Entry()
            entryStart = at
        }
        while i < n && !builder.stopped {
            let lineEnd = JournalTextImport.lineEnd(bytes, from: i)
            if lineEnd == i {
                i += 1
                flush(i)
                continue
            }
            let line = UnsafeRawBufferPointer(rebasing: bytes[i..<lineEnd])
            if let eq = line.firstIndex(of: UInt8(ascii: "=")) {
                let name = line[..<eq]
                guard JournalTextImport.isFieldName(name) else {
                    builder.skip("lines that are not fields", at: i)
                    i = lineEnd + 1
                    continue
                }
                // Most lines are plain fields, kept where they lie; only the few that say what
                // the entry header holds are read.
                guard name.first == UInt8(ascii: "_"), JournalTextImport.isMetaName(name) else {
                    entry.items.append(.input(i..<lineEnd))
                    i = lineEnd + 1
                    continue
                }
                // A cursor where an entry has begun starts the next one (texts pasted together
                // without their blank line).
                if name.elementsEqual("__CURSOR".utf8), entry.realtime != nil || !entry.items.isEmpty { flush(i) }
                if !entry.meta(name, line[(eq + 1)...]) {
                    entry.items.append(.input(i..<lineEnd))
                }
                i = lineEnd + 1
            } else {
                // A binary field: the size follows the name's newline.
                let name = Array(line)
                let sizeAt = lineEnd + 1
                guard JournalTextImport.isFieldName(name), sizeAt <= n - 8 else {
                    builder.skip(sizeAt > n - 8 ? "fields cut by the end of the text" : "lines that are not fields", at: i)
                    i = lineEnd + 1
                    continue
                }
                let size = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: sizeAt, as: UInt64.self))
                let valueAt = sizeAt + 8
                guard size <= UInt64(JournalTextImport.valueLimit) else {
                    builder.problems.append("a binary field \(String(decoding: name, as: UTF8.self)) at byte \(i) says it is \(size) bytes, over the limit of \(JournalTextImport.valueLimit); the rest is not read")
                    entry = JournalTextImport.Entry()
                    break
                }
                let count = Int(size)
                guard count <= n - valueAt else {
                    builder.problems.append("the text ends inside a binary field \(String(decoding: name, as: UTF8.self)) at byte \(i); the entries before it are read")
                    entry = JournalTextImport.Entry()
                    break
                }
                entry.own(name, [UInt8(ascii: "=")], Array(bytes[valueAt..<(valueAt + count)]))
                i = valueAt + count
                if i < n && bytes[i] == 10 { i += 1 }
            }
        }
        flush(n)
    }
}
