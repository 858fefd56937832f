import Glibc

/// A value behind a pthread mutex, shared between the runner thread and the publisher threads.
///
/// Why not `Synchronization.Mutex`: the thread sanitizer does not see the ordering its lock
/// provides on Linux (the lock lives in an uninstrumented library) and reports races on the
/// guarded value; pthread mutexes it understands, so a sanitizer run can vouch for this code.
final class AMQPLock<Value>: @unchecked Sendable {
    // Safety: `value` is only read or written inside `withLock`, with `mutex` held; the mutex
    // lives at a fixed address for the object's lifetime.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
