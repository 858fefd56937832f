/// Which server dialect the client speaks.
enum WireProtocol: String, Sendable, CaseIterable {
    /// The Kairos/ztick line protocol (docs/protocol.md#line-protocol): `<id> CMD args\n`, replies carry the id.
    case kairos
    /// Redis with RESP arrays of bulk strings (`*3\r\n$3\r\nSET\r\n...`), what
    /// redis-benchmark and every Redis client library send; RESP replies matched by position.
    case redis
    /// Redis inline commands (`SET key value\r\n`), same replies. Redis parses these on a
    /// slower path (it splits the line itself) than RESP arrays, so this is not a fair baseline:
    /// it is kept only to show the difference (`--protocol redis-inline`).
    case redisInline = "redis-inline"

    /// Both Redis dialects answer in RESP and share the reply checker.
    var isRedis: Bool { self != .kairos }
}

/// The reply a request must get, checked by `ReplyChecker`.
enum ReplyShape: Equatable, Sendable {
    /// SET, RULE SET (Redis: SET). Kairos `<id> OK`; Redis `+OK`. An error reply is counted as an error.
    case ok
    /// A `--prelude` line: `<id> OK` with or without a body; anything else stops the run.
    case okAnyBody
    /// REMOVE (Redis: DEL). Kairos `<id> OK` or `<id> ERROR` (no such job: a miss).
    /// Redis `:1` or `:0` (a miss).
    case okOrMiss
    /// GET. Kairos `<id> OK <status> <execution>` or `<id> ERROR` (a miss).
    /// Redis a bulk string or `$-1` (a miss).
    case job
    /// QUERY and LISTRULES: zero or more `<id> <record>` lines, then `<id> OK` (or only `<id> ERROR`).
    case records
    /// STAT: the 15 records of docs/protocol.md#stat-keys in order, then `<id> OK`; `connections` is captured.
    /// Redis `INFO clients`: a bulk string whose `connected_clients:N` is captured.
    case stat
    /// The AUTH phase (docs/protocol.md#authentication): bare `OK`/`ERROR` with no id (Redis `+OK`/`-ERR ...`).
    case auth
}

/// How each SET's timestamp is chosen.
enum DueTime: Equatable, Sendable {
    /// A day after the run starts: jobs stay planned and the runner path stays idle.
    case farFuture
    /// A second before the run starts: every job is due at once (`--due-now`).
    case past
    /// This many nanoseconds after the request is sent (`--due-in-ms`).
    case after(Int64)
    /// This absolute wall-clock time in ns (`--due-at-ns`): a burst of jobs due at one instant.
    case at(Int64)

    /// The execution time for a request sent now, given the wall clock at start and now.
    func timestamp(startWall: Int64, nowWall: Int64) -> Int64 {
        switch self {
        case .farFuture: startWall + 86_400_000_000_000
        case .past: startWall - 1_000_000_000
        case .after(let delay): nowWall + delay
        case .at(let instant): instant
        }
    }
}

/// Writes requests for one dialect into a send buffer. Keys are `<prefix><index>` with the
/// index zero-padded to the width of the largest index, so a QUERY prefix that drops the last
/// two digits matches exactly 100 keys once the key space is filled (the B6 shape).
struct RequestEncoder: Sendable {
    let wire: WireProtocol
    let keyPrefix: [UInt8]
    let keyWidth: Int
    /// RESP requests up to the key's bytes (`*3\r\n$3\r\nSET\r\n$5\r\n`): every key has the
    /// same length, so these are fixed and each request only appends key and value.
    private let respSetHead: [UInt8]
    private let respGetHead: [UInt8]
    private let respDelHead: [UInt8]

    init(wire: WireProtocol, keyPrefix: String, keys: Int) {
        self.wire = wire
        self.keyPrefix = Array(keyPrefix.utf8)
        self.keyWidth = max(1, String(max(keys - 1, 0)).utf8.count)
        let keyLength = self.keyPrefix.count + keyWidth
        respSetHead = Self.respHead(arguments: 3, command: "SET", keyLength: keyLength)
        respGetHead = Self.respHead(arguments: 2, command: "GET", keyLength: keyLength)
        respDelHead = Self.respHead(arguments: 2, command: "DEL", keyLength: keyLength)
    }

    private static func respHead(arguments: Int, command: String, keyLength: Int) -> [UInt8] {
        Array("*\(arguments)\r\n$\(command.utf8.count)\r\n\(command)\r\n$\(keyLength)\r\n".utf8)
    }

    /// Appends one request for `operation` on key number `key`; returns the reply to expect.
    func encode(
        _ operation: Operation, key: Int, id: UInt64, timestamp: Int64, into out: inout [UInt8]
    ) -> ReplyShape {
        switch wire {
        case .kairos: encodeKairos(operation, key: key, id: id, timestamp: timestamp, into: &out)
        case .redis: encodeRESP(operation, key: key, timestamp: timestamp, into: &out)
        case .redisInline: encodeInline(operation, key: key, timestamp: timestamp, into: &out)
        }
    }

    private func encodeKairos(
        _ operation: Operation, key: Int, id: UInt64, timestamp: Int64, into out: inout [UInt8]
    ) -> ReplyShape {
        Self.appendDecimal(id, to: &out)
        switch operation {
        case .set:
            out.append(contentsOf: Self.setWord)
            appendKey(key, to: &out)
            out.append(0x20)
            Self.appendSigned(timestamp, to: &out)
        case .get:
            out.append(contentsOf: Self.getWord)
            appendKey(key, to: &out)
        case .query:
            out.append(contentsOf: Self.queryWord)
            appendKey(key, to: &out, droppingDigits: min(2, keyWidth - 1))
        case .remove:
            out.append(contentsOf: Self.removeWord)
            appendKey(key, to: &out)
        case .stat:
            out.append(contentsOf: Self.statWord)
        case .rule:
            // The rule id starts with its own pattern, so it stays inside an auth namespace
            // that covers the key prefix (D-namespaces checks both).
            out.append(contentsOf: Self.ruleWord)
            appendKey(key, to: &out)
            out.append(contentsOf: Self.ruleSuffix)
            appendKey(key, to: &out)
            out.append(contentsOf: Self.shellTrue)
        case .listrules:
            out.append(contentsOf: Self.listrulesWord)
        }
        out.append(0x0A)
        switch operation {
        case .set, .rule: return .ok
        case .get: return .job
        case .remove: return .okOrMiss
        case .query, .listrules: return .records
        case .stat: return .stat
        }
    }

    /// RESP arrays of bulk strings: `*3\r\n$3\r\nSET\r\n$5\r\nk0005\r\n$3\r\n123\r\n`.
    private func encodeRESP(
        _ operation: Operation, key: Int, timestamp: Int64, into out: inout [UInt8]
    ) -> ReplyShape {
        switch operation {
        case .set:
            out.append(contentsOf: respSetHead)
            appendKey(key, to: &out)
            out.append(contentsOf: Self.crlf)
            Self.appendBulkSigned(timestamp, to: &out)
            return .ok
        case .get:
            out.append(contentsOf: respGetHead)
            appendKey(key, to: &out)
            out.append(contentsOf: Self.crlf)
            return .job
        case .remove:
            out.append(contentsOf: respDelHead)
            appendKey(key, to: &out)
            out.append(contentsOf: Self.crlf)
            return .okOrMiss
        case .stat:
            out.append(contentsOf: Self.respInfoClients)
            return .stat
        case .query, .rule, .listrules:
            preconditionFailure("\(operation.name) has no Redis equivalent; options validation refuses it")
        }
    }

    /// Redis inline commands: `SET k0005 123\r\n`.
    private func encodeInline(
        _ operation: Operation, key: Int, timestamp: Int64, into out: inout [UInt8]
    ) -> ReplyShape {
        switch operation {
        case .set:
            out.append(contentsOf: Self.redisSet)
            appendKey(key, to: &out)
            out.append(0x20)
            Self.appendSigned(timestamp, to: &out)
            out.append(contentsOf: Self.crlf)
            return .ok
        case .get:
            out.append(contentsOf: Self.redisGet)
            appendKey(key, to: &out)
            out.append(contentsOf: Self.crlf)
            return .job
        case .remove:
            out.append(contentsOf: Self.redisDel)
            appendKey(key, to: &out)
            out.append(contentsOf: Self.crlf)
            return .okOrMiss
        case .stat:
            out.append(contentsOf: Self.redisInfoClients)
            return .stat
        case .query, .rule, .listrules:
            preconditionFailure("\(operation.name) has no Redis equivalent; options validation refuses it")
        }
    }

    /// `AUTH <secret>` for the AUTH phase, quoted when the secret needs it (docs/protocol.md#tokens); with
    /// `--protocol redis` a RESP array, whose bulk strings need no quoting.
    func encodeAuth(secret: String, into out: inout [UInt8]) -> ReplyShape {
        let bytes = Array(secret.utf8)
        if wire == .redis {
            out.append(contentsOf: Array("*2\r\n$4\r\nAUTH\r\n".utf8))
            Self.appendBulk(bytes[...], to: &out)
            return .auth
        }
        out.append(contentsOf: Array("AUTH ".utf8))
        let needsQuotes = bytes.isEmpty || bytes.contains { $0 == 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x0A }
        if wire == .kairos, needsQuotes {
            out.append(0x22)
            for byte in bytes {
                if byte == 0x22 || byte == 0x5C { out.append(0x5C) }
                out.append(byte)
            }
            out.append(0x22)
        } else {
            out.append(contentsOf: bytes)
        }
        out.append(contentsOf: wire == .kairos ? [0x0A] : Self.crlf)
        return .auth
    }

    /// `<id> <line>` for a `--prelude` request (Kairos only), e.g. a RULE SET before a B7 run.
    func encodePrelude(_ line: String, id: UInt64, into out: inout [UInt8]) -> ReplyShape {
        Self.appendDecimal(id, to: &out)
        out.append(0x20)
        out.append(contentsOf: Array(line.utf8))
        out.append(0x0A)
        return .okAnyBody
    }

    /// The key text for `index` (tests and reports).
    func key(_ index: Int) -> String {
        var bytes: [UInt8] = []
        appendKey(index, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private func appendKey(_ index: Int, to out: inout [UInt8], droppingDigits: Int = 0) {
        out.append(contentsOf: keyPrefix)
        // Zero-padded to the key width, rendered on the stack and appended in one go: this runs
        // once or twice per request, and a byte-by-byte append showed in the client's profile.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: keyWidth) { digits in
            var rest = index
            for position in stride(from: keyWidth - 1, through: 0, by: -1) {
                digits[position] = 0x30 + UInt8(rest % 10)
                rest /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[0..<(keyWidth - droppingDigits)]))
        }
    }

    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value
            var start = 20
            repeat {
                start -= 1
                digits[start] = 0x30 + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    static func appendSigned(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(0x2D) }
        appendDecimal(value.magnitude, to: &out)
    }

    /// `$<length>\r\n<bytes>\r\n`.
    static func appendBulk(_ bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
        out.append(0x24)
        appendDecimal(UInt64(bytes.count), to: &out)
        out.append(contentsOf: crlf)
        out.append(contentsOf: bytes)
        out.append(contentsOf: crlf)
    }

    /// A signed decimal as a RESP bulk string, rendered on the stack first for its length.
    static func appendBulkSigned(_ value: Int64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value.magnitude
            var start = 20
            repeat {
                start -= 1
                digits[start] = 0x30 + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            if value < 0 {
                start -= 1
                digits[start] = 0x2D
            }
            out.append(0x24)
            appendDecimal(UInt64(20 - start), to: &out)
            out.append(contentsOf: crlf)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
            out.append(contentsOf: crlf)
        }
    }

    private static let setWord = Array(" SET ".utf8)
    private static let getWord = Array(" GET ".utf8)
    private static let queryWord = Array(" QUERY ".utf8)
    private static let removeWord = Array(" REMOVE ".utf8)
    private static let statWord = Array(" STAT".utf8)
    private static let ruleWord = Array(" RULE SET ".utf8)
    private static let ruleSuffix = Array(".rule ".utf8)
    private static let shellTrue = Array(" shell true".utf8)
    private static let listrulesWord = Array(" LISTRULES".utf8)
    private static let redisSet = Array("SET ".utf8)
    private static let redisGet = Array("GET ".utf8)
    private static let redisDel = Array("DEL ".utf8)
    private static let redisInfoClients = Array("INFO clients\r\n".utf8)
    private static let respInfoClients = Array("*2\r\n$4\r\nINFO\r\n$7\r\nclients\r\n".utf8)
    private static let crlf: [UInt8] = [0x0D, 0x0A]
}
