/// The core's seam to durability (D-write-ahead, D-durable-acks). All methods are called on the core thread only.
///
/// Contract:
/// - `append` queues an entry after every earlier one and returns its sequence number
///   (1, 2, 3, … per process). It never blocks on I/O.
/// - `submit` is called once per core loop iteration that appended something: the batch
///   goes to the writer, which writes it with one `write`/`writev` and (if configured) one
///   fsync, then publishes progress and rings the core's doorbell.
/// - `progress` tells how far the writer got. Sequence numbers ≤ `durableThrough` are durable.
///   Numbers in `(durableThrough, failedThrough]` failed to be written; none of their bytes
///   stay in the file.
/// - After a failure the writer drops every later entry it receives until the core calls
///   `discard(through:)` with the last sequence number it has appended; the core answers all
///   undurable mutations `ERROR` and undoes them first. Appends after that are written normally
///   ("later writes retry"). Failure reports up to a discarded number are stale (the writer may
///   publish drops it made before the discard reached it): only `failedThrough` past the last
///   discard is a new failure. A discard itself is never reported.
/// - A failed fsync is not reported at all: the journal stops the process (D-storage-faults), since the
///   kernel may have dropped pages of entries already acknowledged.
public protocol Journal: AnyObject {
    func append(_ entry: LogEntry) -> UInt64
    func submit()
    var progress: JournalProgress { get }
    func discard(through sequence: UInt64)
    /// True when every entry is durable the moment it is appended and nothing can ever fail
    /// (`persistence = "memory"`): the core then keeps no undo records, which could only be
    /// dropped unused at the next `collectResponses`.
    var isDurableOnAppend: Bool { get }
}

extension Journal {
    public var isDurableOnAppend: Bool { false }
}

/// What the writer has reported so far; both numbers only grow.
public struct JournalProgress: Sendable, Equatable {
    public var durableThrough: UInt64
    public var failedThrough: UInt64

    public init(durableThrough: UInt64, failedThrough: UInt64) {
        self.durableThrough = durableThrough
        self.failedThrough = failedThrough
    }
}

/// `persistence = "memory"` (docs/logfile-format.md): nothing is written, every entry is durable at once.
public final class MemoryJournal: Journal {
    private var last: UInt64 = 0

    public init() {}

    public func append(_ entry: LogEntry) -> UInt64 {
        last += 1
        return last
    }

    public func submit() {}

    public var progress: JournalProgress { JournalProgress(durableThrough: last, failedThrough: 0) }

    public func discard(through sequence: UInt64) {}

    public var isDurableOnAppend: Bool { true }
}
