import Events
import Journal

/// A unit's own words: its processes' messages at warning priority or worse, counted by a
/// pattern with numbers and hex normalised (`cannot open index /var/lib/polyscan/#.idx`), so that
/// 3,000 copies of one error read as one line with a count.
struct UnitWords {
    struct Entry {
        var example: String
        var count: Int
        var priority: Int
        /// When and where the example was logged.
        var time: Int64
        var ref: EntryRef
    }

    private(set) var patterns: [String: Entry] = [:]
    /// Messages past the pattern cap, counted only.
    private(set) var uncounted = 0

    static let patternsKept = 64
    static let unitsKept = 512
    static let textKept = 400

    /// The last message's bytes, its pattern and where the pattern is counted: a crash loop
    /// says the same thing thousands of times, and comparing bytes is cheaper than making a
    /// string, normalising and hashing again. The index is valid until a pattern is added.
    private var last: (bytes: [UInt8], key: String, index: Dictionary<String, Entry>.Index?)?

    mutating func add(_ text: String, priority: Int, time: Int64, ref: EntryRef) {
        var text = text
        text.withUTF8 { add(UnsafeRawBufferPointer($0), priority: priority, time: time, ref: ref) }
    }

    /// Counts a message given as its UTF-8 bytes (at most `textKept` of them are kept).
    mutating func add(_ bytes: UnsafeRawBufferPointer, priority: Int, time: Int64, ref: EntryRef) {
        let repeated = last.map { TextScan.equal(bytes, $0.bytes) } ?? false
        if repeated, let i = last?.index {
            count(at: i, priority: priority)
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let key = (repeated ? last?.key : nil) ?? Self.normalise(text)
        var index: Dictionary<String, Entry>.Index?
        if let i = patterns.index(forKey: key) {
            count(at: i, priority: priority)
            index = i
        } else if patterns.count < Self.patternsKept {
            // The insertion may move every entry: the index is looked up again next time.
            patterns[key] = Entry(example: String(text.prefix(Self.textKept)), count: 1, priority: priority, time: time, ref: ref)
        } else {
            uncounted += 1
        }
        last = ((repeated ? last?.bytes : nil) ?? Array(bytes), key, index)
    }

    private mutating func count(at i: Dictionary<String, Entry>.Index, priority: Int) {
        patterns.values[i].count += 1
        patterns.values[i].priority = min(patterns.values[i].priority, priority)
    }

    mutating func merge(_ other: UnitWords) {
        for (k, e) in other.patterns {
            if var mine = patterns[k] {
                mine.count += e.count
                mine.priority = min(mine.priority, e.priority)
                patterns[k] = mine
            } else if patterns.count < Self.patternsKept {
                patterns[k] = e
            } else {
                uncounted += e.count
            }
        }
        uncounted += other.uncounted
    }

    /// The most frequent first, then the most urgent, then by text (a stable order).
    func top(_ n: Int) -> [UnitMessage] {
        patterns.sorted { a, b in
            if a.value.count != b.value.count { return a.value.count > b.value.count }
            if a.value.priority != b.value.priority { return a.value.priority < b.value.priority }
            return a.key < b.key
        }.prefix(n).map { UnitMessage(pattern: $0.key, example: $0.value.example, count: $0.value.count, priority: $0.value.priority) }
    }

    /// The most frequent pattern's example, with where it was logged.
    var topExample: Entry? { top(1).first.flatMap { patterns[$0.pattern] } }

    /// Runs of decimal digits become `#`, `0x` followed by hex digits becomes `0x#`, and long
    /// hex words (IDs, hashes, addresses of 8 digits or more) become `#`.
    static func normalise(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(min(text.utf8.count, textKept))
        var word: [Character] = []
        func flush() {
            guard !word.isEmpty else { return }
            let hexLong = word.count >= 8 && word.allSatisfy(\.isHexDigit) && word.contains(where: \.isNumber)
            if hexLong { out.append("#") } else { out.append(contentsOf: word) }
            word.removeAll(keepingCapacity: true)
        }
        var chars = Substring(text.prefix(textKept))
        while let c = chars.first {
            if c == "0", chars.dropFirst().first == "x" || chars.dropFirst().first == "X" {
                flush()
                let rest = chars.dropFirst(2)
                let hex = rest.prefix(while: \.isHexDigit)
                if !hex.isEmpty {
                    out.append("0x#")
                    chars = rest.dropFirst(hex.count)
                    continue
                }
            }
            if c.isLetter || c.isNumber {
                if c.isNumber, word.isEmpty || word.allSatisfy(\.isNumber) {
                    // A number standing alone (or a number's run): one `#` for the run.
                    let run = chars.prefix(while: \.isNumber)
                    let after = chars.dropFirst(run.count).first
                    if word.isEmpty, after.map({ !$0.isLetter }) ?? true {
                        out.append("#")
                        chars = chars.dropFirst(run.count)
                        continue
                    }
                }
                word.append(c)
            } else {
                flush()
                out.append(c)
            }
            chars = chars.dropFirst()
        }
        flush()
        return out
    }
}

/// Which journal file holds an entry, from the files' seqnum IDs and seqnum ranges.
struct JournalFileLocator {
    struct Range {
        var seqnumID: ID128
        var head: UInt64
        var tail: UInt64
        var path: String
        var madeFrom: JournalTextOrigin?
    }

    var ranges: [Range] = []

    init() {}

    init(files: [JournalFile]) {
        ranges = files.map { Range(seqnumID: $0.header.seqnumID, head: $0.header.headEntrySeqnum,
                                   tail: $0.header.tailEntrySeqnum, path: $0.path, madeFrom: $0.madeFrom) }
    }

    /// Where the entry can be looked at: its journal file and cursor, or the line of the
    /// journalctl text the file was made from.
    func source(of ref: EntryRef, cursor: String) -> EvidenceSource {
        guard let range = range(of: ref) else { return .journal(file: nil, cursor: cursor) }
        if let text = range.madeFrom { return .journalText(path: text.path, cursor: cursor) }
        return .journal(file: range.path, cursor: cursor)
    }

    /// The file whose seqnum range holds the entry; `nil` when none or several could.
    func file(of ref: EntryRef) -> String? { range(of: ref)?.path }

    private func range(of ref: EntryRef) -> Range? {
        guard ref != .none else { return nil }
        let hits = ranges.filter { $0.seqnumID == ref.seqnumID && $0.head <= ref.seqnum && ref.seqnum <= $0.tail && $0.head > 0 }
        if hits.count == 1 { return hits.first }
        // A torn or online file may not have its tail in the header: the one file of that
        // seqnum ID whose head is the highest at or below the entry.
        let candidates = ranges.filter { $0.seqnumID == ref.seqnumID && $0.head > 0 && $0.head <= ref.seqnum }
        return candidates.max { $0.head < $1.head }
    }
}
