import Journal

/// An entry's event as `JournalEventPreparer` read it, shared by every later entry with the
/// same values: handing a reference across threads costs less than copying the event.
public final class PreparedEvent: Sendable {
    private let event: JournalEvent
    /// The unit event as it was read (the time and cursor of the first entry with these
    /// values); meaningful only when `isUnit`. The scan passes each entry's own time and cursor
    /// beside it, and the event where it lies: not optional, so that no copy is unwrapped for
    /// every line a crash loop repeats.
    public let unitTemplate: UnitEvent
    /// A unit event: it fits any entry with the same values once re-timed.
    public let isUnit: Bool

    fileprivate init(_ event: JournalEvent) {
        self.event = event
        if case .unit(let u) = event {
            (unitTemplate, isUnit) = (u, true)
        } else {
            (unitTemplate, isUnit) = (UnitEvent(time: 0, unit: "", kind: .started, cursor: .none), false)
        }
    }

    /// The event, with `entry`'s time and cursor.
    public func event(for entry: EntryView) -> JournalEvent {
        guard isUnit else { return event }
        var u = unitTemplate
        u.time = Int64(clamping: entry.realtime)
        u.ref = EntryRef(entry)
        return .unit(u)
    }
}

/// Reads each entry's event on the scan's decoding thread (`JournalReader.scan(fields:preparing:_:)`
/// with `EntryFields.names`): the event is a function of the entry's values, time and cursor,
/// so a crash loop's repeated lines are read once and then only re-timed.
public struct JournalEventPreparer: EntryPreparer {
    private var names = JournalEventExtractor.UnitNames()

    public init() {}

    /// The entry's event. Kernel-log entries carry one only when a program wrote them under
    /// its own name (systemd-shutdown, early journald); the kernel's own lines are read as
    /// kernel records instead.
    public mutating func prepare(_ entry: EntryView) -> PreparedEvent? {
        let f = EntryFields(entry)
        if f.isKernel {
            guard let id = f.identifier, !TextScan.equal(id, EntryFields.kernelBytes) else { return nil }
        }
        return JournalEventExtractor.event(entry, f, names: &names).map(PreparedEvent.init)
    }

    /// No event stays none; a unit event is shared (re-timed when used).
    public func fitsUnchanged(_ earlier: PreparedEvent?) -> Bool { earlier?.isUnit ?? true }

    /// Other events (rare: markers, notices) are read again.
    public func reuse(_ earlier: PreparedEvent?, for entry: EntryView) -> PreparedEvent?? { nil }
}
