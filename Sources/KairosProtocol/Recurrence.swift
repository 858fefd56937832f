import KairosCron

/// A `CRON "<expr>" [TZ <zone>]` schedule as written, with its parsed form.
public struct CronRule: Sendable, Equatable {
    public let expression: String
    public let zone: String
    public let schedule: CronSchedule

    /// nil when the expression or the zone is not valid.
    public init?(expression: String, zone: String) {
        guard let schedule = CronSchedule.parse(expression, zone: zone) else { return nil }
        self.expression = expression
        self.zone = zone
        self.schedule = schedule
    }

    public static func == (lhs: CronRule, rhs: CronRule) -> Bool {
        lhs.expression == rhs.expression && lhs.zone == rhs.zone
    }
}

/// How a recurring job is re-planned after each run (issue 15): `EVERY <duration>` anchored at
/// the SET's first time, or a cron expression in a time zone; plus an optional
/// `RETRY <n> [<backoff>]`.
///
/// EVERY occurrences are `anchor + k * interval` (k ≥ 0), so a server that was down, or a run
/// that took longer than the interval, never shifts the grid.
public struct Recurrence: Sendable, Equatable {
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
    /// Set for `CRON` schedules, which then ignore `interval` (0) and `anchor`.
    public var cron: CronRule?

    public init(interval: Int64, anchor: Int64, retries: UInt16 = 0, backoff: Int64 = Recurrence.defaultBackoff) {
        self.interval = interval
        self.anchor = anchor
        self.retries = retries
        self.backoff = backoff
    }

    public init(cron: CronRule, retries: UInt16 = 0, backoff: Int64 = Recurrence.defaultBackoff) {
        self.init(interval: 0, anchor: 0, retries: retries, backoff: backoff)
        self.cron = cron
    }

    /// The first occurrence strictly after `instant`, or nil when it does not fit in i64 ns.
    public func next(after instant: Int64) -> Int64? {
        if let cron { return cron.schedule.next(after: instant) }
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
    /// interval so a retry never lands later than the next regular occurrence would (for CRON
    /// the core caps the retry at the next regular occurrence instead).
    public func retryDelay(attempt: UInt16) -> Int64 {
        let cap = cron == nil ? interval : Int64.max
        var delay = backoff
        var remaining = attempt > 0 ? attempt - 1 : 0
        while remaining > 0, delay < cap {
            delay = delay > Int64.max / 2 ? Int64.max : delay * 2
            remaining -= 1
        }
        return min(delay, cap)
    }
}
