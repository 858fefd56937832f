import KairosSystem

/// Bounded busy-waiting before a thread goes to sleep.
///
/// A request that crosses from the reactor to the core and back costs two thread wake-ups when
/// both sleep in epoll; on a virtual machine each can take tens of microseconds. Spinning for a
/// few microseconds while an answer is known to be coming trades a little CPU for that latency.
public enum SpinWait {
    /// Calls `ready` until it returns true or `nanoseconds` pass; returns its last answer.
    @inline(__always)
    public static func until(nanoseconds: Int64, _ ready: () -> Bool) -> Bool {
        if ready() { return true }
        let deadline = Clock.monotonicNanoseconds() &+ nanoseconds
        while true {
            for _ in 0..<32 {
                if ready() { return true }
            }
            if Clock.monotonicNanoseconds() >= deadline { return ready() }
        }
    }
}
