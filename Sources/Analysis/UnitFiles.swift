/// Quotes the settings that matter for a crash loop or a resource limit from unit files
/// and their drop-ins.
enum UnitFileQuoter {
    static let keyPrefixes = ["Restart", "StartLimit", "Memory", "TasksMax", "OOMPolicy", "OOMScoreAdjust"]

    /// The unit a file configures: `x.service` for `…/x.service` and `…/x.service.d/*.conf`.
    static func unitName(ofPath path: String) -> String? {
        let parts = path.split(separator: "/")
        guard let last = parts.last else { return nil }
        if last.hasSuffix(".conf"), parts.count >= 2, parts[parts.count - 2].hasSuffix(".d") {
            return String(parts[parts.count - 2].dropLast(2))
        }
        return String(last)
    }

    /// `foo@bar.service` → `foo@.service`; units without an instance are returned as they are.
    static func template(of unit: String) -> String? {
        guard let at = unit.firstIndex(of: "@"), let dot = unit.lastIndex(of: "."), at < dot else { return nil }
        return String(unit[...at]) + String(unit[dot...])
    }

    /// What provenance quotes besides the settings above: what runs, and as whom.
    static let provenancePrefixes = ["ExecStart", "User", "Group", "DynamicUser"] + keyPrefixes

    /// The unit's files (unit file, then drop-ins) and the settings that say what it runs and
    /// how it is restarted and limited, each as `path:line: Key=value`. `nil` without files.
    /// The package owning the file and the wants links need the host tree and are filled there.
    static func provenance(for unit: String, in files: [(path: String, text: String)],
                           links: [(target: String, unit: String)] = [], packages: [String: String] = [:]) -> UnitProvenance? {
        let matching = Self.files(for: unit, in: files)
        let names: Set<String> = Set([unit] + (template(of: unit).map { [$0] } ?? []))
        let wanted = Array(Set(links.filter { names.contains($0.unit) }.map(\.target))).sorted()
        guard !matching.isEmpty || !wanted.isEmpty else { return nil }
        var p = UnitProvenance()
        p.files = matching.map { $0.path }
        p.settings = settingLines(matching, prefixes: provenancePrefixes)
        p.wantedBy = wanted
        // The unit file's package; `/lib/…` and `/usr/lib/…` are one folder on merged-/usr systems.
        p.package = matching.lazy.compactMap { f in
            packages[f.path] ?? packages["/usr" + f.path]
                ?? (f.path.hasPrefix("/usr/") ? packages[String(f.path.dropFirst(4))] : nil)
        }.first
        return p
    }

    static func files(for unit: String, in files: [(path: String, text: String)]) -> [(path: String, text: String)] {
        let names: Set<String> = Set([unit] + (template(of: unit).map { [$0] } ?? []))
        return files.filter { f in unitName(ofPath: f.path).map(names.contains) ?? false }.sorted(by: appliedBefore)
    }

    /// systemd's order: the unit file, then its drop-ins by path (a later one's setting wins).
    static func appliedBefore(_ a: (path: String, text: String), _ b: (path: String, text: String)) -> Bool {
        let ad = a.path.hasSuffix(".conf"), bd = b.path.hasSuffix(".conf")
        return ad != bd ? !ad : a.path < b.path
    }

    /// The `Key=value` lines of a unit file or drop-in (comments skipped), with their line numbers.
    static func settings(_ text: String) -> [(line: Int, key: Substring, text: Substring)] {
        var out: [(line: Int, key: Substring, text: Substring)] = []
        var n = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            guard n <= 10_000 else { break }
            let line = raw.trimmingCharacters()
            guard !line.hasPrefix("#"), !line.hasPrefix(";"), let eq = line.firstIndex(of: "=") else { continue }
            out.append((n, line[..<eq].trimmingCharacters(), line))
        }
        return out
    }

    /// `path:line: text` for every relevant setting, unit file first, then drop-ins in path order.
    static func lines(for unit: String, in files: [(path: String, text: String)]) -> [String] {
        settingLines(Self.files(for: unit, in: files), prefixes: keyPrefixes)
    }

    /// Units by their `Description=` (the last one set, unit file then drop-ins), for the job
    /// messages of text logs; a description with specifiers (`%i`) is left out, its instances'
    /// differ.
    static func descriptions(_ files: [(path: String, text: String)]) -> [(unit: String, description: String)] {
        var byUnit: [String: String] = [:]
        for f in files.sorted(by: appliedBefore) {
            guard let unit = unitName(ofPath: f.path), !unit.contains("@.") else { continue }
            for s in settings(f.text) where s.key == "Description" {
                guard let eq = s.text.firstIndex(of: "=") else { continue }
                let value = s.text[s.text.index(after: eq)...].trimmingCharacters()
                byUnit[unit] = value.contains("%") ? "" : String(value)
            }
        }
        return byUnit.filter { !$0.value.isEmpty }.map { (unit: $0.key, description: $0.value) }.sorted { $0.unit < $1.unit }
    }

    static func settingLines(_ matching: [(path: String, text: String)], prefixes: [String]) -> [String] {
        var out: [String] = []
        for f in matching {
            for s in settings(f.text) where prefixes.contains(where: { s.key.hasPrefix($0) }) {
                out.append("\(f.path):\(s.line): \(s.text)")
            }
        }
        return out
    }
}

extension Substring {
    func trimmingCharacters() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return s
    }
}
