import CKairos
import Glibc

/// An owned file descriptor. A raw `CInt` does not travel between modules (ARCHITECTURE rule 2).
///
/// It is a plain value: whoever holds it closes it exactly once with `close()`.
public struct FileDescriptor: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }

    public var description: String { "fd\(rawValue)" }

    public func close() {
        // close(2) must not be retried on EINTR on Linux: the descriptor is gone either way.
        _ = ckairos_close(rawValue)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> IOResult<Int> {
        try SystemCall.nonBlocking("read") { ckairos_read(rawValue, buffer.baseAddress, buffer.count) }
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> IOResult<Int> {
        try SystemCall.nonBlocking("write") { ckairos_write(rawValue, buffer.baseAddress, buffer.count) }
    }

    public func fsync() throws(Errno) { _ = try SystemCall.run("fsync") { ckairos_fsync(rawValue) } }
    public func fdatasync() throws(Errno) { _ = try SystemCall.run("fdatasync") { ckairos_fdatasync(rawValue) } }

    public func truncate(to length: Int64) throws(Errno) {
        _ = try SystemCall.run("ftruncate") { ckairos_ftruncate(rawValue, off_t(length)) }
    }

    /// Takes an exclusive flock(2) on the open file without waiting; false when another
    /// open file description holds a lock on it. Released when every copy of this
    /// descriptor is closed (or the process ends, however it ends).
    public func tryLockExclusive() throws(Errno) -> Bool {
        do {
            _ = try SystemCall.run("flock") { ckairos_flock(rawValue, LOCK_EX | LOCK_NB) }
            return true
        } catch where error.rawValue == EWOULDBLOCK {
            return false
        }
    }

    /// Size and inode of the open file.
    public func status() throws(Errno) -> (size: Int64, inode: UInt64) {
        var size: Int64 = 0
        var inode: UInt64 = 0
        _ = try SystemCall.run("fstat") { ckairos_fstat_size(rawValue, &size, &inode) }
        return (size, inode)
    }

    /// Opens `path`; `flags` are the usual O_* values (O_CLOEXEC is always added).
    public static func open(_ path: String, flags: CInt, mode: CInt = 0o644) throws(Errno) -> FileDescriptor {
        let fd = try SystemCall.run("open") { ckairos_open(path, flags | O_CLOEXEC, mode) }
        return FileDescriptor(rawValue: fd)
    }
}
