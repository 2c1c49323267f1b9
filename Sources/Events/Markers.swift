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
