import Analysis
import ArgumentParser
import Pipeline
import Report

extension PostmortemCommand {
    struct Boots: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the boots found and how each ended.",
            discussion: "Example: postmortem boots /var/log/journal --utc")

        @OptionGroup var input: InputOptions
        @OptionGroup var output: OutputOptions

        @Option(name: [.customShort("o"), .customLong("output"), .customLong("format")], help: "Output mode: text or json.")
        var format: String = "text"

        func validate() throws { try checkFormat(format, allowed: ["text", "json"]) }

        func run() throws {
            var input = input
            input.boot = "all"
            let (result, zone, _) = try analyzeOneHost(input)
            if format == "json" {
                try output.write(BootsRenderer.json(result.report.boots))
            } else {
                try output.write(BootsRenderer.table(result.report.boots, options: output.render(zone: zone)))
            }
        }
    }

    struct Timeline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the incident timeline alone.",
            discussion: "Example: postmortem timeline samples/reference-incident --format csv > timeline.csv")

        @OptionGroup var input: InputOptions
        @OptionGroup var output: OutputOptions

        @Option(name: [.customShort("o"), .customLong("output"), .customLong("format")], help: "Output mode: text, csv or json.")
        var format: String = "text"

        func validate() throws { try checkFormat(format, allowed: ["text", "csv", "json"]) }

        func run() throws {
            let (result, zone, _) = try analyzeOneHost(input)
            let render = output.render(zone: zone)
            switch format {
            case "csv": try output.write(TimelineRenderer.csv(result.report.timeline, options: render))
            case "json": try output.write(TimelineRenderer.json(result.report.timeline))
            default: try output.write(TimelineRenderer.text(result.report.timeline, options: render))
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print journal entries as journalctl -o export or -o json --all would.",
            discussion: """
            Examples:
              postmortem export /var/log/journal -o export > all.export
              postmortem export system.journal -o json | jq .MESSAGE
              postmortem export system.journal --reader libsystemd    # through sd-journal
            """)

        @Option(name: .shortAndLong, help: "export or json.")
        var output: String = "export"

        @Option(help: "native (ours; reads torn files) or libsystemd (sd-journal).")
        var reader: String = "native"

        @Argument(help: "Journal files or directories.")
        var paths: [String]

        func validate() throws {
            guard ExportOutput(rawValue: output) != nil else { throw ValidationError("--output must be export or json") }
            guard ReaderBackend(rawValue: reader) != nil else { throw ValidationError("--reader must be native or libsystemd") }
        }

        func run() throws {
            let format = ExportOutput(rawValue: output) ?? .export
            if ReaderBackend(rawValue: reader) == .libsystemd {
                let problems = JournalExport.runLibsystemd(paths: paths, format: format, sink: JournalExport.standardOutput)
                for p in problems { Console.error("postmortem: \(p)") }
                return
            }
            let outcome = JournalExport.run(paths: paths, format: format, sink: JournalExport.standardOutput)
            for p in outcome.problems { Console.error("postmortem: \(p)") }
            if outcome.filesRead == 0 {
                Console.error("postmortem: no journal file could be read in \(paths.map(Console.printable).joined(separator: " "))")
                throw ExitCode(3)
            }
        }
    }

    struct BatchCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "batch",
            abstract: "Analyse many hosts' archived journals: one report per host and a fleet summary.",
            discussion: """
            Each host (a host root, a machine-ID journal folder, or an archive) gets
            DIR/<host>/report.json and report.md; DIR/fleet.txt and DIR/fleet.jsonl sum them up.
            Example: postmortem batch /srv/archives/*.tar.zst --out reports -j 2
            """)

        @Argument(help: "Folders or archives holding one or many hosts.")
        var paths: [String]

        @Option(help: "Folder to write the reports into.")
        var out: String

        @Option(name: .customShort("j"), help: "Hosts analysed at once.")
        var jobs: Int = 2

        @Flag(help: "Show times in UTC.")
        var utc = false

        func run() throws {
            let outcome = try Batch.run(paths: paths, outDirectory: out, jobs: jobs, options: AnalysisOptions(),
                                        render: RenderOptions(timeZone: utc ? .utc : .local), hostZones: !utc)
            for p in outcome.problems { Console.error("postmortem: \(p)") }
            Console.out(FleetSummary.table(outcome.rows, options: RenderOptions(timeZone: utc ? .utc : .local, width: terminalColumns())))
            // 3: nothing could be read; 4: some hosts could not be read (their reports say so).
            if outcome.rows.isEmpty || outcome.rows.allSatisfy({ $0.error != nil }) { throw ExitCode(3) }
            if outcome.rows.contains(where: { $0.error != nil }) { throw ExitCode(4) }
        }
    }
}
