import CKairos
import Glibc
import KairosCore
import KairosSystem

/// `dump --follow` after the initial output: each poll prints the frames completed since the
/// last one (never compacted). When the path names a different file (compaction renamed a new
/// one over it) or the file shrank below what was read, the old descriptor is read to its end
/// first, then the new file is read from its start and printing resumes where its state
/// matches what was printed (`FollowState`). A file without such a point (not a compaction of
/// this one) is printed whole after a warning.
struct DumpFollower {
    private let path: String
    private var fd: FileDescriptor
    private var inode: UInt64
    /// End of the last complete frame handled in the current file.
    private var offset: Int64
    /// Frames of the current file handled so far (the index of the next one).
    private var frames: Int
    private var state: FollowState

    init(path: String, fd: FileDescriptor, offset: Int64, frames: Int, state: FollowState) {
        self.path = path
        self.fd = fd
        self.inode = (try? fd.status().inode) ?? 0
        self.offset = offset
        self.frames = frames
        self.state = state
    }

    func close() { fd.close() }

    mutating func poll(_ out: inout DumpOutput) {
        var size: Int64 = 0
        var pathInode: UInt64 = 0
        let named = (try? SystemCall.run("stat") { ckairos_stat_size(path, &size, &pathInode) }) != nil
        if named && pathInode != inode {
            drain(&out)
            switchTo(&out)
            return
        }
        if let current = try? fd.status().size, current < offset {
            resync(fd: fd, inode: inode, out: &out)
            return
        }
        drain(&out)
    }

    /// Prints the complete frames of the current file past `offset`.
    private mutating func drain(_ out: inout DumpOutput) {
        guard let bytes = try? FileReading.read(fd, from: offset, limit: nil), !bytes.isEmpty else { return }
        let consumed = printFrames(bytes, from: 0, out: &out)
        offset += Int64(consumed)
    }

    private mutating func switchTo(_ out: inout DumpOutput) {
        guard let next = try? FileDescriptor.open(path, flags: O_RDONLY) else { return }
        guard let nextInode = try? next.status().inode else {
            next.close()
            return
        }
        fd.close()
        resync(fd: next, inode: nextInode, out: &out)
    }

    /// Reads `file` from its start and continues after the point matching the printed state.
    private mutating func resync(fd file: FileDescriptor, inode fileInode: UInt64, out: inout DumpOutput) {
        fd = file
        inode = fileInode
        guard let bytes = try? FileReading.read(file, from: 0, limit: nil) else {
            offset = 0
            frames = 0
            return
        }
        let resume = bytes.withUnsafeBytes { state.resumePoint(in: $0) }
        if resume == nil {
            out.diagnostic("warning: \(path) was replaced by a file that does not continue it; printing it from the start\n")
        }
        frames = resume?.frames ?? 0
        offset = Int64(printFrames(bytes, from: resume?.offset ?? 0, out: &out))
    }

    /// Prints complete frames of `bytes` from `start`; returns the end of the last one
    /// (relative to `bytes`). Partial frames are left for a later poll, without a warning:
    /// the writer may be in the middle of appending them.
    private mutating func printFrames(_ bytes: [UInt8], from start: Int, out: inout DumpOutput) -> Int {
        bytes.withUnsafeBytes { raw in
            var scanner = FrameScanner(UnsafeRawBufferPointer(rebasing: raw[start...]))
            while let frame = scanner.next() {
                defer { frames += 1 }
                guard let entry = try? LogDecoder.decode(payload: frame.payload) else {
                    out.warnUndecodable(frame: frames)
                    continue
                }
                state.apply(entry)
                out.print(entry)
            }
            return start + scanner.consumed
        }
    }
}
