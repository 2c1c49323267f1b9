import Analysis
import Foundation
import KernelLog
import TestSupport
import Testing
@testable import Report

@Suite("Markdown report")
struct MarkdownReportTests {
    /// An incident report's sections, in order; a clean reboot has no lessons to learn.
    static func sections(_ name: String) -> [String] {
        ["## Summary", "## Impact", "## Timeline", "## Root cause", "## Remediation"]
            + (name == "clean" ? [] : ["## Lessons learned"])
            + ["## Appendix: inputs and their health", "## Appendix: boots", "## Appendix: about this report"]
    }

    /// The lines of the section that starts with `heading`, up to the next `## `.
    static func section(_ heading: String, in markdown: String) -> [String] {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: heading) else { return [] }
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.count
        return Array(lines[(start + 1)..<end])
    }

    /// Table cell separators: `|` not escaped by a backslash.
    static func unescapedPipes(_ line: String) -> Int {
        var count = 0
        var escaped = false
        for ch in line {
            if escaped { escaped = false; continue }
            if ch == "\\" { escaped = true } else if ch == "|" { count += 1 }
        }
        return count
    }

    /// `line` with its code spans (a run of backticks up to the next run of the same length) removed.
    static func withoutCodeSpans(_ line: String) -> String {
        let chars = Array(line)
        var out = ""
        var i = 0
        while i < chars.count {
            guard chars[i] == "`" else { out.append(chars[i]); i += 1; continue }
            var n = 0
            while i + n < chars.count, chars[i + n] == "`" { n += 1 }
            let fence = String(repeating: "`", count: n)
            let rest = String(chars[(i + n)...])
            guard let close = rest.range(of: fence) else { out += fence; i += n; continue }
            i += n + rest.distance(from: rest.startIndex, to: close.upperBound)
        }
        return out
    }

    @Test("title and every section, in order", arguments: ["unclean", "clean"])
    func sectionsInOrder(name: String) throws {
        let report = ReferenceReports.named(name)
        let md = ReportRenderer.render(report, as: .markdown, options: RenderOptions())
        let first = try #require(md.split(separator: "\n").first)
        // A planned reboot is a reboot report; anything else an incident report. The verdict comes next.
        #expect(first == "# \(name == "clean" ? "Reboot" : "Incident") report: \(report.host.hostname ?? "")")
        let verdict = md.split(separator: "\n")[1]
        #expect(verdict.hasPrefix("**\(report.host.hostname ?? "")"))
        #expect(verdict.contains(name == "clean" ? "shut down cleanly" : "crashed at"))
        var position = md.startIndex
        for heading in Self.sections(name) {
            let found = try #require(md.range(of: "\n" + heading + "\n", range: position..<md.endIndex), "missing \(heading)")
            position = found.upperBound
        }
    }

    @Test("the timeline is a table with one row per timeline row and six cells in each, even with pipes in the text",
          arguments: ["unclean", "hostile"])
    func timelineTable(name: String) {
        let report = ReferenceReports.named(name)
        let lines = Self.section("## Timeline", in: ReportRenderer.render(report, as: .markdown, options: RenderOptions()))
        let events = lines.drop { $0 != "### Events" }
        let table = events.filter { $0.hasPrefix("|") }
        #expect(table.count == report.timeline.count + 2)
        #expect(table.first == "| Time | Until | Count | Kind | Subject | Detail |")
        for line in table { #expect(Self.unescapedPipes(line) == 7, "\(line)") }
        #expect(table.contains { $0.hasPrefix("| 12:12:00 | 13:01:39 | 3,012 | restart |") })
        #expect(table.filter { $0.contains("**last words:**") }.count == report.timeline.filter(\.lastWords).count)
    }

    @Test("root-cause analysis has each cause, by rank, with its evidence list")
    func rootCauses() throws {
        let report = ReferenceReports.unclean()
        let lines = Self.section("## Root cause", in: ReportRenderer.render(report, as: .markdown, options: RenderOptions()))
        let first = try #require(lines.firstIndex(of: "### 1. crash-loop: `polyscan.service` (primary cause)"))
        let second = try #require(lines.firstIndex(of: "### 2. memory-exhaustion: `ffmpeg` (consequence)"))
        #expect(first < second)
        let evidence = lines[first..<second].filter { $0.hasPrefix("- `") }
        #expect(evidence.count == 3)
        #expect(evidence.contains("- `Restart=always` — see `/etc/systemd/system/polyscan.service:9`"))
        #expect(lines[first..<second].contains("**Chain:** crash-loop polyscan.service → memory-exhaustion ffmpeg → end of the boot."))
        #expect(lines[second...].contains("**Caused by:** crash-loop polyscan.service."))
    }

    /// The CentOS 6 excerpt's Markdown spoke of "the journal's last entry" and "Kept journal
    /// begins" for a boot read from /var/log/messages alone.
    @Test("a boot told from text logs alone is told as text: log lines, no journal to outlast")
    func textOnlyBoot() throws {
        var r = ReferenceReports.unclean()
        let i = try #require(r.boots.firstIndex { $0.bootID == ReferenceReports.crashedBoot })
        r.boots[i].firstEntryUptimeSeconds = 600
        let journal = ReportRenderer.render(r, as: .markdown, options: RenderOptions())
        #expect(journal.contains("| Last journal entry |") && journal.contains("| Kept journal begins |"))
        #expect(journal.contains("survived only in a kernel log") && journal.contains(" entries."))
        r.boots[i].textOnly = true
        let text = ReportRenderer.render(r, as: .markdown, options: RenderOptions())
        #expect(text.contains("| Last log line |") && text.contains("| Logs kept begin | older lines were rotated away or not collected |"))
        #expect(!text.contains("Last journal entry") && !text.contains("Kept journal begins") && !text.contains("survived only in a kernel log"))
        #expect(text.contains("290,123 log lines."))
    }

    /// Long term asks for the rules that would have fired only when some would have; a memory
    /// exhaustion without a kill (RHEL 8's OOM report cut in its dump, real text, Apache-2.0)
    /// still gets the memory limits as prevention.
    @Test("long term and prevention say what the back-test and the causes show")
    func longTermFollowsTheBacktest() throws {
        // The full reference's back-test has a rule that fired.
        let full = ReferenceReports.full()
        #expect(full.detection?.rules.contains { $0.firedAt != nil } == true)
        #expect(ReportRenderer.render(full, as: .markdown, options: RenderOptions()).contains("Add the alert rules that would have fired"))
        let text = try String(contentsOfFile: TestPaths.packageRoot + "/Tests/KernelLogTests/Fixtures/text/oomtool-rhel8-oom-report-cut.log",
                              encoding: .utf8)
        let file = KernelLogReader.parse(bytes: Array(text.utf8), path: "/var/log/messages", modificationTime: nil)
        let report = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: AnalysisOptions())
        let md = ReportRenderer.render(report, as: .markdown, options: RenderOptions())
        #expect(!md.contains("Add the alert rules that would have fired"))
        #expect(md.contains("none of them would have fired on the signals rebuilt here"))
        #expect(Self.section("## Prevention", in: md).contains { $0.contains("MemoryHigh=") })
        // No kill happened: Impact lists none.
        #expect(!Self.section("## Impact", in: md).contains { $0.contains("OOM kills") })
    }

    @Test("impact gives the outage window from the last entry to the next boot, with its length")
    func impact() {
        let lines = Self.section("## Impact", in: ReportRenderer.render(ReferenceReports.unclean(), as: .markdown,
                                                                        options: RenderOptions()))
        #expect(lines.contains("- **Outage window:** 2024-07-19 13:01:40 UTC (last entry) → 2024-07-19 13:05:52 UTC "
                               + "(next boot's first entry): **4 min 12 s** without logs."))
        #expect(lines.contains("- **Units crash-looping:** `polyscan.service` (restart counter 320,245)."))
        #expect(lines.contains("- **OOM kills:** 1: `ffmpeg` (global, 13:00:55)."))
    }

    @Test("a boot still running has no outage; its run reaches a sign of life its journal file's header gives past the last entry")
    func impactStillRunning() throws {
        var r = ReferenceReports.unclean()
        r.analyzedBoot = ReferenceReports.nextBoot
        let boot = try #require(r.boots.last)
        let header = Timestamp(microseconds: boot.last.microseconds + 8 * 3_600_000_000)
        r.end = BootEnd(kind: .ongoing, lastEntry: boot.last, nextBootFirst: nil, gapSeconds: nil, evidence: [.newestStillOnline])
        r.end?.lastSignOfLife = header
        r.end?.lastSignSource = .journal
        let lines = Self.section("## Impact", in: ReportRenderer.render(r, as: .markdown, options: RenderOptions()))
        #expect(lines.contains("- **Outage window:** none known: the boot was still running at its last sign of life "
                               + "(2024-07-19 21:20:00 UTC); no later boot in the input."), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("- **Boot ran:** ") && $0.contains(" → 2024-07-19 21:20:00 UTC), 2,380 entries.") }, "\(lines)")
        // Without the header's sign of life: the last entry.
        r.end?.lastSignOfLife = nil
        let plain = Self.section("## Impact", in: ReportRenderer.render(r, as: .markdown, options: RenderOptions()))
        #expect(plain.contains("- **Outage window:** none known: the boot was still running at its last entry "
                               + "(2024-07-19 13:20:00 UTC); no later boot in the input."), "\(plain)")
    }

    @Test("remediation: every cause's steps in the short term, the long-term steps after them")
    func remediation() {
        let report = ReferenceReports.unclean()
        let lines = Self.section("## Remediation", in: ReportRenderer.render(report, as: .markdown, options: RenderOptions()))
        let short = lines.drop { $0 != "### Short term" }.prefix { $0 != "### Long term" }
        #expect(short.filter { $0.hasPrefix("- [ ] ") }.count == report.rootCauses.map(\.remediation.count).reduce(0, +))
        #expect(lines.contains("### Immediate"))
        #expect(lines.drop { $0 != "### Long term" }.contains { $0.hasPrefix("- [ ] ") })
    }

    @Test("appendices list every input and boot; the analysed boot is marked")
    func appendices() {
        let report = ReferenceReports.unclean()
        let md = ReportRenderer.render(report, as: .markdown, options: RenderOptions())
        let inputs = Self.section("## Appendix: inputs and their health", in: md).filter { $0.hasPrefix("| `") }
        #expect(inputs.count == report.inputs.count)
        let boots = Self.section("## Appendix: boots", in: md).filter { $0.contains(" | `") }
        #expect(boots.count == report.boots.count)
        #expect(boots.filter { $0.hasPrefix("| **analysed** | `\(ReferenceReports.crashedBoot)`") }.count == 1)
    }

    @Test("log text cannot inject HTML, links or formatting")
    func escaping() {
        let md = ReportRenderer.render(ReferenceReports.hostile(), as: .markdown, options: RenderOptions())
        // Inside code spans Markdown shows `<` as it is; everywhere else it must be escaped.
        let outsideCode = md.split(separator: "\n").map { Self.withoutCodeSpans(String($0)) }
        for line in outsideCode {
            var previous: Character = " "
            for ch in line {
                #expect(!(ch == "<" && previous != "\\"), "unescaped < in \(line)")
                previous = ch
            }
        }
        #expect(md.contains("`<script>alert(1)</script>`"))
        #expect(!md.contains("[link]("))
        #expect(md.contains("\\[link\\](https://evil.example)"))
        #expect(md.contains("\\<img src=x onerror=alert(2)\\>"))
        #expect(!md.contains("\u{1B}"))
    }

    @Test("the generation time appears only when given")
    func generatedAt() {
        let report = ReferenceReports.clean()
        let without = ReportRenderer.render(report, as: .markdown, options: RenderOptions())
        let with = ReportRenderer.render(report, as: .markdown,
                                         options: RenderOptions(generatedAt: ReferenceReports.at(23, 0, 0)))
        #expect(!without.contains("Generated"))
        #expect(with.contains("Generated 2024-07-19 23:00:00 UTC."))
    }
}

/// The Markdown as a CommonMark (GFM) renderer reads it: Debian's `cmark-gfm` with the table and
/// task-list extensions, the dialect GitHub, GitLab and most ticket systems render.
@Suite("Markdown through cmark-gfm")
struct MarkdownCommonMarkTests {
    static var cmark: String? { Helpers.onPath("cmark-gfm") }

    static func html(_ markdown: String) throws -> String {
        let cmark = try #require(Self.cmark)
        let dir = TestPaths.scratch("cmark")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Helpers.write(markdown, named: "report.md", in: dir)
        let run = try Command.run(cmark, ["--to", "html", "-e", "table", "-e", "tasklist", path])
        #expect(run.status == 0, "\(run.stderrText)")
        return run.stdoutText
    }

    @Test("the sections render as headings, the tables as tables, the drop-ins as code, nothing as raw markup",
          .enabled(if: cmark != nil, "needs Debian's cmark-gfm"), arguments: ["unclean", "clean", "hostile"])
    func rendersCleanly(name: String) throws {
        let report = ReferenceReports.named(name)
        let markdown = ReportRenderer.render(report, as: .markdown, options: RenderOptions())
        let html = try Self.html(markdown)
        for heading in MarkdownReportTests.sections(name == "clean" ? "clean" : "unclean") {
            #expect(html.contains("<h2>" + heading.dropFirst(3) + "</h2>"), "\(heading)")
        }
        // Every pipe table in the source became an HTML table with as many rows.
        let tables = markdown.split(separator: "\n").filter { $0.hasPrefix("|---") || $0.hasPrefix("| ---") || $0.hasPrefix("|--") }
        #expect(html.components(separatedBy: "<table>").count - 1 == tables.count)
        #expect(!html.contains("|---"))
        // Log text never turns into markup: no tag other than the renderer's own.
        let tags = Set(html.matches(of: /<\/?([a-z0-9]+)/).map { String($0.output.1) })
        #expect(tags.isSubset(of: ["h1", "h2", "h3", "p", "strong", "em", "ul", "ol", "li", "code", "pre", "table", "thead",
                                   "tbody", "tr", "th", "td", "input", "br"]), "\(tags)")
        #expect(html.contains("<h1>"))
    }
}
