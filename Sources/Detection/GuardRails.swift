import Analysis

/// systemd drop-ins that would have capped each cause: `<unit>.d/50-postmortem.conf`, with every
/// setting in its section (`[Unit]` for the start limit, `[Service]` for the rest).
public enum GuardRails {
    public struct DropIn: Sendable, Hashable {
        public var unit: String
        public var text: String
        /// Relative to the drop-ins folder: `polyscan.service.d/50-postmortem.conf`.
        public var path: String { "\(unit).d/50-postmortem.conf" }
    }

    /// A service name that is safe as a path component and a systemd unit name.
    static func isServiceName(_ s: String) -> Bool {
        guard s.hasSuffix(".service"), s.count > 8, s.utf8.count <= 255, !s.hasPrefix(".") else { return false }
        return s.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || ":_.@-\\".unicodeScalars.contains(c)
        }
    }

    /// One drop-in per service named by a cause, settings merged when several causes name it.
    public static func dropIns(for report: PostmortemReport) -> [DropIn] {
        var unitLines: [String: [String]] = [:]
        var serviceLines: [String: [String]] = [:]
        var order: [String] = []
        func add(_ unit: String, unit u: [String] = [], service s: [String] = []) {
            if unitLines[unit] == nil && serviceLines[unit] == nil { order.append(unit) }
            unitLines[unit, default: []] += u
            serviceLines[unit, default: []] += s
        }
        for cause in report.rootCauses where isServiceName(cause.subject.name) {
            let unit = cause.subject.name
            let summary = report.units.first { $0.unit == unit }
            switch cause.kind {
            case .crashLoop:
                var why = "# Give up after 5 failed starts within 5 minutes"
                if let s = summary {
                    why += " (it restarted \(s.restartsObserved) times here, peak \(s.peakRestartsPerMinute)/min"
                    why += s.startLimitHit ? ")." : ", and never hit a start limit)."
                }
                add(unit, unit: [why, "StartLimitIntervalSec=5min", "StartLimitBurst=5"],
                    service: ["# Wait between restarts" + (summary?.medianRestartIntervalSeconds.flatMap { m in
                        m.isFinite && m >= 0 && m < 1e9 ? " (median interval seen: \(Int((m * 1000).rounded())) ms)" : nil } ?? "") + ";",
                              "# systemd 254 and later can also grow the delay: RestartSteps=, RestartMaxDelaySec=.",
                              "RestartSec=10s"])
            case .memoryExhaustion, .memcgOOM:
                // Sized from whole-machine kills only: a memory-cgroup kill means a limit was already there and held.
                let sizes = report.oomKills.filter { $0.unit == unit && $0.kind == .global }.compactMap(\.anonRSSKB)
                    .filter { $0 > 0 }
                guard let biggest = sizes.max() else { continue }
                // The unit alone grew until memory ran out: cap it at three quarters of the biggest
                // victim's resident size, and throttle it (MemoryHigh=) a tenth below that.
                let maxMiB = max(64, biggest / 1024 * 3 / 4)
                let highMiB = max(32, maxMiB * 9 / 10)
                add(unit, service: ["# The kernel ran out of memory and killed \(sizes.count) of its processes, the biggest at "
                                    + "\(biggest / 1024) MiB anon-rss: throttle it, then kill it alone, below that.",
                                    "MemoryHigh=\(highMiB)M", "MemoryMax=\(maxMiB)M"])
            case .forkBomb:
                add(unit, service: ["# It forked without bound: cap its processes and threads.", "TasksMax=1024"])
            default:
                continue
            }
        }
        return order.map { unit in
            var lines = ["# Written by postmortem: guard rails for \(unit) from the analysed incident (docs/detection.md)."]
            if let u = unitLines[unit], !u.isEmpty { lines += ["[Unit]"] + u + [""] }
            if let s = serviceLines[unit], !s.isEmpty { lines += ["[Service]"] + s + [""] }
            return DropIn(unit: unit, text: lines.joined(separator: "\n"))
        }
    }
}
