import KairosProtocol

/// The operator's status snapshot (SIGUSR1): the STAT values and what is queued inside the core.
extension SchedulerCore {
    /// `key=value` pairs: the 15 STAT values in wire order, then the journal lag (entries
    /// appended but not yet reported durable) and the answers waiting for durability.
    public func statusFields(now: Int64) -> [(key: String, value: String)] {
        var fields = StatRenderer.values(now: now, config: config, stats: stats).map { ($0.key, $0.value.description) }
        let durable = max(durableSeen, discardedThrough)
        fields.append(("journal_lag_entries", String(lastAppended > durable ? lastAppended - durable : 0)))
        fields.append(("answers_waiting_for_journal", String(responses.count)))
        return fields
    }
}
