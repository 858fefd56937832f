import KairosConfig
import KairosProtocol
import KairosSync
import KairosTelemetry
import Logging

extension Server {
    /// The telemetry thread's owner for `[telemetry] enabled = true`, else nil (D-telemetry).
    static func makeTelemetry(
        _ config: ServerConfig, stats: ServerStats, startedAt: Int64, logger: Logger, logs: LogRecordQueue?
    ) throws(ServerError) -> TelemetryService? {
        guard config.telemetry.enabled, let endpoint = config.telemetry.endpoint else { return nil }
        let settings = TelemetrySettings(
            endpoint: TelemetryConfig.normalizedEndpoint(endpoint), serviceName: config.telemetry.serviceName,
            serviceVersion: KairosVersion.current, flushIntervalMs: config.telemetry.flushIntervalMs,
            sampleRatio: config.telemetry.sampleRatio, caFile: config.telemetry.caFile)
        do {
            return try TelemetryService(settings: settings, stats: stats, startedAtNs: startedAt, logger: logger, logs: logs)
        } catch {
            throw ServerError("cannot set up telemetry: \(error)")
        }
    }

    /// The queue through which the log handler hands warning-or-worse lines to telemetry's
    /// `/v1/logs` export (D-telemetry); nil when telemetry is off. Made before the server,
    /// because logging is set up first.
    public static func logExport(for config: ServerConfig) -> LogRecordQueue? {
        config.telemetry.enabled ? LogRecordQueue() : nil
    }
}
