import KairosConfig
import Logging
import Synchronization

/// The server's log threshold, shared by every logger copy so SIGHUP can change it while
/// threads run: a `Logger` is a value and each component holds its own copy, whose handler
/// reads the level from here on every call (one relaxed atomic load).
public final class LogLevelSwitch: Sendable {
    private let current: Atomic<UInt8>

    public init(_ level: LogLevel) {
        current = Atomic(Self.code(level))
    }

    public var level: LogLevel {
        get { LogLevel.allCases[Int(current.load(ordering: .relaxed))] }
        set { current.store(Self.code(newValue), ordering: .relaxed) }
    }

    private static func code(_ level: LogLevel) -> UInt8 {
        UInt8(LogLevel.allCases.firstIndex(of: level)!)
    }
}
