import Glibc
import KairosCore
import KairosSystem
import Logging

/// What a startup replay found, per file, in replay order.
public struct ReplayReport: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public let path: String
        /// Complete frames in the file.
        public var frames = 0
        /// Frames decoded and handed to `apply`.
        public var applied = 0
        /// Complete frames that failed to decode: 0-based frame index and reason.
        public var skipped: [Skipped] = []
        /// Bytes after the last complete frame.
        public var tailBytes = 0
        /// Whether those bytes were truncated away (the main logfile only, D-torn-tails).
        public var truncated = false
        /// Where the truncated bytes were saved first.
        public var sideFile: String?

        init(path: String) { self.path = path }
    }

    public struct Skipped: Sendable, Equatable {
        public let index: Int
        public let error: LogDecodeError
    }

    public var files: [File] = []

    /// Entries handed to `apply`, over all files.
    public var applied: Int { files.reduce(0) { $0 + $1.applied } }
}

/// Startup replay (docs/logfile-format.md#replay-at-startup with D-compaction, D-torn-tails).
///
/// Order: the reference's `logfile.compressed`, then `logfile.to_compress` (both in the
/// logfile's directory, when present), then the logfile. The reference files are only read:
/// the first successful compaction folds them into the logfile and removes them (see
/// `Compactor`); until then every start replays them again, which gives the same state.
public enum Replayer {
    /// Largest trailing remainder treated as a torn append: the most the journal writer
    /// leaves unsynced, so the most one crash can leave incomplete. More than that after the
    /// last complete frame means damage (say, a corrupt length field), and replay refuses.
    public static var maxTornTail: Int { JournalWriter.maxUnsyncedBytes }

    /// Replays every entry in order into `apply`. A missing logfile is an empty one. Removes
    /// a compaction temp file left by a crash, and cuts a torn tail of the logfile before
    /// returning, so the journal's appends start on a frame boundary; cut bytes are first
    /// saved to a side file. Throws when a file exists but cannot be read, or when it is
    /// damaged (`LogfileInspection`) and `repair` is false: never start empty over it, never
    /// cut real entries silently. With `repair`, damaged bytes move to the side file too.
    public static func replay(logfile path: String, repair: Bool = false, logger: Logger,
                              apply: (LogEntry) -> Void) throws(StoreError) -> ReplayReport {
        let paths = LogfilePaths(logfile: path)
        removeStaleTemp(paths, logger: logger)
        var report = ReplayReport()
        for migration in paths.migrationFiles {
            guard let bytes = try FileReading.readAll(migration) else { continue }
            let file = bytes.withUnsafeBytes { replayBuffer($0, path: migration, logger: logger, apply: apply) }
            logger.info("persistence: migrated \(file.applied) entries from reference file \(migration)")
            if file.tailBytes > 0 {
                logger.warning("persistence: \(migration): incomplete trailing frame (\(file.tailBytes) bytes) ignored")
            }
            report.files.append(file)
        }
        guard let bytes = try FileReading.readAll(path) else { return report }
        let keep = try cutDamage(bytes, paths: paths, repair: repair, logger: logger)
        var file = bytes.withUnsafeBytes { raw in
            replayBuffer(UnsafeRawBufferPointer(rebasing: raw[0..<keep.length]), path: path, logger: logger, apply: apply)
        }
        file.tailBytes = bytes.count - keep.length
        file.truncated = keep.length < bytes.count
        file.sideFile = keep.sideFile
        report.files.append(file)
        return report
    }

    /// Judges the logfile's bytes and, when allowed, moves what must go to a side file and
    /// truncates. Returns how many bytes replay keeps.
    private static func cutDamage(_ bytes: [UInt8], paths: LogfilePaths, repair: Bool,
                                  logger: Logger) throws(StoreError) -> (length: Int, sideFile: String?) {
        let path = paths.logfile
        let verdict = bytes.withUnsafeBytes { LogfileInspection.inspect($0, maxTornTail: maxTornTail) }
        let offset: Int
        switch verdict {
        case .intact:
            return (bytes.count, nil)
        case .tornTail(let at):
            offset = at
        case .damaged(let at, let reason):
            guard repair else {
                throw .damaged(path: path, offset: Int64(at), bytes: Int64(bytes.count - at), reason: reason)
            }
            logger.warning("persistence: --repair: \(path) is damaged at offset \(at): \(reason)")
            offset = at
        }
        let cut = bytes.count - offset
        let saved: Result<String, StoreError> = bytes.withUnsafeBytes { raw in
            Result { () throws(StoreError) in
                try TornBytesArchive.save(UnsafeRawBufferPointer(rebasing: raw[offset...]), of: paths,
                                          nowSeconds: Int(Clock.wallNanoseconds() / 1_000_000_000))
            }
        }
        let side = try saved.get()
        try truncate(path, to: Int64(offset))
        if case .tornTail = verdict {
            logger.warning("persistence: truncated incomplete trailing frame (\(cut) bytes) from \(path); saved them to \(side)")
        } else {
            logger.warning("persistence: moved \(cut) damaged bytes (offset \(offset) to the end) from \(path) to \(side)")
        }
        return (offset, side)
    }

    /// Decodes the complete frames of one buffer into `apply`.
    static func replayBuffer(_ bytes: [UInt8], path: String, logger: Logger,
                             apply: (LogEntry) -> Void) -> ReplayReport.File {
        bytes.withUnsafeBytes { replayBuffer($0, path: path, logger: logger, apply: apply) }
    }

    /// Decodes the complete frames of one buffer into `apply`.
    static func replayBuffer(_ raw: UnsafeRawBufferPointer, path: String, logger: Logger,
                             apply: (LogEntry) -> Void) -> ReplayReport.File {
        var file = ReplayReport.File(path: path)
        var scanner = FrameScanner(raw)
        while let frame = scanner.next() {
            defer { file.frames += 1 }
            do throws(LogDecodeError) {
                apply(try LogDecoder.decode(payload: frame.payload))
                file.applied += 1
            } catch {
                logger.warning("persistence: failed to decode entry: frame \(file.frames) of \(path) at offset \(frame.frame.lowerBound): \(error)")
                file.skipped.append(ReplayReport.Skipped(index: file.frames, error: error))
            }
        }
        file.tailBytes = scanner.tailLength
        return file
    }

    private static func truncate(_ path: String, to length: Int64) throws(StoreError) {
        do {
            let fd = try FileDescriptor.open(path, flags: O_WRONLY)
            defer { fd.close() }
            try fd.truncate(to: length)
            try fd.fdatasync()
        } catch {
            throw .truncate(path: path, error)
        }
    }

    /// A temp file from an interrupted compaction was never renamed, so it is not needed.
    private static func removeStaleTemp(_ paths: LogfilePaths, logger: Logger) {
        do {
            try PosixFileSystem().remove(paths.compactionTemp)
            logger.warning("persistence: removed unfinished compaction file \(paths.compactionTemp)")
        } catch where error == .noSuchFile {
            return
        } catch {
            logger.warning("persistence: cannot remove \(paths.compactionTemp): \(error)")
        }
    }
}
