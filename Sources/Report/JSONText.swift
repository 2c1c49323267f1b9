import Foundation
import Analysis

/// The one place values become JSON, so that every JSON output shares its settings: sorted keys
/// (stable bytes for diffs and tests), unescaped slashes (paths and unit names read as they are).
enum JSONText {
    static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        // Timeline rows hold facts; their JSON `detail` is the sentence the other formats show.
        let writer: TimelineRow.DetailWriter = TimelineText.detail
        if let key = TimelineRow.detailWriterKey { encoder.userInfo[key] = writer }
        // And findings: their summary and remediation.
        let facts: CauseFacts.Writer = CauseWording.json
        if let key = CauseFacts.writerKey { encoder.userInfo[key] = facts }
        // So are the facts written as one sentence each (boot-end evidence with its times in
        // ISO 8601 UTC, as the document's other times).
        func use<T: WrittenAsSentence>(_ writer: @escaping T.Writer) {
            if let key = T.writerKey { encoder.userInfo[key] = writer }
        }
        use(BootEndText.json)
        use(ImpliedSettingText.sentence)
        use(FactSourceText.pidMax)
        use(FactSourceText.uptime)
        use(FactSourceText.setting)
        use(FactSourceText.settingOverride)
        use(FactSourceText.memory)
        use(NoteText.sentence)
        return encoder
    }

    /// `value` as JSON text. Encoding fails only on a non-finite number, which the model should
    /// never hold; rather than print half a document, the output is then a JSON object naming the error.
    static func encode<T: Encodable>(_ value: T, pretty: Bool) -> String {
        do {
            return escapingInvisibles(String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self))
        } catch {
            let detail = String(describing: error)
            let quoted = (try? encoder(pretty: false).encode(detail)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
            return "{\"error\":\"json-encoding-failed\",\"detail\":\(quoted)}"
        }
    }

    /// JSON allows C1 controls and bidirectional overrides raw inside strings; a document that
    /// is printed or paged would then drive the terminal or reorder a line. They can only occur
    /// inside strings, so each is written as its `\\uXXXX` escape, which parsers read back as is.
    static func escapingInvisibles(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: { $0.value >= 0x7F && TextLayout.isControl($0) }) else { return json }
        var out = String.UnicodeScalarView()
        for u in json.unicodeScalars {
            if u.value >= 0x7F, TextLayout.isControl(u) {
                let hex = String(u.value, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }
}
