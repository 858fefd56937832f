import TOMLKit

/// Renders parsed TOML values and keys back into TOML notation for error messages.
///
/// TOMLKit keeps no source text, so "the value as written" is the value re-spelled: `0x10` comes back as `16`,
/// but strings keep their quotes so `"512"` and `512` stay distinguishable in a message.
enum TOMLText {
    static func value(_ node: any TOMLValueConvertible) -> String {
        switch node.type {
        case .string:
            return quoted(node.string ?? "")
        case .int:
            return node.int.map { String($0) } ?? ""
        case .double:
            return node.double.map(double) ?? ""
        case .bool:
            return node.bool.map { $0 ? "true" : "false" } ?? ""
        case .array:
            guard let array = node.array else { return "[]" }
            return "[" + array.map { value($0) }.joined(separator: ", ") + "]"
        case .table:
            guard let table = node.table, !table.isEmpty else { return "{}" }
            let pairs = table.keys.compactMap { name in table[name].map { "\(key(name)) = \(value($0))" } }
            return "{ " + pairs.joined(separator: ", ") + " }"
        case .date, .time, .dateTime:
            return node.tomlValue.debugDescription
        }
    }

    /// A key as TOML would need it written: bare when it can be, quoted otherwise.
    static func key(_ name: String) -> String {
        let bare = !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2D
        }
        return bare ? name : quoted(name)
    }

    /// A file path as a message shows it: as is when it is plain printable text (what the operator typed,
    /// `/etc/kairos/tokens.toml`), TOML-quoted when it is empty or holds spaces, quotes, backslashes or
    /// control characters, so the message still shows exactly where one path ends.
    static func path(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && !(0x7F...0x9F).contains(scalar.value) && scalar != "\"" && scalar != "\\"
        }
        return plain ? text : quoted(text)
    }

    /// A TOML basic string, escaping what TOML requires so the message is itself valid TOML.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func double(_ number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        return String(number)
    }
}
