import Foundation
import Testing
import TestSupport

/// `--tz` is one zone everywhere: every clock time a report prints is in the chosen zone, none
/// is the UTC clock of one of the report's instants, and the JSON's prose holds no clock at all
/// (its times are the UTC timestamps; Analysis writes no formatted time).
@Suite("one zone everywhere")
struct ZoneEverywhereTests {
    static let sample = TestPaths.packageRoot + "/samples/reference-incident"
    /// An offset no real zone uses, so that no clock in it can pass for a UTC one by chance.
    static let offsetSeconds = 5 * 3600 + 17 * 60

    static func clocks(_ text: String) -> Set<String> {
        let re = try? NSRegularExpression(pattern: #"(?<![0-9:])[0-2][0-9]:[0-5][0-9]:[0-5][0-9](?![0-9])"#)
        let ns = text as NSString
        return Set((re?.matches(in: text, range: NSRange(location: 0, length: ns.length)) ?? []).map { ns.substring(with: $0.range) })
    }

    /// Every ISO 8601 UTC timestamp in the JSON report.
    static func instants(_ json: Any) -> [Date] {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        switch json {
        case let s as String: return s.hasSuffix("Z") ? [iso.date(from: s)].compactMap { $0 } : []
        case let a as [Any]: return a.flatMap(instants)
        case let d as [String: Any]: return d.values.flatMap(instants)
        default: return []
        }
    }

    static func clock(_ d: Date, offset: Int) -> String {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(secondsFromGMT: offset) ?? TimeZone(identifier: "UTC") ?? c.timeZone
        let x = c.dateComponents([.hour, .minute, .second], from: d)
        return String(format: "%02d:%02d:%02d", x.hour ?? 0, x.minute ?? 0, x.second ?? 0)
    }

    @Test("text, Markdown and HTML print every time in the --tz zone; JSON prose prints none", arguments: ["text", "markdown", "html"])
    func oneZone(format: String) throws {
        let json = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", "--format", "json", Self.sample])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout))
        let times = Self.instants(object)
        #expect(times.count > 50)
        let zoned = Set(times.map { Self.clock($0, offset: Self.offsetSeconds) })
        let utcOnly = Set(times.map { Self.clock($0, offset: 0) }).subtracting(zoned)
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--tz", "+05:17", "--format", format, Self.sample])
        #expect(r.status == 0)
        let printed = Self.clocks(r.stdoutText)
        #expect(printed.intersection(zoned).count >= 10, "the report's times, in the zone")
        #expect(printed.intersection(utcOnly).isEmpty, "UTC clocks in a +05:17 report: \(printed.intersection(utcOnly).sorted())")
    }

    @Test("the JSON's strings hold clock times only as UTC timestamps")
    func jsonProse() throws {
        let r = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--tz", "+05:17", "--format", "json", Self.sample])
        func strings(_ x: Any) -> [String] {
            switch x {
            case let s as String: return [s]
            case let a as [Any]: return a.flatMap(strings)
            case let d as [String: Any]: return d.values.flatMap(strings)
            default: return []
            }
        }
        let all = strings(try JSONSerialization.jsonObject(with: Data(r.stdout)))
        let iso = try NSRegularExpression(pattern: #"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$"#)
        let prose = all.filter { iso.firstMatch(in: $0, range: NSRange(location: 0, length: ($0 as NSString).length)) == nil }
        // Kernel and journal lines are quoted as logged (they may carry their own stamps).
        let ours = prose.filter { !$0.contains("kernel:") && !$0.hasPrefix("[") }
        let withClock = ours.filter { !Self.clocks($0).isEmpty }
        #expect(withClock.isEmpty, "\(withClock.prefix(5))")
    }
}
