import Glibc
import KairosSync
import KairosSystem
import Logging
import Synchronization

/// The journal's writer thread (D-write-ahead, D-durable-acks): everything the core submitted since the last pass
/// goes to the logfile in one write and, when `fsync_on_persist`, one fdatasync; then the
/// progress is published and the core's doorbell rung. That is the group commit: however
/// many connections' entries arrived during an fsync share the next one.
///
/// Failure handling follows the `Journal` contract (see `WriterPolicy`): the entries of a failed
/// write are reported, any bytes of them that reached the file are truncated away so the file
/// only ever holds complete, acknowledged frames, and later writes are attempted again.
/// A failed fsync is fatal instead (D-storage-faults): after it the kernel may have dropped dirty pages of
/// entries written earlier, so no later sync could vouch for them. The writer then halts (it
/// acknowledges nothing more, not even as failed) and asks its owner to stop the process.
final class JournalWriter: @unchecked Sendable {
    /// With `fsync_on_persist`, the most bytes the writer ever has in the file unsynced: a
    /// round larger than this is written in pieces with an fdatasync between them, and writes
    /// that are not synced on their own (outcomes) get one before they would pass it. So a
    /// crash can leave at most this many incomplete bytes at the end of the logfile, and
    /// replay treats a longer tail as damage rather than a torn append (`LogfileInspection`).
    /// Large enough that ordinary group commits never reach it.
    static let maxUnsyncedBytes = 4 << 20

    // Safety: the `var`s below belong to the writer thread once `run` starts; before that and
    // after `join` only the owning FileJournal touches them. Everything shared is atomic or
    // behind `CompactionHandoff`'s lock.
    let ring: SPSCRing<JournalMessage>
    let bell: Doorbell
    let cell = JournalProgressCell()
    let handoff = CompactionHandoff()
    /// Written batch buffers going back to the core to encode the next batches into, so a
    /// batch does not regrow a fresh buffer entry by entry (writer gives, core takes).
    let spentBatches = ByteArrayRecycler(slots: 16, maxCapacity: 1 << 20)
    let paths: LogfilePaths
    let fileSystem: any LogFileSystem
    private let coreBell: Doorbell
    private let fsync: Bool
    private let logger: Logger
    private let failStop: FailStop
    private let stopping = Atomic<Bool>(false)

    private var file: any LogFileIO
    private var committedLength: Int64
    private var policy = WriterPolicy()
    private var durableThrough: UInt64 = 0
    private var failedThrough: UInt64 = 0
    /// A failed write left bytes past `committedLength` that could not be truncated yet.
    private var tailDirty = false
    /// The file's directory entry is not known durable yet (a compaction's rename, or the
    /// file's creation at open); no entry is acknowledged until it is. Starts set so a
    /// logfile created at startup cannot vanish with acknowledged entries after a power loss.
    private var directorySyncPending = true
    /// Outcome-only batches were written since the last fdatasync (see `FileJournal`).
    private var unsynced = false
    private var failureStreak = WriteFailureStreak()
    /// Bytes written since the last fdatasync (bounded by `maxUnsyncedBytes` when syncing).
    private var unsyncedBytes = 0
    private var scratch: [UInt8] = []
    /// The batches of one round, kept between rounds for its capacity.
    private var chunks: [[UInt8]] = []

    /// Batches written and fsync durations, for `/metrics` (nil in tests that do not look).
    private let stats: ServerStats?

    init(file: any LogFileIO, length: Int64, paths: LogfilePaths, fileSystem: any LogFileSystem,
         fsync: Bool, ringCapacity: Int, coreBell: Doorbell, logger: Logger,
         stats: ServerStats? = nil, failStop: @escaping FailStop) throws(Errno) {
        self.stats = stats
        self.file = file
        self.committedLength = length
        self.paths = paths
        self.fileSystem = fileSystem
        self.fsync = fsync
        self.coreBell = coreBell
        self.logger = logger
        self.failStop = failStop
        self.ring = SPSCRing(capacity: ringCapacity)
        self.bell = try Doorbell()
        cell.committedLength.store(length, ordering: .releasing)
    }

    /// The thread body: passes until asked to stop and nothing is left to do. The caller
    /// opens `handoff` before starting the thread.
    func run() {
        let waiter: BellWaiter
        do {
            waiter = try BellWaiter(bell)
        } catch {
            // Without a waiter the thread can still make progress by polling; slower, not wrong.
            logger.error("journal: cannot create wait descriptor: \(error)")
            runPolling()
            return
        }
        while true {
            if runRound() { continue }
            if stopping.load(ordering: .acquiring) && ring.isEmpty && !handoff.hasRequest { break }
            bell.arm()
            if !ring.isEmpty || handoff.hasRequest || stopping.load(ordering: .acquiring) {
                bell.disarm()
                continue
            }
            waiter.wait()
            bell.disarm()
        }
        finish()
    }

    /// Asks `run` to return once the ring is drained. Call after the last `push`.
    func requestStop() {
        stopping.store(true, ordering: .releasing)
        bell.ringUnconditionally()
    }

    /// Closes the file. Only after the thread has been joined (or never started).
    func closeFile() {
        file.close()
    }

    private func runPolling() {
        while true {
            if runRound() { continue }
            if stopping.load(ordering: .acquiring) && ring.isEmpty && !handoff.hasRequest { break }
            usleep(1000)
        }
        finish()
    }

    /// Last pass of the thread: outcomes that rode along without a sync get one now, so
    /// shutdown leaves everything durable (D-shutdown).
    func finish() {
        handoff.close()
        guard fsync && unsynced && !policy.isHalted else { return }
        do {
            if directorySyncPending { try fileSystem.syncDirectory(paths.directory) }
        } catch {
            logger.error("journal: final directory sync of \(paths.directory) failed: \(error)")
        }
        do {
            try file.sync()
            unsynced = false
            unsyncedBytes = 0
        } catch {
            halt("final fdatasync", error)
        }
    }

    /// D-storage-faults: a failed fsync. Nothing after it is acknowledged; the owner stops the process.
    private func halt(_ operation: String, _ error: Errno) {
        policy.syncFailed()
        let message = "\(operation) of the logfile \(paths.logfile) failed: \(error); stopping so the next start replays what is really on disk"
        logger.critical("journal: \(message)")
        failStop(message)
    }

    // MARK: one pass

    /// Drains the ring, writes once, syncs once, publishes; then serves a compaction swap.
    /// Returns whether it did anything.
    func runRound() -> Bool {
        if policy.isHalted { return haltedRound() }
        var needsSync = false
        var writeThrough: UInt64 = 0
        var failThrough: UInt64 = 0
        var received = false
        while let message = ring.pop() {
            received = true
            switch policy.receive(message) {
            case .write(let through, let fail):
                if case .batch(let batch) = message, !batch.bytes.isEmpty {
                    chunks.append(batch.bytes)
                    needsSync = needsSync || batch.needsSync
                }
                writeThrough = max(writeThrough, through)
                if let fail { failThrough = max(failThrough, fail) }
            case .drop(let fail):
                failThrough = max(failThrough, fail)
            case .ignore:
                break
            case .discard:
                recycleChunks()
                needsSync = false
                writeThrough = 0
            }
        }
        if !chunks.isEmpty {
            if !needsSync { pauseBeforeRetryingOutcomes() }
            if write(chunks, sync: fsync && needsSync) {
                durableThrough = max(durableThrough, writeThrough)
                let failures = failureStreak.succeeded()
                if failures > 0 { logger.warning("journal: writing to \(paths.logfile) works again after \(failures) failed writes") }
            } else if policy.isHalted {
                recycleChunks()
                return haltedRound()
            } else {
                failThrough = max(failThrough, writeThrough)
                policy.writeFailed()
                failureStreak.failed(at: Clock.monotonicNanoseconds())
            }
            recycleChunks()
        }
        failedThrough = max(failedThrough, failThrough)
        if received {
            cell.publish(durable: durableThrough, failed: failedThrough)
            coreBell.ring()
        }
        if let request = handoff.take() {
            performSwap(request)
            return true
        }
        return received
    }

    /// While writes fail, outcome-only batches (the core's re-journaled outcomes) are retried
    /// at a bounded rate instead of in a busy loop; batches with mutations are not paused.
    private func pauseBeforeRetryingOutcomes() {
        let delay = failureStreak.outcomeDelay(at: Clock.monotonicNanoseconds())
        if delay > 0 { usleep(useconds_t(delay / 1000)) }
    }

    /// Logs why the first failed write of a streak failed; later ones are only counted.
    private func logFailure(_ message: @autoclosure () -> String) {
        if failureStreak.failures == 0 { logger.error("journal: \(message()) (failures are counted until a write succeeds)") }
    }

    /// After a failed sync: consumes what arrives (so the core never blocks on a full ring) and
    /// reports nothing; a compaction waiting for the swap is refused.
    private func haltedRound() -> Bool {
        var received = false
        while ring.pop() != nil { received = true }
        if let request = handoff.take() {
            request.temp.close()
            try? fileSystem.remove(paths.compactionTemp)
            handoff.complete(.failed("the journal stopped after a failed fsync"))
            return true
        }
        return received
    }

    /// Hands the round's batch buffers back, each moved out so the core gets the only reference.
    private func recycleChunks() {
        for index in chunks.indices {
            var chunk: [UInt8] = []
            swap(&chunk, &chunks[index])
            spentBatches.give(consume chunk)
        }
        chunks.removeAll(keepingCapacity: true)
    }

    // MARK: writing

    /// One write of `chunks`; with `sync`, the directory (if pending) and one fdatasync.
    private func write(_ chunks: [[UInt8]], sync: Bool) -> Bool {
        if tailDirty && !repairTail() { return false }
        if directorySyncPending && sync {
            do {
                try fileSystem.syncDirectory(paths.directory)
                directorySyncPending = false
            } catch {
                logFailure("directory sync of \(paths.directory) failed: \(error)")
                return false
            }
        }
        let appended: Result<Int, PartialWrite>
        if chunks.count == 1 {
            appended = append(chunks[0])
        } else {
            scratch.removeAll(keepingCapacity: true)
            for chunk in chunks { scratch.append(contentsOf: chunk) }
            appended = append(scratch)
        }
        switch appended {
        case .failure(let failure):
            if policy.isHalted { return false }
            logFailure("write to \(paths.logfile) failed: \(failure.errno)")
            if failure.written > 0 { truncateBack() }
            return false
        case .success(let count):
            if sync {
                do {
                    try timedSync()
                } catch {
                    halt("fdatasync", error)
                    return false
                }
            }
            stats?.journalBatches.wrappingAdd(1, ordering: .relaxed)
            committedLength += Int64(count)
            cell.committedLength.store(committedLength, ordering: .releasing)
            if sync { unsyncedBytes = 0 }
            unsynced = !sync
            return true
        }
    }

    /// fdatasync of the logfile, its duration recorded for `/metrics`.
    private func timedSync() throws(Errno) {
        let started = Clock.monotonicNanoseconds()
        try file.sync()
        stats?.fsyncLatency.record(Clock.monotonicNanoseconds() - started)
    }

    private func append(_ bytes: [UInt8]) -> Result<Int, PartialWrite> {
        bytes.withUnsafeBytes { raw in
            Result { () throws(PartialWrite) in
                try appendBounded(raw)
                return raw.count
            }
        }
    }

    /// Appends in pieces that keep the unsynced bytes within `maxUnsyncedBytes` (see there).
    /// Without fsync nothing bounds what a crash leaves behind, so the bytes go in one write.
    private func appendBounded(_ bytes: UnsafeRawBufferPointer) throws(PartialWrite) {
        guard fsync else { return try file.append(bytes) }
        var offset = 0
        while offset < bytes.count {
            if unsyncedBytes >= Self.maxUnsyncedBytes {
                do {
                    try timedSync()
                } catch {
                    // A failed sync between pieces is as fatal as any other (D-storage-faults).
                    halt("fdatasync", error)
                    throw PartialWrite(written: offset, errno: error)
                }
                unsyncedBytes = 0
            }
            let piece = min(bytes.count - offset, Self.maxUnsyncedBytes - unsyncedBytes)
            do {
                try file.append(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + piece)]))
            } catch {
                throw PartialWrite(written: offset + error.written, errno: error.errno)
            }
            offset += piece
            unsyncedBytes += piece
        }
    }

    /// Removes bytes of failed entries from the file, so it never holds a frame the core
    /// answered `ERROR` (nor half a frame that would misalign later appends).
    private func truncateBack() {
        tailDirty = true
        _ = repairTail()
    }

    private func repairTail() -> Bool {
        do {
            try file.truncate(to: committedLength)
        } catch {
            logFailure("cannot truncate \(paths.logfile) back to \(committedLength) bytes: \(error)")
            return false
        }
        if fsync {
            do {
                try file.sync()
            } catch {
                halt("fdatasync after truncation", error)
                return false
            }
            unsyncedBytes = 0
        }
        tailDirty = false
        return true
    }

    // MARK: compaction

    private func performSwap(_ request: SwapRequest) {
        if tailDirty && !repairTail() {
            request.temp.close()
            try? fileSystem.remove(paths.compactionTemp)
            handoff.complete(.failed("logfile tail could not be repaired"))
            return
        }
        do {
            let swapped = try CompactionSwap.perform(
                current: file, committedLength: committedLength, request: request,
                paths: paths, fileSystem: fileSystem)
            file.close()
            file = swapped.file
            committedLength = swapped.committedLength
            // The new file was synced whole before its rename.
            unsyncedBytes = 0
            cell.committedLength.store(committedLength, ordering: .releasing)
            directorySyncPending = !swapped.directorySynced
            if !swapped.directorySynced {
                logger.warning("compaction: directory sync of \(paths.directory) failed; retrying before the next write")
            }
            handoff.complete(.swapped(directorySynced: swapped.directorySynced))
        } catch {
            switch error {
            case .io(let reason): handoff.complete(.failed(reason))
            case .interrupted(let step): handoff.complete(.interrupted(step))
            }
        }
    }
}
