import Foundation
import Testing
import TestSupport
@testable import Analysis
@testable import Pipeline
@testable import Inputs
@testable import Report

/// `--since`/`--until`/`--tz` read as journalctl reads them, with systemd's own parser
/// (`systemd-analyze timestamp`) as the oracle, and every out-of-range value a usage error
/// rather than a trap (issues 12 and 13).
struct ArgumentsTests {
    static let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The UNIX time systemd gives `text` when read in zone `tz`.
    static func systemdSeconds(_ text: String, tz: String) throws -> Int64? {
        guard let tool = systemdAnalyze else { return nil }
        let r = try Command.run(tool, ["timestamp", text], environment: ["TZ": tz, "PATH": "/usr/bin:/bin"])
        guard let line = r.stdoutText.split(separator: "\n").first(where: { $0.contains("UNIX seconds:") }),
              let at = line.firstIndex(of: "@") else { return nil }
        let number = line[line.index(after: at)...].prefix { $0.isNumber }
        return Int64(number)
    }

    @Test(.enabled(if: systemdAnalyze != nil), arguments: [
        "2024-07-19 07:52:28", "2024-07-19 07:52", "2024-07-19", "2024-03-31 02:30", "2024-10-27 02:30",
        "2023-12-31 23:59:59", "@1721375548", "2024-07-19 07:52:28 UTC",
    ])
    func absoluteFormsMatchSystemd(_ text: String) throws {
        for tz in ["UTC", "Europe/Berlin", "Pacific/Chatham", "America/St_Johns"] {
            let expected = try #require(try Self.systemdSeconds(text, tz: tz), "systemd read \(text) in \(tz)")
            let ours = try Arguments.time(text, zone: .named(tz))
            #expect(ours.microseconds / 1_000_000 == expected, "\(text) in \(tz)")
        }
    }

    @Test(.enabled(if: systemdAnalyze != nil), arguments: ["today", "yesterday", "tomorrow", "07:52", "23:10:05"])
    func dayFormsMatchSystemd(_ text: String) throws {
        for tz in ["UTC", "Pacific/Chatham"] {
            let expected = try #require(try Self.systemdSeconds(text, tz: tz))
            let ours = try Arguments.time(text, zone: .named(tz))
            // Read a moment apart: both sides agree unless midnight passed in between.
            #expect(abs(ours.microseconds / 1_000_000 - expected) <= 1, "\(text) in \(tz)")
        }
    }

    @Test(arguments: [("-1h", -3_600), ("+5min", 300), ("-1h 30min", -5_400), ("2 days ago", -172_800),
                      ("-90", -90), ("-2w", -1_209_600), ("1 week ago", -604_800)])
    func relativeForms(_ text: String, _ seconds: Int64) throws {
        let now = Timestamp(microseconds: 1_721_375_548_000_000)
        let t = try Arguments.time(text, zone: .named("Europe/Berlin"), now: now)
        #expect(t.microseconds - now.microseconds == seconds * 1_000_000)
        #expect(try Arguments.time("now", zone: .utc, now: now) == now)
    }

    @Test func isoWithOffsetIgnoresTheZone() throws {
        let z = try Arguments.time("2024-07-19T07:52:28Z", zone: .named("Asia/Tokyo"))
        #expect(z.microseconds == 1_721_375_548_000_000)
        let plus = try Arguments.time("2024-07-19T09:52:28+02:00", zone: .utc)
        #expect(plus == z)
    }

    @Test(arguments: ["@1e300", "@-1", "@nan", "@inf", "@-inf", "-99999999999999999999d", "-9999999999999y",
                      "+99999999999y", "1969-12-31 23:00"])
    func outOfRangeIsAUsageError(_ text: String) {
        #expect(throws: ArgumentError.timeOutOfRange(text)) { try Arguments.time(text, zone: .utc) }
    }

    @Test(arguments: ["", "soon", "2024-13-01", "2024-07-19 25:00", "@", "@abc", "-1 fortnight", "07:5",
                      "2024-07-19 07:52:28.1234567890123", "2024-07-19T07:52:28+0"])
    func unreadableTimeIsAUsageError(_ text: String) {
        #expect(throws: ArgumentError.self) { try Arguments.time(text, zone: .utc) }
    }

    @Test func zones() throws {
        #expect(try Arguments.zone("UTC") == .utc)
        #expect(try Arguments.zone("+02:00") == .fixed(offsetSeconds: 7_200, name: "+02:00"))
        #expect(try Arguments.zone("-0530") == .fixed(offsetSeconds: -19_800, name: "-0530"))
        #expect(try Arguments.zone("+14:00") == .fixed(offsetSeconds: 50_400, name: "+14:00"))
        #expect(try Arguments.zone("Europe/Berlin") == .named("Europe/Berlin"))
        for bad in ["+25:00", "+14:01", "+02:75", "+2:0:0", "Mars/Olympus", "", "+ab"] {
            #expect(throws: ArgumentError.unknownZone(bad)) { try Arguments.zone(bad) }
        }
    }

    /// The messages quote what the user typed without letting it drive the terminal.
    @Test func messagesAreTerminalSafe() {
        let hostile = "x\u{1B}]0;pwned\u{07}\u{202E}y\nz"
        let message = ArgumentError.unreadableTime(hostile).description
        #expect(!message.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{202E}" })
        #expect(message.contains("\\x1b]0;pwned\\x07\\u202ey"))
    }
}

/// `--memory-budget` and `POSTMORTEM_MEMORY_BUDGET` (issue 13): sizes read as powers of
/// 1024, anything else a usage error naming where the value came from.
struct MemoryBudgetArgumentTests {
    @Test(arguments: [("512M", 512 << 20), ("2G", 2 << 30), ("2g", 2 << 30), ("1GiB", 1 << 30), ("768MB", 768 << 20),
                      ("131072K", 128 << 20), ("1T", 1 << 40), (" 3G ", 3 << 30), ("134217728", 128 << 20)])
    func sizes(_ text: String, _ bytes: Int) throws {
        #expect(try Arguments.memoryBudget(text, environment: [:]).bytes == bytes)
    }

    @Test(arguments: ["0", "0G", "-1G", "127M", "64M", "1025G", "2T", "abc", "", "G", "1.5G", "1 GB extra", "12Q",
                      "99999999999999999999T", "9223372036854775807", "8589934592G"])
    func notABudgetIsAUsageError(_ text: String) {
        #expect(throws: ArgumentError.badMemoryBudget(text, source: "--memory-budget")) {
            try Arguments.memoryBudget(text, environment: [:])
        }
    }

    @Test func environmentWhenNoOption() throws {
        let env = [Arguments.memoryBudgetVariable: "256M"]
        #expect(try Arguments.memoryBudget(nil, environment: env).bytes == 256 << 20)
        #expect(try Arguments.memoryBudget("2G", environment: env).bytes == 2 << 30)
        #expect(try Arguments.memoryBudget(nil, environment: [:]) == .standard)
        #expect(throws: ArgumentError.badMemoryBudget("lots", source: "POSTMORTEM_MEMORY_BUDGET")) {
            try Arguments.memoryBudget(nil, environment: [Arguments.memoryBudgetVariable: "lots"])
        }
    }

    /// The caps are shares of the budget, the 1 GiB ones those the README gives.
    @Test func capsFollowTheBudget() throws {
        let standard = MemoryBudget.standard
        #expect(standard.kernelText == 96 << 20)
        #expect(standard.archiveExpansion == 4 << 30)
        #expect(standard.unitFileBytes == 16 << 20)
        let small = try #require(MemoryBudget(bytes: 256 << 20))
        #expect(small.kernelText == 24 << 20)
        #expect(small.archiveExpansion == 1 << 30)
        #expect(standard.shared(among: 4) == small)
        #expect(small.shared(among: 1000).bytes == MemoryBudget.minimum)
        #expect(MemoryBudget(bytes: MemoryBudget.maximum)?.archiveExpansion == 4 << 40)
        #expect(MemoryBudget(bytes: 0) == nil)
    }

    /// On the command line: exit 2 with the reason, for the option and for the variable.
    @Test func commandLine() throws {
        let sample = TestPaths.packageRoot + "/samples/reference-incident"
        let bad = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--memory-budget", "0", sample])
        #expect(bad.status == 2)
        #expect(bad.stderrText.contains("--memory-budget: '0' is not a memory budget: give a size from 128M to 1T"))
        let badExport = try Command.run(TestPaths.executable, ["export", "--memory-budget", "1.5G", sample])
        #expect(badExport.status == 2)
        #expect(badExport.stdout.isEmpty)
        var env = ProcessInfo.processInfo.environment
        env[Arguments.memoryBudgetVariable] = "9999999999999999999999G"
        let badEnv = try Command.run(TestPaths.executable, ["batch", "--out", TestPaths.scratch("budget-out"), sample], environment: env)
        #expect(badEnv.status == 2)
        #expect(badEnv.stderrText.contains("POSTMORTEM_MEMORY_BUDGET: '9999999999999999999999G' is not a memory budget"))
        env[Arguments.memoryBudgetVariable] = "128M"
        let good = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", sample], environment: env)
        #expect(good.status == 0, "\(good.stderrText)")
    }
}
