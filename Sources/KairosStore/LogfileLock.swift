import Glibc
import KairosSystem

/// Keeps a second server off a logfile (two writers would interleave frames and each
/// compaction would drop the other's entries): an exclusive flock held for the server's life.
///
/// The lock is on a separate `<logfile>.lock` file, not on the logfile itself, because
/// compaction renames a new file over the logfile: a lock on the old inode would silently stop
/// covering the path, and re-locking the new inode after the rename would leave a window in
/// which another process could take it. The lock file is never renamed, so one flock covers
/// every generation of the logfile. It holds the owner's pid, for the refusal message only
/// (flock itself is what excludes, and it is released by the kernel however the process
/// ends, so a stale file never blocks a start). `kairos dump` only reads and takes no lock.
public final class LogfileLock: Sendable {
    public let path: String
    private let fd: FileDescriptor

    private init(path: String, fd: FileDescriptor) {
        self.path = path
        self.fd = fd
    }

    /// Locks `logfile`'s lock file, or throws `.locked` naming the holder's pid when another
    /// process has it. The descriptor is close-on-exec, so runner children never inherit it.
    public static func acquire(logfile: String) throws(StoreError) -> LogfileLock {
        let path = LogfilePaths(logfile: logfile).lockFile
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, flags: O_RDWR | O_CREAT, mode: 0o644)
        } catch {
            throw .lock(path: path, error)
        }
        let locked: Bool
        do {
            locked = try fd.tryLockExclusive()
        } catch {
            fd.close()
            throw .lock(path: path, error)
        }
        guard locked else {
            let holder = readPid(fd)
            fd.close()
            throw .locked(path: logfile, holder: holder)
        }
        // Best effort: the pid only improves the message a second instance prints.
        var text = Array("\(getpid())\n".utf8)
        if (try? fd.truncate(to: 0)) != nil {
            _ = text.withUnsafeMutableBytes { raw in try? fd.write(UnsafeRawBufferPointer(raw)) }
        }
        return LogfileLock(path: path, fd: fd)
    }

    /// Releases the lock (also released when the process exits).
    public func release() {
        fd.close()
    }

    private static func readPid(_ fd: FileDescriptor) -> Int32? {
        guard let bytes = try? FileReading.read(fd, from: 0, limit: 32) else { return nil }
        let digits = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard !digits.isEmpty, digits.count < 10 else { return nil }
        return Int32(String(decoding: digits, as: UTF8.self))
    }
}
