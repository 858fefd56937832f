import KairosProtocol

/// A decoded JSON request body. Strings are their UTF-8 bytes (ids are bytes everywhere);
/// numbers keep their text so an `Int64` is read exactly, never through a `Double`.
public indirect enum JSONValue: Sendable, Equatable {
    case object([Member])
    case array([JSONValue])
    case string(Bytes)
    case number(Bytes)
    case bool(Bool)
    case null

    public struct Member: Sendable, Equatable {
        public var key: Bytes
        public var value: JSONValue

        public init(_ key: Bytes, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The member named `key` of an object (keys are unique: the reader refuses duplicates).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        let wanted = Array(key.utf8)
        return members.first { $0.key == wanted }?.value
    }

    /// A number whose value is an integer that fits an `Int64`, computed exactly from its text:
    /// `5`, `5.0` and `0.5e1` are all 5 (JSON Schema's `integer` means the value, not the
    /// spelling); `5.5` and `1e19` are nil.
    public var int64: Int64? {
        guard case .number(let text) = self else { return nil }
        return Self.exactInteger(text)
    }

    /// `text` is already a valid JSON number (the reader checked it).
    static func exactInteger(_ text: Bytes) -> Int64? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index = 1 }
        var digits: Bytes = []
        var fractionCount = 0
        var inFraction = false
        while index < text.count, text[index] != UInt8(ascii: "e"), text[index] != UInt8(ascii: "E") {
            if text[index] == UInt8(ascii: ".") {
                inFraction = true
            } else {
                digits.append(text[index] - UInt8(ascii: "0"))
                if inFraction { fractionCount += 1 }
            }
            index += 1
        }
        var exponent = 0
        if index < text.count {
            guard let parsed = Int(String(decoding: text[(index + 1)...], as: UTF8.self)), abs(parsed) < 1_000 else {
                return nil
            }
            exponent = parsed
        }
        // value = digits × 10^(exponent − fractionCount); drop leading zeros, then either append
        // zeros or require the dropped trailing digits to be zeros.
        let shift = exponent - fractionCount
        while digits.count > 1, digits.first == 0 { digits.removeFirst() }
        if shift < 0 {
            let cut = -shift
            guard cut <= digits.count || digits.allSatisfy({ $0 == 0 }) else { return nil }
            let dropped = digits.suffix(min(cut, digits.count))
            guard dropped.allSatisfy({ $0 == 0 }) else { return nil }
            digits.removeLast(min(cut, digits.count))
        } else {
            guard digits.count + shift <= 20 || digits.allSatisfy({ $0 == 0 }) else { return nil }
            if !digits.allSatisfy({ $0 == 0 }) { digits += Bytes(repeating: 0, count: shift) }
        }
        // Accumulated negatively so that Int64.min is reachable.
        var value: Int64 = 0
        for digit in digits {
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = shifted.subtractingReportingOverflow(Int64(digit))
            guard !overflowA, !overflowB else { return nil }
            value = next
        }
        if negative { return value }
        return value == .min ? nil : -value
    }
}
