import CKairos
import Glibc
import KairosSystem

/// Whole-file reads for replay, compaction and dump: one buffer sized from fstat, filled
/// with large positional reads.
enum FileReading {
    /// The file's bytes, or nil when it does not exist.
    static func readAll(_ path: String) throws(StoreError) -> [UInt8]? {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, flags: O_RDONLY)
        } catch where error == .noSuchFile {
            return nil
        } catch {
            throw .open(path: path, error)
        }
        defer { fd.close() }
        do {
            return try read(fd, from: 0, limit: nil)
        } catch {
            throw .read(path: path, error)
        }
    }

    /// Reads from `offset` to end of file, or at most `limit` bytes. Reads until EOF rather
    /// than trusting fstat, so bytes appended meanwhile are included.
    static func read(_ fd: FileDescriptor, from offset: Int64, limit: Int?) throws(Errno) -> [UInt8] {
        let size = try fd.status().size
        var capacity = Int(max(size - offset, 0)) + 1
        if let limit { capacity = min(capacity, limit) }
        var bytes = [UInt8](repeating: 0, count: capacity)
        var filled = 0
        while limit.map({ filled < $0 }) ?? true {
            if filled == bytes.count {
                var grow = max(bytes.count, 1 << 16)
                if let limit { grow = min(grow, limit - filled) }
                bytes.append(contentsOf: repeatElement(0, count: grow))
            }
            let got = try pread(fd, into: &bytes, at: filled, position: offset + Int64(filled))
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    private static func pread(_ fd: FileDescriptor, into bytes: inout [UInt8], at start: Int,
                              position: Int64) throws(Errno) -> Int {
        let result: Result<Int, Errno> = bytes.withUnsafeMutableBytes { raw in
            let target = UnsafeMutableRawBufferPointer(rebasing: raw[start...])
            return Result { () throws(Errno) in
                try SystemCall.run("pread") {
                    ckairos_pread(fd.rawValue, target.baseAddress, target.count, off_t(position))
                }
            }
        }
        return try result.get()
    }
}
