import Journal

/// A typed event read from one journal entry.
public enum JournalEvent: Sendable, Hashable {
    case unit(UnitEvent)
    case shutdown(ShutdownMarker)
    case boot(BootMarker)
    case journalUnclean(JournalUncleanNotice)
    case forkFailure(ForkFailure)
    case oomd(OOMDKill)
    case shutdownRequest(ShutdownRequest)
}

/// The handful of fields the analysis reads from an entry, as `JournalReader.scan` hands
/// them out: byte views valid only during the scan's callback (copy what is kept).
public struct EntryFields {
    /// Every field the analysis needs, in slot order: pass it to `JournalReader.scan`.
    /// Host names are not here: they sit in every entry and come cheaper from the field
    /// hash tables.
    public static let names: [String] = [
        "MESSAGE", "MESSAGE_ID", "PRIORITY", "_PID", "_TRANSPORT", "SYSLOG_IDENTIFIER", "UNIT", "USER_UNIT",
        "N_RESTARTS", "EXIT_CODE", "EXIT_STATUS", "UNIT_RESULT", "JOB_TYPE", "JOB_RESULT", "SHUTDOWN",
        "CPU_USAGE_NSEC", "MEMORY_PEAK", "_SOURCE_MONOTONIC_TIMESTAMP", "_SYSTEMD_UNIT",
    ]

    private let view: EntryView?
    /// A text log's line: the few fields its text gives (`SYSLOG_IDENTIFIER`, `_PID`, `MESSAGE`,
    /// `USER_UNIT` for a user manager), in slot order.
    private let textValues: [UnsafeRawBufferPointer?]
    /// `_PID`, parsed once: most tests of an entry start with it.
    public let pid: Int?

    /// Reads an entry scanned with `EntryFields.names`. Fields are looked up when asked for:
    /// most entries need only a few of them.
    public init(_ v: EntryView) {
        view = v
        textValues = []
        pid = v.value(3).flatMap(EntryFields.int)
        isKernel = TextScan.equal(v.value(4), Self.kernelBytes)
    }

    /// A line of a text log, as far as its text tells: the views must outlive the value.
    init(message: UnsafeRawBufferPointer, identifier: UnsafeRawBufferPointer, pid: Int?, userUnit: UnsafeRawBufferPointer?) {
        view = nil
        var values = [UnsafeRawBufferPointer?](repeating: nil, count: EntryFields.names.count)
        values[0] = message
        values[5] = identifier
        values[7] = userUnit
        textValues = values
        self.pid = pid
        isKernel = false
    }

    @inline(__always)
    private func value(_ slot: Int) -> UnsafeRawBufferPointer? {
        if let view { return view.value(slot) }
        return slot < textValues.count ? textValues[slot] : nil
    }

    public var message: UnsafeRawBufferPointer? { value(0) }
    public var messageID: UnsafeRawBufferPointer? { value(1) }
    public var priority: UnsafeRawBufferPointer? { value(2) }
    /// `PRIORITY` as a syslog level, when it is one digit (journald writes 0–7).
    public var level: Int? {
        guard let p = priority, p.count == 1, let d = p.first, d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
        return Int(d &- UInt8(ascii: "0"))
    }
    public var transport: UnsafeRawBufferPointer? { value(4) }
    public var identifier: UnsafeRawBufferPointer? { value(5) }
    public var unit: UnsafeRawBufferPointer? { value(6) }
    public var userUnit: UnsafeRawBufferPointer? { value(7) }
    public var nRestarts: UnsafeRawBufferPointer? { value(8) }
    public var exitCode: UnsafeRawBufferPointer? { value(9) }
    public var exitStatus: UnsafeRawBufferPointer? { value(10) }
    public var unitResult: UnsafeRawBufferPointer? { value(11) }
    public var jobType: UnsafeRawBufferPointer? { value(12) }
    public var jobResult: UnsafeRawBufferPointer? { value(13) }
    public var shutdown: UnsafeRawBufferPointer? { value(14) }
    public var cpuUsageNSec: UnsafeRawBufferPointer? { value(15) }
    public var memoryPeak: UnsafeRawBufferPointer? { value(16) }
    public var sourceMonotonic: UnsafeRawBufferPointer? { value(17) }
    public var systemdUnit: UnsafeRawBufferPointer? { value(18) }

    /// A decimal field value; `nil` when empty, not a number, or absurdly long.
    public static func int<C: Collection>(_ v: C) -> Int? where C.Element == UInt8 {
        guard !v.isEmpty, v.count <= 18 else { return nil }
        var n = 0
        for c in v {
            guard c >= 48 && c <= 57 else { return nil }
            n = n * 10 + Int(c - 48)
        }
        return n
    }

    public static func text(_ v: UnsafeRawBufferPointer?) -> String? { v.map { String(decoding: $0, as: UTF8.self) } }

    /// `kernel`, as `_TRANSPORT` and the kernel's `SYSLOG_IDENTIFIER` name it.
    public static let kernelBytes: [UInt8] = Array("kernel".utf8)
    /// `_TRANSPORT=kernel`, found once: most tests of an entry ask it.
    public let isKernel: Bool
    public var messageText: String { EntryFields.text(message) ?? "" }
    /// SYSLOG_IDENTIFIER.
    public var who: String { EntryFields.text(identifier) ?? "" }
}

/// Turns journal entries into typed events: structured fields first, message text as the
/// fallback for systemd versions that logged without MESSAGE_IDs.
public enum JournalEventExtractor {
    private static let systemdID: [UInt8] = Array("systemd".utf8)
    private static let eagain: [UInt8] = Array("Resource temporarily unavailable".utf8)
    private static let interesting: [[UInt8]] = ["systemd-shutdown", "systemd-journald", "systemd-logind",
                                                 "systemd-oomd", "systemd", "systemd-fsck", "sudo"].map { Array($0.utf8) }

    /// The entries that can say how a boot began or ended, told apart without decoding them
    /// (`JournalReader.edgeEntries`): every line of PID 1, of the kernel and of the daemons
    /// read here (`interesting`, and klogd's relay under `kernel`) and every line with a marker's
    /// MESSAGE_ID, but for PID 1's structured lines about a unit's jobs and processes (a crash
    /// loop's), which are unit events, never a marker, unless the unit is a shutdown target.
    /// The clock-setting daemons' lines are kept too: the first entry after a step places the
    /// wall clock's jump on the boot's uptime. Fork failures and unit events are not read at a
    /// boot's edges.
    public static let edgeSieve = EntrySieve(
        anyOf: ["_PID=1", "_TRANSPORT=kernel", "SYSLOG_IDENTIFIER=kernel"]
            + (interesting.map { String(decoding: $0, as: UTF8.self) } + ["systemd-timesyncd", "chronyd", "ntpd"])
            .map { "SYSLOG_IDENTIFIER=" + $0 }
            + [MessageIDs.shutdown, MessageIDs.journalStopped, MessageIDs.journalStarted, MessageIDs.startupFinished,
               MessageIDs.timeSync, MessageIDs.timeChange, MessageIDs.timeBump]
            .map { "MESSAGE_ID=" + $0 },
        passOver: structuredIDList.map { "MESSAGE_ID=" + String(decoding: $0.0, as: UTF8.self) },
        unlessAlso: ["_TRANSPORT=kernel"] + shutdownTargets.sorted().map { "UNIT=" + $0 })

    /// Remembers the last unit name made into a `String`: a crash loop names the same unit
    /// hundreds of thousands of times, and a name of 16 bytes or more costs an allocation.
    public struct UnitNames {
        private var lastBytes: [UInt8] = []
        private var lastName = ""
        /// Units by description, for text logs' job messages (empty for a journal: its entries name the unit).
        public var descriptions = UnitDescriptions()

        public init() {}

        public mutating func name(_ bytes: UnsafeRawBufferPointer) -> String {
            if TextScan.equal(bytes, lastBytes) { return lastName }
            lastBytes = Array(bytes)
            lastName = String(decoding: bytes, as: UTF8.self)
            return lastName
        }
    }

    /// The event in one entry, if any (most entries carry none).
    public static func event(_ e: EntryView, _ f: EntryFields, names: inout UnitNames) -> JournalEvent? {
        event(f, time: Int64(clamping: e.realtime), ref: EntryRef(e), names: &names)
    }

    /// The event in one line of a text log (syslog, journalctl text), read by the same rules
    /// as a journal entry without MESSAGE_ID: `systemd[1]` (or `systemd` without a PID, as
    /// RHEL's rsyslog writes it; `init.scope` in journalctl `with-unit`) is the system manager,
    /// `systemd[N]` a user manager, `systemd-journald[N]` (`systemd-journald.service`) journald.
    public static func event(text: String, identifier: String, pid: Int?, time: Int64, ref: EntryRef,
                             names: inout UnitNames) -> JournalEvent? {
        let id = speaker(identifier)
        // Only the manager is PID 1 by name: systemd-shutdown runs as PID 1 too, and is a daemon here.
        let systemPID = id == "systemd" ? (pid ?? 1) : (pid == 1 ? nil : pid)
        var message = text
        var idText = String(id)
        // A user manager's line about one of its units: the unit is its `USER_UNIT`.
        var userUnit: String?
        if id == "systemd", let p = systemPID, p != 1 {
            if let colon = text.find(": "), looksLikeUnit(text[..<colon.lowerBound]) {
                userUnit = String(text[..<colon.lowerBound])
            } else if let job = JobMessage(Substring(text)) {
                // A job message names its unit itself (≥ v250) or by description.
                userUnit = job.unit ?? names.descriptions.unit(describedAs: job.object)
            }
        }
        return message.withUTF8 { m in
            idText.withUTF8 { i in
                func run(_ u: UnsafeRawBufferPointer?) -> JournalEvent? {
                    let f = EntryFields(message: UnsafeRawBufferPointer(m), identifier: UnsafeRawBufferPointer(i),
                                        pid: systemPID, userUnit: u)
                    return event(f, time: time, ref: ref, names: &names)
                }
                guard var u = userUnit else { return run(nil) }
                return u.withUTF8 { run(UnsafeRawBufferPointer($0)) }
            }
        }
    }

    /// systemd's message for a start job skipped by a failed condition (`JOB_RESULT=done` all the same).
    private static let conditionSkipped = Array("Condition check resulted in ".utf8)

    /// A text line's sender as the journal names it: `init.scope` (journalctl `with-unit`) and
    /// `user@N.service` are managers (`systemd`), `systemd-journald.service` is `systemd-journald`.
    static func speaker(_ identifier: String) -> Substring {
        let id = Substring(identifier)
        if id == "init.scope" { return "systemd" }
        if id.startsUTF8(with: "user@") && id.endsUTF8(with: ".service") { return "systemd" }
        if id.startsUTF8(with: "systemd-") && id.endsUTF8(with: ".service") { return id.dropLast(".service".count) }
        return id
    }

    /// The PID of the service manager that wrote a text line (1 when the line names none), if a manager did.
    static func managerPID(identifier: String, pid: Int?) -> Int? {
        speaker(identifier) == "systemd" ? (pid ?? 1) : nil
    }

    static func event(_ f: EntryFields, time: Int64, ref entryRef: EntryRef, names: inout UnitNames) -> JournalEvent? {
        let isManager = f.pid == 1 || (TextScan.equal(f.identifier, systemdID) && f.userUnit != nil)
        // PID 1 writes to /dev/kmsg around switch-root and late in shutdown: kernel transport,
        // `SYSLOG_IDENTIFIER=systemd`, no `_PID`. User managers never write there.
        let systemManager = f.pid == 1 || (f.pid == nil && f.isKernel && TextScan.equal(f.identifier, systemdID))
        // All the daemons of interest are called systemd-*: test the first byte first.
        let known = f.identifier.map { id in id.first == UInt8(ascii: "s") && interesting.contains { TextScan.equal(id, $0) } } ?? false
        guard isManager || known || f.messageID != nil
                || (f.message.map { $0.count >= eagain.count && TextScan.contains($0, eagain) } ?? false) else { return nil }
        if isManager, let id = f.messageID, let kind = structuredID(id), let unitBytes = f.unit ?? f.userUnit,
           let handled = structuredUnitEvent(kind, f, unit: names.name(unitBytes),
                                             isUser: f.unit == nil, time: time, ref: entryRef) {
            return handled
        }
        let text = f.messageText
        let cursor = entryRef

        if let mid = EntryFields.text(f.messageID) {
            switch mid {
            case MessageIDs.shutdown:
                return .shutdown(ShutdownMarker(time: time, kind: .logind, text: text, cursor: cursor))
            case MessageIDs.journalStopped:
                return .shutdown(ShutdownMarker(time: time, kind: .journalStopped, text: text, cursor: cursor))
            case MessageIDs.journalStarted:
                return .boot(BootMarker(time: time, kind: .journalStarted, text: text, cursor: cursor))
            case MessageIDs.startupFinished:
                return .boot(BootMarker(time: time, kind: .startupFinished, text: text, cursor: cursor))
            default: break
            }
        }
        if known, !isManager, let ev = daemonEvent(f, text: text, time: time, cursor: cursor) { return ev }
        if isManager || systemManager,
           let ev = managerEvent(f, text: text, time: time, cursor: cursor, systemManager: systemManager,
                                 descriptions: names.descriptions) { return ev }
        if let m = f.message, TextScan.contains(m, eagain),
           text.has("fork") || text.has("clone") || text.has("spawn") || text.has("pthread_create") {
            return .forkFailure(ForkFailure(time: time, reporter: f.who, text: text, source: cursor.cursor))
        }
        return nil
    }

    enum StructuredID {
        case restartScheduled, processExited, unitFailed, unitStarted, unitFailedToStart, unitStarting, unitStopping
        case unitStopped, unitDeactivated, unitOOM, unitResources
    }

    /// The structured kind of a MESSAGE_ID, compared byte for byte: hashing 32 bytes for every
    /// entry costs more than these few comparisons.
    static func structuredID(_ id: UnsafeRawBufferPointer) -> StructuredID? {
        guard id.count == 32 else { return nil }
        for (bytes, kind) in structuredIDList where TextScan.equal(id, bytes) { return kind }
        return nil
    }

    private static let structuredIDList: [([UInt8], StructuredID)] = ([
        (MessageIDs.restartScheduled, .restartScheduled), (MessageIDs.processExited, .processExited),
        (MessageIDs.unitFailed, .unitFailed), (MessageIDs.unitStarted, .unitStarted),
        (MessageIDs.unitFailedToStart, .unitFailedToStart), (MessageIDs.unitStarting, .unitStarting),
        (MessageIDs.unitStopping, .unitStopping), (MessageIDs.unitStopped, .unitStopped),
        (MessageIDs.unitDeactivated, .unitDeactivated), (MessageIDs.unitOOM, .unitOOM),
        (MessageIDs.unitResources, .unitResources),
    ] as [(String, StructuredID)]).map { (Array($0.0.utf8), $0.1) }
    private static let controlProcess: [UInt8] = Array("Control process".utf8)
    private static let statusKey: [UInt8] = Array("status=".utf8)
    private static let startJob: [UInt8] = Array("start".utf8)
    private static let doneResult: [UInt8] = Array("done".utf8)

    /// The common case: a manager entry with a known MESSAGE_ID and its structured fields, read
    /// without building the message text. `nil` when the fields do not settle it (then the text
    /// path decides); `.some(nil)` when the entry is known to carry no event.
    static func structuredUnitEvent(_ kind: StructuredID, _ f: EntryFields, unit: String, isUser: Bool, time: Int64,
                                    ref: EntryRef) -> JournalEvent?? {
        func ev(_ k: UnitEventKind) -> JournalEvent?? {
            .some(.unit(UnitEvent(time: time, unit: unit, kind: k, isUserUnit: isUser, cursor: ref)))
        }
        switch kind {
        case .restartScheduled:
            guard let n = f.nRestarts.flatMap(EntryFields.int) else { return nil }
            return ev(.restartScheduled(counter: n))
        case .processExited:
            guard let code = f.exitCode, let m = f.message else { return nil }
            if TextScan.contains(m, controlProcess) { return .some(nil) }
            // The text names the status (`1/FAILURE`); EXIT_STATUS has only the number.
            guard let status = TextScan.word(after: statusKey, in: m) ?? f.exitStatus.flatMap(EntryFields.text) else { return nil }
            return ev(.mainExited(code: String(decoding: code, as: UTF8.self), status: status))
        case .unitFailed:
            guard let r = f.unitResult else { return nil }
            return ev(.failed(result: String(decoding: r, as: UTF8.self)))
        case .unitStarted:
            if let jt = f.jobType, !TextScan.equal(jt, startJob) { return .some(nil) }
            if let jr = f.jobResult, !TextScan.equal(jr, doneResult) { return .some(nil) }
            if unit.hasSuffix(".target") {
                guard shutdownTargets.contains(unit), !isUser, f.pid == 1 else { return .some(nil) }
                return .some(.shutdown(ShutdownMarker(time: time, kind: .target, text: f.messageText, cursor: ref)))
            }
            if unit.hasSuffix(".socket") { return .some(nil) }
            // A start job done because a condition failed: nothing ran (text logs say no "Started").
            if let m = f.message, TextScan.hasPrefix(m, conditionSkipped) { return .some(nil) }
            return ev(.started)
        case .unitFailedToStart: return ev(.startFailed(jobResult: EntryFields.text(f.jobResult) ?? "failed"))
        case .unitStarting: return ev(.starting)
        case .unitStopping: return ev(.stopping)
        case .unitStopped: return ev(.stopped)
        case .unitDeactivated: return ev(.deactivated)
        case .unitOOM: return ev(.oomKilled)
        case .unitResources:
            return ev(.resources(cpuNSec: f.cpuUsageNSec.flatMap(EntryFields.int).map(UInt64.init),
                                 memoryPeakBytes: f.memoryPeak.flatMap(EntryFields.int).map(UInt64.init)))
        }
    }

    /// journald, logind, systemd-shutdown, systemd-oomd text.
    static func daemonEvent(_ f: EntryFields, text: String, time: Int64, cursor: EntryRef) -> JournalEvent? {
        let who = f.who
        switch who {
        case "systemd-journald":
            let t = Substring(text)
            if let n = JournalUncleanNotice.parse(text, time: time, cursor: cursor) { return .journalUnclean(n) }
            if t.startsUTF8(with: "Journal stopped") {
                return .shutdown(ShutdownMarker(time: time, kind: .journalStopped, text: text, cursor: cursor))
            }
            if t.startsUTF8(with: "Journal started") {
                return .boot(BootMarker(time: time, kind: .journalStarted, text: text, cursor: cursor))
            }
        case "systemd-logind":
            if text.hasPrefix("System is rebooting") || text.hasPrefix("System is powering down")
                || text.hasPrefix("System is halting") || text.hasPrefix("System is rebooting with kexec") {
                return .shutdown(ShutdownMarker(time: time, kind: .logind, text: text, cursor: cursor))
            }
            if let r = ShutdownRequest.parseLogind(text, time: time, ref: cursor) { return .shutdownRequest(r) }
        case "sudo":
            if let r = ShutdownRequest.parseSudo(text, time: time, ref: cursor) { return .shutdownRequest(r) }
        case "systemd-shutdown":
            if text.hasPrefix("Syncing filesystems") || text.hasPrefix("Rebooting") || text.hasPrefix("Powering off")
                || text.hasPrefix("Sending SIG") || text.hasPrefix("Halting") {
                return .shutdown(ShutdownMarker(time: time, kind: .systemdShutdown, text: text, cursor: cursor))
            }
        case "systemd-fsck":
            if let n = JournalUncleanNotice.parseFsck(text, time: time, cursor: cursor) { return .journalUnclean(n) }
        case "systemd-oomd":
            let t = Substring(text)
            if t.startsUTF8(with: "Killed "), t.has(" due to ") {
                let cg = t.dropFirst("Killed ".count).split(separator: " ").first.map(String.init) ?? ""
                return .oomd(OOMDKill(time: time, cgroup: cg, text: text, cursor: cursor))
            }
        default: break
        }
        return nil
    }

    private static let shutdownTargets: Set<String> = ["shutdown.target", "reboot.target", "poweroff.target",
                                                       "halt.target", "kexec.target", "final.target",
                                                       "umount.target", "soft-reboot.target"]

    /// PID 1 (or a user manager) about a unit, or about itself. Shutdown and switch-root
    /// markers come from the system manager only (`systemManager`).
    static func managerEvent(_ f: EntryFields, text: String, time: Int64, cursor: EntryRef,
                             systemManager: Bool, descriptions: UnitDescriptions) -> JournalEvent? {
        var t = Substring(text)
        var unitName = EntryFields.text(f.unit)
        let isUser = unitName == nil && f.userUnit != nil
        if unitName == nil { unitName = EntryFields.text(f.userUnit) }
        // Old systemd prefixes the message with `unit: `; strip it, and take the unit from it when
        // the entry has no UNIT field.
        if let colon = t.find(": "), looksLikeUnit(t[..<colon.lowerBound]) {
            if unitName == nil { unitName = String(t[..<colon.lowerBound]) }
            t = t[colon.upperBound...]
        }
        let mid = EntryFields.text(f.messageID)
        if t.startsUTF8(with: "Shutting down.") {
            guard systemManager else { return nil }
            return .shutdown(ShutdownMarker(time: time, kind: .managerShuttingDown, text: text, cursor: cursor))
        }
        if t.startsUTF8(with: "Switching root.") {
            guard systemManager else { return nil }
            return .boot(BootMarker(time: time, kind: .switchRoot, text: text, cursor: cursor))
        }
        if t.startsUTF8(with: "Reached target") {
            // A user manager (`systemd[4529]`) reaches its own shutdown.target whenever a session ends.
            guard systemManager, f.userUnit == nil else { return nil }
            let lower = t.lowercased()
            if let u = unitName, shutdownTargets.contains(u) {
                return .shutdown(ShutdownMarker(time: time, kind: .target, text: text, cursor: cursor))
            }
            if lower.has("shutdown") || lower.has("reboot") || lower.has("power-off") || lower.has("final step") {
                return .shutdown(ShutdownMarker(time: time, kind: .target, text: text, cursor: cursor))
            }
            return nil
        }
        if t.startsUTF8(with: "Failed to fork") || (t.has("Resource temporarily unavailable") && t.has("fork")) {
            return .forkFailure(ForkFailure(time: time, reporter: unitName ?? "systemd", text: text, source: cursor.cursor))
        }
        // Without a UNIT field (text logs): systemd ≥ 250 names the unit before its description
        // in job messages (`Started worker.service - Batch worker.`); before, by its description alone.
        if unitName == nil, let job = JobMessage(t) { unitName = job.unit ?? descriptions.unit(describedAs: job.object) }
        // Before v220 some lines name the unit inside the sentence (the UNIT field, when there is one, agrees).
        var legacy: LegacyManagerLine?
        if unitName == nil {
            legacy = LegacyManagerLine(t)
            unitName = legacy?.unit
        }
        guard let unit = unitName else { return nil }
        func ev(_ k: UnitEventKind) -> JournalEvent {
            .unit(UnitEvent(time: time, unit: unit, kind: k, isUserUnit: isUser, cursor: cursor))
        }
        switch mid {
        case MessageIDs.restartScheduled?:
            return ev(.restartScheduled(counter: f.nRestarts.flatMap(EntryFields.int) ?? counter(t)))
        case MessageIDs.processExited?:
            guard !t.startsUTF8(with: "Control process") else { return nil }
            return exitEvent(f, t).map(ev)
        case MessageIDs.unitFailed?:
            let result = EntryFields.text(f.unitResult) ?? quoted(t) ?? UnitEventKind.unknownResult
            return ev(.failed(result: result))
        case MessageIDs.unitStarted?:
            if let jt = f.jobType, !TextScan.equal(jt, startJob) { return nil }
            if let jr = f.jobResult, !TextScan.equal(jr, doneResult) { return nil }
            if t.startsUTF8(with: "Reached target") || t.startsUTF8(with: "Listening on") || t.startsUTF8(with: "Condition check resulted in") { return nil }
            return ev(.started)
        case MessageIDs.unitFailedToStart?:
            return ev(.startFailed(jobResult: EntryFields.text(f.jobResult) ?? "failed"))
        case MessageIDs.unitStarting?:
            return ev(.starting)
        case MessageIDs.unitStopping?:
            return ev(.stopping)
        case MessageIDs.unitStopped?:
            return ev(.stopped)
        case MessageIDs.unitDeactivated?:
            return ev(.deactivated)
        case MessageIDs.unitOOM?:
            return ev(.oomKilled)
        case MessageIDs.oomdKill?:
            return ev(.oomdKilled(processes: TextScan.between(t, after: "killed ", until: " ").flatMap { TextScan.leadingInt($0) }))
        case MessageIDs.unitResources?:
            return ev(.resources(cpuNSec: f.cpuUsageNSec.flatMap(EntryFields.int).map(UInt64.init),
                                 memoryPeakBytes: f.memoryPeak.flatMap(EntryFields.int).map(UInt64.init)))
        default:
            break
        }
        // Text fallback for managers that logged without (or with unknown) MESSAGE_IDs.
        if t.startsUTF8(with: "Scheduled restart job") { return ev(.restartScheduled(counter: f.nRestarts.flatMap(EntryFields.int) ?? counter(t))) }
        if isCounterlessRestart(t) { return ev(.restartScheduled(counter: nil)) }
        // v219 wrote it in lower case.
        if t.startsUTF8(with: "Main process exited") || t.startsUTF8(with: "main process exited") { return exitEvent(f, t).map(ev) }
        if let legacy = legacy ?? LegacyManagerLine(t) {
            switch legacy.kind {
            case .restartScheduled: return ev(.restartScheduled(counter: nil))
            case .startLimitHit: return ev(.startLimitHit)
            // v219 gives no result; "foo.service failed." repeats the same failure.
            case .enteredFailedState: return ev(.failed(result: UnitEventKind.unknownResult))
            case .failed: return nil
            }
        }
        if t.startsUTF8(with: "Failed with result") {
            return ev(.failed(result: EntryFields.text(f.unitResult) ?? quoted(t) ?? UnitEventKind.unknownResult))
        }
        if t.startsUTF8(with: "Start request repeated too quickly") { return ev(.startLimitHit) }
        if t.startsUTF8(with: "A process of this unit has been killed by the OOM killer") { return ev(.oomKilled) }
        if t.startsUTF8(with: "systemd-oomd killed") { return ev(.oomdKilled(processes: nil)) }
        if t.startsUTF8(with: "Deactivated successfully") || t.startsUTF8(with: "Succeeded.") { return ev(.deactivated) }
        if t.startsUTF8(with: "Consumed ") { return ev(.resources(cpuNSec: f.cpuUsageNSec.flatMap(EntryFields.int).map(UInt64.init), memoryPeakBytes: nil)) }
        if t.startsUTF8(with: "Failed to start ") { return ev(.startFailed(jobResult: "failed")) }
        if t.startsUTF8(with: "Dependency failed for ") { return ev(.startFailed(jobResult: "dependency")) }
        if t.startsUTF8(with: "Started ") || t.startsUTF8(with: "Finished ") { return ev(.started) }
        if t.startsUTF8(with: "Starting ") { return ev(.starting) }
        if t.startsUTF8(with: "Stopping ") { return ev(.stopping) }
        if t.startsUTF8(with: "Stopped ") { return ev(.stopped) }
        if t.startsUTF8(with: "Unit entered failed state") { return ev(.failed(result: UnitEventKind.unknownResult)) }
        return nil
    }


    /// systemd before v236 schedules a restart with no counter: `Service hold-off time over,
    /// scheduling restart.` (`RestartSec=` above 0), `Service has no hold-off time, scheduling restart.`
    static func isCounterlessRestart(_ t: Substring) -> Bool {
        t.startsUTF8(with: "Service hold-off time over, scheduling restart") || t.startsUTF8(with: "Service has no hold-off time, scheduling restart")
    }

    static func exitEvent(_ f: EntryFields, _ t: Substring) -> UnitEventKind? {
        // Structured fields: EXIT_CODE=exited, EXIT_STATUS=1; the text carries the name (`1/FAILURE`).
        let textCode = TextScan.between(t, after: "code=", until: ",").map(String.init)
        let textStatus = TextScan.between(t, after: "status=", until: " ").map { s -> String in
            var s = s
            while let l = s.last, l == "." || l == "," { s.removeLast() }
            return String(s)
        }
        let code = EntryFields.text(f.exitCode) ?? textCode
        guard let code else { return nil }
        var status = textStatus ?? EntryFields.text(f.exitStatus) ?? "?"
        if let s = EntryFields.text(f.exitStatus), let ts = textStatus, !ts.hasPrefix(s) { status = s }
        return .mainExited(code: code, status: status)
    }

    static func counter(_ t: Substring) -> Int? {
        TextScan.between(t, after: "restart counter is at ", until: ".").flatMap { TextScan.leadingInt($0) }
    }

    static func quoted(_ t: Substring) -> String? {
        TextScan.between(t, after: "'", until: "'").map(String.init)
    }

    private static let unitSuffixes = [".service", ".socket", ".mount", ".scope", ".slice", ".target", ".timer",
                                       ".path", ".swap", ".device", ".automount"]

    static func looksLikeUnit(_ s: Substring) -> Bool {
        guard !s.isEmpty, s.utf8.count < 256, !s.has(" ") else { return false }
        return unitSuffixes.contains { s.endsUTF8(with: $0) }
    }
}
