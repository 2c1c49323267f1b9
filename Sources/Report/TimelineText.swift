import Analysis

/// A timeline row's detail as a sentence: the one place its facts become words, for every
/// format and the JSON `detail`.
enum TimelineText {
    static func detail(_ detail: TimelineDetail) -> String {
        switch detail {
        case .text(let text):
            return text
        case .kernelReport(let headline, let furtherLines):
            return furtherLines > 0 ? "\(headline) (+\(HumanFormat.count(furtherLines)) line\(furtherLines == 1 ? "" : "s"))" : headline
        case .bootBegins(let bootID, let entries, let textOnly, let startKnown):
            let lines = textOnly ? "\(HumanFormat.count(entries)) log line\(entries == 1 ? "" : "s")" : "\(HumanFormat.count(entries)) entries"
            return startKnown
                ? "boot \(bootID) begins (\(lines))"
                : "the logs of boot \(bootID) begin (\(lines)); its start is not in them"
        case .journalKeptFrom(let seconds, let textOnly):
            return textOnly
                ? "the logs kept begin \(HumanFormat.duration(seconds: seconds)) into the boot; "
                    + "what came before was rotated away or not collected"
                : "the journal kept begins \(HumanFormat.duration(seconds: seconds)) into the boot; "
                    + "what came before was rotated or vacuumed away"
        case .clockStep(let seconds, let uptime):
            return "the wall clock stepped \(seconds < 0 ? "back" : "forward") by \(HumanFormat.duration(seconds: seconds.magnitude)), "
                + "\(HumanFormat.duration(seconds: uptime)) into the boot: rows before this one are on the old clock"
        case .loopStartEstimate(let unit, let restartsBefore, let meanInterval, let capped):
            return "estimate: \(unit) began restarting about here (\(HumanFormat.count(restartsBefore)) restarts before "
                + "the oldest entry kept, one per \(HumanFormat.duration(seconds: meanInterval)))"
                + (capped ? "; capped at the boot's start" : "")
        case .restarts(let unit, let count, let peak, let counterMax, let exit, let exitCount):
            var s = "\(unit) restarted \(HumanFormat.count(count)) times, peak \(HumanFormat.count(peak))/min"
            if let c = counterMax { s += ", restart counter up to \(HumanFormat.count(c))" }
            if let exit { s += "; exits \(exit) ×\(HumanFormat.count(exitCount))" }
            return s
        case .restartScheduled(let unit):
            return "\(unit): restart scheduled"
        case .failures(let unit, let count, let firstResult):
            return "\(unit) failed \(HumanFormat.count(count)) times (\(firstResult))"
        case .failed(let unit, let result):
            return "\(unit): failed with result '\(result)'"
        case .startLimitHit(let unit):
            return "\(unit): start request repeated too quickly, systemd gave up"
        case .oomKills(let kind, let count, let victims):
            return "\(HumanFormat.count(count)) \(kind.rawValue) OOM kills; victims \(victims.joined(separator: ", "))"
        case .oomKill(let kind, let victim, let pid, let anonRSSKB, let unit, let invokedBy):
            var s = "\(kind.rawValue) OOM kill: \(victim ?? "?") (pid \(pid.map(String.init) ?? "?"))"
            if let a = anonRSSKB { s += ", anon-rss \(HumanFormat.count(a)) kB" }
            if let unit { s += " in \(unit)" }
            if let invokedBy { s += ", invoked by \(invokedBy)" }
            return s
        case .outOfMemory(let invokedBy, let unkilled):
            let why = switch unkilled {
            case .logsEnd: "the logs end inside its report, before a kill"
            case .noKillableProcess: "it found no process it could kill"
            case .panicked: "the kernel panicked rather than kill (vm.panic_on_oom)"
            }
            return "out of memory: \(invokedBy) invoked the OOM killer; \(why)"
        case .forkFailures(let count, let first):
            return "\(HumanFormat.count(count)) fork failures, first: \(first)"
        case .forkRate(let perSecond, let lowerBound):
            return "processes created at \(HumanFormat.rate(perSecond))/s "
                + "(peak one-minute average\(lowerBound ? ", a lower bound" : ""))"
        case .kernelBurst(let kind, let count, let first):
            return "\(HumanFormat.count(count)) × \(kind.rawValue): first \(first)"
        case .bootEnd(let kind, let lastSign, let after, let silence):
            var s = switch kind {
            case .clean: "the boot ended cleanly"
            case .unclean: "the boot ended uncleanly"
            case .ongoing: "the boot was still running at its last entry"
            case .unknown: "how the boot ended is unknown"
            }
            if let lastSign, let after {
                s += "; the last sign of life came from \(FactSourceText.signOfLife(lastSign)), "
                    + "\(HumanFormat.duration(seconds: after)) after the journal's last entry"
            }
            if let silence { s += "; the next boot began after \(HumanFormat.duration(seconds: silence)) of silence" }
            return s
        }
    }
}
