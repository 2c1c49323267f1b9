import Foundation
import Analysis

/// The output formats a report can be rendered in.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// A one-screen verdict for a terminal.
    case text
    /// An incident-report draft.
    case markdown
    /// The whole report as `postmortem.report/1` JSON (see `docs/report.schema.json`).
    case json
    /// One self-contained page with inline SVG charts.
    case html
}

/// The time zone times are shown in. Reports store UTC; this only changes how times print.
public enum DisplayZone: Sendable, Hashable {
    case utc
    /// A fixed offset east of UTC, with the name to print (`+02:00`, `CEST`).
    case fixed(offsetSeconds: Int, name: String)
    /// The machine's zone (`TimeZone.current`), with its daylight-saving rules.
    case local
    /// A zone of the time-zone database (`Europe/Berlin`), with its daylight-saving rules:
    /// an incident in July is shown in summer time whenever the report is read. A name the
    /// database does not know shows as UTC.
    case named(String)
    /// A zone known only by its rules (a machine's copied `etc/localtime` file).
    case rules(ZoneRules)

    /// A machine's zone from what its tree says: a database name, else the rules of a copied
    /// `localtime` file; `nil` when neither can be used.
    public static func machine(name: String?, tzif: [UInt8]?) -> DisplayZone? {
        if let name { return machine(name) }
        if let tzif, let rules = ZoneRules(tzif: tzif) { return rules.isUTC ? .utc : .rules(rules) }
        return nil
    }

    /// A machine's zone by its database name; the names of UTC itself show as `UTC`.
    public static func machine(_ name: String) -> DisplayZone {
        ["UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "Etc/GMT", "GMT",
         "Etc/GMT0", "GMT0", "Etc/Greenwich", "Greenwich"].contains(name) ? .utc : .named(name)
    }

    /// Seconds east of UTC at the instant `t`.
    public func offsetSeconds(at t: Timestamp) -> Int {
        switch self {
        case .utc: return 0
        case .fixed(let offset, _): return offset
        case .local: return TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: t.seconds))
        case .named(let id): return TimeZone(identifier: id)?.secondsFromGMT(for: Date(timeIntervalSince1970: t.seconds)) ?? 0
        case .rules(let r): return r.local(at: Int64(t.seconds.rounded(.down))).offset
        }
    }

    /// The zone's name at the instant `t` (the abbreviation in force then for `.local`; the
    /// database name and the offset then for `.named`).
    public func name(at t: Timestamp?) -> String {
        switch self {
        case .utc: return "UTC"
        case .fixed(_, let name): return name
        case .local:
            let zone = TimeZone.current
            let date = t.map { Date(timeIntervalSince1970: $0.seconds) } ?? Date()
            return zone.abbreviation(for: date) ?? zone.identifier
        case .named(let id):
            guard TimeZone(identifier: id) != nil else { return "UTC" }
            return "\(id) (\(Self.utcOffset(offsetSeconds(at: t ?? Self.now))))"
        case .rules(let r):
            let local = r.local(at: Int64((t ?? Self.now).seconds.rounded(.down)))
            return "\(local.abbreviation.isEmpty ? "local" : local.abbreviation) (\(Self.utcOffset(local.offset)))"
        }
    }

    private static var now: Timestamp { Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1e6)) }

    /// `UTC+05:30`.
    static func utcOffset(_ offset: Int) -> String {
        let minutes = abs(offset) / 60
        return "UTC\(offset < 0 ? "-" : "+")\(minutes / 60 < 10 ? "0" : "")\(minutes / 60):\(minutes % 60 < 10 ? "0" : "")\(minutes % 60)"
    }
}

/// How to render: the CLI fills it from its flags and the terminal it writes to.
public struct RenderOptions: Sendable {
    /// Use ANSI colour in `text` output (the CLI sets it for a terminal without `NO_COLOR`).
    public var color: Bool
    public var timeZone: DisplayZone
    /// Columns available to `text` output; every line fits in it (minimum 40).
    public var width: Int
    /// When the report was rendered, printed in Markdown and HTML footers; `nil` leaves it out
    /// so that the same report always renders the same bytes.
    public var generatedAt: Timestamp?
    /// Never cut a cell with `…`: long timeline details continue on the next lines. The CLI
    /// sets it with `--full` and whenever the output is not a terminal (a file, a pipe).
    public var full: Bool
    /// The command line that made the report, quoted in Markdown and HTML so that a reader can
    /// run it again; `nil` leaves it out.
    public var commandLine: String?

    public init(color: Bool = false, timeZone: DisplayZone = .utc, width: Int = 100, generatedAt: Timestamp? = nil,
                full: Bool = false) {
        self.color = color
        self.timeZone = timeZone
        self.width = width
        self.generatedAt = generatedAt
        self.full = full
    }

    /// The width actually laid out: narrower than 40 columns cannot hold the tables.
    var effectiveWidth: Int { max(width, 40) }
}
