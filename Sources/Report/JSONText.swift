import Foundation

/// The one place values become JSON, so that every JSON output shares its settings: sorted keys
/// (stable bytes for diffs and tests), unescaped slashes (paths and unit names read as they are).
enum JSONText {
    static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `value` as JSON text. Encoding fails only on a non-finite number, which the model should
    /// never hold; rather than print half a document, the output is then a JSON object naming the error.
    static func encode<T: Encodable>(_ value: T, pretty: Bool) -> String {
        do {
            return String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self)
        } catch {
            let detail = String(describing: error)
            let quoted = (try? encoder(pretty: false).encode(detail)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
            return "{\"error\":\"json-encoding-failed\",\"detail\":\(quoted)}"
        }
    }
}
