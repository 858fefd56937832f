/// The recurrence clause that may follow a SET's timestamp (issue 15):
/// `EVERY <duration> [RETRY <n> [<backoff>]]`.
///
/// ztick clients never send these keywords, and a SET without them parses exactly as before
/// (surplus tokens ignored). With them the clause is strict: any token it cannot place makes
/// the request `ERROR`.
public enum ScheduleClause: Equatable, Sendable {
    /// No clause: a plain (one-shot) SET.
    case none
    case recurring(Recurrence)
    /// A clause was started but is not valid: answer `ERROR`, change nothing.
    case invalid

    /// Looks for the clause right after the timestamp, which is one token (integer) or two
    /// (date and time) starting at token 3; `anchor` is the parsed timestamp.
    public static func parse(_ tokens: TokenList, anchor: Int64) -> ScheduleClause {
        for start in 4...5 where start < tokens.count {
            if tokens.tokenEquals(start, "EVERY") { return parseEvery(tokens, at: start, anchor: anchor) }
            // RETRY needs a schedule to fall back to.
            if tokens.tokenEquals(start, "RETRY") { return .invalid }
        }
        return .none
    }

    /// `SET <job> CRON "<expr>" [TZ <zone>] [RETRY ...]`: token 3 is `CRON`. The first run is
    /// computed by the core from its clock (the parser has none).
    public static func parseCron(_ tokens: TokenList) -> ScheduleClause {
        guard tokens.count > 4 else { return .invalid }
        var next = 5
        var zone = Array(defaultZone.utf8)
        if next < tokens.count, tokens.tokenEquals(next, "TZ") {
            guard next + 1 < tokens.count else { return .invalid }
            zone = tokens.token(next + 1)
            next += 2
        }
        guard case .success(let rule) = cronRule(expression: tokens.token(4), zone: zone) else { return .invalid }
        return parseRetry(tokens, at: next, Recurrence(cron: rule))
    }

    // MARK: The values, shared with the HTTP API's job body (`"every"`, `"retry"`), so both
    // front ends accept and refuse exactly the same schedules.

    /// An `EVERY` interval or a `RETRY` backoff: a duration of at least `Recurrence.minimumInterval`.
    public static func interval<C: Collection>(_ text: C) -> Int64? where C.Element == UInt8 {
        guard let value = DurationText.parse(text), value >= Recurrence.minimumInterval else { return nil }
        return value
    }

    /// A `RETRY` count given as decimal text: 1-5 digits, at most `maximumRetries`.
    public static func retryCount<C: Collection>(_ text: C) -> UInt16? where C.Element == UInt8 {
        guard !text.isEmpty, text.count <= 5 else { return nil }
        var value = 0
        for byte in text {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value <= Int(maximumRetries) ? UInt16(value) : nil
    }

    public static let maximumRetries = UInt16.max

    /// The zone of a cron schedule that names none.
    public static let defaultZone = "UTC"

    /// Which part of a cron schedule is refused.
    public enum CronRefusal: Error, Sendable, Equatable {
        case expression
        case zone
    }

    /// A `CRON` expression in a `TZ` zone (IANA name), both as sent.
    public static func cronRule(expression: Bytes, zone: Bytes) -> Result<CronRule, CronRefusal> {
        let expressionText = String(decoding: expression, as: UTF8.self)
        let zoneText = String(decoding: zone, as: UTF8.self)
        if let rule = CronRule(expression: expressionText, zone: zoneText) { return .success(rule) }
        // Tell the two apart for the HTTP API's error message: the expression alone, in UTC.
        return CronRule(expression: expressionText, zone: defaultZone) == nil ? .failure(.expression) : .failure(.zone)
    }

    private static func parseEvery(_ tokens: TokenList, at start: Int, anchor: Int64) -> ScheduleClause {
        guard start + 1 < tokens.count, let interval = tokens.withToken(start + 1, { Self.interval($0) })
        else { return .invalid }
        return parseRetry(tokens, at: start + 2, Recurrence(interval: interval, anchor: anchor))
    }

    /// `[RETRY <n> [<backoff>]]` at `start`, then the end of the line.
    private static func parseRetry(_ tokens: TokenList, at start: Int, _ base: Recurrence) -> ScheduleClause {
        var recurrence = base
        var next = start
        if next < tokens.count {
            guard tokens.tokenEquals(next, "RETRY"), next + 1 < tokens.count,
                  let count = tokens.withToken(next + 1, { retryCount($0) })
            else { return .invalid }
            recurrence.retries = count
            next += 2
            if next < tokens.count {
                guard let backoff = tokens.withToken(next, { interval($0) }) else { return .invalid }
                recurrence.backoff = backoff
                next += 1
            }
        }
        return next == tokens.count ? .recurring(recurrence) : .invalid
    }
}
