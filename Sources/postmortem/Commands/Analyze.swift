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
              postmortem analyze --root /mnt/disk -o markdown --output-file incident.md
              postmortem analyze host.tar.zst -o html --output-file report.html
              postmortem analyze /var/log/journal --boot -2 --utc --format json
            """)

        @OptionGroup var input: InputOptions
        @OptionGroup var output: OutputOptions

        @Option(name: [.customShort("o"), .customLong("output"), .customLong("format")],
                help: "Output mode: text, markdown, json or html.")
        var format: String = "text"

        @Flag(help: "Exit with status 10 when a root cause was found (for scripts).")
        var failOnCause = false

        func validate() throws {
            try checkFormat(format, allowed: ReportFormat.allCases.map(\.rawValue))
        }

        func run() throws {
            var (result, zone, zoneNote) = try analyzeOneHost(input)
            // JSON keeps UTC whatever the zone; the other formats say which zone they show.
            if let zoneNote, format != "json" { result.report.notes.append(zoneNote) }
            var render = output.render(zone: zone)
            render.color = render.color && format == "text"
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
    // A boot asked for by number or ID that is not there is an error, as in journalctl.
    switch options.boot {
    case .offset, .index, .id:
        if result.report.analyzedBoot == nil, !result.report.boots.isEmpty {
            Console.error("postmortem: no boot \(Console.printable(input.boot)) in the input; the boots there are:")
            let table = BootsRenderer.table(result.report.boots, options: RenderOptions(timeZone: input.zone(machine: machine), width: 100))
            for line in table.split(separator: "\n") { Console.error("  " + line) }
            throw ExitCode(3)
        }
    case .auto, .all:
        break
    }
    if let unit = input.unit, result.report.units.isEmpty {
        Console.error("postmortem: no unit matching \(Console.printable(unit)) did anything notable in the analysed boot "
            + "(a name without a type means .service; globs such as 'poly*' work)")
    }
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
