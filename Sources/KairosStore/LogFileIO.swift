import CKairos
import Glibc
import KairosSystem

/// A write that stopped early: `written` bytes reached the file before `errno` stopped it.
package struct PartialWrite: Error, Sendable {
    package let written: Int
    package let errno: Errno

    package init(written: Int, errno: Errno) {
        self.written = written
        self.errno = errno
    }
}

/// The few operations the journal writer and the compactor perform on an open logfile.
/// A protocol so tests can make any of them fail on demand (ENOSPC, EIO).
package protocol LogFileIO: AnyObject, Sendable {
    /// Appends all of `bytes` at the end of the file (O_APPEND), or reports how far it got.
    func append(_ bytes: UnsafeRawBufferPointer) throws(PartialWrite)
    /// Makes written data durable (fdatasync: the file size is included, timestamps are not).
    func sync() throws(Errno)
    func truncate(to length: Int64) throws(Errno)
    func size() throws(Errno) -> Int64
    /// Positional read; does not move any offset, so it is safe beside `append`.
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int
    func close()
}

/// Namespace operations, also injectable for the same reason.
package protocol LogFileSystem: Sendable {
    /// Opens (creating if absent) a logfile for appending and positional reads.
    func openLog(_ path: String) throws(Errno) -> any LogFileIO
    /// Creates or empties a file for appending (compaction's temp file).
    func createTemp(_ path: String) throws(Errno) -> any LogFileIO
    func rename(_ from: String, to: String) throws(Errno)
    func remove(_ path: String) throws(Errno)
    /// fsync of a directory, so a rename or unlink in it survives a crash.
    func syncDirectory(_ path: String) throws(Errno)
}

/// The real files.
package struct PosixFileSystem: LogFileSystem {
    package init() {}

    package func openLog(_ path: String) throws(Errno) -> any LogFileIO {
        PosixLogFile(try FileDescriptor.open(path, flags: O_RDWR | O_APPEND | O_CREAT))
    }

    package func createTemp(_ path: String) throws(Errno) -> any LogFileIO {
        PosixLogFile(try FileDescriptor.open(path, flags: O_RDWR | O_APPEND | O_CREAT | O_TRUNC))
    }

    package func rename(_ from: String, to: String) throws(Errno) {
        _ = try SystemCall.run("rename") { ckairos_rename(from, to) }
    }

    package func remove(_ path: String) throws(Errno) {
        _ = try SystemCall.run("unlink") { ckairos_unlink(path) }
    }

    package func syncDirectory(_ path: String) throws(Errno) {
        let fd = try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY)
        defer { fd.close() }
        try fd.fsync()
    }
}

/// One open logfile descriptor. Owned by exactly one thread at a time (the writer, or the
/// compactor before it hands the file over), which closes it once.
package final class PosixLogFile: LogFileIO {
    private let fd: FileDescriptor

    package init(_ fd: FileDescriptor) { self.fd = fd }

    package func append(_ bytes: UnsafeRawBufferPointer) throws(PartialWrite) {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            do {
                offset += try SystemCall.run("write") { ckairos_write(fd.rawValue, rest.baseAddress, rest.count) }
            } catch {
                throw PartialWrite(written: offset, errno: error)
            }
        }
    }

    package func sync() throws(Errno) { try fd.fdatasync() }

    package func truncate(to length: Int64) throws(Errno) { try fd.truncate(to: length) }

    package func size() throws(Errno) -> Int64 { try fd.status().size }

    package func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try SystemCall.run("pread") { ckairos_pread(fd.rawValue, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    package func close() { fd.close() }
}
