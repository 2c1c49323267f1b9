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
    /// Fault addresses, in the order they happened (the first `faultsKept`).
    private static let faultsKept = 256
    nonisolated(unsafe) private static let faults: UnsafeMutablePointer<UInt> = {
        let p = UnsafeMutablePointer<UInt>.allocate(capacity: faultsKept)
        p.initialize(repeating: 0, count: faultsKept)
        return p
    }()
    private static let faultCount = Atomic<Int>(0)
    private static let pageSize = UInt(max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096))
    nonisolated(unsafe) private static var previous = sigaction()

    private static let installed: Bool = {
        // Everything the handler touches exists before it can run.
        _ = ranges
        _ = faults
        _ = pageSize
        _ = faultCount.load(ordering: .relaxed)
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

    /// The lowest address in `start ..< start + length` where a read found the file gone.
    static func firstFault(in start: UnsafeRawPointer, length: Int) -> UInt? {
        let from = UInt(bitPattern: start), to = from &+ UInt(length)
        let n = min(faultCount.load(ordering: .acquiring), faultsKept)
        var lowest: UInt?
        for i in 0..<n where faults[i] >= from && faults[i] < to {
            lowest = min(lowest ?? .max, faults[i])
        }
        return lowest
    }

    /// Runs in the signal handler: no allocation, no lock, no Swift runtime call.
    fileprivate static func handle(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?,
                                   _ context: UnsafeMutableRawPointer?) {
        if let info, let address = info.pointee._sifields._sigfault.si_addr {
            let at = UInt(bitPattern: address)
            var ours = false
            for slot in 0..<capacity {
                let from = ranges[2 * slot]
                if from != 0, at >= from, at < ranges[2 * slot + 1] { ours = true; break }
            }
            if ours {
                let page = at & ~(pageSize - 1)
                let zeros = mmap(UnsafeMutableRawPointer(bitPattern: page), Int(pageSize), PROT_READ,
                                 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                if zeros != MAP_FAILED {
                    let n = faultCount.add(1, ordering: .releasing).oldValue
                    if n < faultsKept { faults[n] = at }
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
    static func firstFault(in start: UnsafeRawPointer, length: Int) -> UInt? { nil }
}
#endif
