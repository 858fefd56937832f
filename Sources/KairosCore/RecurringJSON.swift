import KairosProtocol

/// The HTTP API's object for a recurring job (issue 15): ztick's three keys first, in their
/// order, so a client that knows only those reads it unchanged; then the schedule as `PUT`
/// takes it, and INFO's counters:
///
///     {"id":"j","status":"planned","execution":<ns>,"every":"1h30m",
///      "retry":{"count":3,"backoff":"10s"},"runs":2,"failures":1,"last_outcome":"failed","last_at":<ns>}
///
/// A cron job has `"cron":"<expr>","timezone":"<zone>"` where `every` is. One-shot jobs keep the
/// three-key object of docs/protocol.md#http-api.
enum RecurringJSON {
    static func appendJob(id: Bytes, record: JobRecord, _ job: RecurringJob, to out: inout [UInt8]) {
        JSONEncoder.appendJob(id: id, status: record.status, execution: record.execution, to: &out)
        out.removeLast()  // the closing brace: the schedule members follow
        let recurrence = job.recurrence
        if let cron = recurrence.cron {
            out.append(contentsOf: Array(",\"cron\":".utf8))
            JSONEncoder.appendString(cron.expression, to: &out)
            out.append(contentsOf: Array(",\"timezone\":".utf8))
            JSONEncoder.appendString(cron.zone, to: &out)
        } else {
            out.append(contentsOf: Array(",\"every\":".utf8))
            JSONEncoder.appendString(DurationText.format(recurrence.interval), to: &out)
        }
        out.append(contentsOf: Array(",\"retry\":{\"count\":".utf8))
        ResponseEncoder.appendDecimal(Int64(recurrence.retries), to: &out)
        out.append(contentsOf: Array(",\"backoff\":".utf8))
        JSONEncoder.appendString(DurationText.format(recurrence.backoff), to: &out)
        let counters = job.counters
        out.append(contentsOf: Array("},\"runs\":\(counters.runs),\"failures\":\(counters.failures),\"last_outcome\":\"".utf8))
        out.append(contentsOf: Array((counters.lastOutcome?.name ?? "none").utf8))
        out.append(contentsOf: Array("\",\"last_at\":".utf8))
        ResponseEncoder.appendDecimal(counters.lastOutcome == nil ? 0 : counters.lastAt, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}
