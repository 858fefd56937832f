/// Counts events that deserve a log line but can come by the thousand (a connect storm past
/// `max_connections`, descriptor exhaustion): the first one is reported at once, later ones at
/// most once per interval, with how many happened since the last report.
struct RateLimitedCount {
    let intervalNs: Int64
    private var unreported = 0
    private var lastReportNs: Int64?
    /// Every event recorded so far, reported or not.
    private(set) var total = 0

    init(intervalNs: Int64) {
        self.intervalNs = intervalNs
    }

    /// Records one event; returns the number to report now (this one included), or nil when
    /// the last report is too recent.
    mutating func record(now: Int64) -> Int? {
        total += 1
        unreported += 1
        if let last = lastReportNs, now - last < intervalNs { return nil }
        lastReportNs = now
        defer { unreported = 0 }
        return unreported
    }
}
