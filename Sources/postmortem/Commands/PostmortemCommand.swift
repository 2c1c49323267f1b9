import Analysis
import ArgumentParser
import Inputs
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
          postmortem                          # this machine, after a reboot
          postmortem analyze /mnt/image -o markdown --output-file incident.md
          postmortem analyze var-log-copy.tar.zst --boot -1
          postmortem boots /var/log/journal
          postmortem batch fleet-archives/ --out reports/ -j 2

        Exit status:
          0   the analysis ran
          1   the report could not be written
          2   usage error
          3   no input could be read
          4   some hosts could not be read (batch), libsystemd stopped (export)
          10  a root cause was found (with --fail-on-cause)
        """,
        version: BuildInfo.versionLine,
        subcommands: [Analyze.self, Boots.self, Timeline.self, Export.self, BatchCommand.self, Fleet.self, Alerts.self],
        defaultSubcommand: Analyze.self)
}

/// What to read and which part of it.
struct InputOptions: ParsableArguments {
    @Argument(help: "Journal files or directories, journalctl -o export/json/verbose dumps, kernel logs, pstore folders, host roots, or .tar/.tar.gz/.tar.zst/.tar.xz/.tar.bz2/.zip/.7z archives of them. None: this machine.")
    var paths: [String] = []

    @Option(help: "A host root (mounted image or copied tree) to find every input inside.")
    var root: String?

    @Option(help: "Of several hosts found (a folder of collected logs), the one to analyse: its hostname, label or machine ID.")
    var host: String?

    // `.unconditional`: `--boot -1` and `-b -1` read `-1` as the value, as journalctl does.
    @Option(name: [.customShort("b"), .long], parsing: .unconditional,
            help: "Which boot: auto (newest that ended badly), 0 (newest), -1 (previous), an index, a boot ID, or all.")
    var boot: String = "auto"

    @Option(name: [.customShort("S"), .long], parsing: .unconditional,
            help: "Only entries from this time on: '2024-07-19 07:52[:28]', 2024-07-19, 07:52, today, yesterday, now, -1h, '2 days ago', @unix-seconds.")
    var since: String?

    @Option(name: [.customShort("U"), .long], parsing: .unconditional, help: "Only entries up to this time (same forms as --since).")
    var until: String?

    @Option(name: [.customShort("u"), .long], help: "Restrict the unit table and its causes to this unit.")
    var unit: String?

    @Flag(help: "Show times in UTC.")
    var utc = false

    @Option(help: "Show times in this zone (UTC, local, +02:00, Europe/Berlin). Default: the analysed machine's zone (its etc/localtime), else this machine's.")
    var tz: String?

    @Flag(name: .shortAndLong, help: "No progress on stderr.")
    var quiet = false

    @Option(help: memoryBudgetHelp)
    var memoryBudget: String?

    func validate() throws {
        _ = try validatedMemoryBudget(memoryBudget)
        guard Arguments.boot(boot) != nil else { throw ValidationError("--boot: '\(boot)' is not auto, all, a number or a boot ID") }
        if utc, tz != nil { throw ValidationError("--utc and --tz choose the zone twice; give one of them") }
        if let tz {
            do { _ = try Arguments.zone(tz) } catch { throw ValidationError("--tz: \(error)") }
        }
        var window: [Timestamp] = []
        for (name, value) in [("--since", since), ("--until", until)] {
            guard let value else { continue }
            do { window.append(try Arguments.time(value, zone: zone)) } catch { throw ValidationError("\(name): \(error)") }
        }
        if window.count == 2, let from = window.first, let to = window.last, to < from {
            throw ValidationError("--until (\(Console.printable(until ?? ""))) is before --since (\(Console.printable(since ?? ""))): the window is empty")
        }
    }

    /// The zone asked for with `--utc` or `--tz`, if any.
    var explicitZone: DisplayZone? {
        if utc { return .utc }
        if let tz { return try? Arguments.zone(tz) }
        return nil
    }

    /// The zone to show times in: the one asked for, else the analysed machine's own (from
    /// its `etc/localtime`), else this machine's.
    func zone(machine: MachineZone?) -> DisplayZone {
        explicitZone ?? machine?.zone ?? .local
    }

    var zone: DisplayZone { zone(machine: nil) }

    /// `--memory-budget`, else `POSTMORTEM_MEMORY_BUDGET`, else 1 GiB (checked in `validate`).
    var budget: MemoryBudget { (try? Arguments.memoryBudget(memoryBudget)) ?? .standard }

    /// `--since`/`--until` are read in the zone the report is shown in.
    func analysisOptions(zone: DisplayZone) -> AnalysisOptions {
        AnalysisOptions(boot: Arguments.boot(boot) ?? .auto, since: since.flatMap { try? Arguments.time($0, zone: zone) },
                        until: until.flatMap { try? Arguments.time($0, zone: zone) }, unit: unit)
    }
}

/// `--memory-budget`'s help, the same for every command that reads input.
let memoryBudgetHelp = ArgumentHelp(
    "Peak memory to stay within, as 512M, 2G (default 1G, or $POSTMORTEM_MEMORY_BUDGET): what is read "
        + "of kernel logs, archives and unit files is capped by shares of it, and a cap that is hit is named.",
    valueName: "SIZE")

/// `--memory-budget` (or the environment's) as a usage error when it is not a budget.
func validatedMemoryBudget(_ text: String?) throws -> MemoryBudget {
    do { return try Arguments.memoryBudget(text) } catch { throw ValidationError(error.description) }
}

/// When text output is coloured.
enum ColorMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// Where the output goes and how text is laid out.
struct OutputOptions: ParsableArguments {
    @Option(name: .customLong("output-file"), help: "Write to this file instead of standard output.")
    var outputFile: String?

    @Flag(help: "Never cut text with …: long lines continue below (always so when the output is not a terminal).")
    var full = false

    @Option(help: "Colour text output: auto (a terminal, unless NO_COLOR is set or TERM=dumb), always or never.")
    var color: ColorMode = .auto

    /// Writes the whole text to `--output-file`, or to standard output; a file that cannot
    /// be written is an `OutputFailure` (exit 1, one line).
    func write(_ text: String) throws {
        let body = text.hasSuffix("\n") ? text : text + "\n"
        guard let outputFile else { return Console.out(body) }
        let fd = open(outputFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputFailure(path: outputFile, reason: String(cString: strerror(errno))) }
        var bytes = body
        let failed = bytes.withUTF8 { Console.write(UnsafeRawBufferPointer($0), to: fd) }
        let closed = close(fd) == 0 ? nil : String(cString: strerror(errno))
        if let reason = failed ?? closed { throw OutputFailure(path: outputFile, reason: reason) }
    }

    var toTerminal: Bool { outputFile == nil && isatty(1) != 0 }

    /// Colour: asked for, or on a terminal that can show it.
    var colored: Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto:
            let term = getenv("TERM").map { String(cString: $0) }
            return toTerminal && getenv("NO_COLOR") == nil && term != "dumb"
        }
    }

    /// Render options for text: the terminal's width (or `$COLUMNS`, else 100), and nothing
    /// cut unless the text goes to a terminal without `--full`.
    func render(zone: DisplayZone) -> RenderOptions {
        RenderOptions(color: colored, timeZone: zone, width: terminalColumns(), full: full || !toTerminal)
    }
}

func terminalColumns() -> Int {
    var ws = winsize()
    if isatty(1) != 0, ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
    if let c = getenv("COLUMNS"), let n = Int(String(cString: c)), n >= 40, n <= 1000 { return n }
    return 100
}

/// A report format given to `-o`/`--output`/`--format`; a file name there gets a hint,
/// since `-o` is the output mode, as in journalctl.
func checkFormat(_ value: String, allowed: [String]) throws {
    guard !allowed.contains(value) else { return }
    if value.contains(".") || value.contains("/") {
        throw ValidationError("-o/--output is the output mode (\(allowed.joined(separator: ", "))), as in journalctl; "
            + "write to a file with --output-file \(Console.printable(value))")
    }
    throw ValidationError("-o/--output/--format must be one of \(allowed.joined(separator: ", ")), not '\(Console.printable(value))'")
}

/// The report could not be written where the user asked.
struct OutputFailure: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot write \(Console.printable(path)): \(reason)" }
}

/// `arg` as a POSIX shell reads it back: bare when it is plain, else in single quotes.
func shellQuoted(_ arg: String) -> String {
    let plain = !arg.isEmpty && arg.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:@%+,".contains($0)) }
    return plain ? arg : "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
