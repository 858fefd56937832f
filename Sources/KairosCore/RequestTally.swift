import KairosProtocol
import KairosSync

/// `kairos_requests_total` as the core sees it: every answered request by protocol, command and
/// outcome. Owned by the core thread, which knows the outcome: plain increments, published to
/// `ServerStats.requests` once per batch (`BatchedCounters`).
///
/// A mutation's outcome is known only when the journal settles it, so it is counted then (its
/// undo record carries the slot): `ok` once durable, `error` if the journal lost it (D-write-ahead, D-storage-faults).
/// Every other request is counted when handled.
struct RequestTally {
    private var counters: BatchedCounters

    init(stats: ServerStats) {
        counters = BatchedCounters(publishingTo: stats.requests)
    }

    /// The `ok` slot of `command` on `format`'s protocol (`error` is the next one).
    static func slot(_ command: Command, _ format: AnswerFormat) -> Int {
        let command: Int =
            switch command {
            case .set, .setRecurring: 0
            case .get: 1
            case .info: 2
            case .query: 3
            case .remove: 4
            case .removeRule: 5
            case .ruleSet: 6
            case .listRules: 7
            case .stat: 8
            case .getRule: 9
            case .queryRules: 10
            case .malformed: 11
            }
        return RequestCountLayout.slot(protocol: format == .line ? 0 : 1, command: command)
    }

    @inline(__always)
    mutating func count(_ slot: Int, failed: Bool) {
        counters.increment(failed ? slot + 1 : slot)
    }

    mutating func publish() { counters.publish() }

    func count(_ slot: Int) -> Int { counters.count(slot) }
}
