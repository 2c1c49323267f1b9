/// What a syslog daemon writes about itself: where a boot may begin, and how one may end.
public enum SyslogDaemonLine: Equatable, Sendable {
    /// Its start and what it says as it starts (rsyslog's `[origin software="rsyslogd" …] start`,
    /// `rsyslogd's groupid changed to 103`, its imklog's or klogd's `log source = /proc/kmsg
    /// started`, syslog-ng's `syslog-ng starting up`): written by the new boot, with the
    /// kernel's buffered lines, however close to the old boot's last line.
    case starting
    /// Its stop (`exiting on signal 15`, klogd's `Kernel logging (proc) stopped.`,
    /// `syslog-ng shutting down`): the old boot's last lines.
    case stopping

    /// `program` is the line's tag, nil for the kernel's lines.
    public init?(text: String, program: String?) {
        switch program {
        case nil:
            if text == "Kernel logging (proc) stopped." { self = .stopping; return }
            guard text.hasPrefixBytes("imklog ") || text.hasPrefixBytes("klogd "),
                  text.contains("log source = ") else { return nil }
            self = .starting
        case let p? where p.hasPrefixBytes("rsyslogd"):
            self = text.contains("] exiting on signal") ? .stopping : .starting
        case "syslog-ng":
            if text.hasPrefixBytes("syslog-ng starting up") { self = .starting }
            else if text.hasPrefixBytes("syslog-ng shutting down") { self = .stopping }
            else { return nil }
        default:
            return nil
        }
    }
}
