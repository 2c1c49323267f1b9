import Analysis
import Events
import Foundation
import KernelLog
import Testing
import TestSupport
@testable import Report

@Suite("JSON report")
struct JSONReportTests {
    static let schemaPath = TestPaths.packageRoot + "/docs/report.schema.json"

    /// Validates each `(file, mode)` with python's `jsonschema` (Draft 2020-12) and checks the schema
    /// against the instances: `full` instances must use every property the schema declares, `minimal`
    /// and `bare` ones exactly the required keys (nested objects and the top level respectively),
    /// `invalid` ones must be rejected.
    static let validator = #"""
    import json, sys
    from jsonschema import Draft202012Validator
    schema = json.load(open(sys.argv[1]))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    def resolve(s):
        name = 'root'
        while '$ref' in s:
            name = s['$ref'].split('/')[-1]
            s = schema['$defs'][name]
        return name, s
    def walk(inst, sub, seen, name='root'):
        if '$ref' in sub: name, sub = resolve(sub)
        if isinstance(inst, dict) and 'properties' in sub:
            seen.setdefault(name, (sub, []))[1].append(set(inst))
            for k, v in inst.items():
                if k in sub['properties']: walk(v, sub['properties'][k], seen, name + '.' + k)
        elif isinstance(inst, list) and 'items' in sub:
            for item in inst: walk(item, sub['items'], seen, name + '[]')
    failures = []
    for path, mode in zip(sys.argv[2::2], sys.argv[3::2]):
        inst = json.load(open(path))
        errors = sorted(e.message for e in validator.iter_errors(inst))
        if mode == 'invalid':
            if not errors: failures.append(path + ': accepted but should be rejected')
            continue
        failures += [path + ': ' + e for e in errors]
        seen = {}
        walk(inst, schema, seen)
        for name, (sub, keysets) in seen.items():
            declared, required = set(sub['properties']), set(sub.get('required', []))
            if mode == 'full' and set().union(*keysets) != declared:
                failures.append('%s: %s declares %s but the model wrote %s' % (path, name, sorted(declared), sorted(set().union(*keysets))))
            if mode == 'minimal' and name != 'root' or mode == 'bare' and name == 'root':
                for keys in keysets:
                    if keys != required:
                        failures.append('%s: %s requires %s but a minimal value has %s' % (path, name, sorted(required), sorted(keys)))
    print('\n'.join(failures))
    sys.exit(1 if failures else 0)
    """#

    static var canValidate: Bool { Helpers.pythonHas("jsonschema") }

    func validate(_ documents: [(String, String)]) throws -> CommandResult {
        let dir = TestPaths.scratch("schema")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var arguments = [Self.schemaPath]
        for (i, (text, mode)) in documents.enumerated() {
            arguments += [try Helpers.write(text, named: "r\(i).json", in: dir), mode]
        }
        return try Helpers.python(Self.validator, arguments)
    }

    @Test("reports validate against docs/report.schema.json, which describes the model exactly", .enabled(if: JSONReportTests.canValidate, "needs python3 with jsonschema"))
    func schema() throws {
        let render = { (r: PostmortemReport) in ReportRenderer.render(r, as: .json, options: RenderOptions()) }
        let result = try validate([(render(ReferenceReports.unclean()), "valid"), (render(ReferenceReports.clean()), "valid"),
                                   (render(ReferenceReports.hostile()), "valid"), (render(ReferenceReports.full()), "full"),
                                   (render(ReferenceReports.minimal()), "minimal"), (render(PostmortemReport()), "bare")])
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
    }

    /// Boots that only text logs hold have no systemd boot ID (`text-boot-N`); their reports
    /// validate too (real text: Tests/KernelLogTests/Fixtures/text).
    @Test("text-only reports validate: their boots are text-boot-N", .enabled(if: JSONReportTests.canValidate, "needs python3 with jsonschema"))
    func textOnlySchema() throws {
        let reports = try ["kubernetes-anywhere-v229-restart.log", "oomtool-rhel8-oom-report-cut.log"].map { name in
            let text = try String(contentsOfFile: TestPaths.packageRoot + "/Tests/KernelLogTests/Fixtures/text/" + name, encoding: .utf8)
            let file = KernelLogReader.parse(bytes: Array(text.utf8), path: "/var/log/syslog", modificationTime: nil)
            return Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: AnalysisOptions())
        }
        #expect(reports.allSatisfy { $0.analyzedBoot == "text-boot-1" })
        let result = try validate(reports.map { (ReportRenderer.render($0, as: .json, options: RenderOptions()), "valid") })
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
    }

    @Test("the schema rejects what the model cannot write", .enabled(if: JSONReportTests.canValidate, "needs python3 with jsonschema"))
    func schemaRejects() throws {
        let json = ReportRenderer.render(ReferenceReports.unclean(), as: .json, options: RenderOptions())
        func mutated(_ change: (inout [String: Any]) -> Void) throws -> String {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            change(&object)
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let cases = [
            try mutated { $0["schema"] = "postmortem.report/1" },
            try mutated { $0["end"] = ["kind": "exploded", "evidence": [String]()] },
            try mutated { $0.removeValue(forKey: "timeline") },
            try mutated { $0["surprise"] = 1 },
            try mutated { $0["oom_kills"] = [["kind": "cosmic-ray", "biggest_tasks": [String](), "evidence": [String]()]] },
            try mutated { $0["boots"] = [["boot_id": "xyz", "first": "2024-07-19T13:01:40Z", "last": "yesterday",
                                          "entries": 1, "end": "clean", "end_evidence": [String]()]] },
            json.replacingOccurrences(of: "\"role\" : \"primary\"", with: "\"role\" : \"likely\""),
        ]
        #expect(cases.last != json)
        for (i, text) in cases.enumerated() {
            let result = try validate([(text, "invalid")])
            #expect(result.status == 0, "case \(i): \(result.stdoutText)\(result.stderrText)")
        }
    }

    @Test("decoding the JSON gives back an equal report", arguments: ["unclean", "clean", "hostile", "full"])
    func roundTrip(name: String) throws {
        let report = ReferenceReports.named(name)
        let json = ReportRenderer.render(report, as: .json, options: RenderOptions())
        let back = try JSONDecoder().decode(PostmortemReport.self, from: Data(json.utf8))
        #expect(back.schema == report.schema)
        #expect(back.generator == report.generator)
        #expect(back.inputs == report.inputs)
        // Typed sources are read back as the sentences they were written as: equal when written again.
        #expect(back.host.hostname == report.host.hostname && back.host.machineID == report.host.machineID)
        #expect(ReportRenderer.render(back, as: .json, options: RenderOptions()) == json)
        #expect(back.boots == report.boots)
        #expect(back.analyzedBoot == report.analyzedBoot)
        #expect(back.end == report.end)
        #expect(back.units == report.units)
        #expect(back.oomKills == report.oomKills)
        #expect(back.forkRate == report.forkRate)
        #expect(back.kernelEvents == report.kernelEvents)
        #expect(back.rootCauses == report.rootCauses)
        // A row's facts are written as the sentence the other formats show, and read back as it.
        #expect(back.timeline == report.timeline.map { row in
            var written = row
            written.detail = .text(TimelineText.detail(row.detail))
            return written
        })
        #expect(back.notes == report.notes)
        #expect(back.detection == report.detection)
        #expect(ReportRenderer.render(back, as: .json, options: RenderOptions()) == json)
    }

    /// The `enum` the schema gives for `property` of `$defs/definition`.
    static func schemaEnum(_ definition: String, _ property: String) throws -> [String] {
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: schemaPath))) as? [String: Any])
        let defs = try #require(schema["$defs"] as? [String: Any])
        let def = try #require(defs[definition] as? [String: Any], "no $defs/\(definition)")
        let properties = try #require(def["properties"] as? [String: Any])
        let p = try #require(properties[property] as? [String: Any], "no \(definition).\(property)")
        return try #require(p["enum"] as? [String], "\(definition).\(property) lists no enum")
    }

    @Test("the kinds the schema lists are exactly the model's: timeline rows, inputs, their health")
    func schemaKinds() throws {
        #expect(try Self.schemaEnum("timeline_row", "kind") == TimelineKind.allCases.map(\.name))
        #expect(try Self.schemaEnum("input", "kind") == SourceKind.allCases.map(\.rawValue))
        #expect(try Self.schemaEnum("boot_end", "last_sign_source") == SourceKind.allCases.map(\.rawValue))
        #expect(try Self.schemaEnum("input_health", "status") == InputStatus.allCases.map(\.rawValue))
        #expect(try Self.schemaEnum("input_health", "state") == ["offline", "online", "archived", "unknown"])
    }

    @Test("a timeline kind is written by a name of its own and read back from it; an unknown name is refused")
    func timelineKindNames() throws {
        let names = TimelineKind.allCases.map(\.name)
        #expect(Set(names).count == names.count, "two kinds share a name")
        for kind in TimelineKind.allCases {
            #expect(TimelineKind(name: kind.name) == kind)
            let json = String(decoding: try JSONEncoder().encode([kind]), as: UTF8.self)
            #expect(json == "[\"\(kind.name)\"]")
            #expect(try JSONDecoder().decode([TimelineKind].self, from: Data(json.utf8)) == [kind])
        }
        // A kernel event kind is a timeline kind, except an OOM kill: it has a row kind of its own.
        for k in KernelDistressKind.allCases where k != .oomKill { #expect(TimelineKind.allCases.contains(.kernel(k))) }
        #expect(TimelineKind(name: "oom_kill") == nil)
        #expect(TimelineKind(name: "exit") == nil)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([TimelineKind].self, from: Data("[\"exit\"]".utf8)) }
    }

    @Test("snake_case keys, sorted; UTC times with microseconds; slashes unescaped")
    func shape() throws {
        let json = ReportRenderer.render(ReferenceReports.unclean(), as: .json, options: RenderOptions())
        #expect(json.contains("\"analyzed_boot\" : \"\(ReferenceReports.crashedBoot)\""))
        #expect(json.contains("\"last_entry\" : \"2024-07-19T13:01:40.250000Z\""))
        #expect(json.contains("\"path\" : \"/var/log/kern.log\""))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let keys = json.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys.map(String.init) == object.keys.sorted())
        // The display zone is for people; JSON keeps UTC.
        let zoned = ReportRenderer.render(ReferenceReports.unclean(), as: .json,
                                          options: RenderOptions(timeZone: .fixed(offsetSeconds: 7200, name: "CEST")))
        #expect(zoned == json)
    }
}
