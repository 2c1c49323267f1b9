import Foundation
import Journal
import TestSupport
import Testing
@testable import Events

/// Events are read on the scan's decoding thread and a repeated line's event is reused
/// (`JournalEventPreparer`, `PreparedMemo`): reading every entry's event on its own, with the
/// same rule for kernel-log entries, is the oracle.
struct PreparedEventTests {
    static let kernelWho: [UInt8] = Array("kernel".utf8)

    /// Every entry's event, read entry by entry.
    static func oneByOne(_ reader: JournalReader) -> [JournalEvent?] {
        var names = JournalEventExtractor.UnitNames()
        var out: [JournalEvent?] = []
        reader.scan(fields: EntryFields.names) { e in
            let f = EntryFields(e)
            if f.isKernel, !(f.identifier.map { !TextScan.equal($0, Self.kernelWho) } ?? false) {
                out.append(nil)
            } else {
                out.append(JournalEventExtractor.event(e, f, names: &names))
            }
        }
        return out
    }

    /// Every entry's event as prepared, and how many distinct prepared events stood for them.
    static func prepared(_ reader: JournalReader) -> (events: [JournalEvent?], distinct: Int) {
        var out: [JournalEvent?] = []
        var seen = Set<ObjectIdentifier>()
        reader.scan(fields: EntryFields.names, preparing: JournalEventPreparer.self) { e, p in
            out.append(p?.event(for: e))
            if let p { seen.insert(ObjectIdentifier(p)) }
        }
        return (out, seen.count)
    }

    @Test("a crash loop's events, prepared and reused, are the events read one by one",
          .enabled(if: Scenario.generatorAvailable), arguments: ["reference-incident", "memcg-oom-loop", "healthy-reboot"])
    func generatedIncident(_ name: String) throws {
        let s = try Scenario.generate(name)
        let dir = s.root + "/var/log/journal"
        let expected = Self.oneByOne(JournalReader(paths: [dir]))
        let got = Self.prepared(JournalReader(paths: [dir]))
        #expect(got.events.count == expected.count)
        if let i = got.events.indices.first(where: { $0 < expected.count && got.events[$0] != expected[$0] }) {
            Issue.record("\(name): entry \(i): \(String(describing: got.events[i])) vs \(String(describing: expected[i]))")
        }
        let events = expected.compactMap { $0 }.count
        #expect(events > 100, "\(name): the incident has unit events to reuse")
        // Reuse happened: far fewer prepared events than events (its crash loop repeats its lines).
        if name == "reference-incident" { #expect(got.distinct * 2 < events, "\(name): \(got.distinct) of \(events)") }
    }

    @Test("real journals: the prepared events are the events read one by one", .enabled(if: TestPaths.corpus != nil))
    func corpus() throws {
        let files = TestPaths.corpusFiles("journals")
        try #require(!files.isEmpty)
        for path in files {
            let expected = Self.oneByOne(JournalReader(paths: [path]))
            let got = Self.prepared(JournalReader(paths: [path])).events
            #expect(got.count == expected.count, "\(path)")
            if let i = got.indices.first(where: { $0 < expected.count && got[$0] != expected[$0] }) {
                Issue.record("\(path): entry \(i): \(String(describing: got[i])) vs \(String(describing: expected[i]))")
            }
        }
    }
}

/// Message classification searches each message for its phrases: `memchr` over the string's
/// bytes must find what a byte-by-byte walk finds, at the same place, in strings and in
/// substrings, ASCII or not.
@Suite struct TextFindTests {
    @Test func memchrSearchFindsWhatTheWalkFinds() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["a", "b", "ab", " ", "é", "→", "😀", "EXT4-fs (", "recovery complete", "\u{301}", "\t"]
        for _ in 0..<2000 {
            let hay = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            let needle = (0..<Int.random(in: 0...3, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            #expect(hay.find(needle) == hay.findByIndex(needle), "\(hay.debugDescription) \(needle.debugDescription)")
            let sub = hay.dropFirst(min(1, hay.count))
            #expect(sub.find(needle) == sub.findByIndex(needle), "\(sub.debugDescription) \(needle.debugDescription)")
            if let r = sub.find(needle) { #expect(String(sub.utf8[r]) == needle) }
        }
        #expect("EXT4-fs (sda1): recovery complete".has("recovery complete"))
        #expect(!"EXT4-fs (sda1): mounted".has("recovery complete"))
    }
}
