import KairosProtocol

/// RFC 3986 §2.1 percent-decoding of a path segment or query value (D-http-api): `%XX` becomes the
/// byte XX, every other byte stays as it is (`+` is a plus, not a space: that is HTML form
/// encoding, not RFC 3986). A `%` not followed by two hex digits makes the whole value invalid.
public enum PercentDecoding {
    public static func decode<C: Collection<UInt8>>(_ bytes: C) -> Bytes? where C.Index == Int {
        var out: Bytes = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 3 <= bytes.endIndex,
                    let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
                else { return nil }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
