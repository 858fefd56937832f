import Synchronization

/// The stop request `RunnerPool.shutdown` hands to the runner thread.
final class StopRequest: Sendable {
    private let requested = Atomic<Bool>(false)
    private let grace = Atomic<Int>(0)

    func request(graceMs: Int) {
        grace.store(graceMs, ordering: .relaxed)
        requested.store(true, ordering: .releasing)
    }

    /// The grace period once a stop was requested, nil before.
    var graceMs: Int? {
        requested.load(ordering: .acquiring) ? grace.load(ordering: .relaxed) : nil
    }
}
