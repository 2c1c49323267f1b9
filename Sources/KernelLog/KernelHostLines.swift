/// What one kernel line says about the machine it runs on: the lines the kernel prints once
/// at boot (banner, command line, memory, CPUs, firmware, hypervisor, swap) and the memory
/// summary of an OOM report. One parser per line shape; the analysis gathers them into host facts.
public enum KernelHostLine: Sendable, Hashable {
    /// `Linux version 6.1.0-18-amd64 (debian-kernel@…) …`: the release and the whole banner.
    case banner(version: String, text: String)
    /// `Command line: …` (x86, early) or `Kernel command line: …` (every architecture).
    case commandLine(String)
    /// `Memory: 24329712K/25165280K available (…, 70184K reserved, 0K cma-reserved)`; 2.6.32
    /// prints a lower-case `k` and an `absent` figure. `reservedKB` sums the reserved, cma-reserved
    /// and absent figures (`nil` when the line has none): what the kernel keeps from the total.
    case memory(availableKB: Int64, totalKB: Int64, reservedKB: Int64?)
    /// `Adding 998396k swap on /dev/sda5.  Priority:-1 …`
    case swapAdded(kb: Int64, device: String)
    /// `Total swap = 2097148kB`, in an OOM report's memory summary.
    case totalSwap(kb: Int64)
    /// `8388607 pages RAM`, in an OOM report's memory summary.
    case pagesRAM(Int64)
    /// `smpboot: Allowed 2 of 4 present CPUs` (CPUs limited by `nr_cpus=`/`maxcpus=`).
    case cpusAllowed(allowed: Int, present: Int)
    /// `smpboot: Allowing 2 CPUs, 0 hotplug CPUs`, `CPU topo: Allowing 2 present CPUs plus 0 hotplug CPUs`.
    case cpusPossible(Int)
    /// `smp: Brought up 1 node, 2 CPUs` (4.x and later), `x86: Booted up 1 node, 2 CPUs` (3.x–4.x),
    /// `Brought up 12 CPUs` (2.6.32).
    case cpusBroughtUp(nodes: Int?, cpus: Int)
    /// `DMI: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2 04/01/2014`: the product, without the BIOS.
    case dmi(product: String, bios: String?)
    /// `Hypervisor detected: KVM`
    case hypervisor(String)
    /// `pid_max: default: 32768 minimum: 301`: the PID space the kernel chose for the CPUs it has.
    case pidMaxDefault(Int)

    /// The kernel release a report's header names (`CPU: 1 PID: 870 Comm: khungtaskd Not tainted
    /// 4.16.0-rc7+ #5`, `Tainted: G        W         4.20.0 #3`, 2.6.32's `Pid: 23212, comm:
    /// php-fpm Not tainted 2.6.32-642.11.1.el6.x86_64 #1`): the kernel that was running. Not
    /// part of `parse` (it looks inside every line); read where a log names no banner.
    public static func runningRelease(in text: String) -> String? {
        guard text.containsBytes("ainted") else { return nil }
        let rest: Substring
        if let r = text.range(of: "Not tainted ") {
            rest = text[r.upperBound...]
        } else if let r = text.range(of: "Tainted: ") {
            // The taint flags (letters, padded with spaces) come before the release.
            rest = text[r.upperBound...].drop { $0 == " " || ($0.isASCII && $0.isLetter) }
        } else {
            return nil
        }
        guard let release = rest.split(separator: " ", maxSplits: 1).first, release.first?.isNumber == true,
              release.contains("."), rest.dropFirst(release.count).hasPrefix(" #") else { return nil }
        return String(release)
    }

    /// The host fact `text` (a kernel message without stamp or syslog prefix) states, if any.
    /// Prefix checks on UTF-8 bytes first: this runs on every kernel line of a boot.
    public static func parse(_ text: String) -> KernelHostLine? {
        guard let first = text.utf8.first else { return nil }
        switch first {
        case 0x4C:  // L
            guard text.hasPrefixBytes("Linux version "), KernelMessage.startsWithDigit(text, at: 14) else { return nil }
            guard let version = text.dropFirst(14).split(separator: " ").first else { return nil }
            return .banner(version: String(version), text: text)
        case 0x43, 0x4B:  // C, K
            if let c = commandLine(in: text) { return .commandLine(c) }
            if text.hasPrefixBytes("CPU topo: Allowing "), let n = leadingInt(text.dropFirst(19)), text.containsBytes(" present CPUs") {
                return .cpusPossible(n)
            }
            return nil
        case 0x4D:  // M
            guard text.hasPrefixBytes("Memory: ") else { return nil }
            return memory(text.dropFirst(8))
        case 0x41:  // A
            guard text.hasPrefixBytes("Adding "), let kb = leadingInt64(text.dropFirst(7)) else { return nil }
            let rest = text.dropFirst(7).drop { $0.isASCII && $0.isNumber }
            guard rest.hasPrefix("k swap on ") else { return nil }
            var device = rest.dropFirst(10).prefix { $0 != " " }
            if device.hasSuffix(".") { device = device.dropLast() }
            return .swapAdded(kb: kb, device: String(device))
        case 0x54:  // T
            guard text.hasPrefixBytes("Total swap = "), let kb = leadingInt64(text.dropFirst(13)),
                  text.hasSuffix("kB") else { return nil }
            return .totalSwap(kb: kb)
        case 0x73:  // s
            if text.hasPrefixBytes("smpboot: Allowed ") {
                let rest = text.dropFirst(17)
                guard let allowed = leadingInt(rest), let of = rest.range(of: " of "),
                      let present = leadingInt(rest[of.upperBound...]), rest.hasSuffix(" present CPUs") else { return nil }
                return .cpusAllowed(allowed: allowed, present: present)
            }
            if text.hasPrefixBytes("smpboot: Allowing "), let n = leadingInt(text.dropFirst(18)), text.containsBytes(" CPUs") {
                return .cpusPossible(n)
            }
            if text.hasPrefixBytes("smp: Brought up ") { return broughtUp(text.dropFirst(16)) }
            return nil
        case 0x78:  // x
            guard text.hasPrefixBytes("x86: Booted up ") else { return nil }
            return broughtUp(text.dropFirst(15))
        case 0x42:  // B
            guard text.hasPrefixBytes("Brought up ") else { return nil }
            return broughtUp(text.dropFirst(11))
        case 0x44:  // D
            guard text.hasPrefixBytes("DMI: "), !text.hasPrefixBytes("DMI: Memory slots") else { return nil }
            let body = text.dropFirst(5)
            if let r = body.range(of: ", BIOS ", options: .backwards) {
                return .dmi(product: String(body[..<r.lowerBound]), bios: String(body[r.upperBound...]))
            }
            return .dmi(product: String(body), bios: nil)
        case 0x48:  // H
            guard text.hasPrefixBytes("Hypervisor detected: ") else { return nil }
            let name = text.dropFirst(21).trimmingSpaces
            return name.isEmpty ? nil : .hypervisor(name)
        case 0x70:  // p
            guard text.hasPrefixBytes("pid_max: default: "), let n = leadingInt(text.dropFirst(18)) else { return nil }
            return .pidMaxDefault(n)
        case 0x30...0x39:
            guard text.hasSuffix(" pages RAM"), let n = leadingInt64(Substring(text)),
                  text.utf8.count == String(n).utf8.count + 10 else { return nil }
            return .pagesRAM(n)
        default:
            return nil
        }
    }

    /// The command line of a `Command line: …` or `Kernel command line: …` message.
    public static func commandLine(in text: String) -> String? {
        if text.hasPrefixBytes("Command line: ") { return String(text.dropFirst(14)) }
        if text.hasPrefixBytes("Kernel command line: ") { return String(text.dropFirst(21)) }
        return nil
    }

    /// `24329712K/25165280K available (…)`.
    private static func memory(_ s: Substring) -> KernelHostLine? {
        guard let available = leadingInt64(s) else { return nil }
        let afterFirst = s.drop { $0.isASCII && $0.isNumber }
        guard afterFirst.hasPrefix("K/") || afterFirst.hasPrefix("k/") else { return nil }
        let second = afterFirst.dropFirst(2)
        guard let total = leadingInt64(second) else { return nil }
        let tail = second.drop { $0.isASCII && $0.isNumber }
        guard tail.hasPrefix("K available") || tail.hasPrefix("k available") else { return nil }
        return .memory(availableKB: available, totalKB: total, reservedKB: reserved(in: tail.dropFirst(11)))
    }

    /// The sum of the `NK reserved`, `NK cma-reserved` and `Nk absent` figures in the
    /// parenthesis after `available`. The first figure of the line counts the pages free when it
    /// was printed, which with deferred page initialisation (most kernels since 4.x) is a
    /// fraction of RAM; the total less these figures is what the kernel manages
    /// (`physpages - totalram_pages - totalcma_pages` is its `reserved`, mm/mm_init.c).
    private static func reserved(in s: Substring) -> Int64? {
        guard let open = s.firstIndex(of: "("), let close = s[open...].firstIndex(of: ")") else { return nil }
        var sum: Int64?
        for part in s[s.index(after: open)..<close].split(separator: ",") {
            let p = part.drop { $0 == " " }
            guard let n = leadingInt64(p) else { continue }
            let unit = p.drop { $0.isASCII && $0.isNumber }
            guard unit == "K reserved" || unit == "k reserved" || unit == "K cma-reserved" || unit == "k absent"
                    || unit == "K absent" else { continue }
            let (v, overflow) = (sum ?? 0).addingReportingOverflow(n)
            sum = overflow ? .max : v
        }
        return sum
    }

    /// `1 node, 2 CPUs`, `2 nodes, 64 CPUs`, `12 CPUs`, `1 CPU`.
    private static func broughtUp(_ s: Substring) -> KernelHostLine? {
        guard let n = leadingInt(s) else { return nil }
        let rest = s.drop { $0.isASCII && $0.isNumber }
        if rest.hasPrefix(" CPU") { return .cpusBroughtUp(nodes: nil, cpus: n) }
        guard rest.hasPrefix(" node"), let comma = rest.range(of: ", ") else { return nil }
        let cpus = rest[comma.upperBound...]
        guard let c = leadingInt(cpus), cpus.drop(while: { $0.isASCII && $0.isNumber }).hasPrefix(" CPU") else { return nil }
        return .cpusBroughtUp(nodes: n, cpus: c)
    }

    /// The decimal number `s` starts with, at most 18 digits (no overflow possible).
    static func leadingInt64(_ s: Substring) -> Int64? {
        var v: Int64 = 0
        var n = 0
        for c in s.utf8 {
            guard c >= 0x30, c <= 0x39 else { break }
            guard n < 18 else { return nil }
            v = v * 10 + Int64(c - 0x30)
            n += 1
        }
        return n > 0 ? v : nil
    }

    static func leadingInt(_ s: Substring) -> Int? { leadingInt64(s).map { Int($0) } }
}

/// A kernel command line split into its parameters, as the kernel splits it: at spaces
/// outside double quotes, `key=value` or a bare `key`; quotes around a value are dropped;
/// what follows a lone `--` is left out (the kernel hands it to init).
public struct KernelCommandLine: Sendable {
    public var parameters: [(key: String, value: String?)]

    public init(_ text: String) {
        var out: [(key: String, value: String?)] = []
        var word = ""
        var quoted = false
        func flush() {
            guard !word.isEmpty, word != "--" else { return }
            if let eq = word.firstIndex(of: "=") {
                let value = word[word.index(after: eq)...].filter { $0 != "\"" }
                out.append((String(word[..<eq]), String(value)))
            } else {
                out.append((word.filter { $0 != "\"" }, nil))
            }
            word = ""
        }
        for c in text {
            // Everything after a lone `--` is for init, not the kernel.
            if !quoted, c == " " || c == "\t", word == "--" {
                word = ""
                break
            }
            if c == "\"" { quoted.toggle() }
            if (c == " " || c == "\t") && !quoted { flush() } else { word.append(c) }
        }
        flush()
        parameters = out
    }

    /// The value of the last `key=` (the kernel lets a later one win); `nil` when absent.
    public func value(_ key: String) -> String? {
        parameters.last { $0.key == key }?.value
    }

    /// The value of `key=` as a decimal integer (a leading `-` allowed), `nil` when absent or not a number.
    public func int(_ key: String) -> Int? {
        guard let v = value(key) else { return nil }
        let digits = v.hasPrefix("-") ? v.dropFirst() : Substring(v)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = KernelHostLine.leadingInt(digits) else {
            return nil
        }
        return v.hasPrefix("-") ? -n : n
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
