/// JSON text for the HTTP API (docs/protocol.md#http-api): no whitespace, keys in the order the caller writes them.
///
/// Ids and patterns are bytes, and JSON strings are Unicode. Valid UTF-8 is written as is
/// (escaping only `"`, `\` and control characters); each byte that is not part of a valid UTF-8
/// sequence becomes U+FFFD. Such an id therefore does not round-trip through JSON: clients reach
/// it by its percent-encoded URL instead (D-http-api).
public enum JSONEncoder {
    public static func appendString(_ bytes: Bytes, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            out.append(contentsOf: bytes)
        } else {
            appendEscaped(bytes, to: &out)
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func appendString(_ text: String, to out: inout [UInt8]) {
        appendString(Array(text.utf8), to: &out)
    }

    /// `text` as a JSON string literal, quotes included (log lines, `kairos cli stat --json`).
    public static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        appendString(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendEscaped(_ bytes: Bytes, to out: inout [UInt8]) {
        // Decoding replaces every invalid sequence with U+FFFD, which is the documented choice.
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: [0x5C, 0x22])
            case "\\": out.append(contentsOf: [0x5C, 0x5C])
            case "\n": out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case "\r": out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case "\t": out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out.append(contentsOf: Array("\\u00".utf8))
                    out.append(hexDigit(UInt8(scalar.value >> 4)))
                    out.append(hexDigit(UInt8(scalar.value & 0xF)))
                } else {
                    out.append(contentsOf: Array(String(scalar).utf8))
                }
            }
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// `"key":` — the caller writes the value and any separating comma.
    public static func appendKey(_ key: StaticString, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// `{"id":…,"status":…,"execution":…}`, the job shape of docs/protocol.md#http-api.
    public static func appendJob(id: Bytes, status: JobStatus, execution: Int64, to out: inout [UInt8]) {
        out.append(contentsOf: Array("{\"id\":".utf8))
        appendString(id, to: &out)
        out.append(contentsOf: Array(",\"status\":\"".utf8))
        out.append(contentsOf: Array(status.name.utf8))
        out.append(contentsOf: Array("\",\"execution\":".utf8))
        ResponseEncoder.appendDecimal(execution, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// `{"id":…,"pattern":…,"runner":"<kind>"}` (docs/protocol.md#http-api), plus `"args":[…]` for `GET /rules/{id}` (D-http-api).
    public static func appendRule(id: Bytes, pattern: Bytes, runner: RunnerSpec, withArgs: Bool, to out: inout [UInt8]) {
        out.append(contentsOf: Array("{\"id\":".utf8))
        appendString(id, to: &out)
        out.append(contentsOf: Array(",\"pattern\":".utf8))
        appendString(pattern, to: &out)
        out.append(contentsOf: Array(",\"runner\":\"".utf8))
        out.append(contentsOf: Array(runner.kindName.utf8))
        out.append(UInt8(ascii: "\""))
        if withArgs {
            out.append(contentsOf: Array(",\"args\":[".utf8))
            for (index, argument) in runner.arguments.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(argument, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }
}

extension RunnerSpec {
    /// The `args` of the HTTP rule body (docs/protocol.md#http-api): the line protocol's tokens after the kind, so
    /// `GET /rules/{id}` returns what a `PUT` of the same rule takes.
    public var arguments: [Bytes] {
        switch self {
        case .shell(let command): [command]
        case .direct(let executable, let args): [executable] + args
        case .awf(let workflow, let inputs): [workflow] + inputs.flatMap { [Array("--input".utf8), $0] }
        case .http(let method, let url): [method, url]
        case .amqp(let dsn, let exchange, let routingKey): [dsn, exchange, routingKey]
        case .redis(let url, let command, let key): [url, command, key]
        }
    }
}
