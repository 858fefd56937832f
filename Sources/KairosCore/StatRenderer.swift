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

    /// `GET /stat` (K21): the same 15 values as one JSON object, keys in the same order;
    /// numbers are JSON numbers, `persistence` and `compression` strings.
    static func renderJSON(now: Int64, config: CoreConfig, stats: ServerStats) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(420)
        let uptime = now.subtractingReportingOverflow(config.startedAtWallNs)
        let compression = CompressionState(rawValue: stats.compression.load(ordering: .relaxed)) ?? .idle
        let values: [(StaticString, StatValue)] = [
            ("uptime_ns", .number(uptime.overflow ? 0 : uptime.partialValue)),
            ("connections", .number(stats.connections.load(ordering: .relaxed))),
            ("jobs_total", .number(stats.jobsTotal.load(ordering: .relaxed))),
            ("jobs_planned", .number(stats.jobsPlanned.load(ordering: .relaxed))),
            ("jobs_triggered", .number(stats.jobsTriggered.load(ordering: .relaxed))),
            ("jobs_executed", .number(stats.jobsExecuted.load(ordering: .relaxed))),
            ("jobs_failed", .number(stats.jobsFailed.load(ordering: .relaxed))),
            ("rules_total", .number(stats.rulesTotal.load(ordering: .relaxed))),
            ("executions_pending", .number(stats.executionsPending.load(ordering: .relaxed))),
            ("executions_inflight", .number(stats.executionsInflight.load(ordering: .relaxed))),
            ("persistence", .text(config.persistenceName)),
            ("compression", .text(compression.name)),
            ("auth_enabled", .number(config.authEnabled ? 1 : 0)),
            ("tls_enabled", .number(config.tlsEnabled ? 1 : 0)),
            ("framerate", .number(Int(config.framerate))),
        ]
        out.append(UInt8(ascii: "{"))
        for (index, (key, value)) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONEncoder.appendKey(key, to: &out)
            switch value {
            case .unsigned(let number): ResponseEncoder.appendDecimal(number, to: &out)
            case .text(let text): JSONEncoder.appendString(text, to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private enum StatValue {
        case unsigned(UInt64)
        case text(String)

        /// Values are unsigned on the wire (§6); a transiently negative counter shows as 0.
        static func number<Value: BinaryInteger>(_ value: Value) -> StatValue { .unsigned(UInt64(clamping: max(value, 0))) }
    }
}
