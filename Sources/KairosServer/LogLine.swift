import Glibc
import KairosProtocol
import Logging

/// How a log record becomes one line of stderr: `text` (`<time> [LEVEL] message key=value...`)
/// or `json` (one object per line, for journald, Loki and the like). Time is RFC 3339 in UTC
/// with milliseconds.
enum LogLine {
    static func text(timeNs: Int64, level: Logger.Level, message: String, metadata: Logger.Metadata?) -> String {
        var line = timestamp(timeNs)
        line.reserveCapacity(line.utf8.count + message.utf8.count + 10)
        line += " ["
        line += label(level)
        line += "] "
        line += message
        if let metadata, !metadata.isEmpty {
            line += " " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        return line + "\n"
    }

    /// `{"time":…,"level":…,"message":…}` then metadata keys in name order, every value a string.
    static func json(timeNs: Int64, level: Logger.Level, message: String, metadata: Logger.Metadata?) -> String {
        var line = "{\"time\":\"\(timestamp(timeNs))\",\"level\":\"\(label(level).lowercased())\",\"message\":"
        appendQuoted(message, to: &line)
        for (key, value) in (metadata ?? [:]).sorted(by: { $0.key < $1.key }) where !["time", "level", "message"].contains(key) {
            line += ","
            appendQuoted(key, to: &line)
            line += ":"
            appendQuoted("\(value)", to: &line)
        }
        return line + "}\n"
    }

    static func label(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "DEBUG"
        case .info, .notice: "INFO"
        case .warning: "WARN"
        case .error, .critical: "ERROR"
        }
    }

    /// `2026-12-07T12:46:32.123Z`. Digits are written into one fixed buffer: every log line
    /// starts with this, and the runner logs a line per run.
    static func timestamp(_ ns: Int64) -> String {
        var seconds = time_t(ns >= 0 ? ns / 1_000_000_000 : (ns - 999_999_999) / 1_000_000_000)
        let millis = Int((ns - Int64(seconds) * 1_000_000_000) / 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = Int(parts.tm_year) + 1900
        guard (0...9999).contains(year) else {
            // Outside four digits (a clock far off): padded strings, never a wrong digit.
            func pad(_ value: Int, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            return "\(pad(year, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
                + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(millis, 3))Z"
        }
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var rest = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            put(year, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(Int(parts.tm_mon) + 1, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(Int(parts.tm_mday), 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            put(Int(parts.tm_hour), 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(Int(parts.tm_min), 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(Int(parts.tm_sec), 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            put(millis, 3, at: 20)
            buffer[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped (RFC 8259).
    static func appendQuoted(_ text: String, to out: inout String) {
        out += JSONEncoder.quoted(text)
    }
}
