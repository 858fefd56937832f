import KairosCore
import KairosProtocol

/// Why an entry cannot be written in the logfile format (docs/logfile-format.md#frames): the format's length
/// prefixes are fixed-width, so oversized values are refused instead of being truncated.
public enum LogEncodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A string field is longer than its u16 length prefix allows (65535 bytes).
    case fieldTooLong(length: Int)
    /// A direct/awf list has more items than its u16 count allows.
    case tooManyItems(count: Int)
    /// The whole payload does not fit the u32 frame length.
    case frameTooLong(length: Int)

    public var description: String {
        switch self {
        case .fieldTooLong(let length): "string field of \(length) bytes exceeds 65535"
        case .tooManyItems(let count): "list of \(count) items exceeds 65535"
        case .frameTooLong(let length): "entry of \(length) bytes exceeds the frame limit"
        }
    }
}

/// Encodes log entries into the reference's frame and payload bytes (docs/logfile-format.md#frames–7.3).
///
/// Decoding lives in `LogDecoder`; the two are exact inverses for every valid payload, so
/// a frame can be copied verbatim (compaction) or re-encoded with the same result.
public enum LogCodec {
    /// Longest string a u16 length prefix can describe.
    public static let maxStringLength = Int(UInt16.max)

    /// Appends `length:u32 payload` for `entry`. On error `out` is left exactly as it was,
    /// so a batch buffer never holds half a frame.
    public static func appendFrame(_ entry: LogEntry, to out: inout [UInt8]) throws(LogEncodeError) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0] as [UInt8])
        do {
            try appendPayload(entry, to: &out)
        } catch {
            out.removeLast(out.count - start)
            throw error
        }
        let length = out.count - start - 4
        guard length <= Int(UInt32.max) else {
            out.removeLast(out.count - start)
            throw .frameTooLong(length: length)
        }
        out[start] = UInt8(truncatingIfNeeded: length >> 24)
        out[start + 1] = UInt8(truncatingIfNeeded: length >> 16)
        out[start + 2] = UInt8(truncatingIfNeeded: length >> 8)
        out[start + 3] = UInt8(truncatingIfNeeded: length)
    }

    /// One complete frame for `entry`.
    public static func encodeFrame(_ entry: LogEntry) throws(LogEncodeError) -> [UInt8] {
        var out: [UInt8] = []
        try appendFrame(entry, to: &out)
        return out
    }

    /// Appends the payload only (no length prefix). On error `out` may hold a partial payload;
    /// use `appendFrame` when that matters.
    public static func appendPayload(_ entry: LogEntry, to out: inout [UInt8]) throws(LogEncodeError) {
        switch entry {
        case .job(let id, let execution, let status):
            out.append(EntryType.job.rawValue)
            try appendString(id, to: &out)
            appendInt64(execution, to: &out)
            out.append(status.rawValue)
        case .rule(let id, let pattern, let runner):
            out.append(EntryType.rule.rawValue)
            try appendString(id, to: &out)
            try appendString(pattern, to: &out)
            try appendRunner(runner, to: &out)
        case .jobRemoval(let id):
            out.append(EntryType.jobRemoval.rawValue)
            try appendString(id, to: &out)
        case .ruleRemoval(let id):
            out.append(EntryType.ruleRemoval.rawValue)
            try appendString(id, to: &out)
        case .schedule(let id, let recurrence, let counters):
            out.append(EntryType.schedule.rawValue)
            try appendString(id, to: &out)
            try ScheduleCodec.appendFields(recurrence, counters, to: &out)
        }
    }

    // MARK: fields

    private static func appendRunner(_ runner: RunnerSpec, to out: inout [UInt8]) throws(LogEncodeError) {
        switch runner {
        case .shell(let command):
            out.append(RunnerKind.shell.rawValue)
            try appendString(command, to: &out)
        case .amqp(let dsn, let exchange, let routingKey):
            out.append(RunnerKind.amqp.rawValue)
            try appendString(dsn, to: &out)
            try appendString(exchange, to: &out)
            try appendString(routingKey, to: &out)
        case .direct(let executable, let args):
            out.append(RunnerKind.direct.rawValue)
            try appendString(executable, to: &out)
            try appendList(args, to: &out)
        case .awf(let workflow, let inputs):
            out.append(RunnerKind.awf.rawValue)
            try appendString(workflow, to: &out)
            try appendList(inputs, to: &out)
        case .http(let method, let url):
            out.append(RunnerKind.http.rawValue)
            try appendString(method, to: &out)
            try appendString(url, to: &out)
        case .redis(let url, let command, let key):
            out.append(RunnerKind.redis.rawValue)
            try appendString(url, to: &out)
            try appendString(command, to: &out)
            try appendString(key, to: &out)
        }
    }

    private static func appendList(_ items: [Bytes], to out: inout [UInt8]) throws(LogEncodeError) {
        guard items.count <= Int(UInt16.max) else { throw .tooManyItems(count: items.count) }
        appendUInt16(UInt16(items.count), to: &out)
        for item in items { try appendString(item, to: &out) }
    }

    static func appendString(_ bytes: Bytes, to out: inout [UInt8]) throws(LogEncodeError) {
        guard bytes.count <= maxStringLength else { throw .fieldTooLong(length: bytes.count) }
        appendUInt16(UInt16(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    @inline(__always)
    static func appendUInt16(_ value: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    static func appendInt64(_ value: Int64, to out: inout [UInt8]) {
        let bits = UInt64(bitPattern: value)
        var shift = 56
        while shift >= 0 {
            out.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
            shift -= 8
        }
    }
}

/// The payload's first byte (docs/logfile-format.md#entries).
enum EntryType: UInt8 {
    case job = 0, rule = 1, jobRemoval = 2, ruleRemoval = 3
    /// Kairos only (issue 15): a recurring job's schedule. The reference rejects the unknown
    /// type byte and skips the frame (docs/logfile-format.md#replay-at-startup), so it sees the job entries alone: one-shot jobs.
    case schedule = 4
}

/// The rule payload's runner discriminant (docs/logfile-format.md#entries). Not `RunnerSpec`'s declaration order.
enum RunnerKind: UInt8 {
    case shell = 0, amqp = 1, direct = 2, awf = 3, http = 4, redis = 5
}
