/// Finds the inputs known to crash toml++ (3.x, as vendored by TOMLKit 0.6) before it gets them.
///
/// toml++ checks much of its grammar with `assert` (kept in release builds: TOMLKit does not define
/// NDEBUG), so some invalid texts abort the process instead of being syntax errors. The fuzzers (Fuzz/)
/// found these; no valid TOML contains any of them outside strings and comments, so refusing them first
/// changes nothing for a valid file:
/// - a date, `T` and no time in a token holding a `:` (`a = 2024-01-01T:00`): the type scan sends it
///   to the date-time parser, which asserts a digit after the `T` (`parse_time`);
/// - a table header whose first key character is neither a bare-key character nor a quote (`[\n`,
///   `[=]`, `[#]`, `[.a]`, a control character): `parse_table_header` only rules out `]` before
///   `parse_key` asserts on it;
/// - an array whose value position holds `}` or a Unicode line separator (`a = [ }`): toml++'s array
///   loop skips blanks, comments and line breaks, then `parse_value` asserts it is not at a terminator;
/// - a date-like value, a space, a single digit and a terminator (`a = 1979-05-27 7`): toml++ reads on
///   past the space for a time and its value scan asserts when it resumes at the terminator.
///
/// The scan follows enough structure to know where a statement starts: it skips strings and comments
/// and counts the `[`/`{` nesting of values, so a nested array opening a line is not a header.
enum TOMLPreflight {
    /// The first such spot, as a syntax failure, or nil when the text has none.
    static func check(_ text: String) -> TOMLDocument.SyntaxFailure? {
        var scanner = Scanner(bytes: Array(text.utf8))
        return scanner.run()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        var lineStart = 0
        /// Open `[` and `{` of the value being read, innermost last; empty between statements.
        var open: [UInt8] = []
        /// Right after an array's `[` or `,`, where toml++ expects a value.
        var valueExpected = false
        /// Right after `=` (blanks aside), where a value starts.
        var afterEquals = false
        /// Nothing but whitespace since the last statement ended.
        var atStatementStart = true
        /// On a table header's line, where brackets are not nesting.
        var inHeader = false

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // toml++ skips a UTF-8 byte order mark, so the statement after it still starts the file.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                index = 3
                lineStart = 3
            }
        }

        mutating func run() -> TOMLDocument.SyntaxFailure? {
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                    index += 1
                    continue
                }
                let statementStart = atStatementStart
                atStatementStart = false
                switch byte {
                case UInt8(ascii: "#"):
                    skipComment()
                    atStatementStart = statementStart
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    skipString(quote: byte)
                    valueExpected = false
                    afterEquals = false
                case UInt8(ascii: "\n"):
                    index += 1
                    line += 1
                    lineStart = index
                    inHeader = false
                    atStatementStart = open.isEmpty
                case UInt8(ascii: "[") where statementStart:
                    if let failure = headerWithoutKey(at: index) { return failure }
                    inHeader = true
                    index += 1
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    if !inHeader {
                        open.append(byte)
                        valueExpected = byte == UInt8(ascii: "[")
                    }
                    afterEquals = false
                    index += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    // toml++'s array loop handles `,` `]` blanks and comments, then asserts a value starts.
                    if byte == UInt8(ascii: "}") && valueExpected {
                        return failure(at: index, "expected a value or ']' in an array, saw '}'")
                    }
                    if !inHeader && !open.isEmpty { open.removeLast() }
                    valueExpected = false
                    afterEquals = false
                    index += 1
                case UInt8(ascii: ","):
                    valueExpected = open.last == UInt8(ascii: "[")
                    index += 1
                case UInt8(ascii: "="):
                    afterEquals = true
                    valueExpected = false
                    index += 1
                default:
                    // Unicode line separators count as whitespace in toml++'s value check but are
                    // consumed nowhere, so an array asserts on them; TOML allows them only in strings
                    // and comments.
                    if isUnicodeLineSeparator(at: index) {
                        return failure(at: index, "U+0085, U+2028 and U+2029 are allowed only in strings and comments")
                    }
                    if let failure = dateWithoutTime(at: index) { return failure }
                    if valueExpected || afterEquals, let failure = dateThenLoneDigit(at: index) { return failure }
                    valueExpected = false
                    afterEquals = false
                    index += 1
                }
            }
            return nil
        }

        /// A value of 10 characters shaped like a date (`-` 5th and 8th, `_` not counted), a space, one
        /// digit and a terminator: toml++ scans on past the space for a date-time's time, and its
        /// scan asserts when it resumes at the terminator (`a = 1979-05-27 7`).
        func dateThenLoneDigit(at start: Int) -> TOMLDocument.SyntaxFailure? {
            guard isDigit(bytes[start]) else { return nil }
            var characters: [UInt8] = []
            var position = start
            while position < bytes.count && !isTerminator(bytes[position]) {
                let byte = bytes[position]
                if byte != UInt8(ascii: "_") && byte & 0xC0 != 0x80 { characters.append(byte) }
                position += 1
            }
            guard characters.count == 10, characters[4] == UInt8(ascii: "-"), characters[7] == UInt8(ascii: "-"),
                  position + 2 < bytes.count, bytes[position] == UInt8(ascii: " "), isDigit(bytes[position + 1])
            else { return nil }
            let after = bytes[position + 2]
            guard isTerminator(after) || after >= 0x80 else { return nil }
            return failure(at: position + 1, "a date followed by a space must be followed by a time (HH:MM:SS)")
        }

        /// U+0085 (C2 85), U+2028 (E2 80 A8), U+2029 (E2 80 A9).
        func isUnicodeLineSeparator(at position: Int) -> Bool {
            let rest = bytes[position...]
            return rest.starts(with: [0xC2, 0x85]) || rest.starts(with: [0xE2, 0x80, 0xA8])
                || rest.starts(with: [0xE2, 0x80, 0xA9])
        }

        /// `[` or `[[`, optional blanks, then something other than a key's first character or `]`.
        func headerWithoutKey(at start: Int) -> TOMLDocument.SyntaxFailure? {
            var position = start + 1
            if position < bytes.count && bytes[position] == UInt8(ascii: "[") { position += 1 }
            while position < bytes.count && (bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t")) {
                position += 1
            }
            guard position < bytes.count else { return nil }  // end of file: toml++ reports it
            let byte = bytes[position]
            if isBareKeyByte(byte) || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "]") {
                return nil
            }
            return failure(at: position, "expected a key after '[' in a table header")
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
                    return failure(at: afterT, "a date followed by 'T' must be followed by a time (HH:MM:SS)")
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

        /// Columns count characters, as the NUL check's do.
        func failure(at position: Int, _ message: String) -> TOMLDocument.SyntaxFailure {
            let column = bytes[lineStart..<position].count(where: { $0 & 0xC0 != 0x80 }) + 1
            return TOMLDocument.SyntaxFailure(line: line, column: column, message: message)
        }

        /// TOML 1.0 bare keys: ASCII letters, digits, `_` and `-`.
        func isBareKeyByte(_ byte: UInt8) -> Bool {
            isDigit(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        /// What ends toml++'s type scan of a value (its ASCII part): whitespace, `,` `]` `}` `#`.
        func isTerminator(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), 0x0B, 0x0C,
                 UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "#"):
                true
            default:
                false
            }
        }
    }
}
