/// A job message of a service manager as text logs show it: its verb and what it names,
/// the unit's description (`Started SSSD Kerberos Cache Manager.`) or, for a unit without
/// one, its name (`Failed to start vboxadd.service.`).
struct JobMessage {
    enum Verb: CaseIterable {
        case starting, started, finished, stopping, stopped, failedToStart, dependencyFailed

        var prefix: String {
            switch self {
            case .starting: "Starting "
            case .started: "Started "
            case .finished: "Finished "
            case .stopping: "Stopping "
            case .stopped: "Stopped "
            case .failedToStart: "Failed to start "
            case .dependencyFailed: "Dependency failed for "
            }
        }
    }

    var verb: Verb
    /// What follows the verb, without the closing `.` or `...`.
    var object: Substring

    init?(_ t: Substring) {
        guard let verb = Verb.allCases.first(where: { t.startsUTF8(with: $0.prefix) }) else { return nil }
        var object = t.dropFirst(verb.prefix.count)
        if object.endsUTF8(with: "...") { object = object.dropLast(3) } else if object.endsUTF8(with: ".") { object = object.dropLast() }
        guard !object.isEmpty else { return nil }
        (self.verb, self.object) = (verb, object)
    }

    /// The unit the message names itself: systemd ≥ 250 before the description
    /// (`Starting worker.service - Batch worker...`), and a unit without a description by its name.
    var unit: String? {
        if JournalEventExtractor.looksLikeUnit(object) { return String(object) }
        guard let space = object.firstIndex(of: " ") else { return nil }
        let word = object[..<space]
        return object[space...].startsUTF8(with: " - ") && JournalEventExtractor.looksLikeUnit(word) ? String(word) : nil
    }
}

/// A line of systemd before v220 (RHEL and CentOS 7 run v219) that names its unit inside the
/// sentence rather than before a colon: `Unit foo.service entered failed state.`,
/// `foo.service holdoff time over, scheduling restart.`, `start request repeated too quickly
/// for foo.service`, `foo.service failed.`.
struct LegacyManagerLine {
    enum Kind { case enteredFailedState, failed, restartScheduled, startLimitHit }

    var unit: String
    var kind: Kind

    init?(_ t: Substring) {
        func unit(_ s: Substring) -> String? { JournalEventExtractor.looksLikeUnit(s) ? String(s) : nil }
        if t.startsUTF8(with: "Unit "), t.endsUTF8(with: " entered failed state."),
           let u = unit(t.dropFirst("Unit ".count).dropLast(" entered failed state.".count)) {
            (self.unit, kind) = (u, .enteredFailedState)
        } else if t.startsUTF8(with: "start request repeated too quickly for "),
                  let u = unit(t.dropFirst("start request repeated too quickly for ".count)) {
            (self.unit, kind) = (u, .startLimitHit)
        } else if let space = t.firstIndex(of: " "), let u = unit(t[..<space]) {
            let rest = t[space...]
            if rest == " holdoff time over, scheduling restart." || rest == " has no holdoff time, scheduling restart." {
                (self.unit, kind) = (u, .restartScheduled)
            } else if rest == " failed." {
                (self.unit, kind) = (u, .failed)
            } else {
                return nil
            }
        } else {
            return nil
        }
    }
}

/// Which unit a description stands for, for the job messages of text logs: they carry no
/// `UNIT` field, and systemd before v250 (or with `StatusUnitFormat=description`) names the
/// unit by its `Description=` alone. Learned from unit files and from the lines themselves,
/// where the manager names a unit and in the same breath completes its job:
///
///     worker.service: Scheduled restart job, restart counter is at 1.
///     Stopped Batch worker.
///
/// A description seen for two units names neither.
public struct UnitDescriptions: Sendable {
    private var units: [String: String] = [:]
    private var ambiguous: Set<String> = []
    /// Per manager (by PID), its last line if it named a unit the next line's job may be about.
    private var previous: [Int: Preceding] = [:]

    private struct Preceding: Sendable {
        enum Kind: Sendable { case finished, failed, restartScheduled, dependencyFailed }
        var kind: Kind
        /// The unit, or for `dependencyFailed` the description (the unit is named after it).
        var subject: String
        var time: Int64
    }

    /// At most this many descriptions are kept (each is a short line; bounds a hostile log).
    static let limit = 50_000

    public init() {}

    public var isEmpty: Bool { units.isEmpty }

    /// The unit `description` stands for, if one is known and only one.
    public func unit(describedAs description: Substring) -> String? { units[String(description)] }

    /// Whether a text line is a manager's job message that counts for a unit (a start, a start
    /// that failed) but names it only by a description not known here: the event is lost.
    public func leavesUnitUnknown(text: String, identifier: String, pid: Int?) -> Bool {
        guard JournalEventExtractor.managerPID(identifier: identifier, pid: pid) != nil else { return false }
        let t = Substring(text)
        guard let job = JobMessage(t), job.unit == nil else { return false }
        switch job.verb {
        case .started, .finished, .failedToStart, .dependencyFailed: return unit(describedAs: job.object) == nil
        case .starting, .stopping, .stopped: return false
        }
    }

    /// Says that `unit` is described as `description` (a unit file's `Description=`).
    public mutating func add(description: String, unit: String) {
        guard !description.isEmpty, description != unit, !ambiguous.contains(description) else { return }
        if let known = units[description] {
            if known != unit {
                units[description] = nil
                ambiguous.insert(description)
            }
            return
        }
        guard units.count < Self.limit else { return }
        units[description] = unit
    }

    /// Reads one line of a text log, in the order written, for the descriptions it ties to a unit.
    public mutating func learn(text: String, identifier: String, pid: Int?, time: Int64) {
        guard let manager = JournalEventExtractor.managerPID(identifier: identifier, pid: pid) else { return }
        let before = previous.removeValue(forKey: manager)
        var t = Substring(text)
        var named: Substring?
        if let colon = t.find(": "), JournalEventExtractor.looksLikeUnit(t[..<colon.lowerBound]) {
            named = t[..<colon.lowerBound]
            t = t[colon.upperBound...]
        }
        // Within a second, as the manager writes both lines in one go.
        let close = before.map { time >= $0.time && time &- $0.time <= 1_000_000 } ?? false
        if named == nil, let legacy = LegacyManagerLine(t) {
            // v219 names the unit inside the sentence; "Failed to start X." or "Stopped X." follows.
            let kind: Preceding.Kind = legacy.kind == .restartScheduled ? .restartScheduled : .failed
            previous[manager] = Preceding(kind: kind, subject: legacy.unit, time: time)
            return
        }
        if let unit = named {
            if let before, close, before.kind == .dependencyFailed,
               t.startsUTF8(with: "Job \(unit)/start failed with result 'dependency'") {
                add(description: before.subject, unit: String(unit))
                return
            }
            let kind: Preceding.Kind? =
                t.startsUTF8(with: "Deactivated successfully") || t.startsUTF8(with: "Succeeded.") ? .finished
                : t.startsUTF8(with: "Failed with result") ? .failed
                : t.startsUTF8(with: "Scheduled restart job") || JournalEventExtractor.isCounterlessRestart(t) ? .restartScheduled : nil
            if let kind { previous[manager] = Preceding(kind: kind, subject: String(unit), time: time) }
            return
        }
        guard let job = JobMessage(t), !JournalEventExtractor.looksLikeUnit(job.object) else { return }
        if job.verb == .dependencyFailed {
            previous[manager] = Preceding(kind: .dependencyFailed, subject: String(job.object), time: time)
            return
        }
        guard let before, close else { return }
        // The job that completed right after the unit's own line, and only that one.
        let fits = switch (before.kind, job.verb) {
        case (.finished, .stopped), (.finished, .finished), (.failed, .stopped), (.failed, .failedToStart),
             (.restartScheduled, .stopped): true
        default: false
        }
        if fits { add(description: String(job.object), unit: before.subject) }
    }
}
