/// A fact that JSON holds as the sentence the other formats show: `Report` puts its writer in
/// the encoder's `userInfo` under `writerKey`; read back, the fact is that sentence.
public protocol WrittenAsSentence: Codable, Sendable {
    /// Where the encoder's `userInfo` holds the `Writer`. (`CodingUserInfoKey` is made by a
    /// failable initialiser, though it fails for no name.)
    static var writerKey: CodingUserInfoKey? { get }
    /// The fact read back from JSON: the sentence it was written as.
    init(sentence: String)
}

extension WrittenAsSentence {
    /// Writes the fact as a sentence.
    public typealias Writer = @Sendable (Self) -> String

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        guard let key = Self.writerKey, let writer = encoder.userInfo[key] as? Writer else {
            throw EncodingError.invalidValue(self, .init(codingPath: c.codingPath,
                                                         debugDescription: "no writer for \(Self.self) in the encoder's userInfo"))
        }
        try c.encode(writer(self))
    }

    public init(from decoder: any Decoder) throws {
        self.init(sentence: try decoder.singleValueContainer().decode(String.self))
    }
}
