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
        /// Whether those bytes were truncated away (the main logfile only, K11).
        public var truncated = false

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

/// Startup replay (SPEC §7.5 with K10, K11).
///
/// Order: the reference's `logfile.compressed`, then `logfile.to_compress` (both in the
/// logfile's directory, when present), then the logfile. The reference files are only read:
/// the first successful compaction folds them into the logfile and removes them (see
/// `Compactor`); until then every start replays them again, which gives the same state.
public enum Replayer {
    /// Largest trailing remainder treated as a torn append. More than that after the last
    /// complete frame means corruption (say, a damaged length field), and truncating would
    /// throw away real data, so replay refuses instead.
    public static let maxTornTail = 16 << 20

    /// Replays every entry in order into `apply`. A missing logfile is an empty one. Removes
    /// a compaction temp file left by a crash, and truncates a torn tail of the logfile before
    /// returning, so the journal's appends start on a frame boundary. Throws when a file
    /// exists but cannot be read (or its tail cannot be repaired): never start empty over it.
    public static func replay(logfile path: String, logger: Logger,
                              apply: (LogEntry) -> Void) throws(StoreError) -> ReplayReport {
        let paths = LogfilePaths(logfile: path)
        removeStaleTemp(paths, logger: logger)
        var report = ReplayReport()
        for migration in paths.migrationFiles {
            guard let bytes = try FileReading.readAll(migration) else { continue }
            let file = replayBuffer(bytes, path: migration, logger: logger, apply: apply)
            logger.info("persistence: migrated \(file.applied) entries from reference file \(migration)")
            if file.tailBytes > 0 {
                logger.warning("persistence: \(migration): incomplete trailing frame (\(file.tailBytes) bytes) ignored")
            }
            report.files.append(file)
        }
        guard let bytes = try FileReading.readAll(path) else { return report }
        var file = replayBuffer(bytes, path: path, logger: logger, apply: apply)
        if file.tailBytes > 0 {
            let keep = Int64(bytes.count - file.tailBytes)
            guard file.tailBytes <= maxTornTail else {
                throw .implausibleTail(path: path, offset: keep, bytes: Int64(file.tailBytes))
            }
            try truncate(path, to: keep)
            file.truncated = true
            logger.warning("persistence: truncated incomplete trailing frame (\(file.tailBytes) bytes) from \(path)")
        }
        report.files.append(file)
        return report
    }

    /// Decodes the complete frames of one buffer into `apply`.
    static func replayBuffer(_ bytes: [UInt8], path: String, logger: Logger,
                             apply: (LogEntry) -> Void) -> ReplayReport.File {
        var file = ReplayReport.File(path: path)
        bytes.withUnsafeBytes { raw in
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
        }
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
