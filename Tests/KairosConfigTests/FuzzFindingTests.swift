import Testing
import KairosConfig

/// Inputs the fuzzers (Fuzz/) found crashing the loaders; each must now be an ordinary refusal.
@Suite struct FuzzFindingTests {
    /// toml++ asserted (SIGABRT, in debug and release builds alike) in `parse_time` on a date, a `T` and no
    /// time, when the same token held a `:`.
    static let dateWithoutTime: [String] = [
        "a = 2024-01-01T:00",
        "a = 2024-01-01T:",
        "a = 2024-01-01tz:00",
        "a = 2024-01-01T.5:",
        "x = [1, 2024-01-01T:00]",
        "x = { y = 2024-01-01T-: }",
        "[database]\nframerate = 2024-01-01T:00",
    ]

    @Test(arguments: dateWithoutTime)
    func configRefusesDateWithoutTime(toml: String) {
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(toml: toml, checkShellPath: false) }
        let line = toml.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(error?.kind == .syntax)
        #expect(error?.line == line)
        #expect(error?.description.hasPrefix("line \(line), column ") == true)
        #expect(error?.description.hasSuffix(": a date followed by 'T' must be followed by a time (HH:MM:SS)") == true)
    }

    @Test func exactMessage() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(toml: "# é\n[log]\n\"é\" = 2024-01-01T:00", checkShellPath: false)
        }
        #expect(error?.description
            == "line 3, column 18: a date followed by 'T' must be followed by a time (HH:MM:SS)")
    }

    @Test(arguments: dateWithoutTime)
    func authFileRefusesDateWithoutTime(toml: String) {
        let text = "[token.a]\nsecret = \"s\"\nnamespace = \"*\"\n" + toml
        let error = #expect(throws: AuthFileError.self) { try AuthFileLoader.parse(toml: text) }
        #expect(error?.kind == .syntax)
        #expect(error?.description.hasSuffix(": a date followed by 'T' must be followed by a time (HH:MM:SS)") == true)
    }

    /// toml++ asserted in `parse_key` when a table header's first key character was neither a bare-key
    /// character nor a quote (the fuzzer's input was `[` ESC `hell]`).
    static let headerWithoutKey: [(toml: String, line: Int, column: Int)] = [
        ("[\u{1B}hell]\npath = \"/x\"", 1, 2),
        ("[\n", 1, 2),
        ("[[ =]]", 1, 4),
        ("[log]\nlevel = \"info\"\n  [ #]", 3, 5),
        ("[.a]", 1, 2),
        ("a = [\n  1,\n]\n[\r\n", 4, 2),
        ("\u{FEFF}[[ \u{01}\"", 1, 4),  // after a byte order mark, which toml++ skips
    ]

    @Test(arguments: 0..<headerWithoutKey.count)
    func configRefusesHeaderWithoutKey(index: Int) {
        let (toml, line, column) = Self.headerWithoutKey[index]
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(toml: toml, checkShellPath: false) }
        #expect(error?.description
            == "line \(line), column \(column): expected a key after '[' in a table header")
        let authError = #expect(throws: AuthFileError.self) { try AuthFileLoader.parse(toml: toml) }
        #expect(authError?.kind == .syntax)
    }

    /// toml++ asserted in `parse_value` when an array's value position held `}` or a Unicode line
    /// separator (the fuzzer's input was `[shell]` / `args = ["-c", }["-c", 1`).
    static let arrayWithoutValue: [(toml: String, line: Int, column: Int, message: String)] = [
        ("[shell]\nargs = [\"-c\", }[\"-c\", 1", 2, 15, "expected a value or ']' in an array, saw '}'"),
        ("a = [ }", 1, 7, "expected a value or ']' in an array, saw '}'"),
        ("a = [1, # c\n }", 2, 2, "expected a value or ']' in an array, saw '}'"),
        ("a = {b = [}]}", 1, 11, "expected a value or ']' in an array, saw '}'"),
        ("a = [\u{2028}]", 1, 6, "U+0085, U+2028 and U+2029 are allowed only in strings and comments"),
        ("a = [1,\u{85}]", 1, 8, "U+0085, U+2028 and U+2029 are allowed only in strings and comments"),
    ]

    @Test(arguments: 0..<arrayWithoutValue.count)
    func configRefusesArrayWithoutValue(index: Int) {
        let (toml, line, column, message) = Self.arrayWithoutValue[index]
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(toml: toml, checkShellPath: false) }
        #expect(error?.description == "line \(line), column \(column): \(message)")
        let authError = #expect(throws: AuthFileError.self) { try AuthFileLoader.parse(toml: toml) }
        #expect(authError?.kind == .syntax)
    }

    /// toml++ asserted in its value scan after a date-like value, a space and one digit (the fuzzer's
    /// input was `intervnterv= 1979-09--= 1 79-)9--27`).
    static let dateThenLoneDigit: [(toml: String, column: Int)] = [
        ("intervnterv= 1979-09--= 1 79-)9--27", 25),
        ("a = 1979-05-27 7 ", 16),
        ("a=1979-05-27 7\n", 14),
        ("a = [1979-05-27 7]", 17),
        ("a = [1, 1979-05-27 7,]", 20),
        ("a = 1979_-05-27 7#", 17),
    ]

    @Test(arguments: 0..<dateThenLoneDigit.count)
    func configRefusesDateThenLoneDigit(index: Int) {
        let (toml, column) = Self.dateThenLoneDigit[index]
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(toml: toml, checkShellPath: false) }
        #expect(error?.description
            == "line 1, column \(column): a date followed by a space must be followed by a time (HH:MM:SS)")
    }

    /// A nested array opening a line is a value, not a header, and stays toml++'s to judge.
    @Test func nestedArrayLinesAreNotHeaders() throws {
        let text = "[token.a]\nsecret = \"s\"\nnamespace = \"*\"\nlist = [\n[\n1], [ \"x\" ]\n]\n[ \"token\" . b ]\nsecret = \"t\"\nnamespace = \"b.\""
        let tokens = try AuthFileLoader.parse(toml: text)
        #expect(tokens.map(\.name) == ["a", "b"])
    }

    /// The guard skips strings and comments and lets real date-times through: no valid file is refused.
    @Test func validTextIsUntouched() throws {
        let text = """
            # 2024-01-01T:00 in a comment
            [token.a]
            secret = "2024-01-01T:00"
            namespace = '2024-01-01t:'
            note = \"\"\"
            2024-01-01T:00 \\
            \"\"\"\"
            raw = '''2024-01-01T:00'''
            when = 2024-01-01T10:00:00Z
            day = 2024-01-01
            empty = [ ]
            spaced = 1979-05-27 07:32:00
            dates = [1979-05-27, 1979-05-28 ]
            tables = [ {}, { x = [ ] }, ]
            # a comment may hold \u{2028}
            sep = "\u{2028}"
            """
        let tokens = try AuthFileLoader.parse(toml: text)
        #expect(tokens == [AuthToken(name: "a", secret: Array("2024-01-01T:00".utf8), namespace: Array("2024-01-01t:".utf8))])
    }
}
