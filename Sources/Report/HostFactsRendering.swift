import Analysis

/// The host facts as labelled sentences, shared by every format: each renderer lays the same
/// rows out its own way (aligned text, a Markdown list, an HTML table).
struct HostFactsRows {
    struct Row {
        let label: String
        /// A part shown as code in Markdown and HTML (a command line, `name = value`), before `value`.
        var code: String? = nil
        let value: String
        /// Where it was read, shown after the value (dimmed in text).
        let source: String?

        /// `code` and `value` as plain text.
        var plain: String { [code, value.isEmpty ? nil : value].compactMap { $0 }.joined(separator: " ") }
    }

    let rows: [Row]

    init(_ facts: HostFacts?) {
        guard let f = facts else {
            rows = []
            return
        }
        var out: [Row] = []
        if let os = f.os { out.append(Row(label: "OS", value: os.name, source: os.source)) }
        if let k = f.kernel {
            if let v = k.version { out.append(Row(label: "Kernel", value: v, source: k.source)) }
            if let c = k.commandLine { out.append(Row(label: "Command line", code: c, value: "", source: nil)) }
        }
        // pid_max rides with the panic settings (read from the same places) but is no panic setting.
        let set = f.panicSettings.named.compactMap { n in n.name == "kernel.pid_max" ? nil : n.setting.map { (n.name, $0) } }
        if set.isEmpty {
            // Without the command line in the logs, "none set" would claim more than is known.
            let value = f.kernel?.commandLine == nil
                ? "none found in the sysctl files read; the kernel command line is not in the logs"
                : "none set on the command line or in the sysctl files read (kernel defaults)"
            out.append(Row(label: "Panic settings", value: value, source: nil))
        }
        /// Where a setting was read, and the assignments it overrides.
        func source(_ s: PanicSetting) -> String {
            FactSourceText.setting(s.source)
                + (s.overrides.isEmpty ? "" : "; overrides " + s.overrides.map(FactSourceText.settingOverride).joined(separator: ", "))
        }
        for (name, s) in set {
            out.append(Row(label: "Panic setting", code: "\(name) = \(s.value)", value: Self.meaning(name, s.value), source: source(s)))
        }
        if let s = f.panicSettings.pidMax {
            out.append(Row(label: "PID limit", code: "kernel.pid_max = \(s.value)", value: "", source: source(s)))
        }
        if let m = f.memory {
            var parts: [String] = []
            if let t = m.totalKB { parts.append(HumanFormat.kibibytes(Self.int(t)) + " RAM") }
            if let u = m.usableKB {
                parts.append(HumanFormat.kibibytes(Self.int(u)) + " usable after the kernel's reservations")
            } else if let a = m.availableKB {
                parts.append(HumanFormat.kibibytes(Self.int(a)) + " free at boot")
            }
            if let s = m.swapKB { parts.append(s == 0 ? "no swap" : HumanFormat.kibibytes(Self.int(s)) + " swap") }
            out.append(Row(label: "Memory", value: parts.joined(separator: ", "), source: m.sources.map(FactSourceText.memory).joined(separator: "; ")))
        }
        if let c = f.cpus {
            var v = c.online.map { "\($0) online" } ?? ""
            if let p = c.present { v += (v.isEmpty ? "" : " of ") + "\(p) present" }
            if let n = c.nodes { v += ", \(n) NUMA node\(n == 1 ? "" : "s")" }
            out.append(Row(label: "CPUs", value: v, source: c.source))
        }
        if let v = f.virtualization {
            let value = [v.hypervisor.map { "\($0) guest" }, v.dmi.map { "DMI: \($0)" }].compactMap { $0 }.joined(separator: "; ")
            out.append(Row(label: "Virtualisation", value: value, source: v.source))
        }
        if let up = f.uptimeAtEndSeconds {
            out.append(Row(label: "Uptime at the end", value: HumanFormat.duration(seconds: up), source: f.uptimeSource.map(FactSourceText.uptime)))
        }
        rows = out
    }

    /// What a value does, for the settings whose numbers do not say it themselves.
    static func meaning(_ name: String, _ value: String) -> String {
        switch (name, value) {
        case ("kernel.softlockup_panic", "1"): return "(a soft lockup panics the machine)"
        case ("kernel.hung_task_panic", "1"): return "(a hung task panics the machine)"
        case ("vm.panic_on_oom", "1"), ("vm.panic_on_oom", "2"): return "(running out of memory panics the machine)"
        case ("kernel.panic", "0"): return "(after a panic the machine waits, it does not reboot)"
        case ("kernel.panic", _):
            if let n = Int(value), n > 0 { return "(reboot \(n) s after a panic)" }
            if let n = Int(value), n < 0 { return "(reboot at once after a panic)" }
            return ""
        case ("kernel.nmi_watchdog", "panic"): return "(a hard lockup panics the machine)"
        case ("kernel.nmi_watchdog", "0"): return "(hard lockups go undetected)"
        default: return ""
        }
    }

    static func int(_ v: Int64) -> Int { Int(clamping: v) }
}

/// The host facts in each format: one call per renderer.
enum HostFactsRendering {
    /// An aligned `label: value` block under a "Host facts" heading; sources follow on their own lines.
    static func text(_ facts: HostFacts?, width: Int, style: Styler) -> [String] {
        let rows = HostFactsRows(facts).rows
        guard !rows.isEmpty else { return [] }
        var out = [style.apply(.bold, "Host facts")]
        let labelWidth = min(rows.map(\.label.count).max() ?? 0, 18)
        let indent = String(repeating: " ", count: labelWidth + 4)
        for row in rows {
            let safe = TextLayout.terminalSafe
            let first = "  " + TextLayout.pad(safe(row.label), to: labelWidth) + "  "
            out += TextLayout.hanging(safe(row.plain), first: first, rest: indent, width: width)
            if let source = row.source, !source.isEmpty {
                // A path too long for the value column hangs from the left margin instead.
                let longest = source.split(separator: " ").map(\.count).max() ?? 0
                let at = longest + 2 > width - indent.count ? "    " : indent
                out += TextLayout.hanging("from " + safe(source), first: at, rest: at + "  ", width: width)
                    .map { style.apply(.dim, $0) }
            }
        }
        out.append("")
        return out
    }

    /// An appendix section: a list of `**label**: value (source)`.
    static func markdown(_ facts: HostFacts?) -> [String] {
        let rows = HostFactsRows(facts).rows
        guard !rows.isEmpty else { return [] }
        var out = ["## Appendix: host facts", ""]
        for row in rows {
            let value = [row.code.map(Markdown.code), row.value.isEmpty ? nil : Markdown.text(row.value)].compactMap { $0 }
                .joined(separator: " ")
            out.append("- **\(Markdown.text(row.label))**: \(value)" + (row.source.map { " _(\(Markdown.text($0)))_" } ?? ""))
        }
        out.append("")
        return out
    }

    /// A section with a two-column table; sources in a muted line under each value.
    static func html(_ facts: HostFacts?) -> [String] {
        let rows = HostFactsRows(facts).rows
        guard !rows.isEmpty else { return [] }
        let e = HTML.escape
        // Paths and command lines may be one long word: let them break rather than widen the page.
        var out = ["<section id=\"host-facts\">", "<h2>Host facts</h2>",
                   "<table class=\"host-facts\" style=\"overflow-wrap: anywhere\"><tbody>"]
        for row in rows {
            let value = [row.code.map { "<code>\(e($0))</code>" }, row.value.isEmpty ? nil : e(row.value)].compactMap { $0 }
                .joined(separator: " ")
            let source = row.source.map { "<br><span class=\"muted\">from \(e($0))</span>" } ?? ""
            out.append("<tr><th scope=\"row\">\(e(row.label))</th><td>\(value)\(source)</td></tr>")
        }
        out.append("</tbody></table>")
        out.append("</section>")
        return out
    }
}
