import KairosCore
import KairosProtocol

/// Why a complete frame's payload is not a valid entry (docs/logfile-format.md#entries, strict decoding).
///
/// Strings are NOT required to be UTF-8 (D-torn-tails, docs/compatibility.md#d-torn-tails): ids that arrived as arbitrary bytes on the
/// wire must survive a restart.
public enum LogDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A field runs past the end of the payload (an empty payload lacks even its type byte).
    case truncated(offset: Int)
    case unknownEntryType(UInt8)
    case unknownStatus(UInt8)
    case unknownRunner(UInt8)
    /// A schedule entry (issue 15) with an unknown kind or an impossible value.
    case invalidSchedule(offset: Int)
    /// Bytes remain after the entry's last field.
    case trailingBytes(count: Int)

    public var description: String {
        switch self {
        case .truncated(let offset): "truncated field at payload offset \(offset)"
        case .unknownEntryType(let byte): "unknown entry type \(byte)"
        case .unknownStatus(let byte): "unknown status \(byte)"
        case .unknownRunner(let byte): "unknown runner \(byte)"
        case .invalidSchedule(let offset): "invalid schedule at payload offset \(offset)"
        case .trailingBytes(let count): "\(count) bytes left after the entry"
        }
    }
}

/// Decodes one frame payload (without its length prefix) into a `LogEntry`.
///
/// Works on borrowed memory and allocates only the entry's own byte arrays, so replaying a
/// million frames costs one allocation per string.
public enum LogDecoder {
    public static func decode(payload: UnsafeRawBufferPointer) throws(LogDecodeError) -> LogEntry {
        var reader = PayloadReader(payload)
        let entry = try reader.readEntry()
        if reader.remaining != 0 { throw .trailingBytes(count: reader.remaining) }
        return entry
    }

    public static func decode(payload: [UInt8]) throws(LogDecodeError) -> LogEntry {
        let result: Result<LogEntry, LogDecodeError> = payload.withUnsafeBytes { raw in
            Result { () throws(LogDecodeError) in try decode(payload: raw) }
        }
        return try result.get()
    }
}

/// A bounds-checked big-endian cursor over one payload.
struct PayloadReader {
    private let base: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ base: UnsafeRawBufferPointer) { self.base = base }

    var remaining: Int { base.count - offset }

    mutating func readEntry() throws(LogDecodeError) -> LogEntry {
        let typeByte = try readUInt8()
        guard let type = EntryType(rawValue: typeByte) else { throw .unknownEntryType(typeByte) }
        switch type {
        case .job:
            let id = try readString()
            let execution = Int64(bitPattern: try readUInt64())
            let statusByte = try readUInt8()
            guard let status = JobStatus(rawValue: statusByte) else { throw .unknownStatus(statusByte) }
            return .job(id: id, execution: execution, status: status)
        case .rule:
            let id = try readString()
            let pattern = try readString()
            return .rule(id: id, pattern: pattern, runner: try readRunner())
        case .jobRemoval:
            return .jobRemoval(id: try readString())
        case .ruleRemoval:
            return .ruleRemoval(id: try readString())
        case .schedule:
            let id = try readString()
            let (recurrence, counters) = try ScheduleCodec.readFields(&self)
            return .schedule(id: id, recurrence: recurrence, counters: counters)
        }
    }

    private mutating func readRunner() throws(LogDecodeError) -> RunnerSpec {
        let kindByte = try readUInt8()
        guard let kind = RunnerKind(rawValue: kindByte) else { throw .unknownRunner(kindByte) }
        switch kind {
        case .shell:
            return .shell(command: try readString())
        case .amqp:
            let dsn = try readString()
            let exchange = try readString()
            return .amqp(dsn: dsn, exchange: exchange, routingKey: try readString())
        case .direct:
            let executable = try readString()
            return .direct(executable: executable, args: try readList())
        case .awf:
            let workflow = try readString()
            return .awf(workflow: workflow, inputs: try readList())
        case .http:
            let method = try readString()
            return .http(method: method, url: try readString())
        case .redis:
            let url = try readString()
            let command = try readString()
            return .redis(url: url, command: command, key: try readString())
        }
    }

    private mutating func readList() throws(LogDecodeError) -> [Bytes] {
        let count = Int(try readUInt16())
        // Each item needs at least its 2-byte length: refuse absurd counts before reserving.
        guard count * 2 <= remaining else { throw .truncated(offset: offset) }
        var items: [Bytes] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try readString()) }
        return items
    }

    mutating func readString() throws(LogDecodeError) -> Bytes {
        let length = Int(try readUInt16())
        guard length <= remaining else { throw .truncated(offset: offset) }
        let bytes = Bytes(UnsafeRawBufferPointer(rebasing: base[offset..<(offset + length)]))
        offset += length
        return bytes
    }

    @inline(__always)
    mutating func readUInt8() throws(LogDecodeError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(offset: offset) }
        defer { offset += 1 }
        return base[offset]
    }

    @inline(__always)
    mutating func readUInt16() throws(LogDecodeError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated(offset: offset) }
        defer { offset += 2 }
        return UInt16(base[offset]) << 8 | UInt16(base[offset + 1])
    }

    @inline(__always)
    mutating func readUInt64() throws(LogDecodeError) -> UInt64 {
        guard remaining >= 8 else { throw .truncated(offset: offset) }
        var value: UInt64 = 0
        for index in offset..<(offset + 8) { value = value << 8 | UInt64(base[index]) }
        offset += 8
        return value
    }
}
