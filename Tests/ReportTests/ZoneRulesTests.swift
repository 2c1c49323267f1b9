import Foundation
import Testing
import TestSupport
@testable import Report

/// Zones read from TZif bytes against the zone database Foundation uses.
@Suite struct ZoneRulesTests {
    /// Instants from 1975 to 2036, every 3 days plus an hour, and around each change.
    static func instants() -> [Int64] {
        var out: [Int64] = []
        var t: Int64 = 157_766_400
        while t < 2_114_380_800 { out.append(t); t += 3 * 86_400 + 3_601 }
        return out
    }

    static func expectAgrees(_ rules: ZoneRules, with id: String, from: Int64 = 157_766_400, label: String) throws {
        let tz = try #require(TimeZone(identifier: id))
        var mismatches: [Int64] = []
        for t in instants() where t >= from {
            let ours = rules.local(at: t).offset
            let theirs = tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t)))
            if ours != theirs { mismatches.append(t) }
            // Around a change, both sides of it.
            if t > from, ours != rules.local(at: t - 3 * 86_400 - 3_601).offset {
                for dt in stride(from: -7200, through: 7200, by: 900) {
                    let u = t + Int64(dt)
                    if rules.local(at: u).offset != tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(u))) {
                        mismatches.append(u)
                    }
                }
            }
        }
        #expect(mismatches.count == 0, "\(label): \(mismatches.count) instants differ, first \(mismatches.first.map(String.init) ?? "")")
    }

    @Test("the system's zone files read like the zone database, north and south, half hours and 45 minutes",
          .enabled(if: FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/Etc/UTC"), "needs tzdata"),
          arguments: ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Australia/Lord_Howe",
                      "Pacific/Chatham", "Asia/Tokyo", "Etc/UTC"])
    func systemFiles(_ id: String) throws {
        let path = "/usr/share/zoneinfo/" + id
        let data = try #require(FileManager.default.contents(atPath: path), "\(path) absent")
        let rules = try #require(ZoneRules(tzif: [UInt8](data)))
        try Self.expectAgrees(rules, with: id, label: id)
        #expect(rules.isUTC == (id == "Etc/UTC"))
    }

    @Test("slim files, whose later years come from the footer's POSIX rule alone (written with zic -b slim)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/zic"), "needs zic (libc-bin)"))
    func slimFiles() throws {
        let dir = TestPaths.scratch("zic")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = """
        Rule EU 1981 max - Mar lastSun 1:00u 1:00 S
        Rule EU 1996 max - Oct lastSun 1:00u 0 -
        Zone Test/Berlin 1:00 EU CE%sT
        Rule AS 2008 max - Apr Sun>=1 2:00s 0 S
        Rule AS 2008 max - Oct Sun>=1 2:00s 1:00 D
        Zone Test/Sydney 10:00 AS AE%sT
        Rule US 2007 max - Mar Sun>=8 2:00 1:00 D
        Rule US 2007 max - Nov Sun>=1 2:00 0 S
        Zone Test/New_York -5:00 US E%sT

        """
        try source.write(toFile: dir + "/rules", atomically: true, encoding: .utf8)
        let r = try Command.run("/usr/sbin/zic", ["-b", "slim", "-d", dir, dir + "/rules"])
        try #require(r.status == 0, "zic: \(r.stderrText)")
        for (name, id, from) in [("Berlin", "Europe/Berlin", Int64(852_076_800)), ("Sydney", "Australia/Sydney", 1_230_768_000),
                                 ("New_York", "America/New_York", 1_199_145_600)] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/Test/" + name)))
            #expect(bytes.count < 1000, "\(name): a slim file")
            let rules = try #require(ZoneRules(tzif: bytes), "\(name)")
            try Self.expectAgrees(rules, with: id, from: from, label: "slim " + name)
        }
    }

    @Test("cut or corrupted files are refused or read, never trapped on",
          .enabled(if: FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/Europe/Berlin"), "needs tzdata"))
    func damaged() throws {
        let data = try #require(FileManager.default.contents(atPath: "/usr/share/zoneinfo/Europe/Berlin"))
        let bytes = [UInt8](data)
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            if let r = ZoneRules(tzif: Array(bytes[..<cut])) { _ = r.local(at: 1_700_000_000) }
        }
        var state: UInt64 = 3
        for _ in 0..<300 {
            var b = bytes
            for _ in 0..<8 {
                state = state &* 6364136223846793005 &+ 1
                b[Int(state >> 33) % b.count] = UInt8(truncatingIfNeeded: state >> 17)
            }
            if let r = ZoneRules(tzif: b) { _ = r.local(at: Int64(truncatingIfNeeded: state >> 30)) }
        }
        #expect(ZoneRules(tzif: Array("TZif2 but nothing else".utf8)) == nil)
        #expect(ZoneRules(tzif: []) == nil)
    }

    @Test("POSIX TZ strings: names in angle brackets, offsets with minutes, Julian days")
    func posixStrings() throws {
        let india = try #require(PosixTZ("<+0530>-5:30"))
        #expect(india.local(at: 1_700_000_000) == (19_800, "+0530"))
        let ny = try #require(PosixTZ("EST5EDT,M3.2.0,M11.1.0"))
        #expect(ny.local(at: 1_720_000_000).offset == -4 * 3600)  // July 2024
        #expect(ny.local(at: 1_704_067_200).offset == -5 * 3600)  // 1 January 2024
        let julian = try #require(PosixTZ("XST-1XDT,J60/2,J300/2"))
        #expect(julian.local(at: 1_719_792_000).offset == 7200)   // 1 July 2024: inside day 60 to day 300
        #expect(PosixTZ("") == nil)
        #expect(PosixTZ("X5") == nil)
    }
}
