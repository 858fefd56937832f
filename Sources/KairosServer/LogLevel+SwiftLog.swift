import KairosConfig
import Logging

extension LogLevel {
    /// The swift-log threshold; `off` is handled by the handler printing nothing.
    public var swiftLogLevel: Logger.Level {
        switch self {
        case .off: .critical
        case .error: .error
        case .warn: .warning
        case .info: .info
        case .debug: .trace
        }
    }
}
