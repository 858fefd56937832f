import Glibc
import KairosConfig
import KairosSystem
import KairosTelemetry
import Logging

/// Writes one line per record to stderr, as `LogLine` formats it (`<time> [LEVEL] message`, or
/// JSON). One `write` per line (or per `LogBatch` of whole lines) so lines from different threads never interleave. The threshold lives in a `LogLevelSwitch` shared by
/// every copy, so a reload changes it for all threads at once. With telemetry on, lines at
/// warning or worse are also offered to the OTLP log export (`export`, D-telemetry).
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private let levels: LogLevelSwitch
    private let json: Bool
    private let export: LogRecordQueue?

    public init(levels: LogLevelSwitch, format: LogFormat = .text, export: LogRecordQueue? = nil) {
        self.levels = levels
        self.json = format == .json
        self.export = export
    }

    public var logLevel: Logger.Level {
        get { levels.level.swiftLogLevel }
        // Loggers set their level at creation; the switch, not each copy, decides.
        set {}
    }

    /// `log.level = "off"` prints nothing at all (swift-log has no level above critical).
    private var silent: Bool { levels.level == .off }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        if silent { return }
        let now = Clock.wallNanoseconds()
        let message = "\(event.message)"
        var line = json
            ? LogLine.json(timeNs: now, level: event.level, message: message, metadata: event.metadata)
            : LogLine.text(timeNs: now, level: event.level, message: message, metadata: event.metadata)
        if let export, event.level >= LogRecordQueue.threshold {
            let attributes = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { (key: $0.key, value: "\($0.value)") }
            export.offer(LogRecordEntry(level: event.level, message: message, timeNs: now, attributes: attributes))
        }
        // A thread working through a batch (the runner thread, one line per run) writes its
        // lines together when the batch ends; any other thread writes this line now.
        line.withUTF8 { LogBatch.write(UnsafeRawBufferPointer($0), to: 2) }
    }
}
