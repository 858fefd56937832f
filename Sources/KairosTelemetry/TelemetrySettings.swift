/// What the telemetry thread needs from `[telemetry]` (the server maps its config to this, so
/// this module does not depend on the config loader).
public struct TelemetrySettings: Sendable {
    /// Normalized: scheme included, no trailing `/`.
    public var endpoint: String
    public var serviceName: String
    public var serviceVersion: String
    public var flushIntervalMs: Int
    public var sampleRatio: Double
    public var caFile: String?
    /// Span records each producer's queue holds before it drops.
    public var queueCapacity: Int
    /// Spans per export request at most; a full batch is sent without waiting for the timer.
    public var maxBatch: Int

    public init(
        endpoint: String, serviceName: String, serviceVersion: String, flushIntervalMs: Int, sampleRatio: Double,
        caFile: String? = nil, queueCapacity: Int = 4096, maxBatch: Int = 512
    ) {
        self.endpoint = endpoint
        self.serviceName = serviceName
        self.serviceVersion = serviceVersion
        self.flushIntervalMs = flushIntervalMs
        self.sampleRatio = sampleRatio
        self.caFile = caFile
        self.queueCapacity = queueCapacity
        self.maxBatch = maxBatch
    }
}
