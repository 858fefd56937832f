import KairosProtocol
import KairosSync

/// Renders the STAT answer (docs/protocol.md#stat-keys): exactly 15 `<id> <key> <value>` lines in fixed order, then
/// `<id> OK`. Every value is a counter load or a config field, so STAT is O(1).
enum StatRenderer {
    /// One STAT value: a number (unsigned on the wire) or a word.
    enum Value: Equatable {
        case number(Int64)
        case text(String)

        var description: String {
            switch self {
            case .number(let value): String(max(value, 0))
            case .text(let word): word
            }
        }
    }

    /// The 15 values in wire order. Values are unsigned on the wire (docs/protocol.md#stat-keys): a transiently
    /// negative counter prints as 0.
    static func values(now: Int64, config: CoreConfig, stats: ServerStats) -> [(key: String, value: Value)] {
        let uptime = now.subtractingReportingOverflow(config.startedAtWallNs)
        let compression = CompressionState(rawValue: stats.compression.load(ordering: .relaxed)) ?? .idle
        func count(_ value: Int) -> Value { .number(Int64(value)) }
        return [
            ("uptime_ns", .number(uptime.overflow ? 0 : uptime.partialValue)),
            ("connections", count(stats.connections.load(ordering: .relaxed))),
            ("jobs_total", count(stats.jobsTotal.load(ordering: .relaxed))),
            ("jobs_planned", count(stats.jobsPlanned.load(ordering: .relaxed))),
            ("jobs_triggered", count(stats.jobsTriggered.load(ordering: .relaxed))),
            ("jobs_executed", count(stats.jobsExecuted.load(ordering: .relaxed))),
            ("jobs_failed", count(stats.jobsFailed.load(ordering: .relaxed))),
            ("rules_total", count(stats.rulesTotal.load(ordering: .relaxed))),
            ("executions_pending", count(stats.executionsPending.load(ordering: .relaxed))),
            ("executions_inflight", count(stats.executionsInflight.load(ordering: .relaxed))),
            ("persistence", .text(config.persistenceName)),
            ("compression", .text(compression.name)),
            ("auth_enabled", count(config.authEnabled ? 1 : 0)),
            ("tls_enabled", count(config.tlsEnabled ? 1 : 0)),
            ("framerate", count(Int(config.framerate))),
        ]
    }

    static func render(requestID id: Bytes, now: Int64, config: CoreConfig, stats: ServerStats) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 * (id.count + 1) + 360)
        for (key, value) in values(now: now, config: config, stats: stats) {
            ResponseEncoder.beginLine(id: id, to: &out)
            ResponseEncoder.append(key, to: &out)
            ResponseEncoder.appendSpace(&out)
            switch value {
            case .number(let number): ResponseEncoder.appendDecimal(UInt64(clamping: max(number, 0)), to: &out)
            case .text(let word): ResponseEncoder.append(word, to: &out)
            }
            ResponseEncoder.endLine(&out)
        }
        ResponseEncoder.appendOK(id: id, to: &out)
        return out
    }

    /// `GET /stat` (D-http-api): the same 15 values as one JSON object, keys in the same order;
    /// numbers are JSON numbers, `persistence` and `compression` strings.
    static func renderJSON(now: Int64, config: CoreConfig, stats: ServerStats) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(420)
        out.append(UInt8(ascii: "{"))
        for (index, (key, value)) in values(now: now, config: config, stats: stats).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONEncoder.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .number(let number): ResponseEncoder.appendDecimal(UInt64(clamping: max(number, 0)), to: &out)
            case .text(let word): JSONEncoder.appendString(word, to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
