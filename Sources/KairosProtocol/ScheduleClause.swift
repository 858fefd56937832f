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
        let expression = String(decoding: tokens.token(4), as: UTF8.self)
        var next = 5
        var zone = "UTC"
        if next < tokens.count, tokens.tokenEquals(next, "TZ") {
            guard next + 1 < tokens.count else { return .invalid }
            zone = String(decoding: tokens.token(next + 1), as: UTF8.self)
            next += 2
        }
        guard let rule = CronRule(expression: expression, zone: zone) else { return .invalid }
        return parseRetry(tokens, at: next, Recurrence(cron: rule))
    }

    private static func parseEvery(_ tokens: TokenList, at start: Int, anchor: Int64) -> ScheduleClause {
        guard start + 1 < tokens.count,
              let interval = tokens.withToken(start + 1, { DurationText.parse($0) }),
              interval >= Recurrence.minimumInterval
        else { return .invalid }
        return parseRetry(tokens, at: start + 2, Recurrence(interval: interval, anchor: anchor))
    }

    /// `[RETRY <n> [<backoff>]]` at `start`, then the end of the line.
    private static func parseRetry(_ tokens: TokenList, at start: Int, _ base: Recurrence) -> ScheduleClause {
        var recurrence = base
        var next = start
        if next < tokens.count {
            guard tokens.tokenEquals(next, "RETRY"), next + 1 < tokens.count,
                  let count = tokens.withToken(next + 1, { parseCount($0) })
            else { return .invalid }
            recurrence.retries = count
            next += 2
            if next < tokens.count {
                guard let backoff = tokens.withToken(next, { DurationText.parse($0) }), backoff >= Recurrence.minimumInterval
                else { return .invalid }
                recurrence.backoff = backoff
                next += 1
            }
        }
        return next == tokens.count ? .recurring(recurrence) : .invalid
    }

    /// A retry count: 1-5 decimal digits, at most 65535.
    private static func parseCount(_ bytes: UnsafeRawBufferPointer) -> UInt16? {
        guard !bytes.isEmpty, bytes.count <= 5 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value <= Int(UInt16.max) ? UInt16(value) : nil
    }
}
