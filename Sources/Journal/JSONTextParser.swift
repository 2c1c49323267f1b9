import Foundation

/// `journalctl -o json` (one object per line), `json-seq` (each line after an RS byte),
/// `json-sse` (each line after `data: `, a blank line between: server-sent events) and
/// `json-pretty` (objects over several lines). Values are strings, arrays of byte values
/// (binary), arrays of those (a field given several times), or null (longer than 4096 bytes
/// without `--all`: not in the text).
struct JSONTextParser {
    let bytes: UnsafeRawBufferPointer

    /// What `json-sse` writes before each object.
    static let eventPrefix = Array("data: ".utf8)

    func forEach(into builder: inout JournalTextImport.Builder) {
        /// Where the object being read began, while one is.
        var objectStart: Int?
        var i = 0
        let n = bytes.count
        var inString = false, escaped = false, depth = 0
        // Objects are found by their braces (outside strings), so one parser reads every layout.
        while i < n && !builder.stopped {
            let c = bytes[i]
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") {
                if depth == 0 { objectStart = i }
                depth += 1
                if depth > 4 {
                    builder.skip("objects nested deeper than journalctl writes", at: objectStart ?? i)
                    depth = 0; objectStart = nil
                    i = skipLine(from: i)
                    continue
                }
            } else if c == UInt8(ascii: "}"), depth > 0 {
                depth -= 1
                if depth == 0, let start = objectStart {
                    if i - start < JournalTextImport.objectLimit {
                        parse(UnsafeRawBufferPointer(rebasing: bytes[start...i]), at: start, into: &builder)
                    } else {
                        builder.skip("objects larger than \(JournalTextImport.objectLimit >> 20) MiB", at: start)
                    }
                    objectStart = nil
                }
            } else if depth == 0, c == UInt8(ascii: "d"), startsEvent(at: i) {
                i += Self.eventPrefix.count
                continue
            } else if depth == 0, c != 10, c != 13, c != 0x1E, c != UInt8(ascii: " "), c != UInt8(ascii: "\t") {
                builder.skip("lines that are not JSON objects", at: i)
                i = skipLine(from: i)
                continue
            }
            i += 1
        }
        if let start = objectStart { builder.problems.append("the text ends inside an object at byte \(start); the entries before it are read") }
    }

    /// Whether `data: ` (a server-sent event's field) begins at `i`, at the start of a line.
    private func startsEvent(at i: Int) -> Bool {
        guard i == 0 || bytes[i - 1] == 10, bytes.count - i >= Self.eventPrefix.count else { return false }
        for (k, b) in Self.eventPrefix.enumerated() where bytes[i + k] != b { return false }
        return true
    }

    private func skipLine(from start: Int) -> Int { JournalTextImport.lineEnd(bytes, from: start) + 1 }

    private func parse(_ object: UnsafeRawBufferPointer, at place: Int, into builder: inout JournalTextImport.Builder) {
        guard let any = try? JSONSerialization.jsonObject(with: Data(object)), let dict = any as? [String: Any] else {
            return builder.skip("objects that are not valid JSON", at: place)
        }
        var entry = JournalTextImport.Entry()
        var nulls = 0
        for key in dict.keys.sorted() {
            guard let value = dict[key] else { continue }
            let name = Array(key.utf8)
            guard JournalTextImport.isFieldName(name) else { continue }
            var values: [[UInt8]] = []
            if value is NSNull {
                nulls += 1
                continue
            } else if let text = value as? String {
                values = [Array(text.utf8)]
            } else if let list = value as? [Any] {
                if let binary = Self.byteArray(list) {
                    values = [binary]
                } else {
                    for v in list {
                        if let text = v as? String { values.append(Array(text.utf8)) } else if let l = v as? [Any], let b = Self.byteArray(l) { values.append(b) }
                    }
                }
            }
            for v in values {
                if entry.meta(name, v) { continue }
                if key == "__CURSOR" || key.hasPrefix("__") { continue }
                entry.own(name, [UInt8(ascii: "=")], v)
            }
        }
        if nulls > 0 { builder.skip("fields longer than 4096 bytes left out by journalctl (its --all keeps them)", at: place) }
        builder.add(entry, at: place)
    }

    /// `[72, 101, …]`: a binary value, when every element is a byte.
    static func byteArray(_ list: [Any]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(list.count)
        for v in list {
            guard !(v is String), let n = v as? NSNumber, let b = UInt8(exactly: n.doubleValue) else { return nil }
            out.append(b)
        }
        return list.isEmpty ? nil : out
    }
}
