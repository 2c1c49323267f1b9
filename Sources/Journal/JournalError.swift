/// A reason a journal file, or a part of it, could not be read. Typed so that callers
/// (and tests) can tell the cases apart; printed with the file and offset.
public struct JournalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. A struct of constants rather than an enum so new codes do not break callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let cannotOpen = Code("cannot open")
        public static let notAJournal = Code("not a journal file")
        public static let unsupportedFeature = Code("unsupported feature")
        public static let badHeader = Code("bad header")
        public static let truncated = Code("file is truncated")
        public static let badObject = Code("bad object")
        public static let badOffset = Code("bad offset")
        public static let decompression = Code("cannot decompress")
        public static let cycle = Code("cycle in chain")
    }

    public var code: Code
    public var path: String
    public var offset: Int?
    public var detail: String

    public init(_ code: Code, path: String, offset: Int? = nil, detail: String) {
        self.code = code
        self.path = path
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        if let offset { return "\(path): at offset 0x\(hex(offset)): \(code): \(detail)" }
        return "\(path): \(code): \(detail)"
    }

    public static func == (a: JournalError, b: JournalError) -> Bool { a.code == b.code && a.offset == b.offset }
}

/// One problem found while reading, kept in a file's health record.
public struct JournalProblem: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var offset: Int?
    public var reason: String

    public init(path: String, offset: Int?, reason: String) {
        self.path = path
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        offset.map { "\(path): at offset 0x\(hex($0)): \(reason)" } ?? "\(path): \(reason)"
    }
}
