import KairosProtocol
import KairosSync

/// Renders the STAT answer (SPEC §6): exactly 15 `<id> <key> <value>` lines in fixed order, then
/// `<id> OK`. Every value is a counter load or a config field, so STAT is O(1).
enum StatRenderer {
    static func render(requestID id: Bytes, now: Int64, config: CoreConfig, stats: ServerStats) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 * (id.count + 1) + 360)
        let uptime = now.subtractingReportingOverflow(config.startedAtWallNs)
        number("uptime_ns", uptime.overflow ? 0 : uptime.partialValue, id, &out)
        number("connections", stats.connections.load(ordering: .relaxed), id, &out)
        number("jobs_total", stats.jobsTotal.load(ordering: .relaxed), id, &out)
        number("jobs_planned", stats.jobsPlanned.load(ordering: .relaxed), id, &out)
        number("jobs_triggered", stats.jobsTriggered.load(ordering: .relaxed), id, &out)
        number("jobs_executed", stats.jobsExecuted.load(ordering: .relaxed), id, &out)
        number("jobs_failed", stats.jobsFailed.load(ordering: .relaxed), id, &out)
        number("rules_total", stats.rulesTotal.load(ordering: .relaxed), id, &out)
        number("executions_pending", stats.executionsPending.load(ordering: .relaxed), id, &out)
        number("executions_inflight", stats.executionsInflight.load(ordering: .relaxed), id, &out)
        text("persistence", config.persistenceName, id, &out)
        let compression = CompressionState(rawValue: stats.compression.load(ordering: .relaxed)) ?? .idle
        text("compression", compression.name, id, &out)
        number("auth_enabled", config.authEnabled ? 1 : 0, id, &out)
        number("tls_enabled", config.tlsEnabled ? 1 : 0, id, &out)
        number("framerate", Int(config.framerate), id, &out)
        ResponseEncoder.appendOK(id: id, to: &out)
        return out
    }

    /// Values are unsigned on the wire (§6); a transiently negative counter prints as 0.
    private static func number<Value: BinaryInteger>(_ key: String, _ value: Value, _ id: Bytes, _ out: inout [UInt8]) {
        ResponseEncoder.beginLine(id: id, to: &out)
        ResponseEncoder.append(key, to: &out)
        ResponseEncoder.appendSpace(&out)
        ResponseEncoder.appendDecimal(UInt64(clamping: max(value, 0)), to: &out)
        ResponseEncoder.endLine(&out)
    }

    private static func text(_ key: String, _ value: String, _ id: Bytes, _ out: inout [UInt8]) {
        ResponseEncoder.beginLine(id: id, to: &out)
        ResponseEncoder.append(key, to: &out)
        ResponseEncoder.appendSpace(&out)
        ResponseEncoder.append(value, to: &out)
        ResponseEncoder.endLine(&out)
    }
}
