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
    /// Spans (or log records) per export request at most; a full batch is sent without waiting
    /// for the timer. As large as a queue: at `sample_ratio = 1.0` under load each 50 ms drain
    /// then goes out as one request of about 0.6 MB instead of eight, which cut what the
    /// receiving end spent per span by 40% (BENCHMARKS.md, telemetry) and is far below the body limits
    /// collectors apply.
    public var maxBatch: Int

    public init(
        endpoint: String, serviceName: String, serviceVersion: String, flushIntervalMs: Int, sampleRatio: Double,
        caFile: String? = nil, queueCapacity: Int = 4096, maxBatch: Int = 4096
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
