import KairosSystem

/// Why the logfile backend could not start or keep a file usable. Each case names the path
/// so the server can print `<path>: <reason>` and exit 1 (never start empty over a file it
/// could not read: the next compaction would erase it).
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case open(path: String, Errno)
    case read(path: String, Errno)
    case truncate(path: String, Errno)
    /// The trailing bytes after the last complete frame are too many to be a torn append
    /// (a corrupt length field mid-file, most likely); truncating would destroy data.
    case implausibleTail(path: String, offset: Int64, bytes: Int64)
    /// The writer's thread or doorbell could not be created.
    case writerSetup(Errno)

    public var description: String {
        switch self {
        case .open(let path, let errno): "\(path): cannot open: \(errno)"
        case .read(let path, let errno): "\(path): cannot read: \(errno)"
        case .truncate(let path, let errno): "\(path): cannot truncate torn tail: \(errno)"
        case .implausibleTail(let path, let offset, let bytes):
            "\(path): \(bytes) bytes after the last complete frame (offset \(offset)) do not look like a torn append; refusing to truncate"
        case .writerSetup(let errno): "journal writer setup failed: \(errno)"
        }
    }
}
