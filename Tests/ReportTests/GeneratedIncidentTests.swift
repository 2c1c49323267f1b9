import Analysis
import Foundation
import Journal
import Testing
import TestSupport
@testable import Report

/// The renderers fed by the real analysis, on journals that systemd-journal-remote wrote for the
/// project's generated incidents (`scripts/gen-incident.py`): real report shapes, not hand-built ones.
@Suite("reports of generated incidents", .serialized)
struct GeneratedIncidentTests {
    static let generator = TestPaths.packageRoot + "/scripts/gen-incident.py"

    static var canGenerate: Bool {
        FileManager.default.fileExists(atPath: generator) && Helpers.python3 != nil
            && FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd-journal-remote")
    }

    /// Generates `scenario` and analyses its journal files and unit files.
    static func analysed(_ scenario: String) throws -> (PostmortemReport, hostname: String) {
        let python3 = try #require(Helpers.python3)
        let out = TestPaths.scratch("gen-\(scenario)")
        let run = try Command.run(python3, [generator, "--scenario", scenario, "--out", out])
        try #require(run.status == 0, "gen-incident.py failed: \(run.stderrText)")
        let fm = FileManager.default
        var journals: [String] = []
        let journalRoot = out + "/var/log/journal"
        for machine in try fm.contentsOfDirectory(atPath: journalRoot) {
            for name in try fm.contentsOfDirectory(atPath: journalRoot + "/" + machine) where name.contains(".journal") {
                journals.append(journalRoot + "/" + machine + "/" + name)
            }
        }
        let unitDir = out + "/etc/systemd/system"
        let unitFiles = ((try? fm.contentsOfDirectory(atPath: unitDir)) ?? []).sorted().compactMap { name in
            (try? String(contentsOfFile: unitDir + "/" + name, encoding: .utf8)).map { (path: unitDir + "/" + name, text: $0) }
        }
        let truth = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/truth.json")))
            as? [String: Any])
        let report = Analyzer.analyze(AnalysisInput(journal: JournalReader(paths: journals.sorted()), unitFiles: unitFiles),
                                      options: AnalysisOptions())
        return (report, truth["hostname"] as? String ?? "")
    }

    @Test("every format renders the analysis of each incident faithfully",
          .enabled(if: canGenerate, "needs python3, scripts/gen-incident.py and systemd-journal-remote"),
          arguments: ["reference-incident", "healthy-reboot"])
    func renders(scenario: String) throws {
        let (report, hostname) = try Self.analysed(scenario)
        #expect(report.host.hostname == hostname)

        let text = ReportRenderer.render(report, as: .text, options: RenderOptions(width: 100))
        #expect(text.split(separator: "\n").allSatisfy { Helpers.fits(String($0), 100) })
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains(Verdict(report, zone: .utc).headline.prefix(40)))
        if let top = Verdict(report, zone: .utc).rankedCauses.first {
            #expect(text.contains("1. \(top.kind.rawValue): \(top.subject.name) (primary cause)"))
        }

        let md = ReportRenderer.render(report, as: .markdown, options: RenderOptions())
        let clean = report.end?.kind == .clean
        #expect(md.hasPrefix("# \(clean ? "Reboot" : "Incident") report: \(hostname)\n"))
        for heading in MarkdownReportTests.sections(clean ? "clean" : "unclean") { #expect(md.contains("\n\(heading)\n"), "\(heading)") }
        let table = MarkdownReportTests.section("## Timeline", in: md).drop { $0 != "### Events" }.filter { $0.hasPrefix("|") }
        #expect(table.count == (report.timeline.isEmpty ? 0 : report.timeline.count + 2))
        #expect(table.allSatisfy { MarkdownReportTests.unescapedPipes($0) == 7 })

        let json = ReportRenderer.render(report, as: .json, options: RenderOptions())
        let back = try JSONDecoder().decode(PostmortemReport.self, from: Data(json.utf8))
        #expect(ReportRenderer.render(back, as: .json, options: RenderOptions()) == json)

        let html = ReportRenderer.render(report, as: .html, options: RenderOptions())
        for forbidden in ["http://", "https://", "src=", "<script"] { #expect(!html.contains(forbidden), "\(forbidden)") }
        let rows = html.components(separatedBy: "<table class=\"timeline\">").last?.components(separatedBy: "</table>").first ?? ""
        #expect(rows.components(separatedBy: "<tr").count - 1 == (report.timeline.isEmpty ? 0 : report.timeline.count + 1))
        let looping = report.units.filter { $0.crashLoop && !$0.restartsPerMinute.isEmpty }
        #expect(html.components(separatedBy: "<path class=\"restarts\"").count - 1 == min(looping.count, ChartColor.units.count))
    }

    @Test("the JSON of each generated incident validates against docs/report.schema.json",
          .enabled(if: canGenerate && JSONReportTests.canValidate, "needs the generator and python3 with jsonschema"),
          arguments: ["reference-incident", "healthy-reboot"])
    func validates(scenario: String) throws {
        let (report, _) = try Self.analysed(scenario)
        let json = ReportRenderer.render(report, as: .json, options: RenderOptions())
        let dir = TestPaths.scratch("gen-json")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try Helpers.python(JSONReportTests.validator,
                                        [JSONReportTests.schemaPath, try Helpers.write(json, named: "r.json", in: dir), "valid"])
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
    }
}
