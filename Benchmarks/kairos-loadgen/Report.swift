import Histogram

/// An ordered list of named figures, printed as text for people or as one flat JSON object
/// (`--json`) for scripts: flat so that run-bench.sh can pick fields without a JSON library.
struct Report {
    enum Value {
        case int(Int64)
        case number(Double)
        case text(String)
        case missing
    }

    private(set) var fields: [(key: String, value: Value)] = []

    mutating func add(_ key: String, _ value: Int) { fields.append((key, .int(Int64(value)))) }
    mutating func add(_ key: String, _ value: Int64) { fields.append((key, .int(value))) }
    mutating func add(_ key: String, _ value: UInt64) { fields.append((key, .int(Int64(clamping: value)))) }
    mutating func add(_ key: String, _ value: Double) {
        fields.append((key, value.isFinite ? .number(value) : .missing))
    }
    mutating func add(_ key: String, _ value: String?) { fields.append((key, value.map(Value.text) ?? .missing)) }
    mutating func add(_ key: String, _ value: Int?) {
        fields.append((key, value.map { .int(Int64($0)) } ?? .missing))
    }

    /// The latency percentiles the bench quotes, in ns, under `<prefix>_p50_ns` and so on.
    mutating func addLatency(_ prefix: String, _ histogram: Histogram<UInt64>) {
        guard histogram.totalCount > 0 else {
            for suffix in ["p50", "p90", "p99", "p999", "max"] { fields.append(("\(prefix)_\(suffix)_ns", .missing)) }
            return
        }
        add("\(prefix)_p50_ns", histogram.valueAtPercentile(50))
        add("\(prefix)_p90_ns", histogram.valueAtPercentile(90))
        add("\(prefix)_p99_ns", histogram.valueAtPercentile(99))
        add("\(prefix)_p999_ns", histogram.valueAtPercentile(99.9))
        add("\(prefix)_max_ns", histogram.max)
    }

    func json() -> String {
        let body = fields.map { field in "\"\(field.key)\":\(Self.jsonValue(field.value))" }
        return "{" + body.joined(separator: ",") + "}"
    }

    func text() -> String {
        let width = fields.map(\.key.count).max() ?? 0
        return fields.map { field in
            let pad = String(repeating: " ", count: width - field.key.count)
            return "\(field.key)\(pad)  \(Self.textValue(field.key, field.value))"
        }.joined(separator: "\n")
    }

    private static func jsonValue(_ value: Value) -> String {
        switch value {
        case .int(let number): return String(number)
        case .number(let number): return format(number)
        case .missing: return "null"
        case .text(let text):
            var escaped = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case "\n": escaped += "\\n"
                case _ where scalar.value < 0x20: escaped += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return "\"\(escaped)\""
        }
    }

    private static func textValue(_ key: String, _ value: Value) -> String {
        switch value {
        case .missing: return "-"
        case .text(let text): return text
        case .number(let number): return format(number)
        case .int(let number):
            // Latencies read better in microseconds; the JSON keeps exact nanoseconds.
            if key.hasSuffix("_ns"), number >= 1_000_000_000 { return "\(number) ns (\(format(Double(number) / 1e9)) s)" }
            if key.hasSuffix("_ns"), number >= 1_000_000 { return "\(number) ns (\(format(Double(number) / 1e6)) ms)" }
            if key.hasSuffix("_ns"), number >= 10_000 { return "\(number) ns (\(format(Double(number) / 1e3)) us)" }
            if key.hasSuffix("_bytes"), number >= 1 << 20 { return "\(number) (\(format(Double(number) / 1_048_576)) MiB)" }
            return String(number)
        }
    }

    /// No exponent; three decimals below 100 (seconds, percentages), one above (rates):
    /// 12345.7, 0.125, 42.
    static func format(_ number: Double) -> String {
        let scale: Double = abs(number) < 100 ? 1000 : 10
        let scaled = (number * scale).rounded()
        guard abs(scaled) < 9e17 else { return String(Int64(number.rounded())) }
        let units = Int64(scaled)
        let whole = units / Int64(scale)
        var fraction = String(abs(units % Int64(scale)))
        while fraction.count < (scale == 1000 ? 3 : 1) { fraction = "0" + fraction }
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let sign = units < 0 && whole == 0 ? "-" : ""
        return fraction.isEmpty ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }
}
