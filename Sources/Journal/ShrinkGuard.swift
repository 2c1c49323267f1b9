#if canImport(Glibc)
import Glibc
import Synchronization

/// Keeps a file that shrinks while it is mapped from killing the process. Reading a mapped
/// page past a file's new end raises SIGBUS; a journal copied over (`cp` truncates first), a
/// `.tar` rewritten or a file cut by another program while it is read would end the run
/// there, with nothing said. The handler maps a page of zeros where the file's page was, so
/// the read goes on and sees zeros (which the reader takes for damage, as it takes any), and
/// notes where it happened: the file's health then says the file shrank while it was read.
///
/// Only faults inside a mapping registered here are handled; any other SIGBUS is left to the
/// handler that was there before (by default, the end of the process).
enum ShrinkGuard {
    /// Registered mappings: start and end addresses, 0 for a free slot. Read by the signal
    /// handler, so plain words, never a Swift collection; written under `lock`, the end before
    /// the start, so a slot the handler sees in use is whole.
    private static let capacity = 4096
    nonisolated(unsafe) private static let ranges: UnsafeMutablePointer<UInt> = {
        let p = UnsafeMutablePointer<UInt>.allocate(capacity: capacity * 2)
        p.initialize(repeating: 0, count: capacity * 2)
        return p
    }()
    private static let lock = Mutex(())
    /// Per slot, the lowest address where a read found the file gone, 0 when none did. Kept
    /// per registration, not per address: a later mapping placed where an unmapped one was
    /// (the kernel reuses addresses) must not inherit its faults. Two threads faulting in the
    /// same mapping at once may keep either address; both lie past the file's new end.
    nonisolated(unsafe) private static let lowestFault: UnsafeMutablePointer<UInt> = {
        let p = UnsafeMutablePointer<UInt>.allocate(capacity: capacity)
        p.initialize(repeating: 0, count: capacity)
        return p
    }()
    private static let pageSize = UInt(max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096))
    nonisolated(unsafe) private static var previous = sigaction()

    private static let installed: Bool = {
        // Everything the handler touches exists before it can run.
        _ = ranges
        _ = lowestFault
        _ = pageSize
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = shrinkGuardHandler
        action.sa_flags = SA_SIGINFO
        sigemptyset(&action.sa_mask)
        return sigaction(SIGBUS, &action, &previous) == 0
    }()

    /// Registers `length` bytes at `start` (a file mapping); the slot to pass to `unregister`.
    static func register(_ start: UnsafeRawPointer, length: Int) -> Int? {
        guard installed, length > 0 else { return nil }
        let from = UInt(bitPattern: start), to = from &+ UInt(length)
        return lock.withLock { _ in
            for slot in 0..<capacity where ranges[2 * slot] == 0 {
                lowestFault[slot] = 0
                ranges[2 * slot + 1] = to
                ranges[2 * slot] = from
                return slot
            }
            // More than 4096 files mapped at once: this one is not guarded.
            return nil
        }
    }

    static func unregister(_ slot: Int) {
        guard slot >= 0, slot < capacity else { return }
        lock.withLock { _ in
            ranges[2 * slot] = 0
            ranges[2 * slot + 1] = 0
        }
    }

    /// Where a read found the file registered in `slot` gone, as an address in
    /// `start ..< start + length` (a range of that mapping): the lowest fault when it lies in
    /// the range, the range's start when the file was found to end before it, else `nil`.
    static func firstFault(slot: Int, in start: UnsafeRawPointer, length: Int) -> UInt? {
        guard slot >= 0, slot < capacity else { return nil }
        let at = lock.withLock { _ in lowestFault[slot] }
        let from = UInt(bitPattern: start), to = from &+ UInt(length)
        guard at != 0, at < to else { return nil }
        return max(at, from)
    }

    /// Runs in the signal handler: no allocation, no lock, no Swift runtime call.
    static func handle(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?,
                                   _ context: UnsafeMutableRawPointer?) {
        if let info, let address = info.pointee._sifields._sigfault.si_addr {
            let at = UInt(bitPattern: address)
            var ours = -1
            for slot in 0..<capacity {
                let from = ranges[2 * slot]
                if from != 0, at >= from, at < ranges[2 * slot + 1] { ours = slot; break }
            }
            if ours >= 0 {
                let page = at & ~(pageSize - 1)
                let zeros = mmap(UnsafeMutableRawPointer(bitPattern: page), Int(pageSize), PROT_READ,
                                 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                if zeros != MAP_FAILED {
                    let lowest = lowestFault[ours]
                    if lowest == 0 || at < lowest { lowestFault[ours] = at }
                    return
                }
            }
        }
        // Not ours (or no page could be put there): what was there before decides. Returning
        // runs the faulting read again, under the disposition put back.
        _ = sigaction(SIGBUS, &previous, nil)
    }
}

private func shrinkGuardHandler(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?,
                                _ context: UnsafeMutableRawPointer?) {
    ShrinkGuard.handle(signal, info, context)
}
#else
/// Elsewhere a shrinking file is not guarded against.
enum ShrinkGuard {
    static func register(_ start: UnsafeRawPointer, length: Int) -> Int? { nil }
    static func unregister(_ slot: Int) {}
    static func firstFault(slot: Int, in start: UnsafeRawPointer, length: Int) -> UInt? { nil }
}
#endif
