import KairosProtocol

/// Decoding of `PUT` bodies (docs/protocol.md#http-api with D-http-api). Unknown members are ignored.
enum RequestBodies {
    struct Refusal: Error {
        var message: String
        var response: HTTPResponse { .error(400, message) }
        static let invalidJSON = Refusal(message: "invalid json")
    }

    /// A decoded job body: the line protocol's plain `SET` or its recurring forms.
    struct JobBody: Equatable {
        /// The first run (EVERY's anchor); ignored by a cron schedule, whose first run the core
        /// computes from its clock as for `SET ... CRON`.
        var execution: Int64
        /// nil: a one-shot job (a plain SET, which also ends a previous schedule).
        var recurrence: Recurrence?
    }

    /// `{"execution": "<RFC 3339>" | <integer ns>, "every": "<duration>", "cron": "<expr>",
    /// "timezone": "<zone>", "retry": {"count": <n>, "backoff": "<duration>"}}`.
    ///
    /// The schedule members are the line protocol's `EVERY`, `CRON`, `TZ` and `RETRY` clause,
    /// validated by the same functions (`ScheduleClause`) and combined by the same rules: at
    /// most one of `every` and `cron`; `execution` is required except with `cron`, where it is
    /// optional and ignored (so a job read with GET can be PUT back as it is); `timezone` only
    /// with `cron`; `retry` only with a schedule. A member that is present must have its type
    /// (`null` is not absence).
    static func job(_ body: Bytes) -> Result<JobBody, Refusal> {
        guard let value = JSONReader.parse(body), case .object = value else { return .failure(.invalidJSON) }
        var execution: Int64?
        if let member = value["execution"] {
            guard let parsed = Self.execution(member) else { return .failure(.invalidJSON) }
            execution = parsed
        }
        let every = value["every"], cron = value["cron"], zone = value["timezone"], retry = value["retry"]
        if every != nil, cron != nil { return .failure(Refusal(message: "every and cron exclude each other")) }
        if zone != nil, cron == nil { return .failure(Refusal(message: "timezone needs cron")) }
        if retry != nil, every == nil, cron == nil { return .failure(Refusal(message: "retry needs every or cron")) }
        var recurrence: Recurrence
        if let every {
            guard let execution else { return .failure(.invalidJSON) }
            guard case .string(let text) = every, let interval = ScheduleClause.interval(text) else {
                return .failure(Refusal(message: "invalid every"))
            }
            recurrence = Recurrence(interval: interval, anchor: execution)
        } else if let cron {
            guard case .string(let expression) = cron else { return .failure(Refusal(message: "invalid cron")) }
            var zoneName = Array(ScheduleClause.defaultZone.utf8)
            if let zone {
                guard case .string(let name) = zone else { return .failure(Refusal(message: "invalid timezone")) }
                zoneName = name
            }
            switch ScheduleClause.cronRule(expression: expression, zone: zoneName) {
            case .success(let rule): recurrence = Recurrence(cron: rule)
            case .failure(.expression): return .failure(Refusal(message: "invalid cron"))
            case .failure(.zone): return .failure(Refusal(message: "invalid timezone"))
            }
        } else {
            guard let execution else { return .failure(.invalidJSON) }
            return .success(JobBody(execution: execution, recurrence: nil))
        }
        if let retry {
            guard let (count, backoff) = Self.retry(retry) else { return .failure(Refusal(message: "invalid retry")) }
            recurrence.retries = count
            if let backoff { recurrence.backoff = backoff }
        }
        return .success(JobBody(execution: execution ?? 0, recurrence: recurrence))
    }

    /// An RFC 3339 string or an integer of nanoseconds.
    private static func execution(_ member: JSONValue) -> Int64? {
        switch member {
        case .string(let text): Timestamp.parseRFC3339(text)
        case .number: member.int64
        default: nil
        }
    }

    /// `{"count": <0-65535>, "backoff": "<duration>"}`, backoff optional (default 10s). The
    /// count is a JSON integer (`3` and `3.0` alike, as JSON Schema's `integer`) in RETRY's range.
    private static func retry(_ member: JSONValue) -> (UInt16, Int64?)? {
        guard case .object = member, let count = member["count"]?.int64, count >= 0,
            count <= Int64(ScheduleClause.maximumRetries)
        else { return nil }
        guard let backoff = member["backoff"] else { return (UInt16(count), nil) }
        guard case .string(let text) = backoff, let delay = ScheduleClause.interval(text) else { return nil }
        return (UInt16(count), delay)
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
