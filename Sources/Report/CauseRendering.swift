import Analysis

/// The sentences every format says about a finding: its role and strength, its time span in
/// the report's zone, its chain, links and the lines that show it. Text, Markdown and HTML
/// lay these out; none of them computes them.
struct CauseText {
    let cause: RootCause
    let report: PostmortemReport
    let clock: ZonedClock

    /// `primary cause`, `contributing factor`, `consequence`, `unrelated`.
    static func roleName(_ role: CauseRole) -> String {
        switch role {
        case .primary: return "primary cause"
        case .contributing: return "contributing factor"
        case .consequence: return "consequence"
        case .unrelated: return "unrelated"
        }
    }

    /// `1. crash-loop: polyscan.service (primary cause)`.
    var heading: String { "\(cause.rank). \(cause.kind.rawValue): \(cause.subject.name) (\(Self.roleName(cause.role)))" }

    /// Observable strength: when, whether it lasted to the end, how many consequences follow.
    var strength: String {
        var parts: [String] = []
        let span = [cause.start, cause.end].compactMap { $0 }
        let firstRow: [Timestamp] = (report.end?.lastSignOfLife ?? report.end?.lastEntry).map { [$0] } ?? []
        let oneDay = clock.sameDay(span + firstRow)
        let stamp: (Timestamp) -> String = { oneDay ? clock.time($0) : clock.dateTime($0) }
        if let s = cause.start, let e = cause.end, e != s {
            parts.append("from \(stamp(s)) to \(stamp(e))")
        } else if let s = cause.start ?? cause.end {
            parts.append("at \(stamp(s))")
        }
        parts.append(cause.persistedToEnd ? "persisted until the end" : "over before the end")
        let consequences = cause.ledTo.filter { $0.to != CauseLink.endOfBoot }.count
        if consequences > 0 { parts.append("\(consequences) linked consequence\(consequences == 1 ? "" : "s")") }
        if cause.ledTo.contains(where: { $0.to == CauseLink.endOfBoot }) { parts.append("led to the end of the boot") }
        return parts.joined(separator: "; ")
    }

    /// `memory-exhaustion → lockup CPU#0 → kernel-panic → end of the boot`, for the primary.
    var chain: String? {
        guard !cause.chain.isEmpty else { return nil }
        return ([cause.id] + cause.chain).map(label).joined(separator: " → ")
    }

    /// `kernel-panic (system)` for a finding's id; `end of the boot` for the end.
    func label(_ id: String) -> String {
        if id == CauseLink.endOfBoot { return "end of the boot" }
        guard let c = report.rootCauses.first(where: { $0.id == id }) else { return id }
        return "\(c.kind.rawValue) \(c.subject.name)"
    }

    /// One line per link: what it led to, by which rule, on which condition.
    var links: [String] {
        cause.ledTo.map { l in
            "\(label(l.to)) (\(l.rule.rawValue)\(l.conditions.isEmpty ? "" : ": " + l.conditions.map(condition).joined(separator: ", ")))"
        }
    }

    var causedBy: String? {
        cause.causedBy.isEmpty ? nil : cause.causedBy.map(label).joined(separator: ", ")
    }

    func condition(_ c: LinkCondition) -> String {
        switch c {
        case .sameSubject(let s): return "same subject \(s)"
        case .namesResource(let r): return "names \(r.count > 80 ? String(r.prefix(80)) + "…" : r)"
        case .withinWindow(let s): return "began \(HumanFormat.duration(seconds: s)) after it, while it lasted"
        case .panicMessage(let m): return "the panic says \"\(m.count > 80 ? String(m.prefix(80)) + "…" : m)\""
        }
    }

    /// `09:44:35 journal: text` for an evidence line.
    func evidence(_ e: EvidenceLine) -> String {
        let lines = e.text.split(separator: "\n", omittingEmptySubsequences: true)
        return (e.time.map { clock.time($0) + " " } ?? "") + (lines.first.map(String.init) ?? "")
            + (lines.count > 1 ? " (+\(lines.count - 1) lines)" : "")
    }

    /// The unit the finding is about, when the report has its summary.
    var unit: UnitSummary? {
        guard case .unit(let name) = cause.subject else { return nil }
        return report.units.first { $0.unit == name }
    }

    /// `×3,000 polyscan: fatal: …` for each of the unit's own messages.
    var ownWords: [String] {
        (unit?.ownWords ?? []).map { w in
            let lines = w.example.split(separator: "\n", omittingEmptySubsequences: true)
            return "×\(HumanFormat.count(w.count)) \(lines.first ?? "")\(lines.count > 1 ? " (+\(lines.count - 1) lines)" : "")"
        }
    }

    /// The unit's files and settings with where they were read.
    var provenance: [String] {
        guard let p = unit?.provenance else { return [] }
        var out = p.settings
        if let pkg = p.package { out.append("package: \(pkg)") }
        if !p.wantedBy.isEmpty { out.append("enabled in: " + p.wantedBy.joined(separator: ", ")) }
        if let b = p.firstBoot {
            let index = report.boots.firstIndex { $0.bootID == b }
            out.append("first seen in boot \(b.prefix(12))" + (index.map { " (boot \($0 + 1) of \(report.boots.count) kept)" } ?? ""))
        }
        if out.isEmpty { out = p.files }
        return out
    }
}

/// The causes in Markdown: the executive summary's lines and one section per finding.
enum CauseMarkdown {
    static func summary(_ top: RootCause, causes: [RootCause], report: PostmortemReport, clock: ZonedClock) -> [String] {
        let md = Markdown.text
        let ct = CauseText(cause: top, report: report, clock: clock)
        var out = ["\(md(CauseText.roleName(top.role).capitalizedFirst)): **\(md(top.kind.rawValue))** of "
                   + "\(Markdown.code(top.subject.name)) (\(md(ct.strength))). \(md(top.summary))"]
        if let chain = ct.chain { out += ["", "Chain: " + md(chain) + "."] }
        if causes.count > 1 {
            out += ["", "Also found:", ""]
            for cause in causes.dropFirst() {
                out.append("- Rank \(cause.rank), \(md(CauseText.roleName(cause.role))): **\(md(cause.kind.rawValue))** of "
                           + "\(Markdown.code(cause.subject.name)): \(md(cause.summary))")
            }
        }
        return out
    }

    static func section(_ cause: RootCause, report: PostmortemReport, clock: ZonedClock, figures: [String]) -> [String] {
        let md = Markdown.text
        let ct = CauseText(cause: cause, report: report, clock: clock)
        var out = ["### \(cause.rank). \(md(cause.kind.rawValue)): \(Markdown.code(cause.subject.name)) "
                   + "(\(md(CauseText.roleName(cause.role))))", ""]
        out += [md(ct.strength.capitalizedFirst) + ".", "", md(cause.summary), ""]
        if let chain = ct.chain { out += ["**Chain:** " + md(chain) + ".", ""] }
        if let by = ct.causedBy { out += ["**Caused by:** " + md(by) + ".", ""] }
        if !ct.links.isEmpty {
            out += ["**Led to:**", ""] + ct.links.map { "- " + md($0) } + [""]
        }
        if !figures.isEmpty { out += ["**Key figures:** " + figures.map(md).joined(separator: "; ") + ".", ""] }
        if !ct.ownWords.isEmpty { out += ["**What it said** (its most frequent warnings and errors):", ""] + ct.ownWords.map { "- " + Markdown.code($0) } + [""] }
        if !ct.provenance.isEmpty { out += ["**Unit file:**", ""] + ct.provenance.map { "- " + Markdown.code($0) } + [""] }
        out += ["**Evidence:**", ""]
        if cause.evidence.isEmpty { out.append("- (none recorded)") }
        for e in cause.evidence {
            out.append("- " + Markdown.code(ct.evidence(e)) + " — see " + Markdown.code(e.command))
        }
        out.append("")
        return out
    }
}

/// The causes in HTML: one list item per finding.
enum CauseHTML {
    static func item(_ cause: RootCause, report: PostmortemReport, clock: ZonedClock, figures: [String]) -> [String] {
        let e = HTML.escape
        let ct = CauseText(cause: cause, report: report, clock: clock)
        var out = ["<li class=\"cause role-\(cause.role.rawValue)\">"]
        out.append("<h3>\(cause.rank). \(e(cause.kind.rawValue)): <code>\(e(cause.subject.name))</code> "
                   + "<span class=\"role\">\(e(CauseText.roleName(cause.role)))</span></h3>")
        out.append("<p class=\"figures\">\(e(ct.strength.capitalizedFirst)).</p>")
        out.append("<p>\(e(cause.summary))</p>")
        if let chain = ct.chain { out.append("<p class=\"figures\"><strong>Chain:</strong> \(e(chain))</p>") }
        if let by = ct.causedBy { out.append("<p class=\"figures\"><strong>Caused by:</strong> \(e(by))</p>") }
        /// A labelled list; nothing when empty.
        func list(_ label: String, _ items: [String], code: Bool = false) {
            guard !items.isEmpty else { return }
            out.append("<p class=\"figures\"><strong>\(label):</strong></p><ul>")
            out += items.map { code ? "<li><code>\(e($0))</code></li>" : "<li>\(e($0))</li>" }
            out.append("</ul>")
        }
        list("Led to", ct.links)
        if !figures.isEmpty {
            out.append("<p class=\"figures\"><strong>Key figures:</strong> " + figures.map(e).joined(separator: " · ") + "</p>")
        }
        list("What it said", ct.ownWords, code: true)
        list("Unit file", ct.provenance, code: true)
        list("Remediation", cause.remediation)
        if !cause.evidence.isEmpty {
            out.append("<p class=\"figures\"><strong>Evidence:</strong></p><ul>")
            out += cause.evidence.map { "<li><code>\(e(ct.evidence($0)))</code><br>see <code>\(e($0.command))</code></li>" }
            out.append("</ul>")
        }
        out.append("</li>")
        return out
    }
}

extension String {
    /// The first letter in upper case (`Primary cause`).
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

enum CauseLayout {
    /// `s` with every word longer than `width` cut into pieces that fit, after a `/`, `;` or `=`
    /// where one falls in the piece (paths and cursors), so that wrapping keeps each line within
    /// the terminal's width.
    static func fitting(_ s: String, width: Int) -> String {
        let width = max(width, 8)
        return s.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            guard word.count > width else { return String(word) }
            var pieces: [Substring] = []
            var rest = word[...]
            while rest.count > width {
                let head = rest.prefix(width)
                let cut = head.lastIndex { $0 == "/" || $0 == ";" || $0 == "=" }.map { head.index(after: $0) } ?? head.endIndex
                let piece = cut > head.startIndex ? rest[..<cut] : head
                pieces.append(piece)
                rest = rest[piece.endIndex...]
            }
            pieces.append(rest)
            return pieces.joined(separator: " ")
        }.joined(separator: " ")
    }
}
