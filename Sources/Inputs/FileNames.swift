/// How discovery recognises files by name and by their first bytes.
enum FileNames {
    /// The first eight bytes of every journal file.
    static let journalMagic: [UInt8] = Array("LPKSHHRH".utf8)

    static func isJournalName(_ name: String) -> Bool {
        name.hasSuffix(".journal") || name.hasSuffix(".journal~")
    }

    static func hasJournalMagic(_ head: [UInt8]) -> Bool {
        head.count >= 8 && Array(head.prefix(8)) == journalMagic
    }

    /// The machine ID in a journal header (bytes 40..<56), or `nil` when absent or zero.
    static func journalMachineID(_ head: [UInt8]) -> String? {
        guard hasJournalMagic(head), head.count >= 56 else { return nil }
        let id = head[40..<56]
        guard id.contains(where: { $0 != 0 }) else { return nil }
        return id.map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    private static let kernelStems = ["kern.log", "messages", "syslog", "dmesg"]
    private static let compressionSuffixes = [".gz", ".xz", ".zst", ".bz2"]

    /// The kernel-log family a name belongs to (`kern.log`, `kern.log.1`, `messages-20240101.gz`,
    /// `dmesg.0`), or `nil`. pstore's `dmesg-ramoops-N`/`dmesg-efi-N` are not kernel logs here.
    static func kernelLogStem(_ name: String) -> String? {
        guard !isPstoreName(name) else { return nil }
        for stem in kernelStems where name.hasPrefix(stem) {
            let rest = name.dropFirst(stem.count)
            if rest.isEmpty || rest.first == "." || rest.first == "-" { return stem }
        }
        return nil
    }

    /// A text log met in a folder that is not a host root (a folder of collected logs):
    /// a kernel-log name, a name that mentions one (`web1-kern.log`, `messages.1.log`), or any
    /// `*.log`. Inside host roots only `kernelLogStem` names are taken.
    static func isLooseLogName(_ name: String) -> Bool {
        if kernelLogStem(name) != nil { return true }
        guard !isPstoreName(name) else { return false }
        var base = Substring(name)
        for suffix in compressionSuffixes where base.hasSuffix(suffix) {
            base = base.dropLast(suffix.count)
            break
        }
        return base.hasSuffix(".log") || ["kern", "dmesg", "messages", "syslog"].contains { base.contains($0) }
    }

    /// A name journalctl's `-o export` or `-o json` output is saved under (`boot.json`,
    /// `journal.export.gz`): a compressed one is expanded to tell what it holds.
    static func isJournalTextName(_ name: String) -> Bool {
        var base = Substring(name.lowercased())
        for suffix in compressionSuffixes where base.hasSuffix(suffix) {
            base = base.dropLast(suffix.count)
            break
        }
        return [".json", ".jsonl", ".export"].contains { base.hasSuffix($0) }
    }

    /// A name under which a text log may hide (`.txt`, `.out`, no extension, sosreport's
    /// `journalctl_--no-pager`, supportconfig's `messages.txt`): its content decides.
    static func mayBeTextLog(_ name: String) -> Bool {
        if name.hasPrefix("journalctl") || name.hasPrefix("dmesg") { return true }
        let lower = name.lowercased()
        if [".txt", ".out", ".log", ".logs"].contains(where: { lower.hasSuffix($0) }) { return true }
        // `messages-20240101`, `syslog.7`, `console`: no extension, or a numeric one.
        guard let dot = lower.lastIndex(of: ".") else { return !lower.hasPrefix(".") }
        return lower[lower.index(after: dot)...].allSatisfy(\.isNumber)
    }

    /// Files the kernel's pstore exposes (`/sys/fs/pstore`) or systemd-pstore keeps.
    static func isPstoreName(_ name: String) -> Bool {
        ["dmesg-ramoops-", "dmesg-efi-", "dmesg-efi_pstore-", "dmesg-erst-", "console-ramoops", "dmesg-nvram"]
            .contains { name.hasPrefix($0) }
    }

    /// kdump's kernel log, and the `dmesg.<stamp>` kdump-tools writes beside the dump.
    static func isKdumpName(_ name: String) -> Bool {
        name == "vmcore-dmesg.txt" || name.hasPrefix("dmesg.")
    }

    static func isArchiveName(_ name: String) -> Bool {
        [".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst", ".tar.xz", ".txz", ".tar.bz2", ".tbz", ".tbz2", ".zip", ".7z"].contains { name.hasSuffix($0) }
    }

    static func isMachineID(_ name: String) -> Bool {
        name.utf8.count == 32 && name.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
        }
    }

    static let unitSuffixes = [".service", ".socket", ".target", ".timer", ".mount", ".automount", ".swap",
                               ".path", ".slice", ".scope", ".device"]

    static func isUnitName(_ name: String) -> Bool { unitSuffixes.contains { name.hasSuffix($0) } }

    /// A drop-in directory: `foo.service.d`.
    static func isDropInDirectory(_ name: String) -> Bool {
        name.hasSuffix(".d") && isUnitName(String(name.dropLast(2)))
    }

    /// Orders rotated logs oldest first: dated copies (`messages-20240101`) by date, then
    /// numbered ones from the highest number down (`kern.log.2.gz`, `kern.log.1`), then the
    /// live file (`kern.log`).
    static func rotationKey(_ name: String) -> (stem: String, group: Int, number: Int, text: String) {
        var rest = Substring(name)
        let stem = kernelLogStem(name) ?? name
        if kernelLogStem(name) != nil { rest = rest.dropFirst(stem.count) }
        for suffix in compressionSuffixes where rest.hasSuffix(suffix) {
            rest = rest.dropLast(suffix.count)
            break
        }
        if rest.isEmpty { return (stem, 2, 0, "") }
        if rest.first == ".", let n = Int(rest.dropFirst()) { return (stem, 1, -n, "") }
        return (stem, 0, 0, String(rest))
    }

    static func rotationOrder(_ a: String, _ b: String) -> Bool {
        let ka = rotationKey(a), kb = rotationKey(b)
        return (ka.stem, ka.group, ka.number, ka.text, a) < (kb.stem, kb.group, kb.number, kb.text, b)
    }
}
