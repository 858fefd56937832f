import KairosSync
import KairosSystem
import Synchronization

/// What the runner thread asks of an http worker thread, in the order it asked.
enum HTTPOrder: Sendable {
    case start(NetworkCall)
    /// The runner gave up on the call and recorded it `failed`: drop it, report nothing.
    case cancel(UInt64)
}

/// A call's end, travelling from a worker thread back to the runner thread.
struct HTTPReport: Sendable {
    let id: UInt64
    let result: NetworkResult
}

/// Everything the runner thread and one http worker thread share: a ring each way, a doorbell
/// each way, and the stop flag. Each ring has one producer and one consumer (orders: runner →
/// worker, reports: worker → runner). A doorbell writes its eventfd only when the side it wakes
/// armed it before sleeping, so while both sides are busy no wake-up costs a syscall.
final class HTTPWorkerLink: Sendable {
    let orders: SPSCRing<HTTPOrder>
    let reports: SPSCRing<HTTPReport>
    /// Wakes the worker (watched by the worker's epoll set).
    let wake: Doorbell
    /// Wakes the runner thread (watched by the runner's epoll set).
    let done: Doorbell
    private let stopping = Atomic<Bool>(false)

    /// Both rings hold `capacity` entries (rounded up to a power of two). Neither side ever
    /// drops an entry the ring has no room for: it keeps it and pushes it later.
    init(capacity: Int) throws(Errno) {
        orders = SPSCRing(capacity: capacity)
        reports = SPSCRing(capacity: capacity)
        wake = try Doorbell()
        done = try Doorbell()
    }

    /// Runner side: the worker finishes its turn, closes its client and returns.
    func stop() {
        stopping.store(true, ordering: .releasing)
        wake.ringUnconditionally()
    }

    var stopRequested: Bool { stopping.load(ordering: .acquiring) }
}
