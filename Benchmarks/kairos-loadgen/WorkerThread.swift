import Glibc

/// A pthread that runs one closure and can be joined: the main thread must wait for workers
/// before reading their results, and Foundation's `Thread` has no join.
struct WorkerThread {
    private let handle: pthread_t

    /// Starts `body` on a new thread.
    init(_ body: @escaping @Sendable () -> Void) throws(LoadgenError) {
        final class Box: @unchecked Sendable {
            // Safety: written once before the thread starts, read once by that thread.
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw LoadgenError(description: "pthread_create failed: \(status)")
        }
        handle = thread
    }

    func join() {
        pthread_join(handle, nil)
    }
}
