/// Every value one metrics export carries, read at one instant by the telemetry thread.
public struct MetricsSnapshot: Sendable, Equatable {
    public var jobsScheduled: UInt64 = 0
    public var jobsRemoved: UInt64 = 0
    public var rulesActive: Int64 = 0
    public var connectionsActive: Int64 = 0
    public var executions = ExecutionHistogram()
    /// The STAT values exported as gauges (`kairos.stat.<key>`), in STAT's order.
    public var statGauges: [(name: String, value: Int64)] = []
    /// Span and log records dropped because their queue was full (`kairos.telemetry.dropped`).
    public var droppedRecords: UInt64 = 0

    public init() {}

    public static func == (lhs: MetricsSnapshot, rhs: MetricsSnapshot) -> Bool {
        lhs.jobsScheduled == rhs.jobsScheduled && lhs.jobsRemoved == rhs.jobsRemoved
            && lhs.rulesActive == rhs.rulesActive && lhs.connectionsActive == rhs.connectionsActive
            && lhs.executions == rhs.executions && lhs.droppedRecords == rhs.droppedRecords
            && lhs.statGauges.map(\.name) == rhs.statGauges.map(\.name)
            && lhs.statGauges.map(\.value) == rhs.statGauges.map(\.value)
    }
}
