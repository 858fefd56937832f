import KairosCore
import Synchronization

/// What the writer publishes for the core (progress) and the compactor (committed length).
///
/// Writer stores `durable` before `failed`; readers load `failed` before `durable`. So a
/// reader may see a fresher `durable` than `failed`, never the reverse, and every number it
/// is told is durable really is. (Entries at or below a `discard` are no longer reported on.)
final class JournalProgressCell: Sendable {
    /// Writer: journal writer thread.
    private let durable = Atomic<UInt64>(0)
    /// Writer: journal writer thread.
    private let failed = Atomic<UInt64>(0)
    /// Writer: journal writer thread. Bytes of the logfile that hold complete, committed
    /// frames; the file never keeps bytes past it for long (failures truncate back).
    let committedLength = Atomic<Int64>(0)

    func publish(durable newDurable: UInt64, failed newFailed: UInt64) {
        if newDurable > durable.load(ordering: .relaxed) { durable.store(newDurable, ordering: .releasing) }
        if newFailed > failed.load(ordering: .relaxed) { failed.store(newFailed, ordering: .releasing) }
    }

    func load() -> JournalProgress {
        let failedThrough = failed.load(ordering: .acquiring)
        let durableThrough = durable.load(ordering: .acquiring)
        return JournalProgress(durableThrough: durableThrough, failedThrough: failedThrough)
    }
}
