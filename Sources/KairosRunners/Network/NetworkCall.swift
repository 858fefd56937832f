import KairosProtocol

/// One http, redis or amqp run handed to a network client (D-network-runners).
public struct NetworkCall: Sendable, Equatable {
    /// Unique among the runner thread's calls; the client reports the end under this id.
    public let id: UInt64
    public let jobID: Bytes
    /// The job's execution time (ns since the epoch): the http runner's `execution` field.
    public let scheduledAt: Int64
    /// `.http`, `.redis` or `.amqp`.
    public let runner: RunnerSpec
    /// The run's trace context when telemetry is on (D-telemetry); the http runner sends it as
    /// a `traceparent` header, the other runners ignore it.
    public let traceParent: TraceParent?

    public init(id: UInt64, jobID: Bytes, scheduledAt: Int64, runner: RunnerSpec, traceParent: TraceParent? = nil) {
        self.id = id
        self.jobID = jobID
        self.scheduledAt = scheduledAt
        self.runner = runner
        self.traceParent = traceParent
    }
}

/// How a network call ended.
public struct NetworkResult: Sendable, Equatable {
    /// true → the job is recorded `executed`, false → `failed`.
    public let success: Bool
    /// For the log line: "HTTP 204", "redis error: ERR wrong type", "broker nack", "connect:
    /// Connection refused". Never holds credentials.
    public let detail: String

    public init(success: Bool, detail: String) {
        self.success = success
        self.detail = detail
    }

    public static func succeeded(_ detail: String) -> NetworkResult { NetworkResult(success: true, detail: detail) }
    public static func failed(_ detail: String) -> NetworkResult { NetworkResult(success: false, detail: detail) }
}
