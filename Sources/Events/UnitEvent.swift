import Journal

/// Something systemd said about one unit.
public enum UnitEventKind: Sendable, Hashable {
    /// `Started X.` / `Finished X.` (job `start` done).
    case started
    /// `Starting X...`.
    case starting
    /// `Stopping X...`.
    case stopping
    /// `Stopped X.`.
    case stopped
    /// `Main process exited, code=exited, status=1/FAILURE`; `status` is `1/FAILURE` or `9/KILL`.
    case mainExited(code: String, status: String)
    /// `Failed with result 'exit-code'.`; `Unit entered failed state.` (before v236) gives no
    /// result: `unknownResult`.
    case failed(result: String)
    /// `Scheduled restart job, restart counter is at N.`
    case restartScheduled(counter: Int?)
    /// `Start request repeated too quickly.` (or `Failed with result 'start-limit-hit'`).
    case startLimitHit
    /// `A process of this unit has been killed by the OOM killer.`
    case oomKilled
    /// `systemd-oomd killed N process(es) in this unit.`
    case oomdKilled(processes: Int?)
    /// `Deactivated successfully.`
    case deactivated
    /// `Consumed … CPU time`.
    case resources(cpuNSec: UInt64?, memoryPeakBytes: UInt64?)
    /// `Failed to start X.`, `Dependency failed for X.`: the start job did not complete, with
    /// its `JOB_RESULT` (`failed`, `dependency`, `timeout`, …).
    case startFailed(jobResult: String)

    /// The result of a failure whose line states none.
    public static let unknownResult = "unknown"
}

/// One unit event, with where it was read.
public struct UnitEvent: Sendable, Hashable {
    /// Realtime, microseconds since the epoch.
    public var time: Int64
    /// The unit name (`polyscan.service`); user units keep their plain name.
    public var unit: String
    public var kind: UnitEventKind
    /// True when the user manager (`USER_UNIT`) logged it.
    public var isUserUnit: Bool
    /// The entry it was read from.
    public var ref: EntryRef
    /// The journal cursor of the entry.
    public var cursor: String { ref.cursor }

    public init(time: Int64, unit: String, kind: UnitEventKind, isUserUnit: Bool = false, cursor: EntryRef) {
        self.time = time
        self.unit = unit
        self.kind = kind
        self.isUserUnit = isUserUnit
        self.ref = cursor
    }
}
