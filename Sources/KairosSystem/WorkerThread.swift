import Glibc

/// A joinable pthread running one closure (Foundation's `Thread` cannot be joined). The journal
/// writer and the compactor each own one, so shutdown can wait for "everything is on disk";
/// the load generator joins its workers before reading their results.
public final class WorkerThread {
    private var thread: pthread_t

    /// The closure's owner: retained across pthread_create, released by the thread itself.
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    public init(_ body: @escaping @Sendable () -> Void) throws(Errno) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<Body>.fromOpaque(context).release()
            throw Errno(result)
        }
        self.thread = thread
    }

    /// Waits for the closure to return. Call once.
    public func join() {
        _ = pthread_join(thread, nil)
    }
}
