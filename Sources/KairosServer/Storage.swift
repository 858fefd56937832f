import Glibc
import KairosConfig
import KairosCore
import KairosStore
import KairosSync
import Logging

/// The persistence backend chosen by `database.persistence` (docs/logfile-format.md): the journal the core
/// appends to, startup replay, and background compaction for the logfile backend.
final class Storage {
    let journal: any Journal
    private let late: LateJournal?
    private let config: ServerConfig
    private let stats: ServerStats
    private let coreDoorbell: Doorbell
    private let logger: Logger
    private var fileJournal: FileJournal?
    private var compactor: Compactor?
    private var lock: LogfileLock?
    /// `kairos server --repair`: damaged logfile bytes move to a side file instead of
    /// stopping the start.
    private let repair: Bool

    init(config: ServerConfig, stats: ServerStats, coreDoorbell: Doorbell, logger: Logger, repair: Bool = false) {
        self.config = config
        self.repair = repair
        self.stats = stats
        self.coreDoorbell = coreDoorbell
        self.logger = logger
        if config.persistence == .memory {
            late = nil
            journal = MemoryJournal()
        } else {
            let late = LateJournal()
            self.late = late
            journal = late
        }
    }

    /// Replays the logfile into `core`, then opens it for appending. Call on the core thread.
    /// A logfile that exists but cannot be read stops the start (never start empty over data).
    func replay(into core: SchedulerCore) throws(ServerError) {
        guard let late else {
            logger.info("loaded 0 jobs, 0 rules")
            return
        }
        let path = config.logfilePath
        // Before replay, which may truncate: only the lock holder may touch the file.
        try acquireLock()
        do {
            _ = try Replayer.replay(logfile: path, repair: repair, logger: logger) { core.restore($0) }
        } catch {
            throw ServerError("database.logfile_path: \(error)")
        }
        logger.info(
            "loaded \(stats.jobsTotal.load(ordering: .relaxed)) jobs, \(stats.rulesTotal.load(ordering: .relaxed)) rules")
        do {
            let journal = try FileJournal(
                path: path, fsync: config.fsyncOnPersist, coreDoorbell: coreDoorbell, logger: logger, stats: stats,
                failStop: Self.exitAfterFailedSync)
            late.target = journal
            fileJournal = journal
            compactor = try Compactor(
                journal: journal, intervalSeconds: config.compressionInterval, stats: stats, logger: logger)
        } catch {
            throw ServerError("database.logfile_path: \(error)")
        }
    }

    /// D-storage-faults: after a failed fsync the journal has logged the fatal error and acknowledges nothing
    /// more; the process ends at once with status 3 (no orderly shutdown, which would try to
    /// sync again). `_exit` skips atexit handlers that other threads' libraries could race with.
    static let exitAfterFailedSync: FailStop = { _ in Glibc._exit(3) }

    /// Takes the logfile's lock (see `LogfileLock`) unless already held; nothing for the
    /// memory backend. The server calls it before binding its port, so a second server with
    /// the same configuration is told about the logfile, not about the port.
    func acquireLock() throws(ServerError) {
        guard late != nil, lock == nil else { return }
        do {
            lock = try LogfileLock.acquire(logfile: config.logfilePath)
        } catch {
            throw ServerError("database.logfile_path: \(error)")
        }
    }

    /// Starts the journal writer and the compaction timer.
    func start() throws(ServerError) {
        do {
            try fileJournal?.start()
            try compactor?.start()
        } catch {
            throw ServerError("database.logfile_path: cannot start persistence: \(error)")
        }
    }

    /// After the core's last submit: stops compaction, then writes and syncs everything queued (D-shutdown).
    func stop() {
        compactor?.shutdown()
        fileJournal?.shutdown()
    }
}
