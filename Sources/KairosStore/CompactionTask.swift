import Glibc
import KairosSync
import KairosSystem
import Logging
import Synchronization

/// How one compaction ended.
package enum CompactionResult: Equatable, Sendable {
    case success(framesIn: Int, framesOut: Int)
    case failure(String)
    /// A checkpoint simulated a crash at that step; nothing was cleaned up.
    case interrupted(CompactionStep)
}

/// One compaction, start to finish (D-compaction). Runs on the compactor's thread (or a test's).
///
/// 1. Snapshot the committed length L of the logfile and read its first L bytes.
/// 2. Deduplicate them (plus the reference's files, when present) into a temp file in the
///    logfile's directory, and sync it. The journal keeps appending meanwhile.
/// 3. Hand the temp file to the journal writer, which copies the bytes committed since L,
///    syncs, renames the temp over the logfile, syncs the directory and appends to the new
///    file from then on (`CompactionSwap`). Acknowledged entries are never lost or doubled:
///    each is either in the snapshot or in the copied delta, and no append happens mid-swap.
/// 4. If the reference's files were folded in, remove them (after the swap is durable).
///
/// While reference files exist, the compacted file keeps removals as tombstones: those files
/// are replayed before the logfile, so a key they hold must be deleted again by the logfile.
final class CompactionTask: Sendable {
    private let port: CompactionPort
    private let stats: ServerStats
    private let logger: Logger
    /// Writer: whichever thread runs compactions (one at a time). Reference files were
    /// folded in but their removal is not known durable: keep tombstones.
    private let tombstonesRequired = Atomic<Bool>(false)
    private let running = Mutex<Void>(())

    init(port: CompactionPort, stats: ServerStats, logger: Logger) {
        self.port = port
        self.stats = stats
        self.logger = logger
    }

    /// Runs one compaction and records it in STAT `compression`. `afterSnapshot` runs on
    /// the calling thread right after the snapshot length is taken (tests append there).
    func run(checkpoint: CompactionCheckpoint, afterSnapshot: () -> Void = {}) -> CompactionResult {
        running.withLock { _ in
            stats.compression.store(CompressionState.running.rawValue, ordering: .relaxed)
            let result = perform(checkpoint: checkpoint, afterSnapshot: afterSnapshot)
            switch result {
            case .success(let framesIn, let framesOut):
                stats.compression.store(CompressionState.success.rawValue, ordering: .relaxed)
                logger.info("compaction: \(port.paths.logfile): \(framesIn) entries → \(framesOut)")
            case .failure(let reason):
                stats.compression.store(CompressionState.failure.rawValue, ordering: .relaxed)
                logger.warning("compaction failed: \(reason)")
            case .interrupted:
                stats.compression.store(CompressionState.failure.rawValue, ordering: .relaxed)
            }
            return result
        }
    }

    private func perform(checkpoint: CompactionCheckpoint, afterSnapshot: () -> Void) -> CompactionResult {
        let paths = port.paths
        let fileSystem = port.fileSystem
        let snapshot = port.committedLength
        afterSnapshot()
        var inputs: [[UInt8]] = []
        var migrated: [String] = []
        do {
            for path in paths.migrationFiles {
                guard let bytes = try FileReading.readAll(path) else { continue }
                inputs.append(bytes)
                migrated.append(path)
            }
            inputs.append(try readPrefix(paths.logfile, length: snapshot))
        } catch {
            return .failure("\(error)")
        }
        let keepRemovals = !migrated.isEmpty || tombstonesRequired.load(ordering: .relaxed)
        let output = CompactionBuilder.build(inputs, keepRemovals: keepRemovals)
        inputs = []

        let temp: any LogFileIO
        do {
            temp = try fileSystem.createTemp(paths.compactionTemp)
        } catch {
            return .failure("create \(paths.compactionTemp): \(error)")
        }
        let written: Result<Void, PartialWrite> = output.bytes.withUnsafeBytes { raw in
            Result { () throws(PartialWrite) in try temp.append(raw) }
        }
        if case .failure(let failure) = written {
            return abandon(temp, "write \(paths.compactionTemp): \(failure.errno)")
        }
        do {
            try checkpoint.reach(.afterTempWrite)
            do {
                try temp.sync()
            } catch {
                return abandon(temp, "sync \(paths.compactionTemp): \(error)")
            }
            try checkpoint.reach(.afterTempSync)
        } catch {
            return .interrupted(error.step)
        }

        switch port.swap(SwapRequest(temp: temp, snapshotLength: snapshot, checkpoint: checkpoint)) {
        case .failed(let reason):
            return .failure(reason)
        case .interrupted(let step):
            return .interrupted(step)
        case .swapped(let directorySynced):
            if !migrated.isEmpty {
                if !directorySynced {
                    // The rename may not survive a crash yet; the reference files must.
                    tombstonesRequired.store(true, ordering: .relaxed)
                } else if let step = removeMigrated(migrated, checkpoint: checkpoint) {
                    return .interrupted(step)
                }
            } else if directorySynced && tombstonesRequired.load(ordering: .relaxed) {
                tombstonesRequired.store(false, ordering: .relaxed)
            }
            return .success(framesIn: output.framesIn, framesOut: output.framesOut)
        }
    }

    /// Removes the folded-in reference files. Returns the step of a simulated crash.
    private func removeMigrated(_ migrated: [String], checkpoint: CompactionCheckpoint) -> CompactionStep? {
        var removed = true
        for path in migrated {
            do {
                try port.fileSystem.remove(path)
                logger.info("compaction: folded reference file \(path) into \(port.paths.logfile) and removed it")
            } catch {
                removed = false
                logger.warning("compaction: cannot remove reference file \(path): \(error)")
            }
        }
        do {
            try checkpoint.reach(.afterMigrationRemoval)
        } catch {
            return error.step
        }
        do {
            try port.fileSystem.syncDirectory(port.paths.directory)
        } catch {
            removed = false
            logger.warning("compaction: directory sync after removing reference files failed: \(error)")
        }
        // Until the removal is durable, a crash may bring the files back: keep tombstones.
        tombstonesRequired.store(!removed, ordering: .relaxed)
        return nil
    }

    private func abandon(_ temp: any LogFileIO, _ reason: String) -> CompactionResult {
        temp.close()
        try? port.fileSystem.remove(port.paths.compactionTemp)
        return .failure(reason)
    }

    /// The logfile's first `length` bytes: the committed frames at snapshot time. They do not
    /// change until the swap, which only this task triggers.
    private func readPrefix(_ path: String, length: Int64) throws(StoreError) -> [UInt8] {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, flags: O_RDONLY)
        } catch {
            throw .open(path: path, error)
        }
        defer { fd.close() }
        let bytes: [UInt8]
        do {
            bytes = try FileReading.read(fd, from: 0, limit: Int(length))
        } catch {
            throw .read(path: path, error)
        }
        guard bytes.count == Int(length) else { throw .read(path: path, Errno(EIO)) }
        return bytes
    }
}
