/// The first 16 bytes of a job id and its length, stored in the job's record, so that a hash
/// lookup of a short id compares it without following the id array to its heap block, and so
/// that an id of up to 16 bytes needs no heap block at all (`JobRecord`).
///
/// A point lookup otherwise costs three dependent cache misses (bucket, record, id bytes); a
/// profile of B1 (issue 13) put about a quarter of the core thread's time there. With the key
/// in the record, an id of up to 16 bytes is compared as two words and a length; a longer id
/// compares its first 16 bytes here and the rest in its array.
struct InlineKey: Equatable {
    private var low: UInt64
    private var high: UInt64
    /// The id's length when it is at most `capacity`, otherwise `long`.
    private var length: UInt8

    static let capacity = 16
    private static let long: UInt8 = .max

    @inline(__always)
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        length = bytes.count <= Self.capacity ? UInt8(truncatingIfNeeded: bytes.count) : Self.long
        var packed: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &packed) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes).prefix(Self.capacity)))
        }
        low = packed.0
        high = packed.1
    }

    /// The whole id is held here: equal inline keys mean equal ids.
    var isComplete: Bool { length != Self.long }

    /// Calls `body` with the id's bytes; only for a complete key.
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        precondition(isComplete, "an incomplete key holds only the id's first bytes")
        var packed = (low, high)
        return try withUnsafeBytes(of: &packed) { raw in
            try body(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self).prefix(Int(length))))
        }
    }
}
