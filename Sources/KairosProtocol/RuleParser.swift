/// Validation of `RULE SET` runner specs (docs/protocol.md#rule-kinds, with D-shell-tokens for `shell`).
///
/// Runs entirely at parse time, before namespace checks and persistence, so a bad spec is
/// `ERROR` whatever the caller's namespace (docs/protocol.md#namespaces).
enum RuleParser {
    /// `tokens[kindIndex]` is the runner kind and the tokens after it are its arguments `K`.
    /// `nil` when the kind is missing or unknown or `K` breaks the kind's requirements.
    static func parseRunner(_ tokens: TokenList, kindIndex: Int) -> RunnerSpec? {
        guard kindIndex < tokens.count else { return nil }
        let first = kindIndex + 1
        let argumentCount = tokens.count - first
        if tokens.tokenEquals(kindIndex, "shell") {
            // D-shell-tokens: every remaining token belongs to the command, joined by one space.
            guard argumentCount >= 1 else { return nil }
            return .shell(command: tokens.joined(first..<tokens.count))
        }
        if tokens.tokenEquals(kindIndex, "direct") {
            guard argumentCount >= 1 else { return nil }
            return .direct(executable: tokens.token(first), args: ((first + 1)..<tokens.count).map(tokens.token))
        }
        if tokens.tokenEquals(kindIndex, "awf") {
            return parseAWF(tokens, first: first)
        }
        if tokens.tokenEquals(kindIndex, "http") {
            guard argumentCount >= 2, isHTTPMethod(tokens, first),
                  tokens.tokenHasPrefix(first + 1, "http://") || tokens.tokenHasPrefix(first + 1, "https://")
            else { return nil }
            return .http(method: tokens.token(first), url: tokens.token(first + 1))
        }
        if tokens.tokenEquals(kindIndex, "amqp") {
            // The DSN is checked by the runner when it connects, not here (docs/protocol.md#rule-kinds).
            guard argumentCount >= 3 else { return nil }
            return .amqp(dsn: tokens.token(first), exchange: tokens.token(first + 1), routingKey: tokens.token(first + 2))
        }
        if tokens.tokenEquals(kindIndex, "redis") {
            // `rediss://` (TLS) is a Kairos addition (D-network-runners); the reference accepts `redis://` only.
            guard argumentCount >= 3, tokens.tokenHasPrefix(first, "redis://") || tokens.tokenHasPrefix(first, "rediss://"),
                  isRedisCommand(tokens, first + 1)
            else { return nil }
            return .redis(url: tokens.token(first), command: tokens.token(first + 1), key: tokens.token(first + 2))
        }
        return nil
    }

    /// `awf <workflow> (--input <kv>)*`, nothing else after the workflow.
    private static func parseAWF(_ tokens: TokenList, first: Int) -> RunnerSpec? {
        guard first < tokens.count, (tokens.count - first - 1) % 2 == 0 else { return nil }
        var inputs: [Bytes] = []
        var flag = first + 1
        while flag < tokens.count {
            guard tokens.tokenEquals(flag, "--input") else { return nil }
            inputs.append(tokens.token(flag + 1))
            flag += 2
        }
        return .awf(workflow: tokens.token(first), inputs: inputs)
    }

    private static func isHTTPMethod(_ tokens: TokenList, _ i: Int) -> Bool {
        tokens.tokenEquals(i, "GET") || tokens.tokenEquals(i, "POST")
            || tokens.tokenEquals(i, "PUT") || tokens.tokenEquals(i, "DELETE")
    }

    private static func isRedisCommand(_ tokens: TokenList, _ i: Int) -> Bool {
        tokens.tokenEquals(i, "PUBLISH") || tokens.tokenEquals(i, "RPUSH")
            || tokens.tokenEquals(i, "LPUSH") || tokens.tokenEquals(i, "SET")
    }
}

extension RunnerSpec {
    /// A runner from a kind and its argument list, validated exactly as `RULE SET` validates the
    /// same tokens (docs/protocol.md#rule-kinds, D-shell-tokens), for callers whose arguments are not a request line (the
    /// HTTP API). `nil` when `RULE SET <id> <pattern> <kind> <arguments...>` would be `ERROR`.
    public init?(kind: Bytes, arguments: [Bytes]) {
        var tokens = TokenList()
        for token in [kind] + arguments {
            token.withUnsafeBytes { tokens.append($0) }
            tokens.endToken()
        }
        guard let runner = RuleParser.parseRunner(tokens, kindIndex: 0) else { return nil }
        self = runner
    }
}
