import Analysis
import ArgumentParser
import Inputs
import KernelLog
import Pipeline
import Report

extension PostmortemCommand {
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Analyse a boot: how it ended, ranked root causes, and the timeline.",
            discussion: """
            Examples:
              postmortem analyze                  # this machine's previous boot
              postmortem analyze samples/reference-incident
              postmortem analyze --root /mnt/disk -o markdown --output-file incident.md
              postmortem analyze host.tar.zst -o html --output-file report.html
              postmortem analyze /var/log/journal --boot -1 --utc --format json
              postmortem analyze --previous-boot-if-unclean \\
                  --out-dir /var/lib/postmortem --keep 10

            With --out-dir, report.md, report.json and report.html go to DIR/<boot-id>/ and one summary line is printed. --previous-boot-if-unclean is what postmortem-boot.service runs at boot: it analyses the previous boot only when that did not end cleanly, and otherwise writes nothing and exits 0.
            """)

        @OptionGroup var input: InputOptions
        @OptionGroup var output: OutputOptions

        @Option(name: [.customShort("o"), .customLong("output"), .customLong("format")],
                help: "Output mode: text, markdown, json or html.")
        var format: String = "text"

        @Flag(help: "Exit with status 10 when a root cause was found (for scripts).")
        var failOnCause = false

        @Flag(help: "Analyse the previous boot (--boot -1) only if it did not end cleanly; else write nothing and exit 0.")
        var previousBootIfUnclean = false

        @Option(help: ArgumentHelp("Write report.md, report.json and report.html to DIR/<boot-id>/ and print a summary line.",
                                   valueName: "dir"))
        var outDir: String?

        @Option(help: "With --out-dir: keep only the newest N report folders in it.")
        var keep: Int?

        @Flag(help: "With --out-dir: log the summary line to the journal too (MESSAGE_ID=\(JournalSummary.messageID)).")
        var journalSummary = false

        func validate() throws {
            try checkFormat(format, allowed: ReportFormat.allCases.map(\.rawValue))
            if previousBootIfUnclean, Arguments.boot(input.boot) != .auto {
                throw ValidationError("--previous-boot-if-unclean analyses the previous boot: leave out --boot")
            }
            if let keep, keep < 1 { throw ValidationError("--keep must be 1 or more") }
            if outDir == nil, keep != nil || journalSummary {
                throw ValidationError("--keep and --journal-summary go with --out-dir")
            }
            if outDir != nil, output.outputFile != nil { throw ValidationError("--out-dir and --output-file exclude each other") }
        }

        func run() throws {
            var input = input
            if previousBootIfUnclean { input.boot = "-1" }
            // With no previous boot the boot path has nothing to do: not an error.
            var (result, zone, zoneNote) = try analyzeOneHost(input, missingBootIsError: !previousBootIfUnclean)
            if previousBootIfUnclean, !PreviousBootCheck.wantsReport(result.report.end?.kind) {
                if !input.quiet { Console.error("postmortem: \(PreviousBootCheck.skipReason(result.report)): nothing written") }
                return
            }
            if let outDir {
                try writeFolder(result.report, into: outDir, zone: zone, zoneNote: zoneNote)
                if failOnCause && !result.report.rootCauses.isEmpty { throw ExitCode(10) }
                return
            }
            // JSON keeps UTC whatever the zone; the other formats say which zone they show.
            if let zoneNote, format != "json" { result.report.notes.append(.text(zoneNote)) }
            var render = output.render(zone: zone)
            render.color = render.color && format == "text"
            // Every report says what made it: the tool with its commit, the command, the time.
            result.report.generator = "postmortem " + BuildInfo.versionLine
            render.generatedAt = .now
            render.commandLine = CommandLine.arguments.map(shellQuoted).joined(separator: " ")
            try output.write(ReportRenderer.render(result.report, as: ReportFormat(rawValue: format) ?? .text, options: render))
            if failOnCause && !result.report.rootCauses.isEmpty { throw ExitCode(10) }
        }

        /// `--out-dir`: the three reports in DIR/<boot-id>/, older folders pruned, one summary
        /// line on stdout and, with `--journal-summary`, in the journal (exit 1 if that fails).
        private func writeFolder(_ report: PostmortemReport, into outDir: String, zone: DisplayZone, zoneNote: String?) throws {
            let folder = ReportFolder.name(for: report)
            let dir = outDir + "/" + folder
            do {
                try ReportFolder.write(report, into: dir, options: RenderOptions(timeZone: zone), zoneNote: zoneNote)
            } catch {
                Console.error("postmortem: \(error) (the reports go to \(dir))")
                throw ExitCode.failure
            }
            if let keep {
                let (_, problems) = ReportFolder.prune(outDir, keep: keep, sparing: folder)
                for p in problems { Console.error("postmortem: \(p)") }
            }
            let line = ReportRenderer.summaryLine(report, options: RenderOptions(timeZone: zone)) + "; reports in \(dir)/"
            Console.out(line + "\n")
            if journalSummary {
                do {
                    try JournalSummary.send(report, line: line, reportFolder: dir)
                } catch {
                    Console.error("postmortem: cannot log the summary to the journal: \(error)")
                    throw ExitCode.failure
                }
            }
        }
    }
}

/// Discovers the inputs, picks the one host (all found hosts are merged when the user
/// named several paths of one machine), and analyses it. Exits 3 when nothing was read.
func analyzeOneHost(_ input: InputOptions, missingBootIsError: Bool = true, bootsOnly: Bool = false) throws -> (HostResult, DisplayZone, String?) {
    let local = input.paths.isEmpty && input.root == nil
    let budget = input.budget
    var hosts = local ? [InputDiscovery.localMachine(budget: budget)]
        : InputDiscovery.discover(paths: input.paths, root: input.root, budget: budget)
    if let wanted = input.host {
        guard let hit = HostChoice.hosts(named: wanted, among: hosts).first else {
            Console.error("postmortem: no host \(Console.printable(wanted)) in the input; the hosts there are: \(HostChoice.names(hosts).joined(separator: ", "))")
            throw ExitCode(3)
        }
        hosts = [hit]
    }
    // The zone is settled once: reports show times in it and --since/--until are read in it.
    let machine = hosts.first.flatMap { MachineZone(of: $0, hint: "--utc or --tz changes that.") }
    let zone = input.zone(machine: machine)
    var options = input.analysisOptions(zone: zone)
    options.bootsOnly = bootsOnly
    if local {
        options.localBootID = LocalMachine.bootID()
        if case .auto = options.boot { options.boot = .offset(-1) }
    }
    guard !hosts.isEmpty else {
        Console.error("postmortem: no input found in \(input.paths.joined(separator: " "))")
        throw ExitCode(3)
    }
    if hosts.count > 1 {
        let names = HostChoice.names(hosts)
        Console.error("postmortem: \(hosts.count) hosts found (\(names.joined(separator: ", "))); analysing \(names[0]). Use `--host NAME` for another, `postmortem batch` for all.")
    }
    let result = HostAnalysis.run(hosts[0], options: options, budget: budget, progress: Progress(quiet: input.quiet))
    for p in result.problems { Console.error("postmortem: \(p)") }
    // A boot asked for by number or ID that is not there is an error, as in journalctl.
    switch options.boot {
    case .offset, .index, .id:
        if missingBootIsError, result.report.analyzedBoot == nil, !result.report.boots.isEmpty {
            Console.error("postmortem: no boot \(Console.printable(input.boot)) in the input; the boots there are:")
            let table = BootsRenderer.table(result.report.boots, options: RenderOptions(timeZone: input.zone(machine: machine), width: 100))
            for line in table.split(separator: "\n") { Console.error("  " + line) }
            throw ExitCode(3)
        }
        if missingBootIsError, let untimed = result.report.untimedBoots, untimed.analysed == nil {
            Console.error("postmortem: no boot \(Console.printable(input.boot)) in the input: its kernel logs hold \(untimed.count) boots "
                          + "without wall-clock times (told apart by their kernel clocks); --boot 1…\(untimed.count) or -\(untimed.count - 1)…0 chooses one")
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
