import Logging

/// `/v1/logs`: warning-or-worse log lines as OTLP log records (D-telemetry), under the same
/// resource (`service.name`, `service.version`) and scope as the spans and metrics.
extension OTLPEncoder {
    public func logsRequest(_ entries: [LogRecordEntry]) -> Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest {
        var scoped = Opentelemetry_Proto_Logs_V1_ScopeLogs()
        scoped.scope = scope
        scoped.logRecords = entries.map(Self.logRecord)
        var resourceLogs = Opentelemetry_Proto_Logs_V1_ResourceLogs()
        resourceLogs.resource = resource
        resourceLogs.scopeLogs = [scoped]
        var request = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest()
        request.resourceLogs = [resourceLogs]
        return request
    }

    static func logRecord(_ entry: LogRecordEntry) -> Opentelemetry_Proto_Logs_V1_LogRecord {
        var record = Opentelemetry_Proto_Logs_V1_LogRecord()
        let time = UInt64(max(0, entry.timeNs))
        record.timeUnixNano = time
        // Observed by the exporter's own process at the same instant: there is no hop between.
        record.observedTimeUnixNano = time
        let severity = Self.severity(entry.level)
        record.severityNumber = severity.number
        record.severityText = severity.text
        var body = Opentelemetry_Proto_Common_V1_AnyValue()
        body.stringValue = entry.message
        record.body = body
        record.attributes = entry.attributes.map { attribute($0.key, $0.value) }
        return record
    }

    /// swift-log's levels on OpenTelemetry's severity scale (the first number of each range),
    /// with OpenTelemetry's short names; `critical` is FATAL.
    static func severity(_ level: Logger.Level) -> (number: Opentelemetry_Proto_Logs_V1_SeverityNumber, text: String) {
        switch level {
        case .trace: (.trace, "TRACE")
        case .debug: (.debug, "DEBUG")
        case .info: (.info, "INFO")
        case .notice: (.info2, "INFO")
        case .warning: (.warn, "WARN")
        case .error: (.error, "ERROR")
        case .critical: (.fatal, "FATAL")
        }
    }
}
