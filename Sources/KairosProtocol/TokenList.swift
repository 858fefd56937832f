/// The tokens of one request, unescaped, in reusable storage.
///
/// All tokens live back to back in one byte array, with one end offset per token, so that
/// tokenizing a short well-formed line allocates nothing once both arrays have grown to fit:
/// every fill starts with `removeAll(keepingCapacity: true)`.
///
/// The contents are meaningful only after `Tokenizer.next` returned `.complete`; after any
/// other result they hold whatever the last scan had read so far.
public struct TokenList: Sendable {
    /// Unescaped bytes of every token, concatenated.
    private var storage: [UInt8] = []
    /// `ends[i]` is the offset in `storage` one past token `i`'s last byte.
    private var ends: [Int] = []

    /// Capacity for the tokens of a request of `Tokenizer.requestLimit` bytes, so a normal
    /// line never grows the arrays.
    public init() {
        storage.reserveCapacity(Tokenizer.requestLimit)
        ends.reserveCapacity(16)
    }

    /// Number of tokens, request id included.
    public var count: Int { ends.count }

    /// Token `i`'s unescaped bytes; the pointer is valid only inside `body`.
    public func withToken<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let range = bounds(i)
        return try storage.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[range]))
        }
    }

    /// Token `i` as a new array.
    public func token(_ i: Int) -> Bytes {
        Array(storage[bounds(i)])
    }

    /// Token `i` copied into `array`'s storage (emptied first), so a recycled array with
    /// enough capacity costs no allocation.
    public func token(_ i: Int, reusing array: consuming Bytes) -> Bytes {
        var out = array
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: storage[bounds(i)])
        return out
    }

    /// Whether token `i` is byte for byte `literal` (case-sensitive, docs/protocol.md#conventions).
    public func tokenEquals(_ i: Int, _ literal: StaticString) -> Bool {
        withToken(i) { token in
            let literalBytes = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
            return token.elementsEqual(literalBytes)
        }
    }

    /// Whether token `i` begins with `literal`.
    package func tokenHasPrefix(_ i: Int, _ literal: StaticString) -> Bool {
        withToken(i) { token in
            let literalBytes = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
            return token.count >= literalBytes.count && token.starts(with: literalBytes)
        }
    }

    /// Tokens `range` copied and joined by one `SP` each (D-shell-tokens's shell command).
    package func joined(_ range: Range<Int>) -> Bytes {
        var out = Bytes()
        for i in range {
            if i != range.lowerBound { out.append(0x20) }
            out.append(contentsOf: storage[bounds(i)])
        }
        return out
    }

    private func bounds(_ i: Int) -> Range<Int> {
        precondition(i >= 0 && i < ends.count, "token index out of range")
        return (i == 0 ? 0 : ends[i - 1])..<ends[i]
    }

    // MARK: Filling (used by the tokenizer only)

    mutating func reset() {
        storage.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }

    /// Appends bytes to the token being read.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        storage.append(contentsOf: bytes)
    }

    /// Appends one byte to the token being read.
    mutating func append(_ byte: UInt8) {
        storage.append(byte)
    }

    /// Closes the token being read (it may be empty: `""`).
    mutating func endToken() {
        ends.append(storage.count)
    }
}
