/// What a complete request line amounts to once its keyword is read.
public enum ParsedLine: Equatable, Sendable {
    /// To be sent to the core; `Command.malformed` is answered `<id> ERROR` there.
    case request(Request)
    /// No response at all (docs/protocol.md#instructions): unknown or lowercase keyword, GET without a job id,
    /// SET with fewer than two operands, RULE not followed by SET, AUTH outside the AUTH phase.
    case silent
}

/// Instruction recognition (docs/protocol.md#instructions, docs/protocol.md#instructions): keywords are byte-exact and case-sensitive,
/// surplus arguments are ignored unless the instruction says otherwise.
public enum RequestParser {
    /// `tokens[0]` is the request id, `tokens[1...]` the args (at least one after `.complete`).
    ///
    /// `spare` supplies the arrays the request id and the job, rule or prefix id are copied
    /// into; the server passes recycled ones so the hot path allocates nothing. It is called
    /// only for a line that yields a request.
    public static func parse(_ tokens: TokenList, spare: () -> Bytes = { Bytes() }) -> ParsedLine {
        guard tokens.count >= 2 else { return .silent }
        guard let command = command(tokens, spare) else { return .silent }
        return .request(Request(id: tokens.token(0, reusing: spare()), command: command))
    }

    /// `nil` means silence. Token 1 is the keyword; operands start at token 2.
    private static func command(_ tokens: TokenList, _ spare: () -> Bytes) -> Command? {
        let operands = tokens.count - 2
        if tokens.tokenEquals(1, "SET") {
            guard operands >= 2 else { return nil }
            if tokens.tokenEquals(3, "CRON") {
                // The core plans the first run at the next occurrence after its clock.
                guard case .recurring(let recurrence) = ScheduleClause.parseCron(tokens) else { return .malformed }
                return .setRecurring(job: tokens.token(2, reusing: spare()), execution: 0, recurrence: recurrence)
            }
            // D-bad-timestamps: a timestamp that does not parse is an error, not the reference's 0.
            guard let execution = Timestamp.parse(tokens, from: 3) else { return .malformed }
            switch ScheduleClause.parse(tokens, anchor: execution) {
            case .none: return .set(job: tokens.token(2, reusing: spare()), execution: execution)
            case .recurring(let recurrence):
                return .setRecurring(job: tokens.token(2, reusing: spare()), execution: execution, recurrence: recurrence)
            case .invalid: return .malformed
            }
        }
        if tokens.tokenEquals(1, "GET") {
            guard operands >= 1 else { return nil }
            return .get(job: tokens.token(2, reusing: spare()))
        }
        if tokens.tokenEquals(1, "QUERY") {
            return .query(prefix: operands >= 1 ? tokens.token(2, reusing: spare()) : [])
        }
        if tokens.tokenEquals(1, "REMOVE") {
            return operands >= 1 ? .remove(job: tokens.token(2, reusing: spare())) : .malformed
        }
        if tokens.tokenEquals(1, "REMOVERULE") {
            return operands >= 1 ? .removeRule(rule: tokens.token(2, reusing: spare())) : .malformed
        }
        if tokens.tokenEquals(1, "RULE") {
            guard operands >= 1, tokens.tokenEquals(2, "SET") else { return nil }
            // `RULE SET <rule-id> <pattern> <kind> K...`: anything short of that is ERROR.
            guard operands >= 3, let runner = RuleParser.parseRunner(tokens, kindIndex: 5) else { return .malformed }
            return .ruleSet(rule: tokens.token(3), pattern: tokens.token(4), runner: runner)
        }
        if tokens.tokenEquals(1, "INFO") {
            return operands >= 1 ? .info(job: tokens.token(2, reusing: spare())) : .malformed
        }
        if tokens.tokenEquals(1, "LISTRULES") { return .listRules }
        if tokens.tokenEquals(1, "STAT") { return .stat }
        return nil
    }
}
