import KairosProtocol

/// Decoding of `PUT` bodies (docs/protocol.md#http-api with D-http-api). Unknown members are ignored.
enum RequestBodies {
    struct Refusal: Error {
        var message: String
        var response: HTTPResponse { .error(400, message) }
        static let invalidJSON = Refusal(message: "invalid json")
    }

    /// `{"execution": "<RFC 3339>" | <integer ns>}`
    static func job(_ body: Bytes) -> Result<Int64, Refusal> {
        guard let value = JSONReader.parse(body), let execution = value["execution"] else { return .failure(.invalidJSON) }
        switch execution {
        case .string(let text):
            guard let parsed = Timestamp.parseRFC3339(text) else { return .failure(.invalidJSON) }
            return .success(parsed)
        case .number:
            guard let parsed = execution.int64 else { return .failure(.invalidJSON) }
            return .success(parsed)
        default:
            return .failure(.invalidJSON)
        }
    }

    /// `{"pattern": "<p>", "runner": "<kind>", "args": ["<string>", …]}`, all three required.
    /// Arguments are validated exactly as `RULE SET` validates the same tokens (so `shell`
    /// joins them with one space, D-shell-tokens), except that, as in the reference, `shell` and `direct`
    /// accept an empty list (an empty command or executable).
    static func rule(_ body: Bytes) -> Result<(Bytes, RunnerSpec), Refusal> {
        guard let value = JSONReader.parse(body), case .string(let pattern)? = value["pattern"],
            case .string(let kind)? = value["runner"], case .array(let elements)? = value["args"]
        else { return .failure(.invalidJSON) }
        var arguments: [Bytes] = []
        for element in elements {
            guard case .string(let argument) = element else { return .failure(.invalidJSON) }
            arguments.append(argument)
        }
        let kindName = String(decoding: kind, as: UTF8.self)
        if arguments.isEmpty, kindName == "shell" { return .success((pattern, .shell(command: []))) }
        if arguments.isEmpty, kindName == "direct" { return .success((pattern, .direct(executable: [], args: []))) }
        if let runner = RunnerSpec(kind: kind, arguments: arguments) { return .success((pattern, runner)) }
        switch kindName {
        case "awf" where arguments.isEmpty: return .failure(Refusal(message: "missing workflow argument"))
        case "awf", "http", "amqp", "redis": return .failure(Refusal(message: "invalid \(kindName) runner arguments"))
        default: return .failure(Refusal(message: "unsupported runner type"))
        }
    }
}
