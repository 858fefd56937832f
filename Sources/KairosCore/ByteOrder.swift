import KairosProtocol

/// Bytewise comparisons shared by the indexes. Ids are arbitrary bytes (docs/protocol.md#framing), so ordering is
/// plain unsigned lexicographic order, the same as `memcmp` followed by length.
enum ByteOrder {
    /// Negative, zero or positive as `a` sorts before, equal to or after `b`.
    @inline(__always)
    static func compare(_ a: Bytes, _ b: Bytes) -> Int {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in compare(pa, pb) }
        }
    }

    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let shared = min(a.count, b.count)
        var i = 0
        while i < shared {
            let x = a[i], y = b[i]
            if x != y { return x < y ? -1 : 1 }
            i += 1
        }
        return a.count - b.count
    }

    @inline(__always)
    static func hasPrefix(_ bytes: Bytes, _ prefix: Bytes) -> Bool {
        guard prefix.count <= bytes.count else { return false }
        return bytes.withUnsafeBufferPointer { whole in
            prefix.withUnsafeBufferPointer { head in
                compare(UnsafeBufferPointer(rebasing: whole[0..<head.count]), head) == 0
            }
        }
    }

    /// Whether the first `length` bytes of `bytes` equal `other` exactly.
    @inline(__always)
    static func prefix(of bytes: UnsafeBufferPointer<UInt8>, length: Int, equals other: Bytes) -> Bool {
        guard other.count == length else { return false }
        return other.withUnsafeBufferPointer { o in
            compare(UnsafeBufferPointer(rebasing: bytes[0..<length]), o) == 0
        }
    }
}
