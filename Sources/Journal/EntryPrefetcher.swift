import Foundation

/// Decodes entries on a second thread while the caller consumes them, so reading and
/// analysing overlap on two cores. Batches pass through a small bounded queue: memory
/// stays at a few thousand entries whatever the size of the journal.
final class EntryPrefetcher: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [[JournalEntry]] = []
    private var finished = false
    private var cancelled = false
    private let capacity = 4
    static let batchSize = 2048

    /// Runs `produce` on a new thread; it hands batches to `push` and returns when done.
    init(produce: @escaping @Sendable (_ push: ([JournalEntry]) -> Bool) -> Void) {
        let thread = Thread { [self] in
            produce { batch in self.push(batch) }
            self.condition.lock()
            self.finished = true
            self.condition.broadcast()
            self.condition.unlock()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues a batch, waiting while the queue is full; false when the consumer stopped.
    private func push(_ batch: [JournalEntry]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        queue.append(batch)
        condition.broadcast()
        return true
    }

    /// The next batch, or `nil` when the producer is done.
    func next() -> [JournalEntry]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if queue.isEmpty { return nil }
        let batch = queue.removeFirst()
        condition.broadcast()
        return batch
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
