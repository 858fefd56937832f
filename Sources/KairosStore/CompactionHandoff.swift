import Foundation
import Synchronization

/// The meeting point of the compactor thread and the journal writer thread: the compactor
/// leaves one `SwapRequest` and sleeps until the writer, between two writes, has performed
/// it. Not on the request path (once per compaction), so a condition variable is fine.
final class CompactionHandoff: @unchecked Sendable {
    // Safety: `request`, `outcome` and `closed` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var request: SwapRequest?
    private var outcome: SwapOutcome?
    /// Open only while the writer thread runs, so nobody waits for a writer that is not there.
    private var closed = true
    /// Writer's cheap check, so an idle round costs no lock.
    private let pending = Atomic<Bool>(false)

    var hasRequest: Bool { pending.load(ordering: .acquiring) }

    /// Compactor: hands over `request`, calls `wake` so the writer notices, and waits.
    func perform(_ request: SwapRequest, wake: () -> Void) -> SwapOutcome {
        condition.lock()
        if closed {
            condition.unlock()
            return .failed("journal writer not running")
        }
        self.request = request
        outcome = nil
        pending.store(true, ordering: .releasing)
        condition.unlock()
        wake()
        condition.lock()
        defer { condition.unlock() }
        while outcome == nil { condition.wait() }
        defer { outcome = nil }
        return outcome!
    }

    /// Writer: the pending request, if any. The writer must `complete` it.
    func take() -> SwapRequest? {
        guard hasRequest else { return nil }
        condition.lock()
        defer { condition.unlock() }
        pending.store(false, ordering: .relaxed)
        defer { request = nil }
        return request
    }

    /// Writer: reports how the request ended and wakes the compactor.
    func complete(_ result: SwapOutcome) {
        condition.lock()
        outcome = result
        condition.broadcast()
        condition.unlock()
    }

    /// Writer, when it starts serving requests.
    func open() {
        condition.lock()
        closed = false
        condition.unlock()
    }

    /// Writer, when it stops: a pending or later request fails instead of waiting forever.
    func close() {
        condition.lock()
        closed = true
        if let request {
            request.temp.close()
            self.request = nil
            pending.store(false, ordering: .relaxed)
            outcome = .failed("journal writer stopped")
            condition.broadcast()
        }
        condition.unlock()
    }
}
