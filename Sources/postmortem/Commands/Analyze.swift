import Analysis
import ArgumentParser
import Inputs
import Pipeline
import Report

extension PostmortemCommand {
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Analyse a boot: how it ended, ranked root causes, and the timeline.",
            discussion: """
            Examples:
              postmortem analyze                                   # this machine's previous boot
              postmortem analyze samples/reference-incident
              postmortem analyze --root /mnt/disk --format markdown -o incident.md
              postmortem analyze host.tar.zst --format html -o report.html
              postmortem analyze /var/log/journal --boot -2 --utc --format json
            """)

        @OptionGroup var input: InputOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "text, markdown, json or html.")
        var format: String = "text"

        @Flag(help: "Exit with status 10 when a root cause was found (for scripts).")
        var failOnCause = false

        func validate() throws {
            guard ReportFormat(rawValue: format) != nil else { throw ValidationError("--format must be text, markdown, json or html") }
        }

        func run() throws {
            var (result, zone, zoneNote) = try analyzeOneHost(input)
            // JSON keeps UTC whatever the zone; the other formats say which zone they show.
            if let zoneNote, format != "json" { result.report.notes.append(zoneNote) }
            let render = RenderOptions(color: format == "text" && useColor(output), timeZone: zone,
                                       width: terminalColumns())
            try output.write(ReportRenderer.render(result.report, as: ReportFormat(rawValue: format) ?? .text, options: render))
            if failOnCause && !result.report.rootCauses.isEmpty { throw ExitCode(10) }
        }
    }
}

/// Discovers the inputs, picks the one host (all found hosts are merged when the user
/// named several paths of one machine), and analyses it. Exits 3 when nothing was read.
func analyzeOneHost(_ input: InputOptions) throws -> (HostResult, DisplayZone, String?) {
    let local = input.paths.isEmpty && input.root == nil
    let hosts = local ? [InputDiscovery.localMachine()] : InputDiscovery.discover(paths: input.paths, root: input.root)
    // The zone is settled once: reports show times in it and --since/--until are read in it.
    let machine = hosts.first.flatMap { MachineZone(of: $0, hint: "--utc or --tz changes that.") }
    let zone = input.zone(machine: machine)
    var options = input.analysisOptions(zone: zone)
    if local {
        options.localBootID = LocalMachine.bootID()
        if case .auto = options.boot { options.boot = .offset(-1) }
    }
    guard !hosts.isEmpty else {
        Console.error("postmortem: no input found in \(input.paths.joined(separator: " "))")
        throw ExitCode(3)
    }
    if hosts.count > 1 {
        Console.error("postmortem: \(hosts.count) hosts found (\(hosts.map(\.label).joined(separator: ", "))); analysing \(hosts[0].label). Use `postmortem batch` for all.")
    }
    let result = HostAnalysis.run(hosts[0], options: options, progress: Progress(quiet: input.quiet))
    for p in result.problems { Console.error("postmortem: \(p)") }
    guard result.readAnything else {
        if local {
            Console.error("postmortem: nothing to read on this machine: no journal in /var/log/journal or /run/log/journal, "
                + "no kern.log or messages in /var/log, no pstore or kdump record; name journal files, a copied tree or an archive")
        } else if result.journalFilesOpened > 0 && result.problems.isEmpty {
            Console.error("postmortem: the \(result.journalFilesOpened == 1 ? "journal file holds" : "\(result.journalFilesOpened) journal files hold") no entries, and there is no kernel log: nothing to analyse")
        } else {
            Console.error("postmortem: no input could be read")
        }
        throw ExitCode(3)
    }
    return (result, zone, input.explicitZone == nil ? machine?.note : nil)
}
