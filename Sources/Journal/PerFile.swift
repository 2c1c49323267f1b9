import Foundation

/// Work done file by file, on two threads: looking at one file's indexes touches only that file,
/// so a set's files are looked at two at a time (the machines crashes are read on have a few
/// cores; more threads would map more files at once for little gain).
enum PerFile {
    static let threads = 2

    /// `body(i)` for each file index `0..<count`, results in file order.
    static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 1 else { return (0..<count).map(body) }
        let results = Results<T>(count)
        DispatchQueue.concurrentPerform(iterations: min(threads, count)) { _ in
            while let i = results.take(below: count) { results.set(i, body(i)) }
        }
        return results.values.compactMap { $0 }
    }

    /// Slots filled from several threads, under a lock.
    private final class Results<T>: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [T?]
        private var taken = 0

        init(_ count: Int) { values = Array(repeating: nil, count: count) }

        func set(_ i: Int, _ value: T) {
            lock.lock()
            values[i] = value
            lock.unlock()
        }

        /// The next index to work on, each once.
        func take(below count: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard taken < count else { return nil }
            taken += 1
            return taken - 1
        }
    }
}
