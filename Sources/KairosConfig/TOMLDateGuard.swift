/// Finds the one input known to crash toml++ (3.x, as vendored by TOMLKit 0.6) before it gets there.
///
/// toml++ picks a value's type from a scan up to the next value terminator; a scan with a date, a `T`
/// and a `:` goes to its date-time parser, which, after `YYYY-MM-DDT`, *asserts* that a digit follows
/// (`parse_time`: `is_decimal_digit(*cp)`). `a = 2024-01-01T:00` therefore aborts the process instead of
/// being a syntax error; found by the config fuzzer (Fuzz/). No valid TOML has such a token outside
/// strings and comments (a bare key cannot contain `:`), so refusing it first changes no valid file.
enum TOMLDateGuard {
    /// Where the time should have started, or nil when the text has no such token.
    static func findDateWithoutTime(_ text: String) -> TOMLDocument.SyntaxFailure? {
        var scanner = Scanner(bytes: Array(text.utf8))
        return scanner.run()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        var lineStart = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func run() -> TOMLDocument.SyntaxFailure? {
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "#"):
                    skipComment()
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    skipString(quote: bytes[index])
                case UInt8(ascii: "\n"):
                    index += 1
                    line += 1
                    lineStart = index
                default:
                    if let failure = dateWithoutTime(at: index) { return failure }
                    index += 1
                }
            }
            return nil
        }

        /// `YYYY-MM-DD` then `T`/`t` then a non-digit, in a scan (up to a terminator) holding a `:`.
        func dateWithoutTime(at start: Int) -> TOMLDocument.SyntaxFailure? {
            guard start + 11 <= bytes.count else { return nil }
            for offset in [0, 1, 2, 3, 5, 6, 8, 9] where !isDigit(bytes[start + offset]) { return nil }
            guard bytes[start + 4] == UInt8(ascii: "-"), bytes[start + 7] == UInt8(ascii: "-"),
                  bytes[start + 10] == UInt8(ascii: "T") || bytes[start + 10] == UInt8(ascii: "t")
            else { return nil }
            let afterT = start + 11
            if afterT < bytes.count && isDigit(bytes[afterT]) { return nil }
            var end = afterT
            while end < bytes.count && !isTerminator(bytes[end]) {
                if bytes[end] == UInt8(ascii: ":") {
                    // Columns count characters, as the NUL check's do.
                    let column = bytes[lineStart..<afterT].count(where: { $0 & 0xC0 != 0x80 }) + 1
                    return TOMLDocument.SyntaxFailure(
                        line: line, column: column,
                        message: "a date followed by 'T' must be followed by a time (HH:MM:SS)"
                    )
                }
                end += 1
            }
            return nil
        }

        mutating func skipComment() {
            while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
        }

        /// Basic (`"`, with backslash escapes) and literal (`'`) strings, single- or multi-line. A single-line
        /// string also ends at a newline (unterminated: toml++ reports that itself).
        mutating func skipString(quote: UInt8) {
            let multiLine = index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
            index += multiLine ? 3 : 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                    // A line-ending backslash in a multi-line string escapes the newline: still a new line.
                    if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n") {
                        line += 1
                        lineStart = index + 2
                    }
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\n") {
                    if !multiLine { return }
                    line += 1
                    lineStart = index + 1
                }
                if byte == quote {
                    if !multiLine {
                        index += 1
                        return
                    }
                    // Up to two quotes may sit just inside the closing delimiter: take the whole run (≤ 5).
                    var run = 0
                    while index + run < bytes.count && bytes[index + run] == quote && run < 5 { run += 1 }
                    index += run
                    if run >= 3 { return }
                    continue
                }
                index += 1
            }
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        /// What ends toml++'s type scan of a value: whitespace, newline, `,` `]` `}` `#` (and `=`, which
        /// ends a key).
        func isTerminator(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"),
                 UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "#"), UInt8(ascii: "="):
                true
            default:
                false
            }
        }
    }
}
