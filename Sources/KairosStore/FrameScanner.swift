/// Splits a byte buffer into complete frames (`length:u32 BE` + payload, docs/logfile-format.md#frames).
///
/// Pure over bytes: it never reads past the buffer and never allocates. Iteration stops at the
/// first incomplete frame (fewer than 4 length bytes, or fewer payload bytes than announced);
/// `consumed` is then the end of the last complete frame and `tailLength` what is left.
public struct FrameScanner {
    private let buffer: UnsafeRawBufferPointer
    /// Offset just past the last complete frame returned so far.
    public private(set) var consumed = 0

    public init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

    /// Bytes after the last complete frame: an incomplete (torn) frame once `next()` is nil.
    public var tailLength: Int { buffer.count - consumed }

    /// The next complete frame: its byte range in the buffer (length prefix included) and its
    /// payload. Nil at the end of the buffer or at an incomplete frame.
    public mutating func next() -> (frame: Range<Int>, payload: UnsafeRawBufferPointer)? {
        let start = consumed
        guard buffer.count - start >= 4 else { return nil }
        let length = Int(buffer[start]) << 24 | Int(buffer[start + 1]) << 16
            | Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
        guard buffer.count - start - 4 >= length else { return nil }
        let end = start + 4 + length
        consumed = end
        return (start..<end, UnsafeRawBufferPointer(rebasing: buffer[(start + 4)..<end]))
    }
}
