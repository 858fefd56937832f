import Glibc
import KairosProtocol
import KairosSync
import KairosSystem

/// One publish handed from the runner thread to a publisher thread.
struct AMQPPublish: Sendable {
    let id: UInt64
    let address: AMQPAddress
    let exchange: Bytes
    let routingKey: Bytes
    /// The job id: the message body.
    let body: Bytes
}

/// The publishes waiting for a publisher thread. The runner thread pushes and cancels; the
/// publisher threads block in `take` (a condition variable: rabbitmq-c's calls block anyway,
/// so these threads have no epoll loop to wake).
final class AMQPWorkQueue: @unchecked Sendable {
    // Safety: `items` and `stopped` are only touched with `mutex` held; the mutex and condition
    // live at fixed addresses for the object's lifetime.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Never longer than `[runner] concurrency`: the runner starts no more than that.
    private var items: [AMQPPublish] = []
    private var stopped = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func push(_ publish: AMQPPublish) {
        pthread_mutex_lock(mutex)
        items.append(publish)
        pthread_mutex_unlock(mutex)
        pthread_cond_signal(condition)
    }

    /// Drops a publish no thread has taken yet; false when it was already taken (or unknown).
    @discardableResult
    func cancel(_ id: UInt64) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard let index = items.firstIndex(where: { $0.id == id }) else { return false }
        items.remove(at: index)
        return true
    }

    /// Blocks until work arrives; returns the oldest publish and every other queued one for the
    /// same broker address (up to `max`), so one thread pipelines them over one connection and a
    /// slow broker never holds up another broker's publishes. nil once stopped.
    func take(max: Int) -> [AMQPPublish]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while items.isEmpty && !stopped { pthread_cond_wait(condition, mutex) }
        if stopped { return nil }
        let address = items[0].address
        var taken: [AMQPPublish] = []
        var kept: [AMQPPublish] = []
        for item in items {
            if item.address == address && taken.count < max { taken.append(item) } else { kept.append(item) }
        }
        items = kept
        return taken
    }

    /// Wakes every thread in `take`; they return nil from now on. Queued publishes are dropped
    /// (the runner cancelled them all before closing).
    func stop() {
        pthread_mutex_lock(mutex)
        stopped = true
        items.removeAll()
        pthread_mutex_unlock(mutex)
        pthread_cond_broadcast(condition)
    }
}

/// Results travelling back to the runner thread, which sleeps in epoll: a locked list plus a
/// doorbell whose eventfd is registered with the runner's epoll set.
final class AMQPResults: Sendable {
    let doorbell: Doorbell
    private let pending = AMQPLock<[(id: UInt64, result: NetworkResult)]>([])

    init() throws(Errno) {
        doorbell = try Doorbell()
    }

    /// Publisher side. Rings only when the list was empty: the runner reads the eventfd before it
    /// drains, so a result added before a drain is taken by it, and one added after finds the
    /// list empty and rings again.
    func post(_ results: [(id: UInt64, result: NetworkResult)]) {
        guard !results.isEmpty else { return }
        let wasEmpty = pending.withLock { list in
            let empty = list.isEmpty
            list.append(contentsOf: results)
            return empty
        }
        if wasEmpty { doorbell.ringUnconditionally() }
    }

    /// Runner side, when epoll reports the eventfd.
    func drain() -> [(id: UInt64, result: NetworkResult)] {
        doorbell.acknowledge()
        return pending.withLock { list in
            let taken = list
            list.removeAll(keepingCapacity: true)
            return taken
        }
    }
}
