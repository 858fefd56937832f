import Logging

/// One log line of warning level or worse on its way to `<endpoint>/v1/logs` (D-telemetry).
public struct LogRecordEntry: Sendable, Equatable {
    public var level: Logger.Level
    public var message: String
    /// Wall-clock ns since the epoch, when it was logged.
    public var timeNs: Int64
    /// The record's swift-log metadata, as text, in key order.
    public var attributes: [(key: String, value: String)]

    public init(level: Logger.Level, message: String, timeNs: Int64, attributes: [(key: String, value: String)] = []) {
        self.level = level
        self.message = message
        self.timeNs = timeNs
        self.attributes = attributes
    }

    public static func == (lhs: LogRecordEntry, rhs: LogRecordEntry) -> Bool {
        lhs.level == rhs.level && lhs.message == rhs.message && lhs.timeNs == rhs.timeNs
            && lhs.attributes.map(\.key) == rhs.attributes.map(\.key) && lhs.attributes.map(\.value) == rhs.attributes.map(\.value)
    }
}
