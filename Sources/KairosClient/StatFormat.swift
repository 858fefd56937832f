import KairosProtocol
/// STAT's `<key> <value>` records as an aligned table (interactive mode) or one JSON object
/// (`stat --json`), keeping the server's key order.
public enum StatFormat {
    /// Splits each record at its first space; a record without one has an empty value.
    public static func pairs(_ records: [[UInt8]]) -> [(key: String, value: String)] {
        records.map { record in
            guard let space = record.firstIndex(of: UInt8(ascii: " ")) else {
                return (String(decoding: record, as: UTF8.self), "")
            }
            return (String(decoding: record[..<space], as: UTF8.self), String(decoding: record[(space + 1)...], as: UTF8.self))
        }
    }

    /// Keys padded to the longest; numbers right-aligned in their own column, words left-aligned
    /// in the same column. `uptime_ns` also shows days, hours, minutes and seconds.
    public static func table(_ records: [[UInt8]]) -> String {
        let rows = pairs(records)
        let keyWidth = rows.map { $0.key.count }.max() ?? 0
        let valueWidth = rows.map { $0.value.count }.max() ?? 0
        var text = ""
        for (key, value) in rows {
            let padding = String(repeating: " ", count: keyWidth - key.count + 2)
            let shown = isNumber(value) ? String(repeating: " ", count: valueWidth - value.count) + value : value
            text += key + padding + shown
            if key == "uptime_ns", let nanoseconds = UInt64(value) {
                text += String(repeating: " ", count: valueWidth - shown.count) + "  (" + duration(nanoseconds) + ")"
            }
            text += "\n"
        }
        return text
    }

    /// One line: `{"uptime_ns":123,...,"persistence":"logfile",...}`. Values that are JSON
    /// numbers stay numbers; everything else becomes a string.
    public static func json(_ records: [[UInt8]]) -> String {
        let members = pairs(records).map { key, value in
            jsonString(key) + ":" + (isNumber(value) ? value : jsonString(value))
        }
        return "{" + members.joined(separator: ",") + "}\n"
    }

    /// `3d 4h 5m 6s`, from the largest unit present down to seconds.
    static func duration(_ nanoseconds: UInt64) -> String {
        var seconds = nanoseconds / 1_000_000_000
        let days = seconds / 86_400
        seconds %= 86_400
        let parts: [(UInt64, String)] = [(days, "d"), (seconds / 3_600, "h"), (seconds % 3_600 / 60, "m"), (seconds % 60, "s")]
        let shown = parts.drop { $0.0 == 0 && $0.1 != "s" }
        return shown.map { "\($0.0)\($0.1)" }.joined(separator: " ")
    }

    /// A JSON number as the server writes them: an optional minus and digits without leading zeros.
    static func isNumber(_ value: String) -> Bool {
        let digits = value.hasPrefix("-") ? value.dropFirst() : Substring(value)
        guard let first = digits.first, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return first != "0" || digits.count == 1
    }

    static func jsonString(_ text: String) -> String { JSONEncoder.quoted(text) }
}
