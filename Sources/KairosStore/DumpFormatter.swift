import KairosCore
import KairosProtocol

/// `kairos dump` output formats (docs/logfile-format.md#kairos-dump).
public enum DumpFormat: String, Sendable, CaseIterable {
    case text, json
}

/// One output line per entry, byte-exact with the reference's dump.
enum DumpFormatter {
    static func appendLine(_ entry: LogEntry, format: DumpFormat, to out: inout [UInt8]) {
        switch format {
        case .text: appendText(entry, to: &out)
        case .json: appendJSON(entry, to: &out)
        }
        out.append(0x0A)
    }

    // MARK: text

    /// Field layout of LISTRULES for rules; ids and fields raw (no quoting, docs/protocol.md#request-ids).
    static func appendText(_ entry: LogEntry, to out: inout [UInt8]) {
        switch entry {
        case .job(let id, let execution, let status):
            ResponseEncoder.append("SET ", to: &out)
            out.append(contentsOf: id)
            out.append(0x20)
            ResponseEncoder.appendDecimal(execution, to: &out)
            out.append(0x20)
            ResponseEncoder.append(status.name, to: &out)
        case .rule(let id, let pattern, let runner):
            ResponseEncoder.append("RULE SET ", to: &out)
            out.append(contentsOf: id)
            out.append(0x20)
            out.append(contentsOf: pattern)
            out.append(0x20)
            ResponseEncoder.appendRunner(runner, to: &out)
        case .jobRemoval(let id):
            ResponseEncoder.append("REMOVE ", to: &out)
            out.append(contentsOf: id)
        case .ruleRemoval(let id):
            ResponseEncoder.append("REMOVERULE ", to: &out)
            out.append(contentsOf: id)
        case .schedule(let id, let recurrence, let counters):
            // `SCHEDULE <id> every=<d> anchor=<ns> retry=<n>/<d> last=<outcome>@<ns> runs=<n>
            // failures=<n> attempt=<n>` (issue 15; the reference has no such entry).
            ResponseEncoder.append("SCHEDULE ", to: &out)
            out.append(contentsOf: id)
            let schedule = recurrence.cron.map { "cron=\"\($0.expression)\"@\($0.zone)" }
                ?? "every=\(DurationText.format(recurrence.interval))"
            ResponseEncoder.append(
                " \(schedule) anchor=\(recurrence.anchor)"
                    + " retry=\(recurrence.retries)/\(DurationText.format(recurrence.backoff))"
                    + " last=\(counters.lastOutcome?.name ?? "none")@\(counters.lastAt)"
                    + " runs=\(counters.runs) failures=\(counters.failures) attempt=\(counters.attempt)",
                to: &out)
        }
    }

    // MARK: JSON

    /// NDJSON, keys in the reference's order, no whitespace.
    static func appendJSON(_ entry: LogEntry, to out: inout [UInt8]) {
        switch entry {
        case .job(let id, let execution, let status):
            ResponseEncoder.append(#"{"type":"set","identifier":"#, to: &out)
            appendString(id, to: &out)
            ResponseEncoder.append(#","execution":"#, to: &out)
            ResponseEncoder.appendDecimal(execution, to: &out)
            ResponseEncoder.append(#","status":""#, to: &out)
            ResponseEncoder.append(status.name, to: &out)
            ResponseEncoder.append(#""}"#, to: &out)
        case .rule(let id, let pattern, let runner):
            ResponseEncoder.append(#"{"type":"rule_set","identifier":"#, to: &out)
            appendString(id, to: &out)
            ResponseEncoder.append(#","pattern":"#, to: &out)
            appendString(pattern, to: &out)
            ResponseEncoder.append(#","runner":"#, to: &out)
            appendRunner(runner, to: &out)
            out.append(UInt8(ascii: "}"))
        case .jobRemoval(let id):
            ResponseEncoder.append(#"{"type":"remove","identifier":"#, to: &out)
            appendString(id, to: &out)
            out.append(UInt8(ascii: "}"))
        case .ruleRemoval(let id):
            ResponseEncoder.append(#"{"type":"remove_rule","identifier":"#, to: &out)
            appendString(id, to: &out)
            out.append(UInt8(ascii: "}"))
        case .schedule(let id, let recurrence, let counters):
            ResponseEncoder.append(#"{"type":"schedule","identifier":"#, to: &out)
            appendString(id, to: &out)
            if let cron = recurrence.cron {
                ResponseEncoder.append(#","cron":"#, to: &out)
                appendString(Array(cron.expression.utf8), to: &out)
                ResponseEncoder.append(#","timezone":"#, to: &out)
                appendString(Array(cron.zone.utf8), to: &out)
            }
            ResponseEncoder.append(
                #","every_ns":\#(recurrence.interval),"anchor":\#(recurrence.anchor),"retries":\#(recurrence.retries)"#
                    + #","backoff_ns":\#(recurrence.backoff),"last_outcome":"\#(counters.lastOutcome?.name ?? "none")""#
                    + #","last_at":\#(counters.lastAt),"runs":\#(counters.runs),"failures":\#(counters.failures)"#
                    + #","attempt":\#(counters.attempt)}"#,
                to: &out)
        }
    }

    private static func appendRunner(_ runner: RunnerSpec, to out: inout [UInt8]) {
        ResponseEncoder.append(#"{"type":""#, to: &out)
        ResponseEncoder.append(runner.kindName, to: &out)
        out.append(UInt8(ascii: "\""))
        switch runner {
        case .shell(let command):
            appendField("command", command, to: &out)
        case .direct(let executable, let args):
            appendField("executable", executable, to: &out)
            appendList("args", args, to: &out)
        case .awf(let workflow, let inputs):
            appendField("workflow", workflow, to: &out)
            appendList("inputs", inputs, to: &out)
        case .http(let method, let url):
            appendField("method", method, to: &out)
            appendField("url", url, to: &out)
        case .amqp(let dsn, let exchange, let routingKey):
            appendField("dsn", dsn, to: &out)
            appendField("exchange", exchange, to: &out)
            appendField("routing_key", routingKey, to: &out)
        case .redis(let url, let command, let key):
            appendField("url", url, to: &out)
            appendField("command", command, to: &out)
            appendField("key", key, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `,"name":"value"`
    private static func appendField(_ name: String, _ value: Bytes, to out: inout [UInt8]) {
        ResponseEncoder.append(",\"\(name)\":", to: &out)
        appendString(value, to: &out)
    }

    /// `,"name":["a","b"]`
    private static func appendList(_ name: String, _ items: [Bytes], to out: inout [UInt8]) {
        ResponseEncoder.append(",\"\(name)\":[", to: &out)
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(item, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A quoted JSON string with exactly the reference's escapes: `"` `\` LF CR TAB get
    /// two-character escapes, other bytes below 0x20 `\u00xx` (lowercase hex); every other
    /// byte, 0x7F and non-ASCII included, is copied raw.
    static func appendString(_ bytes: Bytes, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(byte)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                ResponseEncoder.append("\\u00", to: &out)
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0x0F))
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
