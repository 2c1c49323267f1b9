import CSystemd
import Journal

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A libsystemd call that failed: the negative errno it returned and what it means.
public struct SDJournalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The positive errno value (`-r` of the libsystemd return value).
    public var code: Int32
    /// Which call failed and `strerror(code)`.
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// Builds the error for a negative libsystemd return value `r` from `call`.
    init(call: String, returned r: Int32) {
        let code = r < 0 ? -r : r
        let text = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        self.init(code: code, message: "\(call): \(text)")
    }

    public var description: String { message }
}

/// Reads journal files through systemd's own library, `sd-journal`. This is the reference
/// the native `Journal` reader is checked against, and a fallback for live systems. This file
/// (with `SDJournalSender` below) is the only one that touches libsystemd's C pointers.
///
/// An instance wraps one `sd_journal` handle, which libsystemd does not allow to be used
/// from two threads at once; keep each reader on one task.
public final class SDJournalReader {
    private let handle: OpaquePointer

    /// Opens exactly these journal files as one interleaved set.
    /// The corresponding C function is `sd_journal_open_files`.
    public init(files: [String]) throws(SDJournalError) {
        var copies: [UnsafeMutablePointer<CChar>?] = files.map { strdup($0) }
        copies.append(nil)
        defer { for c in copies { free(c) } }
        var j: OpaquePointer?
        let r = copies.withUnsafeMutableBufferPointer { buffer -> Int32 in
            buffer.baseAddress?.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                sd_journal_open_files(&j, $0, 0)
            } ?? -EINVAL
        }
        self.handle = try Self.opened(j, r, call: "sd_journal_open_files")
    }

    /// Opens every journal file in `directory` (and its machine-ID subfolders).
    /// The corresponding C function is `sd_journal_open_directory`.
    public init(directory: String) throws(SDJournalError) {
        var j: OpaquePointer?
        let r = sd_journal_open_directory(&j, directory, 0)
        self.handle = try Self.opened(j, r, call: "sd_journal_open_directory")
    }

    /// Opens the live journal of this machine: system files only, local only
    /// (`SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM`). Call as `SDJournalReader(localSystem: ())`.
    /// The corresponding C function is `sd_journal_open`.
    public init(localSystem: Void) throws(SDJournalError) {
        var j: OpaquePointer?
        let flags = Int32(SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM)
        let r = sd_journal_open(&j, flags)
        self.handle = try Self.opened(j, r, call: "sd_journal_open")
    }

    deinit { sd_journal_close(handle) }

    private static func opened(_ j: OpaquePointer?, _ r: Int32, call: String) throws(SDJournalError) -> OpaquePointer {
        guard r >= 0, let j else {
            throw SDJournalError(call: call, returned: r < 0 ? r : -EINVAL)
        }
        // 0 = no limit: field values longer than the default 64 KiB (and the 4 KiB some
        // readers use) must come back whole, or they would not match the native reader.
        let t = sd_journal_set_data_threshold(j, 0)
        guard t >= 0 else {
            sd_journal_close(j)
            throw SDJournalError(call: "sd_journal_set_data_threshold", returned: t)
        }
        return j
    }

    /// Calls `body` for every entry from the first, in libsystemd's (journalctl's) order.
    /// Fields are every item libsystemd can decode, in item order, with `_BOOT_ID` among them.
    /// Throws an `SDJournalError` when libsystemd fails to move on or to read an entry's
    /// header, and whatever `body` throws.
    public func forEachEntry(_ body: (JournalEntry) throws -> Void) throws {
        let s = sd_journal_seek_head(handle)
        if s < 0 { throw SDJournalError(call: "sd_journal_seek_head", returned: s) }
        while true {
            let n = sd_journal_next(handle)
            if n < 0 { throw SDJournalError(call: "sd_journal_next", returned: n) }
            if n == 0 { return }
            try body(try currentEntry())
        }
    }

    private func currentEntry() throws(SDJournalError) -> JournalEntry {
        var realtime: UInt64 = 0
        var monotonic: UInt64 = 0
        var boot = sd_id128_t()
        var r = sd_journal_get_realtime_usec(handle, &realtime)
        guard r >= 0 else { throw SDJournalError(call: "sd_journal_get_realtime_usec", returned: r) }
        r = sd_journal_get_monotonic_usec(handle, &monotonic, &boot)
        guard r >= 0 else { throw SDJournalError(call: "sd_journal_get_monotonic_usec", returned: r) }

        // systemd 252 has no sd_journal_get_seqnum (it came in 254); the cursor carries the
        // seqnum, its ID and the xor hash in every version.
        var cursorPointer: UnsafeMutablePointer<CChar>?
        r = sd_journal_get_cursor(handle, &cursorPointer)
        guard r >= 0, let cursorPointer else {
            throw SDJournalError(call: "sd_journal_get_cursor", returned: r < 0 ? r : -EINVAL)
        }
        let cursor = String(cString: cursorPointer)
        free(cursorPointer)
        guard let parts = CursorParts(cursor) else {
            throw SDJournalError(code: EBADMSG, message: "sd_journal_get_cursor: cannot parse cursor \(cursor)")
        }

        var fields: [JournalField] = []
        sd_journal_restart_data(handle)
        var data: UnsafeRawPointer?
        var length = 0
        while true {
            let e = sd_journal_enumerate_available_data(handle, &data, &length)
            if e < 0 { throw SDJournalError(call: "sd_journal_enumerate_available_data", returned: e) }
            guard e > 0, let data else { break }
            let item = UnsafeRawBufferPointer(start: data, count: length)
            // Split at the first '=': values may contain '=' and any other byte.
            guard let eq = item.firstIndex(of: UInt8(ascii: "=")) else { continue }
            fields.append(JournalField(name: String(decoding: item[..<eq], as: UTF8.self),
                                       value: Array(item[(eq + 1)...])))
        }

        return JournalEntry(seqnum: parts.seqnum, seqnumID: parts.seqnumID, realtime: realtime,
                            monotonic: monotonic, bootID: ID128(sdID: boot), xorHash: parts.xorHash,
                            fields: fields, location: EntryLocation(file: 0, offset: 0))
    }
}

/// Writes entries to this machine's journal through libsystemd, as `sd_journal_send` does.
/// Swift cannot call that variadic C function, so this calls `sd_journal_sendv`, which takes
/// the same `NAME=value` items as an array (`sd_journal_send` is a wrapper around it).
public enum SDJournalSender {
    /// Sends one entry. Names are journal field names (`MESSAGE`, `PRIORITY`, `MESSAGE_ID`,
    /// upper case); values may hold any text, newlines included (libsystemd encodes those).
    /// Throws when journald cannot be reached (no `/run/systemd/journal/socket`) or refuses.
    public static func send(_ fields: [(name: String, value: String)]) throws(SDJournalError) {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = bytes.count
            bytes += Array(field.name.utf8)
            bytes.append(UInt8(ascii: "="))
            bytes += Array(field.value.utf8)
            ranges.append(start..<bytes.count)
        }
        let r = bytes.withUnsafeMutableBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return -EINVAL }
            var items = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            return sd_journal_sendv(&items, Int32(items.count))
        }
        if r < 0 { throw SDJournalError(call: "sd_journal_sendv", returned: r) }
    }
}

/// The parts of a cursor (`s=…;i=…;b=…;m=…;t=…;x=…`) that libsystemd 252 offers no getter for.
struct CursorParts {
    var seqnumID: ID128
    var seqnum: UInt64
    var xorHash: UInt64

    init?(_ cursor: String) {
        var s: ID128?
        var i: UInt64?
        var x: UInt64?
        for part in cursor.split(separator: ";") {
            guard part.count >= 2, part.dropFirst().first == "=" else { continue }
            let value = part.dropFirst(2)
            switch part.first {
            case "s": s = ID128(hex: value)
            case "i": i = UInt64(value, radix: 16)
            case "x": x = UInt64(value, radix: 16)
            default: break
            }
        }
        guard let s, let i, let x else { return nil }
        seqnumID = s
        seqnum = i
        xorHash = x
    }
}

extension ID128 {
    /// The bytes of a libsystemd `sd_id128_t`, which are already in file order.
    init(sdID: sd_id128_t) {
        var id = sdID
        var high: UInt64 = 0
        var low: UInt64 = 0
        withUnsafeBytes(of: &id.bytes) { raw in
            for (i, b) in raw.enumerated() {
                if i < 8 { high = high << 8 | UInt64(b) } else { low = low << 8 | UInt64(b) }
            }
        }
        self.init(high: high, low: low)
    }
}
