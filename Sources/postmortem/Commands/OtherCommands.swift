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
            // Read as `journalctl --list-boots` reads: through the index and every boot's edges.
            let (result, zone, _) = try analyzeOneHost(input, bootsOnly: true)
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
            discussion: "Example:\n  postmortem timeline samples/reference-incident --format csv > timeline.csv")

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

            Exit status:
              0   the entries were written
              3   no journal file could be read (--reader libsystemd: it refused them)
              4   libsystemd stopped partway (an assertion or a read error in it, reported
                  naming the files; the entries before it were written)
            """)

        @Option(name: .shortAndLong, help: "export or json.")
        var output: String = "export"

        @Option(help: "native (ours; reads torn files) or libsystemd (sd-journal).")
        var reader: String = "native"

        @Argument(help: "Journal files or directories.")
        var paths: [String]

        @Option(help: memoryBudgetHelp)
        var memoryBudget: String?

        func validate() throws {
            _ = try validatedMemoryBudget(memoryBudget)
            guard ExportOutput(rawValue: output) != nil else { throw ValidationError("--output must be export or json") }
            guard ReaderBackend(rawValue: reader) != nil else { throw ValidationError("--reader must be native or libsystemd") }
        }

        func run() throws {
            let format = ExportOutput(rawValue: output) ?? .export
            if ReaderBackend(rawValue: reader) == .libsystemd {
                let outcome = JournalExport.runLibsystemd(paths: paths, format: format, sink: JournalExport.standardOutput)
                for p in outcome.problems { Console.error("postmortem: \(p)") }
                // 3: nothing could be read; 4: libsystemd stopped partway (what came before was written).
                if outcome.failed { throw ExitCode(outcome.bytesWritten == 0 ? 3 : 4) }
                return
            }
            let outcome = JournalExport.run(paths: paths, format: format, budget: try validatedMemoryBudget(memoryBudget),
                                            sink: JournalExport.standardOutput)
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
            Each host (a host root, a machine-ID journal folder, or an archive) gets DIR/<host>/report.json, report.md and report.html; DIR/fleet.txt, fleet.jsonl, fleet.md and fleet.html sum them up, hosts most severe first.

            With --shard K/N (K from 0 to N-1) only the hosts whose path under the named folders hashes to K are analysed, so N machines split a fleet; put the shards back together with `postmortem fleet merge`.

            Examples:
              postmortem batch /srv/archives/*.tar.zst --out reports -j 2
              postmortem batch /srv/archives --shard "$JOB_COMPLETION_INDEX/8" \\
                  --out "shard-$JOB_COMPLETION_INDEX"

            Exit status:
              0   every host was read
              3   none could be
              4   some could not be (their rows and reports say why)
            """)

        @Argument(help: "Folders or archives holding one or many hosts.")
        var paths: [String]

        @Option(help: "Folder to write the reports into.")
        var out: String

        @Option(name: .customShort("j"), help: "Hosts analysed at once.")
        var jobs: Int = 2

        @Option(help: ArgumentHelp("Analyse only share K of N (K from 0), by a hash of each host's path.",
                                   valueName: "K/N"))
        var shard: String?

        @Flag(help: "Show times in UTC.")
        var utc = false

        @Option(help: memoryBudgetHelp)
        var memoryBudget: String?

        func validate() throws {
            _ = try validatedMemoryBudget(memoryBudget)
        }

        func run() throws {
            let budget = try validatedMemoryBudget(memoryBudget)
            var share = FleetShard.all
            if let shard {
                guard let parsed = FleetShard(shard) else {
                    throw ValidationError("--shard wants K/N with 0 <= K < N, as in 0/4; got '\(shard)'")
                }
                share = parsed
            }
            let outcome = try Batch.run(paths: paths, outDirectory: out, jobs: jobs, options: AnalysisOptions(),
                                        render: RenderOptions(timeZone: utc ? .utc : .local), hostZones: !utc, shard: share,
                                        budget: budget)
            for p in outcome.problems { Console.error("postmortem: \(p)") }
            Console.out(FleetSummary.table(outcome.rows, options: RenderOptions(timeZone: utc ? .utc : .local, width: terminalColumns())))
            // A shard that owns no host has nothing to read, and that is not a failure.
            if outcome.rows.isEmpty && share.count > 1 { return }
            try BatchCommand.exitStatus(outcome.rows)
        }

        /// 3: nothing could be read; 4: some hosts could not be read (their reports say so).
        static func exitStatus(_ rows: [FleetSummary.FleetRow]) throws {
            if rows.isEmpty || rows.allSatisfy({ $0.error != nil }) { throw ExitCode(3) }
            if rows.contains(where: { $0.error != nil }) { throw ExitCode(4) }
        }
    }

    struct Fleet: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fleet",
            abstract: "Work on the output of batch runs.",
            subcommands: [Merge.self])

        struct Merge: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "merge",
                abstract: "Merge the folders of `batch --shard` runs into one fleet report.",
                discussion: """
                Reads each DIR/fleet.jsonl, copies the hosts' report folders into --out, and writes fleet.txt, fleet.jsonl, fleet.md and fleet.html there: the same files one unsharded batch over every host writes. Exit status as for batch.

                Example: postmortem fleet merge shard-* --out fleet
                """)

            @Argument(help: "Output folders of `batch --shard K/N` runs.")
            var directories: [String]

            @Option(help: "Folder to write the merged fleet into.")
            var out: String

            @Flag(help: "Show times in UTC.")
            var utc = false

            func run() throws {
                let outcome: FleetMerge.Outcome
                do {
                    outcome = try FleetMerge.run(directories: directories, outDirectory: out,
                                                 render: RenderOptions(timeZone: utc ? .utc : .local))
                } catch let failure as FleetMerge.Failure {
                    Console.error("postmortem: \(failure)")
                    throw ExitCode(3)
                }
                for p in outcome.problems { Console.error("postmortem: \(p)") }
                Console.out(FleetSummary.table(outcome.rows, options: RenderOptions(timeZone: utc ? .utc : .local, width: terminalColumns())))
                try BatchCommand.exitStatus(outcome.rows)
            }
        }
    }
}
