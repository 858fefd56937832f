import Synchronization

/// A histogram that one thread records into and any thread reads, without a lock: a fixed set
/// of upper bounds, one relaxed atomic per bucket and one for the sum. For `/metrics`, which
/// must not cost the thread that records (D-http-api).
///
/// A reader may see a sample's bucket before its sum (or the other way round); the figures are
/// advisory, like STAT's.
public final class AtomicHistogram: @unchecked Sendable {
    // Safety: the buffer is allocated once, never resized, and only touched through atomics.

    /// Upper bounds, ascending; a value above the last goes to the overflow bucket (+Inf).
    public let bounds: [Int64]
    private let counts: UnsafeMutablePointer<Atomic<Int>>
    private let total = Atomic<Int64>(0)

    public init(bounds: [Int64]) {
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must ascend")
        self.bounds = bounds
        counts = .allocate(capacity: bounds.count + 1)
        for index in 0...bounds.count { (counts + index).initialize(to: Atomic(0)) }
    }

    deinit {
        counts.deinitialize(count: bounds.count + 1)
        counts.deallocate()
    }

    /// The most a single sample adds to the sum (about 11.6 days in ns).
    public static let sampleCap: Int64 = 1_000_000_000_000_000

    /// Writer: the owning thread only. Negative values count as 0.
    public func record(_ value: Int64) {
        let value = max(value, 0)
        var index = 0
        while index < bounds.count, value > bounds[index] { index += 1 }
        counts[index].wrappingAdd(1, ordering: .relaxed)
        // Clamped so that absurd samples (a job due in 1970) cannot wrap the sum.
        total.wrappingAdd(min(value, Self.sampleCap), ordering: .relaxed)
    }

    /// Per-bucket counts (not cumulative; the last is the overflow bucket) and the sum.
    public func snapshot() -> (counts: [Int], sum: Int64) {
        ((0...bounds.count).map { counts[$0].load(ordering: .relaxed) }, total.load(ordering: .relaxed))
    }
}
