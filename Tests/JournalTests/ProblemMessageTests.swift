import Testing
@testable import Journal

/// Messages about damage read as the file holds it (issue 13: "negative hex offsets").
struct ProblemMessageTests {
    @Test func offsetsAreNeverNegative() {
        let p = JournalProblem(path: "system.journal", offset: -16, reason: "entry array item is past the end")
        #expect(p.description == "system.journal: at offset 0xfffffffffffffff0: entry array item is past the end")
        let e = JournalError(.badObject, path: "system.journal", offset: -1, detail: "x")
        #expect(e.description.contains("at offset 0xffffffffffffffff:"))
        #expect(!e.description.contains("-0x") && !p.description.contains("0x-"))
    }
}
