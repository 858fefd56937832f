import KairosSystem

/// The first 4 KiB an awf child writes to stderr (SPEC §5.6), for one debug log line.
/// Bytes past the limit are still read, so the child never blocks on a full pipe, and counted.
struct StderrCapture {
    static let limit = 4096

    private(set) var bytes: [UInt8] = []
    private(set) var dropped = 0

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        let room = Self.limit - bytes.count
        bytes.append(contentsOf: chunk.prefix(room))
        dropped += max(0, chunk.count - room)
    }

    /// Reads everything `fd` (non-blocking) has now. Returns true at end of file, or when
    /// reading failed, which is treated the same: nothing more will come from this pipe.
    mutating func read(from fd: FileDescriptor) -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 1) { buffer in
            while true {
                do {
                    switch try fd.read(into: buffer) {
                    case .processed(0): return true
                    case .processed(let count): append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                    case .wouldBlock: return false
                    }
                } catch {
                    return true
                }
            }
        }
    }

    /// The captured text for the log, with invalid UTF-8 replaced.
    var text: String {
        let shown = String(decoding: bytes, as: UTF8.self)
        return dropped > 0 ? "\(shown) [\(dropped) more bytes dropped]" : shown
    }
}
