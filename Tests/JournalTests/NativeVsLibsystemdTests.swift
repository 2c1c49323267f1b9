import Foundation
import Testing
import TestSupport
import SystemdJournal
@testable import Journal

/// The native reader against libsystemd's sd-journal on the same files: the same entries,
/// in the same order, with the same fields (name, bytes, repetition).
@Suite("native reader and libsystemd agree", .serialized)
struct NativeVsLibsystemdTests {
    static func entries(native paths: [String]) -> [JournalEntry] {
        var out: [JournalEntry] = []
        JournalReader(paths: paths).forEachEntry { out.append($0) }
        return out
    }

    static func entries(libsystemd paths: [String]) throws -> [JournalEntry] {
        var out: [JournalEntry] = []
        try SDJournalReader(files: paths).forEachEntry { out.append($0) }
        return out
    }

    static func check(_ paths: [String], label: String) throws {
        let ours = entries(native: paths)
        let theirs = try entries(libsystemd: paths)
        #expect(ours.count == theirs.count, "\(label): entry count")
        var mismatches = 0
        for (a, b) in zip(ours, theirs) {
            let same = a.cursor == b.cursor && a.realtime == b.realtime && a.monotonic == b.monotonic
                && a.bootID == b.bootID && a.fields.map(\.name) == b.fields.map(\.name)
                && a.fields.map(\.value) == b.fields.map(\.value)
            if !same { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(label): \(mismatches) entries differ")
    }

    @Test("generated directories in every layout", arguments: JournalFixtures.layouts)
    func generated(_ layout: JournalFixtures.Layout) throws {
        let (dir, files) = try JournalFixtures.writeDirectory("sd-\(layout)", layout: layout, count: 2000, files: 3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.check(files, label: "\(layout)")
    }

    @Test("every corpus journal libsystemd opens", .enabled(if: TestPaths.corpus != nil, "needs ../shared/corpus"))
    func corpus() throws {
        let files = TestPaths.corpusFiles("journals").filter { !$0.contains("velociraptor-truncated") }
        try #require(!files.isEmpty)
        for f in files { try Self.check([f], label: f) }
        try Self.check(files.filter { $0.contains("kjournald-") }, label: "KDE set")
    }
}
