import Analysis
import ArgumentParser
import Pipeline
import Report
#if canImport(Glibc)
import Glibc
#endif

/// The root command: `postmortem` with no subcommand analyses the local machine.
struct PostmortemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postmortem",
        abstract: "What killed this machine? Reads the journal and kernel logs a crashed boot left behind.",
        discussion: """
        With no arguments, analyses the local machine's previous boot. Examples:
          postmortem                                  # this machine, after a reboot
          postmortem analyze /mnt/image --format markdown -o incident.md
          postmortem analyze var-log-copy.tar.zst --boot -1
          postmortem boots /var/log/journal
          postmortem batch fleet-archives/ --out reports/ -j 2
        Exit status: 0 the analysis ran, 2 usage error, 3 no input could be read,
        10 a root cause was found (with --fail-on-cause).
        """,
        version: "0.1.0",
        subcommands: [Analyze.self, Boots.self, Timeline.self, Export.self, BatchCommand.self],
        defaultSubcommand: Analyze.self)
}

/// What to read and which part of it.
struct InputOptions: ParsableArguments {
    @Argument(help: "Journal files or directories, kernel logs, pstore folders, host roots, or .tar/.tar.gz/.tar.zst archives of them. None: this machine.")
    var paths: [String] = []

    @Option(help: "A host root (mounted image or copied tree) to find every input inside.")
    var root: String?

    @Option(help: "Which boot: auto (newest that ended badly), 0 (newest), -1 (previous), an index, a boot ID, or all.")
    var boot: String = "auto"

    @Option(help: "Only entries from this time on (2024-07-19T07:52:28Z, '2024-07-19 07:52', @unix-seconds).")
    var since: String?

    @Option(help: "Only entries up to this time.")
    var until: String?

    @Option(help: "Restrict the unit table and its causes to this unit.")
    var unit: String?

    @Flag(help: "Show times in UTC.")
    var utc = false

    @Option(help: "Show times in this zone (UTC, local, +02:00, Europe/Berlin). Default: the analysed machine's zone (its etc/localtime), else this machine's.")
    var tz: String?

    @Flag(name: .shortAndLong, help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard Arguments.boot(boot) != nil else { throw ValidationError("--boot: '\(boot)' is not auto, all, a number or a boot ID") }
        if let tz, Arguments.zone(tz) == nil { throw ValidationError("--tz: unknown zone '\(tz)'") }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, Arguments.time(value, zone: zone) == nil { throw ValidationError("\(name): cannot read time '\(value)'") }
        }
    }

    /// The zone asked for with `--utc` or `--tz`, if any.
    var explicitZone: DisplayZone? {
        if utc { return .utc }
        if let tz, let z = Arguments.zone(tz) { return z }
        return nil
    }

    /// The zone to show times in: the one asked for, else the analysed machine's own (from
    /// its `etc/localtime`), else this machine's.
    func zone(machine: MachineZone?) -> DisplayZone {
        explicitZone ?? machine?.zone ?? .local
    }

    var zone: DisplayZone { zone(machine: nil) }

    /// `--since`/`--until` are read in the zone the report is shown in.
    func analysisOptions(zone: DisplayZone) -> AnalysisOptions {
        AnalysisOptions(boot: Arguments.boot(boot) ?? .auto, since: since.flatMap { Arguments.time($0, zone: zone) },
                        until: until.flatMap { Arguments.time($0, zone: zone) }, unit: unit)
    }
}

/// Where the output goes.
struct OutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .customLong("output")], help: "Write to this file instead of standard output.")
    var outputFile: String?

    func write(_ text: String) throws {
        if let outputFile {
            do {
                try text.write(toFile: outputFile, atomically: true, encoding: .utf8)
            } catch {
                throw ValidationError("cannot write \(outputFile): \(error)")
            }
        } else {
            Console.out(text.hasSuffix("\n") ? text : text + "\n")
        }
    }

    var toTerminal: Bool { outputFile == nil && isatty(1) != 0 }
}

func terminalColumns() -> Int {
    var ws = winsize()
    if isatty(1) != 0, ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
    return 100
}

func useColor(_ output: OutputOptions) -> Bool {
    output.toTerminal && getenv("NO_COLOR") == nil
}
