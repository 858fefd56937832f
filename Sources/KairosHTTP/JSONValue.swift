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

    /// A number without fraction or exponent that fits an `Int64`.
    public var int64: Int64? {
        guard case .number(let text) = self, !text.contains(where: { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 })
        else { return nil }
        return Int64(String(decoding: text, as: UTF8.self))
    }
}
