import Glibc
import Logging

/// Writes `[LEVEL] message` lines to stderr (SPEC §8.6). One `write` per line so lines from
/// different threads never interleave. The threshold lives in a `LogLevelSwitch` shared by
/// every copy, so a reload changes it for all threads at once.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private let levels: LogLevelSwitch

    public init(levels: LogLevelSwitch) {
        self.levels = levels
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
        var line = "[\(Self.label(event.level))] \(event.message)"
        if let extra = event.metadata, !extra.isEmpty {
            line += " " + extra.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(2, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    static func label(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "DEBUG"
        case .info, .notice: "INFO"
        case .warning: "WARN"
        case .error, .critical: "ERROR"
        }
    }
}
