import Analysis

/// The list of boots (`postmortem boots`), shaped like `journalctl --list-boots`.
public enum BootsRenderer {
    /// The boots alone as a JSON array, with the report's field names and UTC times
    /// (`postmortem boots -o json`).
    public static func json(_ boots: [BootSummary]) -> String {
        JSONText.encode(boots, pretty: true) + "\n"
    }

    /// A table, oldest boot first in the order the analysis established (seqnums, files, monotonic
    /// clock; not wall-clock time): index (0 = the newest, negative before it, as journalctl counts),
    /// boot ID, first and last entry, how long it ran (monotonic clock), entries, how it ended.
    public static func table(_ boots: [BootSummary], options: RenderOptions) -> String {
        let clock = ZonedClock(zone: options.timeZone)
        let style = Styler(enabled: options.color)
        let sorted = boots
        guard let firstBoot = sorted.first else { return "No boots found.\n" }
        let zone = options.timeZone.name(at: firstBoot.first)
        let header = ["IDX", "BOOT ID", "FIRST ENTRY (\(zone))", "LAST ENTRY (\(zone))", "RAN FOR", "ENTRIES", "END"]
        var rows: [[String]] = []
        for (i, boot) in sorted.enumerated() {
            let ran = Verdict.ran(boot)
            rows.append([String(i - (sorted.count - 1)), TextLayout.terminalSafe(boot.bootID), clock.dateTime(boot.first),
                         clock.dateTime(boot.last), HumanFormat.duration(seconds: ran), HumanFormat.count(boot.entries),
                         boot.end.rawValue])
        }
        let rightAligned: Set<Int> = [0, 4, 5]
        let widths = header.indices.map { col in max(header[col].count, rows.map { $0[col].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            var text = cells.enumerated().map { TextLayout.pad($0.element, to: widths[$0.offset],
                                                               right: rightAligned.contains($0.offset)) }
                .joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        var out = [style.apply(.bold, line(header))]
        for (i, row) in rows.enumerated() {
            let text = line(row)
            switch sorted[i].end {
            case .unclean: out.append(style.apply(.red, text))
            case .clean: out.append(text)
            case .ongoing, .unknown: out.append(style.apply(.yellow, text))
            }
        }
        for (i, boot) in sorted.enumerated() where !boot.clockJumps.isEmpty {
            let steps = boot.clockJumps.prefix(3).map { jump in
                (jump.seconds >= 0 ? "+" : "−") + HumanFormat.duration(seconds: abs(jump.seconds))
                    + " at \(HumanFormat.duration(seconds: jump.uptimeSeconds))"
            }.joined(separator: ", ")
            out.append("boot \(i - (sorted.count - 1)): wall clock stepped \(steps) (uptime); run times use the monotonic clock")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
