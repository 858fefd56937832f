import KairosSystem

/// Why the logfile backend could not start or keep a file usable. Each case names the path
/// in plain words (`cannot read /var/lib/kairos/logfile: Permission denied`) so the server can
/// print it after `database.logfile_path: ` and exit 1 (never start empty over a file it
/// could not read: the next compaction would erase it).
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case open(path: String, Errno)
    case read(path: String, Errno)
    case truncate(path: String, Errno)
    /// The bytes from `offset` on are damage, not a torn append (see `LogfileInspection`):
    /// replay refuses to cut them unless asked to repair.
    case damaged(path: String, offset: Int64, bytes: Int64, reason: LogfileInspection.Damage)
    /// The side file that keeps cut bytes could not be written; nothing was truncated.
    case sideFile(path: String, Errno)
    /// Another process holds the logfile's lock (`holder`: its pid, when known).
    case locked(path: String, holder: Int32?)
    /// The lock file could not be opened or locked.
    case lock(path: String, Errno)
    /// The writer's thread or doorbell could not be created.
    case writerSetup(Errno)

    public var description: String {
        switch self {
        case .open(let path, let errno): "cannot open \(path): \(errno)"
        case .read(let path, let errno): "cannot read \(path): \(errno)"
        case .truncate(let path, let errno): "cannot cut the torn tail of \(path): \(errno)"
        case .damaged(let path, let offset, let bytes, let reason):
            "\(path) is damaged at offset \(offset) (\(bytes) bytes to the end): \(reason); "
                + "refusing to start rather than cut them. Inspect it with `kairos dump \(path)`; "
                + "to move the bytes from offset \(offset) on to a side file (\(path).torn-<timestamp>) "
                + "and start with what precedes, run the server once with --repair"
        case .sideFile(let path, let errno): "cannot write \(path) (the copy of the bytes cut from the logfile): \(errno)"
        case .locked(let path, let holder):
            "\(path): another process holds its lock\(holder.map { " (pid \($0))" } ?? ""); "
                + "is another kairos server using this logfile?"
        case .lock(let path, let errno): "cannot lock \(path): \(errno)"
        case .writerSetup(let errno): "cannot start the journal writer: \(errno)"
        }
    }
}
