/// Consecutive failed writes of the journal (D-storage-faults: disk full, file too large, EIO), so that a
/// disk that stays full costs neither a log line per attempt nor a busy loop.
///
/// Only batches of nothing but job outcomes wait: after a failure the core journals lost
/// outcomes again straight away, and without a pause that exchange would spin (and log) as fast
/// as the two threads can go. A mutation arriving during such a pause waits at most its rest.
struct WriteFailureStreak {
    /// Least time between two attempts at an outcome-only batch while writes keep failing.
    static let outcomeRetryNanoseconds: Int64 = 20_000_000

    private(set) var failures = 0
    private var lastFailureAt: Int64 = 0

    /// Records a failed write at `now`.
    mutating func failed(at now: Int64) {
        failures += 1
        lastFailureAt = now
    }

    /// Ends the streak; returns how many writes had failed in it (0: there was none).
    mutating func succeeded() -> Int {
        defer { failures = 0 }
        return failures
    }

    /// How long an outcome-only batch should wait before its attempt at `now`.
    func outcomeDelay(at now: Int64) -> Int64 {
        guard failures > 0 else { return 0 }
        return max(0, lastFailureAt + Self.outcomeRetryNanoseconds - now)
    }
}
