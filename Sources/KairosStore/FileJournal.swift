import Glibc
import KairosCore
import KairosSync
import KairosSystem
import Logging

/// Called once, on the writer thread, after a failed fsync (D-storage-faults) with a message naming the
/// logfile; the server exits with status 3. The writer acknowledges nothing after it.
public typealias FailStop = @Sendable (_ message: String) -> Void

/// `persistence = "logfile"` (docs/logfile-format.md, D-write-ahead, D-durable-acks): the core's `Journal` over one logfile.
///
/// The core thread encodes each entry into a batch buffer (`append`, no I/O) and hands the
/// batch to the writer thread once per loop iteration (`submit`, one ring push and at most
/// one eventfd write). The writer owns the single O_APPEND descriptor; see `JournalWriter`.
///
/// Job outcomes (D-outcomes-persist: job entries with status executed or failed) are written like any entry
/// but do not cause an fsync by themselves: a batch of nothing but outcomes is written and
/// reported at once, and the next synced batch makes it durable. A crash in between loses at
/// most those outcomes, and the jobs run again (at-least-once).
///
/// Startup order: run `Replayer` first (it truncates a torn tail), then create the journal,
/// then `start()`. Stop with `shutdown()` after the core's last `submit`. `append`, `submit`,
/// `progress` and `discard` must all come from one thread (checked in debug builds).
public final class FileJournal: Journal {
    public let paths: LogfilePaths
    let writer: JournalWriter
    private let logger: Logger
    private var thread: WorkerThread?
    private var stopped = false

    // MARK: core-thread state
    private var coreThread = ThreadOwner()
    private var lastSequence: UInt64 = 0
    private var buffer: [UInt8] = []
    /// Last sequence number in `buffer` not yet submitted; 0 when nothing is pending.
    private var batchLast: UInt64 = 0
    private var unencodable: UInt64?
    private var batchNeedsSync = false
    /// Messages that did not fit the ring (the writer is inside a long fsync); they go out,
    /// in order, on the next `submit`, `discard` or `progress` read.
    private var backlog: [JournalMessage] = []

    /// Opens (creating if needed) `path` for appending. `fsync`: `fsync_on_persist`.
    /// `coreDoorbell` is rung whenever progress is published. `failStop` must end the process.
    /// `stats`: where the writer counts batches and fsync durations for `/metrics`.
    public convenience init(
        path: String, fsync: Bool, coreDoorbell: Doorbell, logger: Logger, stats: ServerStats? = nil,
        failStop: @escaping FailStop
    ) throws(StoreError) {
        try self.init(path: path, fsync: fsync, coreDoorbell: coreDoorbell, logger: logger,
                      fileSystem: PosixFileSystem(), stats: stats, failStop: failStop)
    }

    /// As above, over an injected file system (tests make it fail on demand).
    package init(path: String, fsync: Bool, coreDoorbell: Doorbell, logger: Logger,
                 fileSystem: any LogFileSystem, ringCapacity: Int = 1024, stats: ServerStats? = nil,
                 failStop: @escaping FailStop) throws(StoreError) {
        paths = LogfilePaths(logfile: path)
        self.logger = logger
        let file: any LogFileIO
        do {
            file = try fileSystem.openLog(path)
        } catch {
            throw .open(path: path, error)
        }
        let length: Int64
        do {
            length = try file.size()
        } catch {
            file.close()
            throw .read(path: path, error)
        }
        do {
            writer = try JournalWriter(
                file: file, length: length, paths: paths, fileSystem: fileSystem, fsync: fsync,
                ringCapacity: ringCapacity, coreBell: coreDoorbell, logger: logger, stats: stats, failStop: failStop)
        } catch {
            file.close()
            throw .writerSetup(error)
        }
    }

    deinit {
        if !stopped { shutdown() }
    }

    /// Starts the writer thread. Entries appended before are written once it runs.
    public func start() throws(StoreError) {
        precondition(thread == nil && !stopped, "FileJournal started twice")
        let writer = self.writer
        // Opened before the thread exists, so a compaction right after `start` is served.
        writer.handoff.open()
        do {
            thread = try WorkerThread(name: "kairos-journal") { writer.run() }
        } catch {
            writer.handoff.close()
            throw .writerSetup(error)
        }
    }

    /// Drains: everything appended so far is submitted, written and (if configured) synced
    /// before this returns; progress is published for it. Then the file is closed. Call it on
    /// the core thread, or on another once the core thread has stopped using the journal;
    /// afterwards only `progress` may be read. Stop the `Compactor` first.
    public func shutdown() {
        guard !stopped else { return }
        stopped = true
        // The core may have stopped: this thread takes over the core side from here on.
        coreThread = ThreadOwner()
        submit()
        if let thread {
            while !backlog.isEmpty {
                flushBacklog()
                writer.bell.ringUnconditionally()
                if !backlog.isEmpty { usleep(200) }
            }
            writer.requestStop()
            thread.join()
        } else {
            // Never started: do the writer's work here so the contract still holds.
            repeat {
                flushBacklog()
                _ = writer.runRound()
            } while !backlog.isEmpty || !writer.ring.isEmpty
            writer.finish()
        }
        writer.closeFile()
    }

    // MARK: Journal

    public func append(_ entry: LogEntry) -> UInt64 {
        coreThread.check("FileJournal.append")
        lastSequence += 1
        if unencodable == nil {
            do {
                try LogCodec.appendFrame(entry, to: &buffer)
            } catch {
                // Fails through the normal path: the writer reports this entry (and the rest of
                // the batch) failed, so the core answers ERROR and undoes it.
                logger.warning("persistence: cannot encode entry \(lastSequence): \(error)")
                unencodable = lastSequence
            }
        }
        if !entry.isOutcome { batchNeedsSync = true }
        batchLast = lastSequence
        return lastSequence
    }

    public func submit() {
        coreThread.check("FileJournal.submit")
        guard batchLast != 0 else {
            if !backlog.isEmpty { flushBacklog() }
            return
        }
        var bytes = writer.spentBatches.take()
        swap(&bytes, &buffer)
        let batch = JournalBatch(bytes: bytes, last: batchLast, unencodable: unencodable,
                                 needsSync: batchNeedsSync)
        batchLast = 0
        unencodable = nil
        batchNeedsSync = false
        send(.batch(batch))
    }

    public var progress: JournalProgress {
        coreThread.check("FileJournal.progress")
        if !backlog.isEmpty { flushBacklog() }
        return writer.cell.load()
    }

    public func discard(through sequence: UInt64) {
        coreThread.check("FileJournal.discard")
        if batchLast != 0 {
            precondition(batchLast <= sequence, "discard(through:) must name the last appended entry")
            buffer.removeAll(keepingCapacity: true)
            batchLast = 0
            unencodable = nil
            batchNeedsSync = false
        }
        send(.discard(through: sequence))
    }

    // MARK: hand-off

    private func send(_ message: JournalMessage) {
        if !backlog.isEmpty { flushBacklog() }
        if !backlog.isEmpty || !writer.ring.push(message) {
            backlog.append(message)
        }
        writer.bell.ring()
    }

    private func flushBacklog() {
        var sent = 0
        while sent < backlog.count, writer.ring.push(backlog[sent]) { sent += 1 }
        if sent > 0 {
            backlog.removeFirst(sent)
            writer.bell.ring()
        }
    }

    /// What the compactor needs from the journal (its writer's hand-off and progress).
    var compactionPort: CompactionPort {
        CompactionPort(writer: writer)
    }
}

/// The compactor's view of a journal: paths, committed length, and the swap hand-off.
struct CompactionPort: Sendable {
    let writer: JournalWriter

    var paths: LogfilePaths { writer.paths }
    var fileSystem: any LogFileSystem { writer.fileSystem }
    var committedLength: Int64 { writer.cell.committedLength.load(ordering: .acquiring) }

    func swap(_ request: SwapRequest) -> SwapOutcome {
        writer.handoff.perform(request) { writer.bell.ring() }
    }
}

extension LogEntry {
    /// A job's execution outcome (D-outcomes-persist). SET always journals `planned` (docs/logfile-format.md#when-entries-are-written), so these are
    /// never acknowledged to a client.
    var isOutcome: Bool {
        if case .job(_, _, let status) = self { return status == .executed || status == .failed }
        return false
    }
}
