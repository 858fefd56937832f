import Glibc
import KairosSystem

/// Keeps every byte replay cuts from a logfile: they go to `<logfile>.torn-<UTC timestamp>`
/// next to it, synced (file and directory) before the logfile is truncated, so even a wrong
/// judgement about a tail can be undone by hand.
enum TornBytesArchive {
    /// Copies `bytes` to a new side file and returns its path.
    static func save(_ bytes: UnsafeRawBufferPointer, of paths: LogfilePaths, nowSeconds: Int) throws(StoreError) -> String {
        let base = paths.logfile + ".torn-" + timestamp(nowSeconds)
        var attempt = 0
        while true {
            // A second cut within the same second (or a leftover) never overwrites a side file.
            let path = attempt == 0 ? base : "\(base).\(attempt)"
            let fd: FileDescriptor
            do {
                fd = try FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            } catch where error.rawValue == EEXIST && attempt < 1000 {
                attempt += 1
                continue
            } catch {
                throw .sideFile(path: path, error)
            }
            defer { fd.close() }
            do {
                try writeAll(bytes, to: fd)
                try fd.fsync()
                try PosixFileSystem().syncDirectory(paths.directory)
            } catch {
                throw .sideFile(path: path, error)
            }
            return path
        }
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: FileDescriptor) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            switch try fd.write(UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
            case .processed(let count): offset += count
            case .wouldBlock: continue
            }
        }
    }

    /// `YYYYMMDDTHHMMSSZ`: sorts by time and needs no quoting in a shell.
    static func timestamp(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}
