import Glibc
import KairosSystem

/// When the pool may try to start a run again after a start failed for want of a resource
/// (D-limits). Descriptors, processes and memory run short for the whole server at once, so the
/// backoff is the pool's, not a run's: while it lasts no run starts, and the run that failed
/// waits at the front of the line, still counted in `executions_pending`.
struct SpawnBackoff {
    static let initialDelayNs: Int64 = 50_000_000
    static let maxDelayNs: Int64 = 2_000_000_000

    private enum State {
        case ready
        /// The last attempt failed; the next waits until `retryAt`, then doubles `delay`.
        case waiting(retryAt: Int64, delay: Int64)
    }

    private var state = State.ready

    /// Whether an error means "try again later" rather than "this run cannot start":
    /// EMFILE, ENFILE (descriptors), EAGAIN (process limit), ENOMEM.
    static func isTransient(_ error: Errno) -> Bool {
        [EMFILE, ENFILE, EAGAIN, ENOMEM].contains(error.rawValue)
    }

    /// When the next start may be tried; nil when at once.
    var retryAt: Int64? {
        switch state {
        case .ready: nil
        case .waiting(let at, _): at
        }
    }

    func allowsStart(now: Int64) -> Bool {
        retryAt.map { now >= $0 } ?? true
    }

    /// A start failed transiently at `now`; returns the delay before the next attempt.
    mutating func failed(now: Int64) -> Int64 {
        let delay: Int64
        switch state {
        case .ready: delay = Self.initialDelayNs
        case .waiting(_, let previous): delay = min(previous * 2, Self.maxDelayNs)
        }
        state = .waiting(retryAt: now + delay, delay: delay)
        return delay
    }

    /// A start succeeded: the shortage is over.
    mutating func succeeded() {
        state = .ready
    }
}
