import Synchronization

/// A fixed number of counters, each with one writer thread and any number of relaxed readers:
/// for labelled `/metrics` counters filled on another thread than the one that scrapes.
public final class AtomicCounters: @unchecked Sendable {
    // Safety: the buffer is allocated once, never resized, and only touched through atomics.

    public let count: Int
    private let values: UnsafeMutablePointer<Atomic<Int>>

    public init(count: Int) {
        self.count = count
        values = .allocate(capacity: count)
        for index in 0..<count { (values + index).initialize(to: Atomic(0)) }
    }

    deinit {
        values.deinitialize(count: count)
        values.deallocate()
    }

    /// Writer: the owning thread only.
    public func increment(_ index: Int) {
        values[index].wrappingAdd(1, ordering: .relaxed)
    }

    /// Writer: the owning thread only. Publishes a value counted in plain memory
    /// (`BatchedCounters`): a store, not a read-modify-write.
    public func store(_ index: Int, _ value: Int) {
        values[index].store(value, ordering: .relaxed)
    }

    public func load(_ index: Int) -> Int {
        values[index].load(ordering: .relaxed)
    }
}
