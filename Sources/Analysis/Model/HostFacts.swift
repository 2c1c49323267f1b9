/// What the logs and the host's files say about the machine that died: its OS, kernel,
/// the settings that turn a stall into a panic, memory, CPUs, virtualisation and how long it
/// had been up. Every fact names where it was read. In the JSON report under `host.facts`.
public struct HostFacts: Codable, Sendable, Hashable {
    public var os: OSFacts?
    public var kernel: KernelFacts?
    public var panicSettings: PanicSettings = PanicSettings()
    public var memory: MemoryFacts?
    public var cpus: CPUFacts?
    public var virtualization: VirtualizationFacts?
    /// Seconds from the kernel's start to the last sign of life of the analysed boot.
    public var uptimeAtEndSeconds: Double?
    /// How `uptimeAtEndSeconds` was worked out.
    public var uptimeSource: UptimeSource?

    public init() {}

    /// True when nothing at all is known.
    public var isEmpty: Bool {
        os == nil && kernel == nil && panicSettings.isEmpty && memory == nil && cpus == nil && virtualization == nil
            && uptimeAtEndSeconds == nil
    }

    enum CodingKeys: String, CodingKey {
        case os, kernel, memory, cpus, virtualization
        case panicSettings = "panic_settings"
        case uptimeAtEndSeconds = "uptime_at_end_seconds"
        case uptimeSource = "uptime_source"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        os = try c.decodeIfPresent(OSFacts.self, forKey: .os)
        kernel = try c.decodeIfPresent(KernelFacts.self, forKey: .kernel)
        panicSettings = try c.decodeIfPresent(PanicSettings.self, forKey: .panicSettings) ?? PanicSettings()
        memory = try c.decodeIfPresent(MemoryFacts.self, forKey: .memory)
        cpus = try c.decodeIfPresent(CPUFacts.self, forKey: .cpus)
        virtualization = try c.decodeIfPresent(VirtualizationFacts.self, forKey: .virtualization)
        uptimeAtEndSeconds = try c.decodeIfPresent(Double.self, forKey: .uptimeAtEndSeconds)
        uptimeSource = try c.decodeIfPresent(UptimeSource.self, forKey: .uptimeSource)
    }
}

/// The distribution, from `etc/os-release` (or `usr/lib/os-release`).
public struct OSFacts: Codable, Sendable, Hashable {
    /// `PRETTY_NAME`, else `NAME VERSION`.
    public var name: String
    public var id: String?
    public var versionID: String?
    /// The file read.
    public var source: String

    public init(name: String, id: String? = nil, versionID: String? = nil, source: String) {
        self.name = name
        self.id = id
        self.versionID = versionID
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case name, id, source
        case versionID = "version_id"
    }
}

/// The running kernel, from its `Linux version` banner and command line.
public struct KernelFacts: Codable, Sendable, Hashable {
    /// `6.1.0-18-amd64`.
    public var version: String?
    public var commandLine: String?
    /// Where the banner or command line was read (`journal`, `path:line`).
    public var source: String

    public init(version: String?, commandLine: String?, source: String) {
        self.version = version
        self.commandLine = commandLine
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case version, source
        case commandLine = "command_line"
    }
}

/// One setting's effective value and where it was set: `kernel command line`, or the
/// sysctl file and line that set it last (`/etc/sysctl.d/99-panic.conf:3`).
public struct PanicSetting: Codable, Sendable, Hashable {
    public var value: String
    public var source: SettingSource
    /// Earlier assignments that this one overrides, oldest first.
    public var overrides: [SettingOverride] = []

    public init(value: String, source: SettingSource, overrides: [SettingOverride] = []) {
        self.value = value
        self.source = source
        self.overrides = overrides
    }

    /// The value as an integer, when it is one.
    public var int: Int? { Int(value) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        value = try c.decode(String.self, forKey: .value)
        source = try c.decode(SettingSource.self, forKey: .source)
        overrides = try c.decodeIfPresent([SettingOverride].self, forKey: .overrides) ?? []
    }

    enum CodingKeys: String, CodingKey { case value, source, overrides }
}

/// The settings that decide whether a stall, a hung task or an OOM becomes a panic (and a
/// reboot), and the PID space. `nil` means no input set it: the kernel's default applies.
public struct PanicSettings: Codable, Sendable, Hashable {
    /// `kernel.softlockup_panic` / `softlockup_panic=`: 1 panics on a soft lockup.
    public var softlockupPanic: PanicSetting?
    /// `kernel.hung_task_panic` / `hung_task_panic=`: 1 panics on a hung task.
    public var hungTaskPanic: PanicSetting?
    /// `vm.panic_on_oom`: 1 or 2 panics instead of killing a process.
    public var panicOnOOM: PanicSetting?
    /// `kernel.panic` / `panic=`: seconds before rebooting after a panic (0 waits forever).
    public var panicTimeout: PanicSetting?
    /// `kernel.nmi_watchdog` / `nmi_watchdog=`: the hard-lockup detector (`panic` panics on one).
    public var nmiWatchdog: PanicSetting?
    /// `kernel.pid_max` / `pid_max=`.
    public var pidMax: PanicSetting?

    public init() {}

    public var isEmpty: Bool {
        softlockupPanic == nil && hungTaskPanic == nil && panicOnOOM == nil && panicTimeout == nil && nmiWatchdog == nil
            && pidMax == nil
    }

    /// The settings with their sysctl names, in a fixed order.
    public var named: [(name: String, setting: PanicSetting?)] {
        [("kernel.softlockup_panic", softlockupPanic), ("kernel.hung_task_panic", hungTaskPanic),
         ("vm.panic_on_oom", panicOnOOM), ("kernel.panic", panicTimeout), ("kernel.nmi_watchdog", nmiWatchdog),
         ("kernel.pid_max", pidMax)]
    }

    enum CodingKeys: String, CodingKey {
        case softlockupPanic = "softlockup_panic"
        case hungTaskPanic = "hung_task_panic"
        case panicOnOOM = "panic_on_oom"
        case panicTimeout = "panic"
        case nmiWatchdog = "nmi_watchdog"
        case pidMax = "pid_max"
    }
}

/// RAM and swap, in KiB.
public struct MemoryFacts: Codable, Sendable, Hashable {
    /// All RAM the kernel manages (the second figure of `Memory: …K/…K available`).
    public var totalKB: Int64?
    /// The first figure of `Memory: …K/…K available`: the pages free when the line was printed.
    /// With deferred page initialisation that is a fraction of RAM, so `usableKB` says more.
    public var availableKB: Int64?
    /// RAM less the kernel's reservations (the line's reserved, cma-reserved and absent
    /// figures): what the kernel manages, when the line lists them.
    public var usableKB: Int64?
    /// Swap: the OOM report's `Total swap` (at the time of the report), else the sum of `Adding …k swap` lines.
    public var swapKB: Int64?
    /// Where each figure was read.
    public var sources: [MemorySource] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case sources
        case totalKB = "total_kb"
        case availableKB = "available_kb"
        case usableKB = "usable_kb"
        case swapKB = "swap_kb"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        totalKB = try c.decodeIfPresent(Int64.self, forKey: .totalKB)
        availableKB = try c.decodeIfPresent(Int64.self, forKey: .availableKB)
        usableKB = try c.decodeIfPresent(Int64.self, forKey: .usableKB)
        swapKB = try c.decodeIfPresent(Int64.self, forKey: .swapKB)
        sources = try c.decodeIfPresent([MemorySource].self, forKey: .sources) ?? []
    }
}

/// CPUs the kernel brought up, and what it could have had.
public struct CPUFacts: Codable, Sendable, Hashable {
    /// CPUs brought up (`smp: Brought up 1 node, 2 CPUs`).
    public var online: Int?
    /// CPUs present (`smpboot: Allowed N of M present CPUs`) or possible (`Allowing N CPUs`).
    public var present: Int?
    public var nodes: Int?
    public var source: String

    public init(online: Int? = nil, present: Int? = nil, nodes: Int? = nil, source: String) {
        self.online = online
        self.present = present
        self.nodes = nodes
        self.source = source
    }
}

/// Whether the machine was a virtual machine, from the firmware's DMI line and the hypervisor detected.
public struct VirtualizationFacts: Codable, Sendable, Hashable {
    /// The DMI product (`QEMU Standard PC (Q35 + ICH9, 2009)`), without its BIOS part.
    public var dmi: String?
    /// `KVM`, `Microsoft Hyper-V`, `VMware`, `Xen HVM`, …
    public var hypervisor: String?
    public var source: String

    public init(dmi: String? = nil, hypervisor: String? = nil, source: String) {
        self.dmi = dmi
        self.hypervisor = hypervisor
        self.source = source
    }
}
