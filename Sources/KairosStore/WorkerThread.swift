import Glibc
import KairosSystem

/// A joinable pthread running one closure. The journal writer and the compactor each own one;
/// `join` is how shutdown waits for "everything submitted is on disk".
final class WorkerThread {
    private var thread: pthread_t

    /// The closure's owner: retained across pthread_create, released by the thread itself.
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    init(_ body: @escaping @Sendable () -> Void) throws(Errno) {
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
    func join() {
        _ = pthread_join(thread, nil)
    }
}
