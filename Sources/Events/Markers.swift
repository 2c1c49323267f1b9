import Journal

/// Evidence that a boot was being shut down in an orderly way. Only the system's own
/// shutdown speaks: PID 1, systemd-shutdown, logind's announcement, journald's final stop
/// (user managers' `Reached target Shutdown.` never becomes a marker).
public struct ShutdownMarker: Sendable, Hashable {
    public enum Kind: String, Sendable {
        /// logind's `System is rebooting.` (`SHUTDOWN=`).
        case logind
        /// `Reached target … Shutdown|Reboot|Power-Off|Final Step`.
        case target
        /// PID 1 `Shutting down.`.
        case managerShuttingDown
        /// systemd-shutdown's `Syncing filesystems…`, `Rebooting.`, `Powering off.`.
        case systemdShutdown
        /// journald's `Journal stopped`.
        case journalStopped
        /// A syslog daemon's stop (`exiting on signal 15`) as a text boot's last line: a machine
        /// without systemd's markers (SysV init, Upstart) stops its logger late in a shutdown,
        /// and nothing is logged after it.
        case syslogStopped
    }
    public var time: Int64
    public var kind: Kind
    /// The message as logged.
    public var text: String
    /// The entry it was read from.
    public var ref: EntryRef
    /// The journal cursor of the entry.
    public var cursor: String { ref.cursor }

    public init(time: Int64, kind: Kind, text: String, cursor: EntryRef) {
        self.time = time
        self.kind = kind
        self.text = text
        self.ref = cursor
    }
}

/// A boot-level milestone: journald starting, `Startup finished`, PID 1 leaving the initrd.
public struct BootMarker: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case journalStarted, startupFinished
        /// PID 1's `Switching root.`: the initrd ends; its journald stops right after.
        case switchRoot
    }
    public var time: Int64
    public var kind: Kind
    public var text: String
    /// The entry it was read from.
    public var ref: EntryRef
    /// The journal cursor of the entry.
    public var cursor: String { ref.cursor }

    public init(time: Int64, kind: Kind, text: String, cursor: EntryRef) {
        self.time = time
        self.kind = kind
        self.text = text
        self.ref = cursor
    }
}

/// journald at the start of a boot: `File … corrupted or uncleanly shut down, renaming and replacing.`:
/// the previous boot did not close its journal.
public struct JournalUncleanNotice: Sendable, Hashable {
    public var time: Int64
    /// The journal file (or filesystem device) named in the message.
    public var file: String
    /// The entry it was read from.
    public var ref: EntryRef
    /// The journal cursor of the entry.
    public var cursor: String { ref.cursor }
    /// The message as logged.
    public var text: String

    public init(time: Int64, file: String, cursor: EntryRef, text: String = "") {
        self.time = time
        self.file = file
        self.ref = cursor
        self.text = text
    }

    /// journald's notice, or a filesystem's at mount (`FAT-fs (dev): Volume was not properly
    /// unmounted`, `EXT4-fs (dev): recovery complete`), wherever it was logged (early in boot
    /// journald writes to the kernel log).
    public static func parse(_ text: String, time: Int64, cursor: EntryRef) -> JournalUncleanNotice? {
        let t = Substring(text)
        if t.has("corrupted or uncleanly shut down") {
            let file = TextScan.between(t, after: "File ", until: " ").map(String.init) ?? ""
            return JournalUncleanNotice(time: time, file: file, cursor: cursor, text: text)
        }
        if t.has("Volume was not properly unmounted") || (t.hasPrefix("EXT4-fs (") && t.has("recovery complete"))
            || (t.hasPrefix("XFS (") && t.has("Starting recovery")) {
            let dev = TextScan.between(t, after: "(", until: ")").map(String.init) ?? ""
            return JournalUncleanNotice(time: time, file: dev, cursor: cursor, text: text)
        }
        return nil
    }

    /// fsck at boot, through systemd-fsck: e2fsck's `/dev/sda2: recovering journal`
    /// (e2fsck/unix.c), fsck.fat's `Dirty bit is set. Fs was not properly unmounted …` (dosfstools).
    public static func parseFsck(_ text: String, time: Int64, cursor: EntryRef) -> JournalUncleanNotice? {
        let t = Substring(text)
        if t.hasSuffix(": recovering journal"), let colon = t.find(": ") {
            return JournalUncleanNotice(time: time, file: String(t[..<colon.lowerBound]), cursor: cursor, text: text)
        }
        if t.hasPrefix("Dirty bit is set") && t.has("not properly unmounted") {
            return JournalUncleanNotice(time: time, file: "", cursor: cursor, text: text)
        }
        return nil
    }
}

/// A process that could not be created: `Resource temporarily unavailable` from fork/clone,
/// PID 1's `Failed to fork`, the kernel's pids controller.
public struct ForkFailure: Sendable, Hashable {
    public var time: Int64
    /// Who reported it (syslog identifier or unit).
    public var reporter: String
    public var text: String
    public var source: String

    public init(time: Int64, reporter: String, text: String, source: String) {
        self.time = time
        self.reporter = reporter
        self.text = text
        self.source = source
    }
}

/// systemd-oomd's own `Killed /system.slice/x.service due to memory pressure …`.
public struct OOMDKill: Sendable, Hashable {
    public var time: Int64
    /// The cgroup path it named.
    public var cgroup: String
    public var text: String
    /// The entry it was read from.
    public var ref: EntryRef
    /// The journal cursor of the entry.
    public var cursor: String { ref.cursor }

    public init(time: Int64, cgroup: String, text: String, cursor: EntryRef) {
        self.time = time
        self.cgroup = cgroup
        self.text = text
        self.ref = cursor
    }
}

/// Who or what asked for a shutdown: a command run through sudo (`COMMAND=/usr/sbin/reboot`),
/// the power key, or a shutdown scheduled by logind. It names the initiator of a planned
/// reboot; the shutdown itself is proven by `ShutdownMarker`s.
public struct ShutdownRequest: Sendable, Hashable {
    public enum Kind: String, Sendable {
        /// A shutdown command run with sudo: `deploy : TTY=pts/0 ; … ; COMMAND=/usr/sbin/reboot`.
        case sudoCommand
        /// logind: `Power key pressed short.` (or long).
        case powerKey
        /// logind or shutdown(8): `Shutdown scheduled for …` / `Creating /run/nologin`.
        case scheduled
    }
    public var time: Int64
    public var kind: Kind
    /// The user who ran the command (sudo's first word), when known.
    public var user: String?
    /// The command as sudo logged it.
    public var command: String?
    /// The message as logged.
    public var text: String
    /// The entry it was read from.
    public var ref: EntryRef

    public init(time: Int64, kind: Kind, user: String? = nil, command: String? = nil, text: String, ref: EntryRef) {
        self.time = time
        self.kind = kind
        self.user = user
        self.command = command
        self.text = text
        self.ref = ref
    }

    private static let shutdownCommands: Set<String> = ["reboot", "shutdown", "poweroff", "halt", "kexec"]
    private static let systemctlVerbs: Set<String> = ["reboot", "poweroff", "halt", "kexec", "soft-reboot"]

    /// sudo's log line when its command shuts the machine down; `nil` for any other command.
    /// `user : TTY=… ; PWD=… ; USER=root ; COMMAND=/usr/sbin/reboot`.
    public static func parseSudo(_ text: String, time: Int64, ref: EntryRef) -> ShutdownRequest? {
        // `user : TTY=… ; PWD=… ; USER=root ; COMMAND=…`. A refusal carries a reason among the
        // fields (`command not allowed ;`, `user NOT in sudoers ;`, `3 incorrect password attempts ;`):
        // every field must then be KEY=VALUE, or the command never ran.
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let parts = text[text.index(after: colon)...].split(separator: ";").map { $0.drop { $0 == " " } }
        guard parts.allSatisfy({ field in
            let key = field.prefix { $0 != "=" }
            return key.count < field.count && !key.isEmpty && key.allSatisfy { $0.isUppercase || $0 == "_" }
        }) else { return nil }
        guard let field = parts.last(where: { $0.hasPrefix("COMMAND=") }) else { return nil }
        let command = String(field.dropFirst("COMMAND=".count))
        let words = command.split(separator: " ").map(String.init)
        guard let first = words.first else { return nil }
        let program = first.split(separator: "/").last.map(String.init) ?? first
        let isShutdown: Bool
        if shutdownCommands.contains(program) {
            isShutdown = true
        } else if program == "systemctl" || program == "init" || program == "telinit" {
            isShutdown = words.dropFirst().contains { systemctlVerbs.contains($0) || $0 == "0" || $0 == "6" }
        } else {
            isShutdown = false
        }
        guard isShutdown else { return nil }
        // sudo pads the user name: `    deploy : TTY=pts/0 ; …`.
        let user = text.split(separator: ":", maxSplits: 1).first.map { $0.split(separator: " ") }
        return ShutdownRequest(time: time, kind: .sudoCommand, user: user?.count == 1 ? user.map { String($0[0]) } : nil,
                               command: command, text: text, ref: ref)
    }

    /// logind's power-key and scheduled-shutdown messages.
    public static func parseLogind(_ text: String, time: Int64, ref: EntryRef) -> ShutdownRequest? {
        if text.hasPrefix("Power key pressed") { return ShutdownRequest(time: time, kind: .powerKey, text: text, ref: ref) }
        if text.hasPrefix("Shutdown scheduled for") || text.hasPrefix("Reboot scheduled for")
            || text.hasPrefix("Power-off scheduled for") {
            return ShutdownRequest(time: time, kind: .scheduled, text: text, ref: ref)
        }
        return nil
    }
}
