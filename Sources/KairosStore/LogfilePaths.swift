/// File names around one logfile: the reference's leftovers that are migrated (D-compaction) and
/// Kairos's own compaction temp file, all in the logfile's directory.
public struct LogfilePaths: Sendable, Equatable {
    public let logfile: String
    /// The logfile's directory, as a path usable with open(2) (`.` for a bare file name).
    public let directory: String

    public init(logfile: String) {
        self.logfile = logfile
        if let slash = logfile.lastIndex(of: "/") {
            let dir = String(logfile[..<slash])
            directory = dir.isEmpty ? "/" : dir
        } else {
            directory = "."
        }
    }

    /// The reference's compaction output (docs/logfile-format.md#compaction), replayed first.
    public var referenceCompressed: String { sibling("logfile.compressed") }
    /// The reference's renamed logfile awaiting compaction, replayed second.
    public var referenceToCompress: String { sibling("logfile.to_compress") }
    /// Kairos's compaction output before its rename; never replayed, removed at startup.
    public var compactionTemp: String { logfile + ".compacting" }
    /// Holds the running server's exclusive lock (see `LogfileLock`); never renamed.
    public var lockFile: String { logfile + ".lock" }

    /// Migration files in replay order, leaving out any that is the logfile itself.
    public var migrationFiles: [String] {
        [referenceCompressed, referenceToCompress].filter { $0 != logfile }
    }

    private func sibling(_ name: String) -> String {
        guard logfile.contains("/") else { return name }
        return directory == "/" ? "/" + name : directory + "/" + name
    }
}
