import KernelLog

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in UTC time with microsecond precision, as the journal keeps it.
/// Encoded in JSON as ISO 8601 with microseconds and a `Z` (`2024-07-19T07:52:28.123456Z`).
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Microseconds since the Unix epoch.
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public init(journalRealtime: UInt64) { self.microseconds = Int64(clamping: journalRealtime) }

    public var seconds: Double { Double(microseconds) / 1_000_000 }

    /// This machine's clock now (for relative command-line times such as `-1h`).
    public static var now: Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microseconds < b.microseconds }

    /// ISO 8601 in UTC with six fractional digits.
    public var iso8601: String {
        let c = CivilTime(microseconds: microseconds)
        return c.iso8601(offsetSeconds: 0)
    }

    public var description: String { iso8601 }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let us = CivilTime.parseISO8601(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not an ISO 8601 time: \(text)"))
        }
        microseconds = us
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso8601)
    }
}

/// The one calendar: `KernelLog.CivilTime` (the kernel-log reader needs it first; every layer
/// above uses the same type).
public typealias CivilTime = KernelLog.CivilTime
