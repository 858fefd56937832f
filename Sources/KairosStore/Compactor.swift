import KairosSync
import KairosSystem
import Logging
import Synchronization

/// Background compaction of a `FileJournal`'s logfile (D-compaction), every `compression_interval`
/// seconds; the first run is one interval after `start()`. Runs on its own thread; the core
/// never waits for it, and the journal writer only pauses for the final copy-sync-rename.
/// STAT `compression` is written here: `running`, then `success` or `failure`, which stay
/// until the next compaction starts.
public final class Compactor {
    private let task: CompactionTask
    private let intervalNanoseconds: Int64
    private let bell: Doorbell
    private let stopping = StopFlag()
    private let logger: Logger
    private var thread: WorkerThread?

    /// `intervalSeconds` 0 disables the timer (`start` then does nothing). Create it on the
    /// core thread (it reads the journal's writer hand-off), after the journal.
    public init(journal: FileJournal, intervalSeconds: UInt32, stats: ServerStats, logger: Logger) throws(StoreError) {
        task = CompactionTask(port: journal.compactionPort, stats: stats, logger: logger)
        intervalNanoseconds = Int64(intervalSeconds) * 1_000_000_000
        self.logger = logger
        do {
            bell = try Doorbell()
        } catch {
            throw .writerSetup(error)
        }
    }

    deinit { shutdown() }

    /// Starts the timer thread (unless the interval is 0).
    public func start() throws(StoreError) {
        guard intervalNanoseconds > 0, thread == nil else { return }
        let task = self.task
        let bell = self.bell
        let stopping = self.stopping
        let interval = intervalNanoseconds
        let logger = self.logger
        do {
            thread = try WorkerThread(name: "kairos-compact") {
                Compactor.timerLoop(task: task, bell: bell, stopping: stopping, interval: interval, logger: logger)
            }
        } catch {
            throw .writerSetup(error)
        }
    }

    /// Stops the timer; a compaction in progress finishes first. Call before the journal's
    /// `shutdown()`.
    public func shutdown() {
        stopping.raise()
        bell.ringUnconditionally()
        thread?.join()
        thread = nil
    }

    /// One compaction now, on the calling thread (tests, or a server that wants to fold the
    /// reference's files at once). `afterSnapshot` runs right after the snapshot is taken.
    package func runOnce(checkpoint: CompactionCheckpoint = .fromEnvironment(),
                         afterSnapshot: () -> Void = {}) -> CompactionResult {
        task.run(checkpoint: checkpoint, afterSnapshot: afterSnapshot)
    }

    private static func timerLoop(task: CompactionTask, bell: Doorbell, stopping: StopFlag,
                                  interval: Int64, logger: Logger) {
        let waiter: BellWaiter
        do {
            waiter = try BellWaiter(bell)
        } catch {
            logger.error("compaction disabled: cannot create wait descriptor: \(error)")
            return
        }
        let checkpoint = CompactionCheckpoint.fromEnvironment()
        var due = Clock.monotonicNanoseconds() + interval
        while !stopping.isRaised {
            let now = Clock.monotonicNanoseconds()
            if now >= due {
                _ = task.run(checkpoint: checkpoint)
                due = max(due + interval, now)
                continue
            }
            // Bounded waits keep the millisecond count inside CInt for any u32 interval.
            let milliseconds = min((due - now + 999_999) / 1_000_000, 60_000)
            waiter.wait(timeoutMilliseconds: CInt(milliseconds))
            bell.disarm()
        }
    }
}

/// A one-way flag shared with a thread.
final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    var isRaised: Bool { raised.load(ordering: .acquiring) }

    func raise() { raised.store(true, ordering: .releasing) }
}
