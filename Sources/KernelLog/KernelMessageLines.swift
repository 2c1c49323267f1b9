/// A tiny scanner over a message's characters, for the structured lines below.
struct TextScanner {
    let s: [Character]
    var i = 0

    init(_ text: Substring) { s = Array(text) }
    init(_ text: String) { s = Array(text) }

    /// A scanner just past the first `literal` in `text`; `nil` when there is none. Most lines
    /// are not the one a parser looks for: they are turned away on their bytes, before their
    /// characters are made.
    init?(_ text: String, past literal: StaticString) {
        guard text.containsBytes(literal) else { return nil }
        self.init(text)
        guard seek(past: "\(literal)") else { return nil }
    }

    var atEnd: Bool { i >= s.count }
    var rest: String { i < s.count ? String(s[i...]) : "" }

    mutating func skip(_ literal: String) -> Bool {
        let l = Array(literal)
        guard s.count - i >= l.count else { return false }
        for k in 0..<l.count where s[i + k] != l[k] { return false }
        i += l.count
        return true
    }

    mutating func skipSpaces() { while i < s.count, s[i] == " " || s[i] == "\t" { i += 1 } }

    mutating func int() -> Int64? {
        var neg = false
        let save = i
        if i < s.count, s[i] == "-" { neg = true; i += 1 }
        var v: Int64 = 0, n = 0
        while i < s.count, let d = s[i].wholeNumberValue, s[i].isASCII, n < 18 {
            v = v * 10 + Int64(d); i += 1; n += 1
        }
        guard n > 0 else { i = save; return nil }
        return neg ? -v : v
    }

    /// Moves to just after the next occurrence of `literal`.
    mutating func seek(past literal: String) -> Bool {
        let l = Array(literal)
        guard !l.isEmpty, s.count >= l.count else { return false }
        var k = i
        while k + l.count <= s.count {
            var ok = true
            for j in 0..<l.count where s[k + j] != l[j] { ok = false; break }
            if ok { i = k + l.count; return true }
            k += 1
        }
        return false
    }

    func index(of literal: String, from: Int) -> Int? {
        let l = Array(literal)
        guard !l.isEmpty else { return nil }
        var k = from
        while k + l.count <= s.count {
            var ok = true
            for j in 0..<l.count where s[k + j] != l[j] { ok = false; break }
            if ok { return k }
            k += 1
        }
        return nil
    }

    func lastIndex(of c: Character, before end: Int) -> Int? {
        var k = Swift.min(end, s.count) - 1
        while k >= i { if s[k] == c { return k }; k -= 1 }
        return nil
    }

    mutating func upTo(_ c: Character) -> String {
        let start = i
        while i < s.count, s[i] != c { i += 1 }
        return String(s[start..<i])
    }

    func slice(_ a: Int, _ b: Int) -> String {
        let lo = Swift.max(0, Swift.min(a, s.count)), hi = Swift.max(lo, Swift.min(b, s.count))
        return String(s[lo..<hi])
    }
}

/// The OOM killer's kill line, all generations:
/// `Out of memory: Killed process 3117813 (cache-main) total-vm:11705436kB, anon-rss:…, UID:991 pgtables:21664kB oom_score_adj:0`,
/// `Memory cgroup out of memory: Killed process …`, `Out of memory (oom_kill_allocating_task): Killed process …`,
/// 2.6.32's `Killed process 40738, UID 27, (mysqld) total-vm:6424316kB, anon-rss:13128kB, file-rss:4kB`.
public struct OOMKillLine: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable { case global, memcg, allocating }
    public var kind: Kind
    public var pid: Int
    public var comm: String
    public var totalVMkB: Int64?
    public var anonRSSkB: Int64?
    public var fileRSSkB: Int64?
    public var shmemRSSkB: Int64?
    public var uid: Int?
    public var pgtablesKB: Int64?
    public var oomScoreAdj: Int?

    public init?(_ text: String) {
        guard var sc = TextScanner(text, past: "Killed process "), let pid = sc.int(), pid > 0 else { return nil }
        let prefix = sc.slice(0, sc.i)
        if prefix.contains("Memory cgroup out of memory") { kind = .memcg }
        else if prefix.contains("oom_kill_allocating_task") { kind = .allocating }
        else { kind = .global }
        self.pid = Int(pid)
        if sc.skip(", UID ") {
            uid = sc.int().map { Int($0) }
            _ = sc.skip(",")
        }
        sc.skipSpaces()
        guard sc.skip("(") else { return nil }
        let open = sc.i
        // comm may hold spaces or parentheses: its end is the `)` before the fields.
        let close = sc.index(of: ") total-vm:", from: open) ?? sc.index(of: "), ", from: open)
            ?? sc.lastIndex(of: ")", before: sc.s.count)
        guard let close, close >= open else { return nil }
        comm = sc.slice(open, close)
        sc.i = close + 1
        let fields = KeyValues.colonFields(sc.rest)
        totalVMkB = fields["total-vm"].flatMap(KeyValues.kB)
        anonRSSkB = fields["anon-rss"].flatMap(KeyValues.kB)
        fileRSSkB = fields["file-rss"].flatMap(KeyValues.kB)
        shmemRSSkB = fields["shmem-rss"].flatMap(KeyValues.kB)
        if let u = fields["UID"].flatMap({ Int($0) }) { uid = u }
        pgtablesKB = fields["pgtables"].flatMap(KeyValues.kB)
        oomScoreAdj = fields["oom_score_adj"].flatMap { Int($0) }
    }
}

/// `Out of memory: Kill process 40738 (mysqld) score 16 or sacrifice child` (before 4.x).
public struct OOMVictimSelectedLine: Sendable, Hashable {
    public var pid: Int
    public var comm: String
    public var score: Int?

    public init?(_ text: String) {
        guard var sc = TextScanner(text, past: "Kill process "), let pid = sc.int(), pid > 0, sc.skip(" (") else { return nil }
        let open = sc.i
        guard let close = sc.index(of: ") score ", from: open) ?? sc.lastIndex(of: ")", before: sc.s.count) else { return nil }
        self.pid = Int(pid)
        comm = sc.slice(open, close)
        sc.i = close
        score = sc.skip(") score ") ? sc.int().map { Int($0) } : nil
    }
}

/// `oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/varnish.service,task=cache-main,pid=3117813,uid=991`
public struct OOMSummaryLine: Sendable, Hashable {
    public var constraint: String
    public var nodemask: String?
    public var cpuset: String?
    public var memsAllowed: String?
    public var oomMemcg: String?
    public var taskMemcg: String?
    public var task: String?
    public var pid: Int?
    public var uid: Int?
    public var isGlobal: Bool

    public init?(_ text: String) {
        guard let r = text.rangeOfBytes("oom-kill:") else { return nil }
        var values: [String: String] = [:]
        var lastKey: String?
        var global = false
        // Node lists (`0-1,3`) contain commas, so a piece without `=` continues the previous value.
        for piece in text[r.upperBound...].split(separator: ",", omittingEmptySubsequences: false) {
            if piece == "global_oom" { global = true; continue }
            if let eq = piece.firstIndex(of: "=") {
                let key = String(piece[..<eq])
                values[key] = String(piece[piece.index(after: eq)...])
                lastKey = key
            } else if let k = lastKey {
                values[k, default: ""] += "," + piece
            }
        }
        guard let constraint = values["constraint"] else { return nil }
        self.constraint = constraint
        nodemask = values["nodemask"]
        cpuset = values["cpuset"]
        memsAllowed = values["mems_allowed"]
        oomMemcg = values["oom_memcg"]
        taskMemcg = values["task_memcg"]
        task = values["task"]
        // Never negative: a sign here is damage, not a process.
        pid = values["pid"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        uid = values["uid"].flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
        isGlobal = global || (constraint == "CONSTRAINT_NONE" && values["oom_memcg"] == nil)
    }
}

/// `php-fpm invoked oom-killer: gfp_mask=0x280da, order=0, oom_adj=0, oom_score_adj=0`
/// or `in:imjournal invoked oom-killer: gfp_mask=0x6200ca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0`.
public struct OOMInvokedLine: Sendable, Hashable {
    public var comm: String
    /// The hex mask with its decoded flags when printed: `0x6200ca(GFP_HIGHUSER_MOVABLE)`.
    public var gfpMask: String?
    public var order: Int?
    public var oomScoreAdj: Int?

    public init?(_ text: String) {
        guard let r = text.rangeOfBytes(" invoked oom-killer") else { return nil }
        comm = String(text[..<r.lowerBound])
        var rest = String(text[r.upperBound...])
        if rest.hasPrefix(":") { rest.removeFirst() }
        var fields: [String: String] = [:]
        var depth = 0
        var current = ""
        // `gfp_mask=0x…(A|B)` may hold commas inside the parentheses.
        for ch in rest {
            if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
            if ch == "," && depth <= 0 {
                Self.store(current, into: &fields)
                current = ""
            } else {
                current.append(ch)
            }
        }
        Self.store(current, into: &fields)
        gfpMask = fields["gfp_mask"]
        order = fields["order"].flatMap { Int($0) }
        oomScoreAdj = fields["oom_score_adj"].flatMap { Int($0) }
    }

    private static func store(_ piece: String, into fields: inout [String: String]) {
        let t = piece.trimmingSpaces()
        guard let eq = t.firstIndex(of: "=") else { return }
        fields[String(t[..<eq])] = String(t[t.index(after: eq)...])
    }
}

/// The columns of the OOM task dump, from its header line
/// (`[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name`).
public struct OOMTaskHeader: Sendable, Hashable {
    public var columns: [String]

    public init?(_ text: String) {
        guard text.hasPrefix("["), let close = text.firstIndex(of: "]"),
              text[text.index(after: text.startIndex)..<close].trimmingSpaces() == "pid" else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ").map(String.init)
        guard rest.first == "uid", rest.last == "name" else { return nil }
        columns = ["pid"] + rest
    }
}

/// One row of the OOM task dump: `[    610]     0   610    57093    28584   471040        0             0 systemd-journal`.
/// Pages for `totalVM` and `rss`; 2.6.32 rows carry `cpu oom_adj` instead of `pgtables_bytes swapents`.
public struct OOMTaskRow: Sendable, Hashable {
    public var pid: Int
    public var uid: Int
    public var tgid: Int
    public var totalVM: Int64
    public var rss: Int64
    public var pgtablesBytes: Int64?
    public var swapents: Int64?
    public var oomScoreAdj: Int
    public var name: String

    /// Parses with the columns of a header when one was seen, else by the row's shape.
    public init?(_ text: String, header: OOMTaskHeader? = nil) {
        guard text.hasPrefix("["), let close = text.firstIndex(of: "]") else { return nil }
        guard let pid = Int(text[text.index(after: text.startIndex)..<close].trimmingSpaces()), pid > 0 else { return nil }
        let parts = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 6 else { return nil }
        var numbers: [Int64] = []
        var k = 0
        while k < parts.count - 1, let v = Int64(parts[k]) { numbers.append(v); k += 1 }
        guard numbers.count >= 5, k < parts.count else { return nil }
        self.pid = pid
        name = parts[k...].joined(separator: " ")
        let columns = header?.columns.dropFirst().dropLast().map { $0 }  // without pid and name
        func value(_ column: String) -> Int64? {
            guard let columns, let i = columns.firstIndex(of: column), i < numbers.count else { return nil }
            return numbers[i]
        }
        uid = Int(numbers[0])
        tgid = Int(numbers[1])
        totalVM = numbers[2]
        rss = numbers[3]
        guard let last = numbers.last else { return nil }
        oomScoreAdj = Int(last)
        if columns != nil {
            pgtablesBytes = value("pgtables_bytes")
            swapents = value("swapents")
            if let v = value("oom_score_adj") { oomScoreAdj = Int(v) }
        } else if numbers.count == 7 {
            // pgtables_bytes is a byte count of whole pages; 2.6.32's cpu column is small
            // and its oom_adj lies in -17…15.
            if numbers[4] >= 4096 && numbers[4] % 4096 == 0 {
                pgtablesBytes = numbers[4]
                swapents = numbers[5]
            } else if numbers[5] < 0 || numbers[4] < 4096 {
                pgtablesBytes = nil
                swapents = nil
            }
        } else if numbers.count == 8 {
            // 4.x: nr_ptes nr_pmds swapents oom_score_adj.
            swapents = numbers[6]
        }
    }
}

/// `INFO: task jbd2/sda-8:3563 blocked for more than 140 seconds.` and
/// `INFO: task udevd:5612 blocked in I/O wait for more than 143 seconds.`
public struct HungTaskLine: Sendable, Hashable {
    public var comm: String
    public var pid: Int
    public var seconds: Int
    public var inIOWait: Bool

    public init?(_ text: String) {
        guard var sc = TextScanner(text, past: "INFO: task ") else { return nil }
        let start = sc.i
        let wait = sc.index(of: " blocked in I/O wait for more than ", from: start)
        guard let end = wait ?? sc.index(of: " blocked for more than ", from: start),
              let colon = sc.lastIndex(of: ":", before: end), colon >= start,
              let pid = Int(sc.slice(colon + 1, end)) else { return nil }
        comm = sc.slice(start, colon)
        self.pid = pid
        inIOWait = wait != nil
        sc.i = end
        _ = sc.seek(past: "more than ")
        guard let secs = sc.int() else { return nil }
        seconds = Int(secs)
    }
}

/// `watchdog: BUG: soft lockup - CPU#1 stuck for 134s! [syz-executor4:4588]`
public struct SoftLockupLine: Sendable, Hashable {
    public var cpu: Int
    public var seconds: Int
    public var comm: String
    public var pid: Int

    public init?(_ text: String) {
        guard var sc = TextScanner(text, past: "soft lockup - CPU#"), let cpu = sc.int(), sc.skip(" stuck for "), let secs = sc.int(),
              sc.skip("s! [") else { return nil }
        let start = sc.i
        guard let close = sc.lastIndex(of: "]", before: sc.s.count), let colon = sc.lastIndex(of: ":", before: close),
              colon >= start, let pid = Int(sc.slice(colon + 1, close)) else { return nil }
        self.cpu = Int(cpu)
        seconds = Int(secs)
        comm = sc.slice(start, colon)
        self.pid = pid
    }
}

/// `cgroup: fork rejected by pids controller in /system.slice/foo.service`
public struct ForkRejectedLine: Sendable, Hashable {
    public var cgroup: String

    public init?(_ text: String) {
        guard let r = text.rangeOfBytes("fork rejected by pids controller in ") else { return nil }
        let path = text[r.upperBound...].trimmingSpaces()
        guard !path.isEmpty else { return nil }
        cgroup = path
    }
}

/// `blk_update_request: I/O error, dev sda, sector 12345 op 0x0:(READ) …`,
/// `I/O error, dev sdb, sector 0`, `Buffer I/O error on dev sda1, logical block 0, async page read`.
public struct IOErrorLine: Sendable, Hashable {
    public var device: String
    public var sector: UInt64?
    public var logicalBlock: UInt64?

    public init?(_ text: String) {
        // Both forms say `I/O error`: other lines are turned away before their characters are made.
        guard text.containsBytes("I/O error") else { return nil }
        var sc = TextScanner(text)
        if sc.seek(past: "I/O error, dev ") {
            device = sc.upTo(",").trimmingSpaces()
            if sc.seek(past: "sector ") { sector = sc.int().flatMap { UInt64(exactly: $0) } }
        } else {
            sc.i = 0
            guard sc.seek(past: "Buffer I/O error on dev") else { return nil }
            if sc.skip("ice") {}  // `Buffer I/O error on device sda1` (older kernels)
            sc.skipSpaces()
            device = sc.upTo(",").trimmingSpaces()
            if sc.seek(past: "logical block ") { logicalBlock = sc.int().flatMap { UInt64(exactly: $0) } }
        }
        guard !device.isEmpty else { return nil }
    }
}

enum KeyValues {
    /// `total-vm:11705436kB, anon-rss:4805020kB, UID:991 pgtables:21664kB` → key → value.
    static func colonFields(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        for token in s.split(whereSeparator: { $0 == " " || $0 == "," }) {
            guard let colon = token.firstIndex(of: ":") else { continue }
            let key = String(token[..<colon])
            let value = String(token[token.index(after: colon)...])
            guard !key.isEmpty, !value.isEmpty, out[key] == nil else { continue }
            out[key] = value
        }
        return out
    }

    static func kB(_ s: String) -> Int64? {
        Int64(s.hasSuffix("kB") ? String(s.dropLast(2)) : s)
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var lo = startIndex, hi = endIndex
        while lo < hi, self[lo] == " " || self[lo] == "\t" { lo = index(after: lo) }
        while hi > lo, self[index(before: hi)] == " " || self[index(before: hi)] == "\t" {
            hi = index(before: hi)
        }
        return String(self[lo..<hi])
    }
}

extension String {
    /// Without leading and trailing spaces and tabs: the line itself, uncopied, when it has
    /// none (most kernel lines; this runs for every line matched or merged).
    func trimmingSpaces() -> String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        guard first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 else { return self }
        return self[...].trimmingSpaces()
    }
}

extension String {
    /// The range of the first occurrence of an ASCII literal.
    func rangeOfBytes(_ needle: StaticString) -> Range<String.Index>? {
        guard let offset = firstByteOffset(of: needle) else { return nil }
        let u = utf8
        guard let lo = u.index(u.startIndex, offsetBy: offset, limitedBy: u.endIndex),
              let hi = u.index(lo, offsetBy: needle.utf8CodeUnitCount, limitedBy: u.endIndex) else { return nil }
        return lo..<hi
    }
}
