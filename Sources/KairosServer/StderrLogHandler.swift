import Glibc
import KairosConfig
import KairosSystem
import Logging

/// Writes one line per record to stderr, as `LogLine` formats it (`<time> [LEVEL] message`, or
/// JSON). One `write` per line (or per `LogBatch` of whole lines) so lines from different threads never interleave. The threshold lives in a `LogLevelSwitch` shared by
/// every copy, so a reload changes it for all threads at once.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private let levels: LogLevelSwitch
    private let json: Bool

    public init(levels: LogLevelSwitch, format: LogFormat = .text) {
        self.levels = levels
        self.json = format == .json
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
        var line = json
            ? LogLine.json(timeNs: now, level: event.level, message: "\(event.message)", metadata: event.metadata)
            : LogLine.text(timeNs: now, level: event.level, message: "\(event.message)", metadata: event.metadata)
        // A thread working through a batch (the runner thread, one line per run) writes its
        // lines together when the batch ends; any other thread writes this line now.
        line.withUTF8 { LogBatch.write(UnsafeRawBufferPointer($0), to: 2) }
    }
}
