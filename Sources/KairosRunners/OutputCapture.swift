import KairosSystem

/// The last 4 KiB a child wrote to stdout and stderr (one pipe), for the log line of a failed
/// run. Everything is read as it comes, so the child never blocks on a full pipe; only the
/// tail is kept, and the bytes dropped before it are counted.
struct OutputCapture {
    static let limit = 4096

    private(set) var bytes: [UInt8] = []
    private(set) var dropped = 0

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: chunk)
        // Trimmed in steps of at least `limit`, so a chatty child costs O(1) per byte.
        if bytes.count >= 2 * Self.limit {
            let excess = bytes.count - Self.limit
            bytes.removeFirst(excess)
            dropped += excess
        }
    }

    /// The retained tail: at most `limit` bytes.
    var tail: ArraySlice<UInt8> { bytes.suffix(Self.limit) }

    /// Bytes written before `tail`.
    var droppedBeforeTail: Int { dropped + bytes.count - tail.count }

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

    /// The tail for the log, invalid UTF-8 replaced, trailing newlines trimmed.
    var text: String {
        var shown = String(decoding: tail, as: UTF8.self)
        while shown.hasSuffix("\n") { shown.removeLast() }
        let skipped = droppedBeforeTail
        return skipped > 0 ? "[\(skipped) earlier bytes dropped] \(shown)" : shown
    }
}
