import Glibc

/// Debug check that a single-thread API is used from one thread: the first caller becomes
/// the owner, later callers must be the same thread (ARCHITECTURE rule 8). Free in release.
struct ThreadOwner {
    private var owner: pthread_t?

    @inline(__always)
    mutating func check(_ api: StaticString) {
        assert(claim(), "\(api) called from a second thread")
    }

    private mutating func claim() -> Bool {
        let current = pthread_self()
        guard let owner else {
            self.owner = current
            return true
        }
        return pthread_equal(owner, current) != 0
    }
}
