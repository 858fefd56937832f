/// How a recurring job is re-planned after each run (issue 15): `EVERY <duration>` anchored at
/// the SET's first time, plus an optional `RETRY <n> [<backoff>]`.
///
/// Occurrences are `anchor + k * interval` (k ≥ 0), so a server that was down, or a run that
/// took longer than the interval, never shifts the grid.
public struct Recurrence: Sendable, Equatable, Hashable {
    /// Shortest interval accepted: 1 s (a finer one would only measure the tick rate).
    public static let minimumInterval: Int64 = 1_000_000_000
    /// The default first retry delay when `RETRY <n>` names none.
    public static let defaultBackoff: Int64 = 10_000_000_000

    /// Nanoseconds between occurrences, ≥ `minimumInterval`.
    public var interval: Int64
    /// The first occurrence (the SET's `<when>`).
    public var anchor: Int64
    /// Retries after a failed run before falling back to the schedule (0 = none).
    public var retries: UInt16
    /// Delay before the first retry, doubled for each further one and capped at `interval`.
    public var backoff: Int64

    public init(interval: Int64, anchor: Int64, retries: UInt16 = 0, backoff: Int64 = Recurrence.defaultBackoff) {
        self.interval = interval
        self.anchor = anchor
        self.retries = retries
        self.backoff = backoff
    }

    /// The first occurrence strictly after `instant`, or nil when it does not fit in i64 ns.
    public func next(after instant: Int64) -> Int64? {
        guard instant >= anchor else { return anchor }
        let (distance, overflow) = instant.subtractingReportingOverflow(anchor)
        // An anchor far in the past and an instant far in the future: the distance overflows
        // only when the two are ~292 years apart; there is no representable next occurrence then.
        guard !overflow else { return nil }
        let steps = distance / interval + 1
        let (offset, productOverflow) = steps.multipliedReportingOverflow(by: interval)
        guard !productOverflow else { return nil }
        let (result, sumOverflow) = anchor.addingReportingOverflow(offset)
        return sumOverflow ? nil : result
    }

    /// The delay before retry number `attempt` (1-based): backoff · 2^(attempt−1), capped at the
    /// interval so a retry never lands later than the next regular occurrence would.
    public func retryDelay(attempt: UInt16) -> Int64 {
        var delay = backoff
        var remaining = attempt > 0 ? attempt - 1 : 0
        while remaining > 0, delay < interval {
            delay = delay > Int64.max / 2 ? Int64.max : delay * 2
            remaining -= 1
        }
        return min(delay, interval)
    }
}
