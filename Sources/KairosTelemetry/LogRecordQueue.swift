import Logging
import Synchronization

/// The log records' queue to the telemetry thread. Unlike spans, log lines come from every
/// thread, so this is not one of the SPSC rings: it is a bounded array behind a lock that is
/// held only for one append (producers) or one swap of arrays (the telemetry thread), and only
/// records at warning level or worse, which already cost a `write(2)` to stderr each, ever
/// take it. When full, records are dropped and counted, never waited for.
public final class LogRecordQueue: Sendable {
    public let capacity: Int
    private let records: Mutex<[LogRecordEntry]>
    private let droppedCount = Atomic<UInt64>(0)

    /// The lowest level exported: warning, as the issue asks; below it `offer` is never called.
    public static let threshold = Logger.Level.warning

    public init(capacity: Int = 1024) {
        self.capacity = max(1, capacity)
        records = Mutex([])
    }

    /// Any thread. False when the queue was full and `entry` was dropped.
    @discardableResult
    public func offer(_ entry: LogRecordEntry) -> Bool {
        let kept = records.withLock { records in
            guard records.count < capacity else { return false }
            records.append(entry)
            return true
        }
        if !kept { droppedCount.add(1, ordering: .relaxed) }
        return kept
    }

    /// Telemetry thread: moves everything queued into `spare` (which must be empty) by
    /// swapping arrays, so the lock is held for O(1).
    func take(into spare: inout [LogRecordEntry]) {
        records.withLock { swap(&$0, &spare) }
    }

    /// Records dropped so far because the queue was full.
    public var dropped: UInt64 { droppedCount.load(ordering: .relaxed) }
}
