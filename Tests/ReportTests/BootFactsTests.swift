import Analysis
import Foundation
import Testing
@testable import Report

/// A boot's life and end, said in every format: its start, run time and the journal it kept,
/// wall-clock steps, shutdown markers set aside, conflicting evidence, the last sign of life and
/// a crash loop's estimated start.
@Suite("boot facts in every format")
struct BootFactsTests {
    @Test(arguments: [ReportFormat.text, .markdown, .html])
    func everyFormatSaysIt(format: ReportFormat) {
        let r = ReferenceReports.full()
        let out = ReportRenderer.render(r, as: format, options: RenderOptions(width: 400))
        for fact in ["boot began 2024-07-19 07:59:40 UTC", "ran 5 h 2 min", "10 min into the boot",
                     "wall clock stepped forward by 4 s, 25 s into the boot", "not the end:", "Journal stopped",
                     "at switch-root", "conflict: the shutdown had begun", "last sign of life in pstore",
                     "silent for 4 min 12 s", "looping since about 2024-07-19 08:01:00 UTC"] {
            #expect(out.contains(fact), "\(format): \(fact)")
        }
    }

    /// Nothing of it where the analysis found nothing: no start, no steps, no markers set aside.
    @Test func silentWithoutFacts() {
        let text = ReportRenderer.render(ReferenceReports.unclean(), as: .text, options: RenderOptions(width: 400))
        for fact in ["boot began", "clock:", "not the end:", "conflict:", "last sign of life", "looping since"] {
            #expect(!text.contains(fact), "\(fact)")
        }
    }

    @Test func clockNeverSet() {
        var r = ReferenceReports.unclean()
        r.boots[1].clockBehind = true
        r.end?.gapSeconds = nil
        let last = r.end?.lastEntry
        r.end?.lastSignOfLife = last
        let text = ReportRenderer.render(r, as: .text, options: RenderOptions(width: 400))
        #expect(text.contains("this boot's wall clock was never set"))
        #expect(text.contains("the clocks do not say how long the silence lasted"))
    }
}
