import Foundation
import SwiftProtobuf

/// Turns snapshots into OTLP export requests (protobuf bodies for `/v1/metrics`; `/v1/logs` in
/// OTLPEncoder+Logs.swift; `/v1/traces`, written without the generated types, in OTLPTraceWriter.swift). Pure: the ids come from the caller's generator, the times
/// from the records, so tests can decode the bytes and compare every field.
public struct OTLPEncoder: Sendable {
    public let serviceName: String
    public let serviceVersion: String
    /// The reference's instrumentation scope name.
    public static let scopeName = "ztick"

    public init(serviceName: String, serviceVersion: String) {
        self.serviceName = serviceName
        self.serviceVersion = serviceVersion
    }

    // MARK: resource

    var resource: Opentelemetry_Proto_Resource_V1_Resource {
        var resource = Opentelemetry_Proto_Resource_V1_Resource()
        resource.attributes = [Self.attribute("service.name", serviceName), Self.attribute("service.version", serviceVersion)]
        return resource
    }

    var scope: Opentelemetry_Proto_Common_V1_InstrumentationScope {
        var scope = Opentelemetry_Proto_Common_V1_InstrumentationScope()
        scope.name = Self.scopeName
        scope.version = serviceVersion
        return scope
    }

    // MARK: metrics

    /// Cumulative values since `startNs` (the server's start), observed at `nowNs`.
    public func metricsRequest(_ snapshot: MetricsSnapshot, startNs: Int64, nowNs: Int64)
        -> Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest
    {
        let start = UInt64(max(0, startNs))
        let now = UInt64(max(0, nowNs))
        func sum(_ name: String, _ value: Int64, monotonic: Bool, unit: String = "") -> Opentelemetry_Proto_Metrics_V1_Metric {
            var point = Opentelemetry_Proto_Metrics_V1_NumberDataPoint()
            point.startTimeUnixNano = start
            point.timeUnixNano = now
            point.asInt = value
            var data = Opentelemetry_Proto_Metrics_V1_Sum()
            data.dataPoints = [point]
            data.aggregationTemporality = .cumulative
            data.isMonotonic = monotonic
            var metric = Opentelemetry_Proto_Metrics_V1_Metric()
            metric.name = name
            metric.unit = unit
            metric.sum = data
            return metric
        }
        func gauge(_ name: String, _ value: Int64) -> Opentelemetry_Proto_Metrics_V1_Metric {
            var point = Opentelemetry_Proto_Metrics_V1_NumberDataPoint()
            point.timeUnixNano = now
            point.asInt = value
            var data = Opentelemetry_Proto_Metrics_V1_Gauge()
            data.dataPoints = [point]
            var metric = Opentelemetry_Proto_Metrics_V1_Metric()
            metric.name = name
            metric.gauge = data
            return metric
        }
        var metrics = [
            sum("jobs_scheduled", Int64(clamping: snapshot.jobsScheduled), monotonic: true),
            sum("jobs_removed", Int64(clamping: snapshot.jobsRemoved), monotonic: true),
            sum("jobs_executed", Int64(clamping: snapshot.executions.executed), monotonic: true),
            histogram(snapshot.executions, start: start, now: now),
            sum("rules_active", snapshot.rulesActive, monotonic: false),
            sum("connections_active", snapshot.connectionsActive, monotonic: false),
            // The reference creates it and never updates it; kept so dashboards find the name.
            sum("persistence_compactions", 0, monotonic: true),
            sum("kairos.telemetry.dropped", Int64(clamping: snapshot.droppedRecords), monotonic: true),
        ]
        metrics += snapshot.statGauges.map { gauge("kairos.stat.\($0.name)", $0.value) }
        var scoped = Opentelemetry_Proto_Metrics_V1_ScopeMetrics()
        scoped.scope = scope
        scoped.metrics = metrics
        var resourceMetrics = Opentelemetry_Proto_Metrics_V1_ResourceMetrics()
        resourceMetrics.resource = resource
        resourceMetrics.scopeMetrics = [scoped]
        var request = Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest()
        request.resourceMetrics = [resourceMetrics]
        return request
    }

    private func histogram(_ executions: ExecutionHistogram, start: UInt64, now: UInt64) -> Opentelemetry_Proto_Metrics_V1_Metric {
        var point = Opentelemetry_Proto_Metrics_V1_HistogramDataPoint()
        point.startTimeUnixNano = start
        point.timeUnixNano = now
        point.count = executions.count
        point.sum = executions.sumMs
        if executions.count > 0 {
            point.min = executions.minMs
            point.max = executions.maxMs
        }
        point.explicitBounds = ExecutionHistogram.boundsMs
        point.bucketCounts = executions.buckets
        var data = Opentelemetry_Proto_Metrics_V1_Histogram()
        data.dataPoints = [point]
        data.aggregationTemporality = .cumulative
        var metric = Opentelemetry_Proto_Metrics_V1_Metric()
        metric.name = "execution_duration_ms"
        metric.unit = "ms"
        metric.histogram = data
        return metric
    }

    // MARK: attributes

    static func attribute(_ key: String, _ value: String) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var any = Opentelemetry_Proto_Common_V1_AnyValue()
        any.stringValue = value
        return keyValue(key, any)
    }

    static func attribute(_ key: String, _ value: Bool) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var any = Opentelemetry_Proto_Common_V1_AnyValue()
        any.boolValue = value
        return keyValue(key, any)
    }

    static func attribute(_ key: String, _ value: Int64) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var any = Opentelemetry_Proto_Common_V1_AnyValue()
        any.intValue = value
        return keyValue(key, any)
    }

    private static func keyValue(_ key: String, _ value: Opentelemetry_Proto_Common_V1_AnyValue) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var pair = Opentelemetry_Proto_Common_V1_KeyValue()
        pair.key = key
        pair.value = value
        return pair
    }
}
