import CKairos
import Glibc

/// A joinable pthread running one closure (Foundation's `Thread` cannot be joined). The journal
/// writer and the compactor each own one, so shutdown can wait for "everything is on disk";
/// the load generator joins its workers before reading their results.
public final class WorkerThread {
    private var thread: pthread_t

    /// The closure's owner: retained across pthread_create, released by the thread itself.
    private final class Body {
        let name: String?
        let run: @Sendable () -> Void
        init(name: String?, _ run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }

    /// Names the calling thread; longer names are cut to the kernel's 15 bytes.
    public static func nameCurrentThread(_ name: String) {
        _ = ckairos_pthread_setname_self(String(decoding: name.utf8.prefix(15), as: UTF8.self))
    }

    /// `name` (at most 15 bytes, the kernel's limit) is what `top -H`, `ps -L` and
    /// `/proc/PID/task/*/comm` show for the thread; nil keeps the process name.
    public init(name: String? = nil, _ body: @escaping @Sendable () -> Void) throws(Errno) {
        let context = Unmanaged.passRetained(Body(name: name, body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
            if let name = body.name { WorkerThread.nameCurrentThread(name) }
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
