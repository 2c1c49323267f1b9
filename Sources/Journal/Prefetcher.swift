import Foundation

/// Decodes entries on a second thread while the caller consumes them, so reading and
/// analysing overlap on two cores. Batches pass through a small bounded queue: memory
/// stays at a few thousand entries whatever the size of the journal.
final class Prefetcher<Batch: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Batch] = []
    private var spares: [Batch] = []
    private var finished = false
    private var cancelled = false
    /// Batches queued at most. Each may hold up to `EntryBatch.byteLimit` of values: the queue
    /// bounds what a scan holds, so it stays short.
    let capacity = 4

    /// Runs `produce` on a new thread; it hands batches to `push` and returns when done.
    init(produce: @escaping @Sendable (_ prefetcher: Prefetcher<Batch>, _ push: (Batch) -> Bool) -> Void) {
        let thread = Thread { [self] in
            produce(self) { batch in self.push(batch) }
            self.condition.lock()
            self.finished = true
            self.condition.broadcast()
            self.condition.unlock()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Batches handed over and not yet taken by the consumer: none, and it is about to sit idle
    /// (a batch handed over sooner, with work left for it, is better); `capacity`, and the
    /// producer is about to wait (work it adds to a batch costs nothing).
    var waitingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Queues a batch, waiting while the queue is full; false when the consumer stopped.
    private func push(_ batch: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        queue.append(batch)
        condition.broadcast()
        return true
    }

    /// The next batch, or `nil` when the producer is done.
    func next() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if queue.isEmpty { return nil }
        let batch = queue.removeFirst()
        condition.broadcast()
        return batch
    }

    /// Hands a consumed batch back for the producer to fill again, so that its memory is
    /// reused rather than allocated (and faulted in) afresh.
    func recycle(_ batch: Batch) {
        condition.lock()
        if spares.count < capacity + 2 { spares.append(batch) }
        condition.unlock()
    }

    /// A recycled batch, when there is one.
    func reuse() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        return spares.popLast()
    }

    /// Stops the producer early (the consumer threw) and waits until it has let go of the files.
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    /// Waits until the producer thread has finished touching the files.
    func waitUntilFinished() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
