/// One runner kind's network side (http, redis or amqp), owned by the runner thread.
///
/// Every method is called on the runner thread only, so a client needs no locks for its own
/// state. It must never block that thread: sockets are non-blocking and registered with the
/// runner's epoll set through the `PollRegistrar` it was made with; work that can only block
/// (rabbitmq-c) runs on the client's own threads, which hand results back through a doorbell
/// registered the same way.
public protocol NetworkClient: AnyObject {
    /// Begins `call`. The client reports its end exactly once through the completion handler
    /// it was made with, possibly before `start` returns (e.g. an unparsable URL).
    func start(_ call: NetworkCall)

    /// The runner gave up on the call (its `[runner] timeout_ms` passed, or the server is
    /// stopping) and already recorded it `failed`: release what it holds and report nothing
    /// more for it. Unknown or finished ids are ignored.
    func cancel(_ id: UInt64)

    /// A descriptor the client registered under `key` is ready (`events` as epoll reports them).
    func handle(key: UInt32, events: UInt32)

    /// The monotonic time (ns) at which the client next needs `tick`, or nil: its own timers
    /// (libcurl's timer callback, connect and reply bounds).
    var nextWakeup: Int64? { get }

    /// Called once `nextWakeup` has passed.
    func tick(now: Int64)

    /// The runner thread is exiting: every call was finished or cancelled. Close every
    /// connection and join any thread the client started.
    func close()
}

/// What a client calls when a call ends: the call's id and the result.
public typealias NetworkCompletion = (UInt64, NetworkResult) -> Void
