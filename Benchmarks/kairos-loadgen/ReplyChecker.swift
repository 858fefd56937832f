/// A request that was sent and awaits its reply.
struct Outstanding: Equatable, Sendable {
    /// The request id (Kairos); for Redis only a sequence number, since RESP carries no id.
    let id: UInt64
    let shape: ReplyShape
    /// `nil` for AUTH and prelude requests, which are not part of the measured load.
    let operation: Operation?
    /// Monotonic ns when the request was queued for sending.
    let sentAt: Int64
}

/// How a well-formed reply ended.
enum ReplyOutcome: Equatable, Sendable {
    case ok
    /// A lookup of something that does not exist (GET/REMOVE of an unknown key): not an error.
    case miss
    /// `ERROR` (or a RESP error) where success was expected.
    case errorReply
}

/// One request answered completely and in order.
struct Completion: Equatable, Sendable {
    let request: Outstanding
    let outcome: ReplyOutcome
    /// Record lines of a multi-line reply (QUERY, LISTRULES, STAT); 0 otherwise.
    let records: Int
    /// STAT `connections` (Redis: `connected_clients`), when the reply was a STAT.
    let connections: Int?
}

/// A reply that does not belong where it arrived: wrong id, wrong order, wrong shape, or a
/// reply nobody asked for. The run stops and exits non-zero.
struct Violation: Error, Equatable, CustomStringConvertible {
    let description: String
}

/// Matches a byte stream of replies against the requests sent on one connection, in order.
///
/// Pure: it is fed bytes and reports completions, so the self-test can drive it with tables.
/// Kairos replies are matched by id (docs/protocol.md#answers: every line starts with the request id);
/// Redis replies by position (RESP has no ids), and both by shape.
struct ReplyChecker {
    let wire: WireProtocol
    private var queue = FIFO<Outstanding>()
    /// Progress through the current multi-line reply (the oldest outstanding request's).
    private var records = 0
    private var connections: Int?

    /// A reply line longer than this is a protocol violation rather than a reason to buffer forever.
    static let maximumLine = 65_536

    init(wire: WireProtocol) { self.wire = wire }

    /// Requests sent and not yet fully answered.
    var outstanding: Int { queue.count }

    /// Registers a request just written (or queued) on the connection.
    mutating func expect(_ request: Outstanding) { queue.push(request) }

    /// Consumes as many complete replies from `bytes` as there are, calling `sink` for each
    /// finished request in order. Returns how many bytes were used; the caller keeps the rest
    /// and offers them again with more data.
    mutating func consume(
        _ bytes: UnsafeRawBufferPointer, _ sink: (Completion) -> Void
    ) throws(Violation) -> Int {
        switch wire {
        case .kairos: try consumeKairos(bytes, sink)
        case .redis, .redisInline: try consumeRedis(bytes, sink)
        }
    }

    // MARK: Kairos lines

    private mutating func consumeKairos(
        _ bytes: UnsafeRawBufferPointer, _ sink: (Completion) -> Void
    ) throws(Violation) -> Int {
        var start = 0
        while let end = ByteScan.index(of: 0x0A, in: bytes, from: start) {
            try kairosLine(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), sink)
            start = end + 1
        }
        if bytes.count - start > Self.maximumLine {
            throw Violation(description: "a reply line exceeds \(Self.maximumLine) bytes without LF")
        }
        return start
    }

    private mutating func kairosLine(
        _ line: UnsafeRawBufferPointer, _ sink: (Completion) -> Void
    ) throws(Violation) {
        guard let request = queue.first else {
            throw Violation(description: "unsolicited reply line '\(ByteScan.show(line))' (no request outstanding)")
        }
        if request.shape == .auth {
            if ByteScan.equals(line, "OK") { return finish(.ok, sink) }
            if ByteScan.equals(line, "ERROR") { return finish(.errorReply, sink) }
            throw Violation(description: "AUTH expects a bare OK or ERROR, got '\(ByteScan.show(line))'")
        }
        guard let space = ByteScan.index(of: 0x20, in: line, from: 0),
            let id = ByteScan.strictDecimal(UnsafeRawBufferPointer(rebasing: line[0..<space]))
        else {
            throw Violation(
                description: "reply '\(ByteScan.show(line))' does not start with a request id (expected id \(request.id))"
            )
        }
        guard id == request.id else {
            throw Violation(
                description: "reply for id \(id) while the oldest outstanding request is id \(request.id) (out of order, duplicated or unsolicited): '\(ByteScan.show(line))'"
            )
        }
        let rest = UnsafeRawBufferPointer(rebasing: line[(space + 1)...])
        let isOK = ByteScan.equals(rest, "OK")
        let isError = ByteScan.equals(rest, "ERROR")
        switch request.shape {
        case .ok:
            if isOK { return finish(.ok, sink) }
            if isError { return finish(.errorReply, sink) }
        case .okAnyBody:
            if isOK || ByteScan.hasPrefix(rest, "OK ") { return finish(.ok, sink) }
            if isError { return finish(.errorReply, sink) }
        case .okOrMiss:
            if isOK { return finish(.ok, sink) }
            if isError { return finish(.miss, sink) }
        case .job:
            if isError { return finish(.miss, sink) }
            if ByteScan.isJobBody(rest) { return finish(.ok, sink) }
        case .records:
            if isOK { return finish(.ok, sink) }
            if isError, records == 0 { return finish(.errorReply, sink) }
            if !isError, !rest.isEmpty {
                records += 1
                return
            }
        case .stat:
            if isOK, records == StatLayout.keys.count { return finish(.ok, sink) }
            if isError, records == 0 { return finish(.errorReply, sink) }
            if !isOK, !isError, records < StatLayout.keys.count {
                if let value = StatLayout.check(rest, at: records) {
                    if records == StatLayout.connectionsIndex { connections = value }
                    records += 1
                    return
                }
            }
        case .auth:
            break
        }
        throw Violation(
            description: "id \(request.id) (\(request.operation?.name ?? "prelude")): unexpected reply line '\(ByteScan.show(line))' after \(records) record(s)"
        )
    }

    private mutating func finish(_ outcome: ReplyOutcome, _ sink: (Completion) -> Void) {
        let request = queue.pop()!
        sink(Completion(request: request, outcome: outcome, records: records, connections: connections))
        records = 0
        connections = nil
    }

    // MARK: Redis RESP

    private mutating func consumeRedis(
        _ bytes: UnsafeRawBufferPointer, _ sink: (Completion) -> Void
    ) throws(Violation) -> Int {
        var start = 0
        while start < bytes.count {
            guard case .value(let value, let end) = try RESPReader.read(bytes, from: start) else { break }
            guard let request = queue.first else {
                throw Violation(description: "unsolicited RESP reply '\(RESPReader.show(bytes, start..<min(end, start + 120)))'")
            }
            try redisReply(value, in: bytes, request, sink)
            start = end
        }
        return start
    }

    /// Matches one RESP value against the oldest outstanding request's shape.
    private mutating func redisReply(
        _ value: RESPValue, in bytes: UnsafeRawBufferPointer, _ request: Outstanding, _ sink: (Completion) -> Void
    ) throws(Violation) {
        switch (value, request.shape) {
        case (.error, _):
            return finish(.errorReply, sink)
        case (.simple(let text), .ok), (.simple(let text), .auth), (.simple(let text), .okAnyBody):
            if ByteScan.equals(UnsafeRawBufferPointer(rebasing: bytes[text]), "OK") { return finish(.ok, sink) }
        case (.integer(let count), .okOrMiss):
            // DEL of one key: how many keys it removed.
            if count == 1 { return finish(.ok, sink) }
            if count == 0 { return finish(.miss, sink) }
        case (.bulk, .job):
            return finish(.ok, sink)
        case (.null, .job):
            return finish(.miss, sink)
        case (.bulk(let text), .stat):
            connections = ByteScan.infoField(UnsafeRawBufferPointer(rebasing: bytes[text]), "connected_clients:")
            return finish(.ok, sink)
        default:
            break
        }
        throw Violation(
            description: "request #\(request.id) (\(request.operation?.name ?? "auth")): unexpected RESP reply \(describe(value, bytes)) for \(request.shape)"
        )
    }

    private func describe(_ value: RESPValue, _ bytes: UnsafeRawBufferPointer) -> String {
        switch value {
        case .simple(let text): "'+\(RESPReader.show(bytes, text))'"
        case .error(let text): "'-\(RESPReader.show(bytes, text))'"
        case .integer(let number): "':\(number)'"
        case .bulk(let text): "bulk '\(RESPReader.show(bytes, text))'"
        case .null: "null"
        case .array(let count): "array of \(count)"
        }
    }
}

/// The fixed STAT layout of docs/protocol.md#stat-keys.
enum StatLayout {
    static let keys = [
        "uptime_ns", "connections", "jobs_total", "jobs_planned", "jobs_triggered", "jobs_executed",
        "jobs_failed", "rules_total", "executions_pending", "executions_inflight", "persistence",
        "compression", "auth_enabled", "tls_enabled", "framerate",
    ].map { Array($0.utf8) }
    static let connectionsIndex = 1

    /// Whether `record` is `<keys[index]> <non-empty value>`; returns the value as a number when
    /// it is one (-1 for the textual ones), nil when the record is wrong.
    static func check(_ record: UnsafeRawBufferPointer, at index: Int) -> Int? {
        let key = keys[index]
        guard record.count > key.count + 1, record[key.count] == 0x20,
            zip(record.prefix(key.count), key).allSatisfy({ $0 == $1 })
        else { return nil }
        let value = UnsafeRawBufferPointer(rebasing: record[(key.count + 1)...])
        if let number = ByteScan.strictDecimal(value) { return Int(clamping: number) }
        return value.contains(0x20) ? nil : -1
    }
}
