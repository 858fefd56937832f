/// Builds response bytes (docs/protocol.md#answers). Every line is `<id> <text>\n`; the server never emits CR.
///
/// Appends into a caller-owned buffer so a multi-line response is one allocation.
public enum ResponseEncoder {
    public static let ok: [UInt8] = Array("OK".utf8)
    public static let error: [UInt8] = Array("ERROR".utf8)

    /// `<id> OK\n`
    public static func appendOK(id: Bytes, to out: inout [UInt8]) {
        out.append(contentsOf: id)
        out.append(0x20)
        out.append(contentsOf: ok)
        out.append(0x0A)
    }

    /// `<id> ERROR\n`
    public static func appendError(id: Bytes, to out: inout [UInt8]) {
        out.append(contentsOf: id)
        out.append(0x20)
        out.append(contentsOf: error)
        out.append(0x0A)
    }

    /// `<id> ` — the start of a record line; the caller appends fields and then `endLine`.
    @inline(__always)
    public static func beginLine(id: Bytes, to out: inout [UInt8]) {
        out.append(contentsOf: id)
        out.append(0x20)
    }

    @inline(__always)
    public static func endLine(_ out: inout [UInt8]) { out.append(0x0A) }

    @inline(__always)
    public static func appendSpace(_ out: inout [UInt8]) { out.append(0x20) }

    public static func append(_ text: String, to out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    /// Plain ASCII decimal with a leading `-` when negative; no padding (docs/protocol.md#conventions).
    public static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            appendDecimal(value.magnitude, to: &out)
        } else {
            appendDecimal(UInt64(value), to: &out)
        }
    }

    public static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        // 20 digits hold UInt64.max; digits are produced backwards into a stack tuple.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[23 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest != 0
            out.append(contentsOf: raw[(24 - count)...])
        }
    }

    /// The rule record shared by LISTRULES and `dump` (docs/protocol.md#listrules): `<kind> <fields>`,
    /// single spaces, no quoting.
    public static func appendRunner(_ runner: RunnerSpec, to out: inout [UInt8]) {
        append(runner.kindName, to: &out)
        switch runner {
        case .shell(let command):
            out.append(0x20); out.append(contentsOf: command)
        case .direct(let executable, let args):
            out.append(0x20); out.append(contentsOf: executable)
            for arg in args { out.append(0x20); out.append(contentsOf: arg) }
        case .awf(let workflow, let inputs):
            out.append(0x20); out.append(contentsOf: workflow)
            for input in inputs {
                append(" --input ", to: &out)
                out.append(contentsOf: input)
            }
        case .http(let method, let url):
            out.append(0x20); out.append(contentsOf: method)
            out.append(0x20); out.append(contentsOf: url)
        case .amqp(let dsn, let exchange, let routingKey):
            out.append(0x20); out.append(contentsOf: dsn)
            out.append(0x20); out.append(contentsOf: exchange)
            out.append(0x20); out.append(contentsOf: routingKey)
        case .redis(let url, let command, let key):
            out.append(0x20); out.append(contentsOf: url)
            out.append(0x20); out.append(contentsOf: command)
            out.append(0x20); out.append(contentsOf: key)
        }
    }
}
