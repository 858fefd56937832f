/// A request id as a span record carries it: up to 32 bytes held in the record itself, longer
/// ones in an array of their own.
///
/// The core thread copies the id instead of keeping the request's array: that array goes back
/// to the reactor for reuse once the request is answered (BufferExchange), and a second
/// reference would make the reactor allocate a new one; a short id then costs the request path
/// no allocation at all, and the telemetry thread no cross-thread free.
public struct RequestIDBytes: Sendable, Equatable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var count: UInt8 = 0
    /// The whole id when it is longer than `inlineCapacity`.
    private var long: [UInt8]?

    static let inlineCapacity = 32

    @inline(__always)
    public init(_ bytes: [UInt8]) {
        guard bytes.count <= Self.inlineCapacity else {
            long = bytes.withUnsafeBufferPointer { Array($0) }
            return
        }
        count = UInt8(truncatingIfNeeded: bytes.count)
        bytes.withUnsafeBytes { source in
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: source) }
        }
    }

    /// Calls `body` with the id's bytes.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let long { return try long.withUnsafeBytes(body) }
        var copy = words
        return try withUnsafeBytes(of: &copy) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(Int(count)))) }
    }

    public var bytes: [UInt8] { withBytes { Array($0) } }

    public static func == (lhs: RequestIDBytes, rhs: RequestIDBytes) -> Bool {
        lhs.withBytes { left in rhs.withBytes { right in left.elementsEqual(right) } }
    }
}
