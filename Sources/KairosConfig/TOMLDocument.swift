import TOMLKit

/// Parses TOML text with TOMLKit, turning its untyped throw into a value both loaders can map to their own error.
enum TOMLDocument {
    /// Where and why the text is not TOML.
    struct SyntaxFailure: Error, Equatable {
        var line: Int
        var column: Int
        var message: String

        /// `line L, column C: message`, the position first as editors expect it.
        var text: String { "line \(line), column \(column): \(message)" }
    }

    static func parse(_ text: String) -> Result<TOMLTable, SyntaxFailure> {
        // TOMLKit hands toml++ a C string, which would silently end at a NUL; TOML forbids raw NULs anyway.
        if let failure = nulFailure(text) {
            return .failure(failure)
        }
        // toml++ aborts (assert) on some invalid texts; refuse those before it gets them.
        if let failure = TOMLPreflight.check(text) {
            return .failure(failure)
        }
        do {
            return .success(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            let begin = error.source.begin
            return .failure(SyntaxFailure(line: begin.line, column: begin.column, message: plain(error.description)))
        } catch {
            return .failure(SyntaxFailure(line: 1, column: 1, message: String(describing: error)))
        }
    }

    /// toml++ starts most messages with the parser step that failed (`Error while parsing key-value pair: cannot
    /// redefine existing string 'level'`); the operator needs only what is wrong, after the step.
    /// Control characters are escaped so the message stays one line on the terminal.
    static func plain(_ message: String) -> String {
        var text = Substring(message)
        if message.hasPrefix("Error while parsing "), let colon = message.firstIndex(of: ":") {
            let rest = message[message.index(after: colon)...].drop(while: { $0 == " " })
            if !rest.isEmpty { text = rest }
        }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 {
                out += "\\u" + String(repeating: "0", count: scalar.value < 0x10 ? 3 : 2) + String(scalar.value, radix: 16, uppercase: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func nulFailure(_ text: String) -> SyntaxFailure? {
        var line = 1
        var column = 1
        for scalar in text.unicodeScalars {
            if scalar == "\0" {
                return SyntaxFailure(line: line, column: column, message: "NUL characters are not allowed in TOML")
            }
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return nil
    }
}
