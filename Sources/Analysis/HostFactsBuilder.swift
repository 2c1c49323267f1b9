import KernelLog

/// Gathers `HostFacts` from the analysed boot's kernel lines (journal and text logs), the
/// host's `etc/os-release` and sysctl files, and the boot's clock.
struct HostFactsBuilder {
    private(set) var facts = HostFacts()
    private var commandLineSource: String?
    private var swapAdded: [String: Int64] = [:]
    private var swapAddedSource: String?
    private var pagesRAM: (Int64, String)?
    private var totalSwap: (Int64, String)?
    private var kernelPidMaxDefault: (Int, String)?

    /// One kernel message of the boot, with where it was read (`journal`, `path:line`).
    mutating func observe(kernelText text: String, source: String) {
        guard let line = KernelHostLine.parse(text) else { return }
        switch line {
        case .banner(let version, _):
            if facts.kernel?.version == nil {
                facts.kernel = KernelFacts(version: version, commandLine: facts.kernel?.commandLine,
                                           source: facts.kernel?.source ?? source)
            }
        case .commandLine(let c):
            if facts.kernel?.commandLine == nil {
                facts.kernel = KernelFacts(version: facts.kernel?.version, commandLine: c, source: facts.kernel?.source ?? source)
                commandLineSource = source
            }
        case .memory(let available, let total, let reserved):
            if facts.memory?.totalKB == nil {
                var m = facts.memory ?? MemoryFacts()
                (m.totalKB, m.availableKB) = (total, available)
                if let reserved, reserved <= total { m.usableKB = total - reserved }
                m.sources.append(.ram(readAt: source))
                facts.memory = m
            }
        case .swapAdded(let kb, let device):
            swapAdded[device] = kb
            swapAddedSource = swapAddedSource ?? source
        case .totalSwap(let kb):
            totalSwap = (kb, source)
        case .pagesRAM(let n):
            pagesRAM = pagesRAM ?? (n, source)
        case .cpusAllowed(let allowed, let present):
            var c = facts.cpus ?? CPUFacts(source: source)
            c.present = present
            if c.online == nil { c.online = allowed }
            facts.cpus = c
        case .cpusPossible(let n):
            var c = facts.cpus ?? CPUFacts(source: source)
            if c.present == nil { c.present = n }
            facts.cpus = c
        case .cpusBroughtUp(let nodes, let cpus):
            var c = facts.cpus ?? CPUFacts(source: source)
            c.online = cpus
            c.nodes = nodes ?? c.nodes
            facts.cpus = c
        case .dmi(let product, _):
            var v = facts.virtualization ?? VirtualizationFacts(source: source)
            if v.dmi == nil { v.dmi = product }
            facts.virtualization = v
        case .hypervisor(let name):
            var v = facts.virtualization ?? VirtualizationFacts(source: source)
            if v.hypervisor == nil { v.hypervisor = name }
            facts.virtualization = v
        case .pidMaxDefault(let n):
            kernelPidMaxDefault = kernelPidMaxDefault ?? (n, source)
        }
    }

    /// Applies the host's files and the boot's clock, and returns the facts.
    mutating func finish(hostFiles: [(path: String, text: String)], boot: BootSummary?, end: BootEnd?) -> HostFacts {
        if let os = hostFiles.first(where: { $0.path.hasSuffix("/os-release") }) {
            facts.os = Self.osRelease(os.text, source: os.path)
        }
        if let swap = totalSwap {
            var m = facts.memory ?? MemoryFacts()
            m.swapKB = swap.0
            m.sources.append(.swapFromOOMReport(readAt: swap.1))
            facts.memory = m
        } else if !swapAdded.isEmpty, let source = swapAddedSource {
            var m = facts.memory ?? MemoryFacts()
            m.swapKB = swapAdded.values.reduce(0) { $0.addingReportingOverflow($1).overflow ? $0 : $0 + $1 }
            m.sources.append(.swap(readAt: source))
            facts.memory = m
        }
        if facts.memory?.totalKB == nil, let (pages, source) = pagesRAM {
            // The OOM report counts pages; 4 KiB is the page size of x86 and of most arm64 kernels.
            let (kb, overflow) = pages.multipliedReportingOverflow(by: 4)
            if !overflow {
                var m = facts.memory ?? MemoryFacts()
                m.totalKB = kb
                m.sources.append(.ramFromPageCount(readAt: source, pages: pages))
                facts.memory = m
            }
        }
        facts.panicSettings = Self.panicSettings(commandLine: facts.kernel?.commandLine, commandLineSource: commandLineSource,
                                                 sysctl: SysctlFiles.assignments(hostFiles))
        if facts.panicSettings.pidMax == nil, let (n, source) = kernelPidMaxDefault {
            facts.panicSettings.pidMax = PanicSetting(value: String(n), source: .kernelDefault(readAt: source))
        }
        if let boot, let start = boot.start, let life = end?.lastSignOfLife, life.microseconds >= start.microseconds {
            facts.uptimeAtEndSeconds = Double(life.microseconds &- start.microseconds) / 1e6
            facts.uptimeSource = .kernelStartToLastSign(start: boot.startSource, lastSign: end?.lastSignSource)
        } else if let up = boot?.uptimeSeconds {
            facts.uptimeAtEndSeconds = up
            facts.uptimeSource = boot?.textOnly == true ? .kernelLineStamps : .journalMonotonic
        }
        return facts
    }

    /// `PRETTY_NAME`, `ID` and `VERSION_ID` of an os-release file (shell-style assignments, values maybe quoted).
    static func osRelease(_ text: String, source: String) -> OSFacts? {
        var fields: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.drop { $0 == " " }
            guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: eq)...].trimmed(" \t\r")
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = String(value.dropFirst().dropLast())
            }
            fields[String(line[..<eq])] = value
        }
        let name = fields["PRETTY_NAME"] ?? [fields["NAME"], fields["VERSION"]].compactMap { $0 }.joined(separator: " ")
        guard !name.isEmpty else { return nil }
        return OSFacts(name: name, id: fields["ID"], versionID: fields["VERSION_ID"], source: source)
    }

    /// The effective panic settings: the kernel command line first, then the sysctl files
    /// (systemd-sysctl applies them after the kernel has started, so they win).
    static func panicSettings(commandLine: String?, commandLineSource: String?,
                              sysctl: [SysctlFiles.Assignment]) -> PanicSettings {
        var s = PanicSettings()
        let keys: [(sysctl: String, boot: String?, path: WritableKeyPath<PanicSettings, PanicSetting?>)] = [
            ("kernel.softlockup_panic", "softlockup_panic", \.softlockupPanic),
            ("kernel.hung_task_panic", "hung_task_panic", \.hungTaskPanic),
            ("vm.panic_on_oom", nil, \.panicOnOOM),
            ("kernel.panic", "panic", \.panicTimeout),
            ("kernel.nmi_watchdog", "nmi_watchdog", \.nmiWatchdog),
            ("kernel.pid_max", "pid_max", \.pidMax),
        ]
        func set(_ path: WritableKeyPath<PanicSettings, PanicSetting?>, _ value: String, _ source: SettingSource) {
            var overrides = s[keyPath: path].map { $0.overrides + [.assignment(value: $0.value, source: $0.source)] } ?? []
            if s[keyPath: path]?.value == value { overrides.removeLast() }
            s[keyPath: path] = PanicSetting(value: value, source: source, overrides: overrides)
        }
        if let commandLine {
            let parsed = KernelCommandLine(commandLine)
            let source = SettingSource.commandLine(readAt: commandLineSource)
            for k in keys {
                // `sysctl.kernel.x=` on the command line (Linux 5.8) sets the sysctl itself.
                if let v = parsed.value("sysctl." + k.sysctl) ?? k.boot.flatMap({ parsed.value($0) }) { set(k.path, v, source) }
            }
        }
        for a in sysctl {
            if let k = keys.first(where: { $0.sysctl == a.key }) { set(k.path, a.value, .sysctl(path: a.path, line: a.line)) }
        }
        return s
    }
}

/// The sysctl files of a host in the order systemd-sysctl applies them.
enum SysctlFiles {
    struct Assignment: Hashable {
        /// `kernel.panic` (slashes turned into dots).
        var key: String
        var value: String
        var path: String
        var line: Int
    }

    /// Every `key = value` line, in the order applied: files of `*/sysctl.d` sorted by name
    /// (for one name, `/etc` hides `/run` hides `/usr/local/lib` hides `/usr/lib` hides `/lib`),
    /// with `/etc/sysctl.conf` in the place of the `99-sysctl.conf` link distributions ship.
    static func assignments(_ files: [(path: String, text: String)]) -> [Assignment] {
        let precedence = ["/etc/sysctl.d/", "/run/sysctl.d/", "/usr/local/lib/sysctl.d/", "/usr/lib/sysctl.d/", "/lib/sysctl.d/"]
        var byName: [String: (rank: Int, file: (path: String, text: String))] = [:]
        for f in files {
            let (name, rank): (String, Int)
            if f.path == "/etc/sysctl.conf" {
                (name, rank) = ("99-sysctl.conf", precedence.count)
            } else if let r = precedence.firstIndex(where: { f.path.hasPrefix($0) }) {
                (name, rank) = (String(f.path.dropFirst(precedence[r].count)), r)
            } else {
                continue
            }
            if let old = byName[name], old.rank <= rank { continue }
            byName[name] = (rank, f)
        }
        var out: [Assignment] = []
        for name in byName.keys.sorted() {
            guard let f = byName[name]?.file else { continue }
            for (n, raw) in f.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                var line = raw.trimmed(" \t\r")
                guard !line.isEmpty, !line.hasPrefix("#"), !line.hasPrefix(";") else { continue }
                if line.hasPrefix("-") { line.removeFirst() }  // "-key = value": errors ignored
                guard let eq2 = line.firstIndex(of: "=") else { continue }
                let key = line[..<eq2].trimmed(" \t").replacingSlashes()
                let value = line[line.index(after: eq2)...].trimmed(" \t")
                guard !key.isEmpty else { continue }
                out.append(Assignment(key: key, value: value, path: f.path, line: n + 1))
            }
        }
        return out
    }
}

extension StringProtocol {
    func trimmed(_ set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

extension String {
    /// `kernel/panic` → `kernel.panic` (sysctl.d allows either separator).
    func replacingSlashes() -> String { String(map { $0 == "/" ? "." : $0 }) }
}

extension Analyzer {
    /// The host facts of the analysed boot (`boot`, `nil` for `--boot all` or kernel logs
    /// alone): its kernel lines in the journal, then those only text logs kept.
    static func hostFacts(boot: BootState?, textRecords: [KernelRecord], input: AnalysisInput,
                          report: PostmortemReport) -> HostFacts? {
        var builder = HostFactsBuilder()
        for r in boot?.kernel ?? [] { builder.observe(kernelText: r.text, source: "journal") }
        for r in textRecords where !r.sources.contains(where: { $0.format == .journal }) {
            builder.observe(kernelText: r.text, source: r.sources.first?.description ?? "kernel log")
        }
        let summary = report.boots.first { $0.bootID == report.analyzedBoot }
        let facts = builder.finish(hostFiles: input.hostFiles, boot: summary, end: report.end)
        return facts.isEmpty ? nil : facts
    }
}
