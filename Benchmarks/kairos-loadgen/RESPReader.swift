/// One RESP2 reply value as the load generator needs it. Text and bulk payloads are byte ranges
/// of the buffer that was read, so decoding allocates nothing.
enum RESPValue: Equatable, Sendable {
    /// `+OK\r\n`: the text between the type byte and CRLF.
    case simple(Range<Int>)
    /// `-ERR ...\r\n`.
    case error(Range<Int>)
    /// `:<i64>\r\n`.
    case integer(Int64)
    /// `$<length>\r\n<bytes>\r\n`: the payload.
    case bulk(Range<Int>)
    /// `$-1\r\n` (GET of a missing key) and `*-1\r\n`.
    case null
    /// `*<count>\r\n` header of an array: the load generator never sends a command that is
    /// answered with one, so the checker reports it rather than decoding its elements.
    case array(count: Int)
}

/// Decodes one RESP2 value from a byte buffer (pure; the self-test drives it with exact bytes).
///
/// `.needMore` when the value is not complete yet (the caller keeps the bytes and offers them
/// again with more); a malformed value is a `Violation`. Lines must end in CRLF, lengths and
/// integers must be plain decimals (a leading `-` only on integers and the null lengths), and a
/// bulk payload must be followed by CRLF.
enum RESPReader {
    enum Step: Equatable {
        case value(RESPValue, end: Int)
        case needMore
    }

    /// Longest simple line or bulk payload accepted; the replies to this load are far shorter,
    /// so anything longer is a fault rather than a reason to buffer without bound.
    static let maximumLength = 65_536

    static func read(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(Violation) -> Step {
        guard start < bytes.count else { return .needMore }
        guard let lineFeed = ByteScan.index(of: 0x0A, in: bytes, from: start) else {
            if bytes.count - start > maximumLength {
                throw Violation(description: "a RESP line exceeds \(maximumLength) bytes without CRLF")
            }
            return .needMore
        }
        guard lineFeed > start + 1, bytes[lineFeed - 1] == 0x0D else {
            throw Violation(description: "RESP line '\(show(bytes, start..<lineFeed))' not terminated by CRLF")
        }
        let body = (start + 1)..<(lineFeed - 1)
        let next = lineFeed + 1
        switch bytes[start] {
        case UInt8(ascii: "+"):
            return .value(.simple(body), end: next)
        case UInt8(ascii: "-"):
            return .value(.error(body), end: next)
        case UInt8(ascii: ":"):
            guard let value = signedDecimal(UnsafeRawBufferPointer(rebasing: bytes[body])) else {
                throw Violation(description: "RESP integer '\(show(bytes, body))' is not a 64-bit decimal")
            }
            return .value(.integer(value), end: next)
        case UInt8(ascii: "$"):
            let text = UnsafeRawBufferPointer(rebasing: bytes[body])
            if ByteScan.equals(text, "-1") { return .value(.null, end: next) }
            guard let length = ByteScan.strictDecimal(text), length <= UInt64(maximumLength) else {
                throw Violation(description: "RESP bulk length '\(show(bytes, body))' is not a decimal up to \(maximumLength)")
            }
            let end = next + Int(length)
            guard end + 2 <= bytes.count else { return .needMore }
            guard bytes[end] == 0x0D, bytes[end + 1] == 0x0A else {
                throw Violation(description: "RESP bulk string of \(length) bytes not followed by CRLF")
            }
            return .value(.bulk(next..<end), end: end + 2)
        case UInt8(ascii: "*"):
            let text = UnsafeRawBufferPointer(rebasing: bytes[body])
            if ByteScan.equals(text, "-1") { return .value(.null, end: next) }
            guard let count = ByteScan.strictDecimal(text), count <= UInt64(maximumLength) else {
                throw Violation(description: "RESP array length '\(show(bytes, body))' is not a decimal")
            }
            return .value(.array(count: Int(count)), end: next)
        default:
            throw Violation(description: "RESP reply '\(show(bytes, start..<(lineFeed - 1)))' starts with an unknown type byte")
        }
    }

    /// Optional `-`, then digits without a leading zero (except "0"), within Int64.
    static func signedDecimal(_ text: UnsafeRawBufferPointer) -> Int64? {
        let negative = text.first == 0x2D
        let digits = negative ? UnsafeRawBufferPointer(rebasing: text.dropFirst()) : text
        guard let magnitude = ByteScan.strictDecimal(digits) else { return nil }
        if negative {
            guard magnitude != 0, magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    static func show(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        ByteScan.show(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }
}
