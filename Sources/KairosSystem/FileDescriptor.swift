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

    public func writev(_ iov: UnsafeBufferPointer<iovec>) throws(Errno) -> IOResult<Int> {
        try SystemCall.nonBlocking("writev") { ckairos_writev(rawValue, iov.baseAddress, CInt(iov.count)) }
    }

    /// Writes all of `bytes`, for blocking descriptors (files, pipes in tests).
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            offset += try SystemCall.run("write") { ckairos_write(rawValue, rest.baseAddress, rest.count) }
        }
    }

    public func writeAll(_ bytes: [UInt8]) throws(Errno) {
        let result: Result<Void, Errno> = bytes.withUnsafeBytes { raw in
            Result { () throws(Errno) in try writeAll(raw) }
        }
        try result.get()
    }

    public func fsync() throws(Errno) { _ = try SystemCall.run("fsync") { ckairos_fsync(rawValue) } }
    public func fdatasync() throws(Errno) { _ = try SystemCall.run("fdatasync") { ckairos_fdatasync(rawValue) } }

    public func truncate(to length: Int64) throws(Errno) {
        _ = try SystemCall.run("ftruncate") { ckairos_ftruncate(rawValue, off_t(length)) }
    }

    public func seek(to offset: Int64, whence: CInt = SEEK_SET) throws(Errno) -> Int64 {
        Int64(try SystemCall.run("lseek") { ckairos_lseek(rawValue, off_t(offset), whence) })
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
