import KairosCore
import KairosProtocol

/// The fields of a schedule entry (type 4, issue 15) after its id, all big-endian:
///
/// `kind:u8` then for 0 (every) `interval:i64`, for 1 (cron) `expression:string zone:string`;
/// then `anchor:i64` `retries:u16` `backoff:i64`
/// `runs:u64` `failures:u64` `last:u8` (0 none, 2 executed, 3 failed) `last_at:i64` `attempt:u16`
///
/// The reference does not know the type and skips the whole frame.
enum ScheduleCodec {
    static let kindEvery: UInt8 = 0
    static let kindCron: UInt8 = 1

    static func appendFields(_ recurrence: Recurrence, _ counters: RunCounters, to out: inout [UInt8]) throws(LogEncodeError) {
        if let cron = recurrence.cron {
            out.append(kindCron)
            try LogCodec.appendString(Array(cron.expression.utf8), to: &out)
            try LogCodec.appendString(Array(cron.zone.utf8), to: &out)
        } else {
            out.append(kindEvery)
            LogCodec.appendInt64(recurrence.interval, to: &out)
        }
        LogCodec.appendInt64(recurrence.anchor, to: &out)
        LogCodec.appendUInt16(recurrence.retries, to: &out)
        LogCodec.appendInt64(recurrence.backoff, to: &out)
        LogCodec.appendInt64(Int64(bitPattern: counters.runs), to: &out)
        LogCodec.appendInt64(Int64(bitPattern: counters.failures), to: &out)
        out.append(counters.lastOutcome?.rawValue ?? 0)
        LogCodec.appendInt64(counters.lastAt, to: &out)
        LogCodec.appendUInt16(counters.attempt, to: &out)
    }

    static func readFields(_ reader: inout PayloadReader) throws(LogDecodeError) -> (Recurrence, RunCounters) {
        let start = reader.offset
        let kind = try reader.readUInt8()
        var cron: CronRule?
        var interval: Int64 = 0
        switch kind {
        case kindEvery:
            interval = Int64(bitPattern: try reader.readUInt64())
        case kindCron:
            let expression = String(decoding: try reader.readString(), as: UTF8.self)
            let zone = String(decoding: try reader.readString(), as: UTF8.self)
            // A zone this machine's tz database lacks makes the entry undecodable: the job
            // replays one-shot at its planned time, with a warning, rather than guessing.
            guard let rule = CronRule(expression: expression, zone: zone) else { throw .invalidSchedule(offset: start) }
            cron = rule
        default:
            throw .invalidSchedule(offset: start)
        }
        let anchor = Int64(bitPattern: try reader.readUInt64())
        let retries = try reader.readUInt16()
        let backoff = Int64(bitPattern: try reader.readUInt64())
        let runs = try reader.readUInt64()
        let failures = try reader.readUInt64()
        let lastByte = try reader.readUInt8()
        let lastAt = Int64(bitPattern: try reader.readUInt64())
        let attempt = try reader.readUInt16()
        // Values the parser could never produce mean a damaged or foreign frame: skip it rather
        // than plan a job every nanosecond.
        guard cron != nil || interval >= Recurrence.minimumInterval, backoff >= 0,
              lastByte == 0 || lastByte == JobStatus.executed.rawValue || lastByte == JobStatus.failed.rawValue
        else { throw .invalidSchedule(offset: start) }
        var recurrence = Recurrence(interval: interval, anchor: anchor, retries: retries, backoff: backoff)
        recurrence.cron = cron
        let counters = RunCounters(
            runs: runs, failures: failures, lastOutcome: lastByte == 0 ? nil : JobStatus(rawValue: lastByte),
            lastAt: lastAt, attempt: attempt)
        return (recurrence, counters)
    }
}
