import KernelLog
import Events

/// A kernel message with where it came from, ready for the analysis.
struct KernelLine {
    var text: String
    var time: Int64?
    /// A journal cursor or `path:line`.
    var source: String
    var lastWords: Bool
    /// Where it was read, for evidence lines and the command that shows them in context.
    var origin: EvidenceSource = .file(path: "kernel log", line: nil)
    /// The journal entry it came from: its file is looked up only for lines quoted as evidence.
    var ref: EntryRef?
    /// The kernel's own stamp (µs since its start), kept for a line without a wall-clock time
    /// (a console log): the only time it has.
    var uptime: UInt64?
}

/// Joins the lines of kernel OOM reports (invocation, task dump, summary, kill) into one
/// kill each, keyed on the `oom-kill:` summary where the kernel prints one and on the
/// `Killed process` / `Kill process … or sacrifice child` lines otherwise.
struct OOMAssembler {
    private(set) var kills: [OOMKillSummary] = []
    private var invokedBy: String?
    private var invokedTime: Int64?
    private var rows: [(pid: Int, rss: Int, name: String)] = []
    private var contextTaskMemcg: String?
    private var contextLimitMemcg: String?
    /// The memory cgroup's limit from its `memory: usage …kB, limit …kB` line.
    private var contextLimitKB: Int?
    /// Index of the kill the next lines may still complete, and its pid.
    private var open: (index: Int, pid: Int, time: Int64?)?
    /// The last invocation, while no kill has followed it.
    private var unkilledInvocation: KernelLine?
    private var noKillable = false

    /// The last OOM report, when it killed nothing: the logs end inside it or the killer found
    /// nothing to kill. Machine-wide reports only: a memory cgroup's (its `memory: usage` or
    /// `Task in … killed as a result of limit` lines read) is its own limit's business.
    var unkilled: UnkilledOOM? {
        guard let line = unkilledInvocation, let by = invokedBy, contextLimitKB == nil, contextLimitMemcg == nil else { return nil }
        return UnkilledOOM(invocation: line, invokedBy: by, biggestTasks: biggestTasks, noKillable: noKillable)
    }

    static let joinWindowUSec: Int64 = 5_000_000

    mutating func add(_ line: KernelLine) {
        guard let parsed = OOMLine.parse(line.text) else { return }
        switch parsed {
        case .invoked(let comm):
            invokedBy = comm
            invokedTime = line.time
            unkilledInvocation = line
            noKillable = false
            rows = []
            contextTaskMemcg = nil
            contextLimitMemcg = nil
            contextLimitKB = nil
            open = nil
        case .taskRow(let pid, _, let rss, let name):
            if rows.count < 100_000 { rows.append((pid, rss, name)) }
        case .memcgUsage(_, let limit):
            contextLimitKB = limit
        case .noKillable:
            noKillable = true
        case .memcgContext(let task, let limit):
            contextTaskMemcg = task
            contextLimitMemcg = limit
        case .summary(let constraint, let oomMemcg, let taskMemcg, let task, let pid, let uid, let globalOOM):
            let memcg = constraint == "CONSTRAINT_MEMCG" || (oomMemcg != nil && !globalOOM)
            var k = newKill(line, kind: memcg ? .memcg : .global)
            k.pid = pid
            k.comm = task
            k.uid = uid
            k.constraint = constraint
            k.taskMemcg = taskMemcg
            k.oomMemcg = oomMemcg
            k.unit = taskMemcg.flatMap(Self.unit(fromCgroup:))
            append(k, pid: pid)
        case .choice(let pid, let comm, let memcg):
            if let o = open, o.pid == pid, close(o.time, line.time) { return }
            var k = newKill(line, kind: memcg || contextLimitMemcg != nil ? .memcg : .global)
            k.pid = pid
            k.comm = comm
            append(k, pid: pid)
        case .killed(let pid, let comm, let vm, let anon, let uid, let memcg):
            if let o = open, o.pid == pid, close(o.time, line.time), o.index < kills.count {
                var k = kills[o.index]
                k.comm = k.comm ?? comm
                k.totalVMKB = vm
                k.anonRSSKB = anon
                k.uid = k.uid ?? uid
                if memcg { k.kind = .memcg }
                k.evidence.append(line.source)
                kills[o.index] = k
                open = nil
                return
            }
            var k = newKill(line, kind: memcg || contextLimitMemcg != nil ? .memcg : .global)
            k.pid = pid
            k.comm = comm
            k.totalVMKB = vm
            k.anonRSSKB = anon
            k.uid = uid
            kills.append(k)
            unkilledInvocation = nil
            open = nil
        }
    }

    private func close(_ a: Int64?, _ b: Int64?) -> Bool {
        guard let a, let b else { return true }
        return timeDistance(a, b) <= UInt64(Self.joinWindowUSec)
    }

    private func newKill(_ line: KernelLine, kind: OOMKind) -> OOMKillSummary {
        var k = OOMKillSummary(time: line.time.map(Timestamp.init(microseconds:)), kind: kind)
        k.uptimeSeconds = line.uptime.map { Double($0) / 1e6 }  // set only for a line without a wall clock
        if let t = invokedTime, let lt = line.time, timeDistance(lt, t) > 60_000_000 {
            // An invocation line from long ago belongs to another report.
        } else {
            k.invokedBy = invokedBy
        }
        k.taskMemcg = contextTaskMemcg
        k.oomMemcg = contextLimitMemcg
        if kind == .memcg { k.memcgLimitKB = contextLimitKB }
        k.unit = contextTaskMemcg.flatMap(Self.unit(fromCgroup:))
        k.biggestTasks = biggestTasks
        k.evidence = [line.source]
        return k
    }

    /// The five biggest tasks of the dump read since the invocation, as `comm (pid): rss kB`.
    private var biggestTasks: [String] {
        rows.sorted { $0.rss > $1.rss }.prefix(5).map { row in
            // The dump counts 4 KiB pages; a row whose count would overflow in kB is shown as read.
            let (kB, overflow) = row.rss.multipliedReportingOverflow(by: 4)
            return "\(row.name) (\(row.pid)): " + (overflow ? "\(row.rss) pages" : "\(kB) kB")
        }
    }

    private mutating func append(_ k: OOMKillSummary, pid: Int?) {
        kills.append(k)
        unkilledInvocation = nil
        open = pid.map { (kills.count - 1, $0, k.time?.microseconds) }
    }

    /// The unit a cgroup path belongs to: its last component that names a unit
    /// (`/system.slice/varnish.service` → `varnish.service`).
    static func unit(fromCgroup path: String) -> String? {
        let parts = path.split(separator: "/")
        let suffixes = [".service", ".scope", ".socket", ".mount", ".swap"]
        for p in parts.reversed() where suffixes.contains(where: { p.hasSuffix($0) }) { return String(p) }
        if let last = parts.last, last.hasSuffix(".slice") { return String(last) }
        return nil
    }
}

/// A machine-wide OOM report that killed nothing (`OOMAssembler.unkilled`).
struct UnkilledOOM {
    /// The `invoked oom-killer` line.
    var invocation: KernelLine
    var invokedBy: String
    /// The biggest tasks of its dump, as far as it was written.
    var biggestTasks: [String]
    /// The killer said it found no process it could kill; else the report simply stops.
    var noKillable: Bool
}
