import Glibc

/// Built-in table checks of the pure parts (reply checker, request encoder, option parsers),
/// run by `kairos-loadgen --self-test`. Benchmarks/ has no test target, and a load generator
/// whose checker is wrong would report a broken server as fine, so these run in `make test`.
enum SelfTest {
    /// Runs every case; prints each failure; returns (passed, failed).
    static func run() -> (Int, Int) {
        var passed = 0
        var failed = 0
        for (name, check) in checkerCases + redisCases + respReaderCases + encoderCases + respEncoderCases + parserCases + serverCPUCases {
            if let problem = check() {
                failed += 1
                print("FAIL \(name): \(problem)")
            } else {
                passed += 1
            }
        }
        return (passed, failed)
    }

    typealias Case = (String, @Sendable () -> String?)

    // MARK: harness

    /// What a checker made of a reply stream: the completions and the first violation.
    struct Outcome {
        var completions: [Completion] = []
        var violation: String?
        var outcomes: [ReplyOutcome] { completions.map(\.outcome) }
    }

    /// Feeds `chunks` in order through a checker expecting `shapes` (ids 1, 2, ...), keeping
    /// unconsumed bytes between chunks exactly as a connection does.
    static func feed(_ wire: WireProtocol, _ shapes: [ReplyShape], _ chunks: [[UInt8]]) -> Outcome {
        var checker = ReplyChecker(wire: wire)
        for (offset, shape) in shapes.enumerated() {
            let id = shape == .auth ? 0 : UInt64(offset + 1)
            checker.expect(Outstanding(id: id, shape: shape, operation: shape == .auth ? nil : .set, sentAt: 0))
        }
        var outcome = Outcome()
        var pending: [UInt8] = []
        for chunk in chunks {
            pending += chunk
            do throws(Violation) {
                let result: Result<Int, Violation> = pending.withUnsafeBytes { bytes in
                    Result { () throws(Violation) in try checker.consume(bytes) { outcome.completions.append($0) } }
                }
                pending.removeFirst(try result.get())
            } catch {
                outcome.violation = error.description
                return outcome
            }
        }
        return outcome
    }

    /// The same stream whole, split at every position, and byte by byte must agree.
    static func feedEverySplit(_ wire: WireProtocol, _ shapes: [ReplyShape], _ text: String) -> Outcome {
        let bytes = Array(text.utf8)
        let whole = feed(wire, shapes, [bytes])
        for split in 0...bytes.count {
            let parts = feed(wire, shapes, [Array(bytes[..<split]), Array(bytes[split...])])
            if parts.completions != whole.completions || (parts.violation == nil) != (whole.violation == nil) {
                var broken = whole
                broken.violation = "split at \(split) disagrees with the whole input"
                return broken
            }
        }
        let single = feed(wire, shapes, bytes.map { [$0] })
        if single.completions != whole.completions || (single.violation == nil) != (whole.violation == nil) {
            var broken = whole
            broken.violation = "byte-by-byte feeding disagrees with the whole input"
            return broken
        }
        return whole
    }

    static func expectOutcomes(_ outcome: Outcome, _ expected: [ReplyOutcome]) -> String? {
        if let violation = outcome.violation { return "unexpected violation: \(violation)" }
        return outcome.outcomes == expected ? nil : "got \(outcome.outcomes), expected \(expected)"
    }

    static func expectViolation(_ outcome: Outcome, mentioning word: String = "") -> String? {
        guard let violation = outcome.violation else { return "no violation reported (got \(outcome.outcomes))" }
        return violation.contains(word) ? nil : "violation '\(violation)' does not mention '\(word)'"
    }

    static func statReply(id: Int, connections: String = "7", skip: Int? = nil, count: Int = 15) -> String {
        let values = ["12", connections, "0", "0", "0", "0", "0", "0", "0", "0", "memory", "idle", "0", "0", "512"]
        var text = ""
        for index in 0..<count where index != skip {
            text += "\(id) \(String(decoding: StatLayout.keys[index], as: UTF8.self)) \(values[index])\n"
        }
        return text + "\(id) OK\n"
    }

    // MARK: Kairos replies

    static let checkerCases: [Case] = [
        ("single OK", { expectOutcomes(feedEverySplit(.kairos, [.ok], "1 OK\n"), [.ok]) }),
        ("pipelined SET GET REMOVE in order", {
            expectOutcomes(
                feedEverySplit(.kairos, [.ok, .job, .okOrMiss, .job], "1 OK\n2 OK planned 1775008800000000000\n3 ERROR\n4 ERROR\n"),
                [.ok, .ok, .miss, .miss])
        }),
        ("GET of a negative execution time", { expectOutcomes(feed(.kairos, [.job], [Array("1 OK failed -5\n".utf8)]), [.ok]) }),
        ("SET answered ERROR is an error reply", { expectOutcomes(feed(.kairos, [.ok], [Array("1 ERROR\n".utf8)]), [.errorReply]) }),
        ("reply out of order", { expectViolation(feed(.kairos, [.ok, .ok], [Array("2 OK\n1 OK\n".utf8)]), mentioning: "out of order") }),
        ("duplicated reply", { expectViolation(feed(.kairos, [.ok, .ok], [Array("1 OK\n1 OK\n".utf8)]), mentioning: "id 1") }),
        ("unsolicited reply", { expectViolation(feed(.kairos, [], [Array("1 OK\n".utf8)]), mentioning: "unsolicited") }),
        ("extra reply after the last request", {
            expectViolation(feed(.kairos, [.ok], [Array("1 OK\n2 OK\n".utf8)]), mentioning: "unsolicited")
        }),
        ("id with a leading zero is another id", { expectViolation(feed(.kairos, [.ok], [Array("01 OK\n".utf8)])) }),
        ("reply without id", { expectViolation(feed(.kairos, [.ok], [Array("OK\n".utf8)]), mentioning: "request id") }),
        ("SET answered with a GET body", { expectViolation(feed(.kairos, [.ok], [Array("1 OK planned 5\n".utf8)])) }),
        ("GET with an unknown status", { expectViolation(feed(.kairos, [.job], [Array("1 OK maybe 5\n".utf8)])) }),
        ("GET with a non-numeric time", { expectViolation(feed(.kairos, [.job], [Array("1 OK planned 5x\n".utf8)])) }),
        ("GET with an i64 overflow", {
            expectViolation(feed(.kairos, [.job], [Array("1 OK planned 9223372036854775808\n".utf8)]))
        }),
        ("CR in a reply is not accepted (the server never emits CR)", {
            expectViolation(feed(.kairos, [.ok], [Array("1 OK\r\n".utf8)]))
        }),
        ("QUERY with records", {
            let outcome = feedEverySplit(.kairos, [.records, .ok], "1 k1 planned 5\n1 k2 executed 6\n1 OK\n2 OK\n")
            if let problem = expectOutcomes(outcome, [.ok, .ok]) { return problem }
            return outcome.completions[0].records == 2 ? nil : "records \(outcome.completions[0].records), expected 2"
        }),
        ("QUERY with a record named OK is still a record", {
            let outcome = feed(.kairos, [.records], [Array("1 OK planned 5\n1 OK\n".utf8)])
            if let problem = expectOutcomes(outcome, [.ok]) { return problem }
            return outcome.completions[0].records == 1 ? nil : "records \(outcome.completions[0].records), expected 1"
        }),
        ("empty QUERY", { expectOutcomes(feed(.kairos, [.records], [Array("1 OK\n".utf8)]), [.ok]) }),
        ("QUERY ERROR after records", { expectViolation(feed(.kairos, [.records], [Array("1 a planned 1\n1 ERROR\n".utf8)])) }),
        ("multi-line reply interleaved with the next id", {
            expectViolation(feed(.kairos, [.records, .ok], [Array("1 a planned 1\n2 OK\n1 OK\n".utf8)]), mentioning: "id 2")
        }),
        ("STAT with 15 records captures connections", {
            let outcome = feedEverySplit(.kairos, [.stat], statReply(id: 1, connections: "20001"))
            if let problem = expectOutcomes(outcome, [.ok]) { return problem }
            return outcome.completions[0].connections == 20001 ? nil : "connections \(String(describing: outcome.completions[0].connections))"
        }),
        ("STAT missing a record", { expectViolation(feed(.kairos, [.stat], [Array(statReply(id: 1, skip: 3).utf8)])) }),
        ("STAT with 14 records", { expectViolation(feed(.kairos, [.stat], [Array(statReply(id: 1, count: 14).utf8)])) }),
        ("STAT with records swapped", {
            let text = "1 connections 1\n1 uptime_ns 5\n" + statReply(id: 1).split(separator: "\n").dropFirst(2).map { $0 + "\n" }.joined()
            return expectViolation(feed(.kairos, [.stat], [Array(text.utf8)]))
        }),
        ("AUTH bare OK then a request", {
            expectOutcomes(feedEverySplit(.kairos, [.auth, .ok], "OK\n2 OK\n"), [.ok, .ok])
        }),
        ("AUTH rejected", { expectOutcomes(feed(.kairos, [.auth], [Array("ERROR\n".utf8)]), [.errorReply]) }),
        ("AUTH answered with an id", { expectViolation(feed(.kairos, [.auth], [Array("1 OK\n".utf8)]), mentioning: "AUTH") }),
        ("prelude accepts OK with a body", {
            expectOutcomes(feed(.kairos, [.okAnyBody, .okAnyBody], [Array("1 OK\n2 OK planned 3\n".utf8)]), [.ok, .ok])
        }),
        ("an endless line is refused", {
            expectViolation(feed(.kairos, [.ok], [Array(repeating: 0x41, count: ReplyChecker.maximumLine + 2)]), mentioning: "exceeds")
        }),
    ]

    // MARK: Redis replies

    static let redisCases: [Case] = [
        ("RESP pipelined SET GET GET DEL DEL SET", {
            expectOutcomes(
                feedEverySplit(
                    .redis, [.ok, .job, .job, .okOrMiss, .okOrMiss, .ok],
                    "+OK\r\n$3\r\nabc\r\n$-1\r\n:1\r\n:0\r\n-ERR out of memory\r\n"),
                [.ok, .ok, .miss, .ok, .miss, .errorReply])
        }),
        ("RESP bulk holding CRLF bytes", {
            expectOutcomes(feedEverySplit(.redis, [.job, .ok], "$4\r\na\r\nb\r\n+OK\r\n"), [.ok, .ok])
        }),
        ("RESP INFO clients gives connected_clients", {
            let info = "# Clients\r\nconnected_clients:10001\r\nblocked_clients:0\r\n"
            let outcome = feedEverySplit(.redis, [.stat], "$\(info.utf8.count)\r\n\(info)\r\n")
            if let problem = expectOutcomes(outcome, [.ok]) { return problem }
            return outcome.completions[0].connections == 10001 ? nil : "connections \(String(describing: outcome.completions[0].connections))"
        }),
        ("RESP reply without CR", { expectViolation(feed(.redis, [.ok], [Array("+OK\n".utf8)]), mentioning: "CRLF") }),
        ("RESP +OK for a GET", { expectViolation(feed(.redis, [.job], [Array("+OK\r\n".utf8)])) }),
        ("RESP bulk not followed by CRLF", { expectViolation(feed(.redis, [.job], [Array("$1\r\nab\r\n".utf8)])) }),
        ("RESP unsolicited reply", { expectViolation(feed(.redis, [.ok], [Array("+OK\r\n+OK\r\n".utf8)]), mentioning: "unsolicited") }),
        ("RESP array where none is expected", { expectViolation(feed(.redis, [.job], [Array("*1\r\n$1\r\na\r\n".utf8)])) }),
        ("RESP empty bulk is a found value", { expectOutcomes(feedEverySplit(.redis, [.job], "$0\r\n\r\n"), [.ok]) }),
        ("RESP errors end any request as an error reply", {
            expectOutcomes(
                feedEverySplit(.redis, [.ok, .job, .okOrMiss, .stat], "-ERR a\r\n-WRONGTYPE b\r\n-ERR c\r\n-NOAUTH d\r\n"),
                [.errorReply, .errorReply, .errorReply, .errorReply])
        }),
        ("RESP DEL of one key answering 2", { expectViolation(feed(.redis, [.okOrMiss], [Array(":2\r\n".utf8)]), mentioning: ":2") }),
        ("RESP nil for a SET", { expectViolation(feed(.redis, [.ok], [Array("$-1\r\n".utf8)]), mentioning: "null") }),
        ("RESP +QUEUED for a SET", { expectViolation(feed(.redis, [.ok], [Array("+QUEUED\r\n".utf8)]), mentioning: "QUEUED") }),
        ("RESP integer for a GET", { expectViolation(feed(.redis, [.job], [Array(":1\r\n".utf8)])) }),
        ("RESP inline dialect shares the checker", {
            expectOutcomes(feedEverySplit(.redisInline, [.ok, .job], "+OK\r\n$-1\r\n"), [.ok, .miss])
        }),
        ("RESP AUTH +OK", { expectOutcomes(feed(.redis, [.auth, .ok], [Array("+OK\r\n+OK\r\n".utf8)]), [.ok, .ok]) }),
        ("RESP AUTH refused", { expectOutcomes(feed(.redis, [.auth], [Array("-WRONGPASS invalid\r\n".utf8)]), [.errorReply]) }),
        ("RESP an endless line is refused", {
            expectViolation(feed(.redis, [.ok], [[0x2B] + Array(repeating: 0x41, count: RESPReader.maximumLength + 2)]), mentioning: "exceeds")
        }),
    ]

    // MARK: RESP values

    /// The value at the start of `text`, rendered with its payload, and where it ended; or
    /// "needMore", or "violation".
    static func respRead(_ text: String) -> String {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { buffer in
            do throws(Violation) {
                switch try RESPReader.read(buffer, from: 0) {
                case .needMore:
                    return "needMore"
                case .value(let value, let end):
                    let show: (Range<Int>) -> String = { String(decoding: bytes[$0], as: UTF8.self).debugDescription }
                    let rendered: String
                    switch value {
                    case .simple(let range): rendered = "simple \(show(range))"
                    case .error(let range): rendered = "error \(show(range))"
                    case .integer(let number): rendered = "integer \(number)"
                    case .bulk(let range): rendered = "bulk \(show(range))"
                    case .null: rendered = "null"
                    case .array(let count): rendered = "array \(count)"
                    }
                    return "\(rendered) end \(end)"
                }
            } catch {
                return "violation"
            }
        }
    }

    static let respReaderCases: [Case] = [
        ("RESP simple string", { same(respRead("+OK\r\n+x"), "simple \"OK\" end 5") }),
        ("RESP empty simple string", { same(respRead("+\r\n"), "simple \"\" end 3") }),
        ("RESP error text", { same(respRead("-ERR unknown command X\r\n"), "error \"ERR unknown command X\" end 24") }),
        ("RESP integer 0", { same(respRead(":0\r\n"), "integer 0 end 4") }),
        ("RESP integer negative", { same(respRead(":-42\r\n"), "integer -42 end 6") }),
        ("RESP integer i64 min", { same(respRead(":-9223372036854775808\r\n"), "integer -9223372036854775808 end 23") }),
        ("RESP integer overflow", { same(respRead(":9223372036854775808\r\n"), "violation") }),
        ("RESP integer not a number", { same(respRead(":12a\r\n"), "violation") }),
        ("RESP integer empty", { same(respRead(":\r\n"), "violation") }),
        ("RESP integer minus zero", { same(respRead(":-0\r\n"), "violation") }),
        ("RESP bulk string", { same(respRead("$5\r\nhello\r\n"), "bulk \"hello\" end 11") }),
        ("RESP bulk with CRLF inside", { same(respRead("$4\r\na\r\nb\r\n"), "bulk \"a\\r\\nb\" end 10") }),
        ("RESP empty bulk", { same(respRead("$0\r\n\r\n"), "bulk \"\" end 6") }),
        ("RESP nil bulk", { same(respRead("$-1\r\n"), "null end 5") }),
        ("RESP nil array", { same(respRead("*-1\r\n"), "null end 5") }),
        ("RESP array header", { same(respRead("*2\r\n$1\r\na\r\n"), "array 2 end 4") }),
        ("RESP bulk payload incomplete", { same(respRead("$5\r\nhel"), "needMore") }),
        ("RESP bulk missing its final LF", { same(respRead("$5\r\nhello\r"), "needMore") }),
        ("RESP line incomplete", { same(respRead("+O"), "needMore") }),
        ("RESP line ends CR only", { same(respRead("+OK\r"), "needMore") }),
        ("RESP empty input", { same(respRead(""), "needMore") }),
        ("RESP bulk length -2", { same(respRead("$-2\r\n"), "violation") }),
        ("RESP bulk length with a leading zero", { same(respRead("$05\r\nhello\r\n"), "violation") }),
        ("RESP bulk longer than its length", { same(respRead("$3\r\nhello\r\n"), "violation") }),
        ("RESP bulk above the cap", { same(respRead("$65537\r\n"), "violation") }),
        ("RESP line with LF only", { same(respRead("+OK\n"), "violation") }),
        ("RESP unknown type byte", { same(respRead("OK\r\n"), "violation") }),
        ("RESP bare CRLF", { same(respRead("\r\n"), "violation") }),
    ]

    // MARK: requests

    static func encoded(_ wire: WireProtocol, keys: Int, _ body: (RequestEncoder, inout [UInt8]) -> ReplyShape) -> (String, ReplyShape) {
        var out: [UInt8] = []
        let shape = body(RequestEncoder(wire: wire, keyPrefix: "k", keys: keys), &out)
        return (String(decoding: out, as: UTF8.self), shape)
    }

    static func expectBytes(_ got: (String, ReplyShape), _ text: String, _ shape: ReplyShape) -> String? {
        got.0 == text && got.1 == shape ? nil : "got \(got.0.debugDescription) \(got.1), expected \(text.debugDescription) \(shape)"
    }

    static let encoderCases: [Case] = [
        ("SET bytes", { expectBytes(encoded(.kairos, keys: 10_000) { $0.encode(.set, key: 5, id: 7, timestamp: 123, into: &$1) }, "7 SET k0005 123\n", .ok) }),
        ("SET in the past", { expectBytes(encoded(.kairos, keys: 10) { $0.encode(.set, key: 9, id: 1, timestamp: -5, into: &$1) }, "1 SET k9 -5\n", .ok) }),
        ("GET bytes", { expectBytes(encoded(.kairos, keys: 100) { $0.encode(.get, key: 42, id: 12, timestamp: 0, into: &$1) }, "12 GET k42\n", .job) }),
        ("QUERY drops two digits: a 100-key prefix", {
            expectBytes(encoded(.kairos, keys: 1_000_000) { $0.encode(.query, key: 123_456, id: 3, timestamp: 0, into: &$1) }, "3 QUERY k1234\n", .records)
        }),
        ("REMOVE bytes", { expectBytes(encoded(.kairos, keys: 10) { $0.encode(.remove, key: 1, id: 2, timestamp: 0, into: &$1) }, "2 REMOVE k1\n", .okOrMiss) }),
        ("STAT bytes", { expectBytes(encoded(.kairos, keys: 10) { $0.encode(.stat, key: 1, id: 4, timestamp: 0, into: &$1) }, "4 STAT\n", .stat) }),
        ("RULE SET bytes", {
            expectBytes(encoded(.kairos, keys: 100) { $0.encode(.rule, key: 7, id: 5, timestamp: 0, into: &$1) }, "5 RULE SET k07.rule k07 shell true\n", .ok)
        }),
        ("LISTRULES bytes", { expectBytes(encoded(.kairos, keys: 10) { $0.encode(.listrules, key: 0, id: 6, timestamp: 0, into: &$1) }, "6 LISTRULES\n", .records) }),
        ("Redis inline SET", { expectBytes(encoded(.redisInline, keys: 1000) { $0.encode(.set, key: 5, id: 9, timestamp: 77, into: &$1) }, "SET k005 77\r\n", .ok) }),
        ("Redis inline GET", { expectBytes(encoded(.redisInline, keys: 1000) { $0.encode(.get, key: 5, id: 9, timestamp: 0, into: &$1) }, "GET k005\r\n", .job) }),
        ("Redis inline DEL", { expectBytes(encoded(.redisInline, keys: 10) { $0.encode(.remove, key: 5, id: 9, timestamp: 0, into: &$1) }, "DEL k5\r\n", .okOrMiss) }),
        ("Redis inline INFO clients", { expectBytes(encoded(.redisInline, keys: 10) { $0.encode(.stat, key: 5, id: 9, timestamp: 0, into: &$1) }, "INFO clients\r\n", .stat) }),
        ("AUTH plain", { expectBytes(encoded(.kairos, keys: 1) { $0.encodeAuth(secret: "sk_1", into: &$1) }, "AUTH sk_1\n", .auth) }),
        ("AUTH quoted", { expectBytes(encoded(.kairos, keys: 1) { $0.encodeAuth(secret: "a \"b\\", into: &$1) }, "AUTH \"a \\\"b\\\\\"\n", .auth) }),
        ("prelude", {
            expectBytes(encoded(.kairos, keys: 1) { $0.encodePrelude("RULE SET r k shell true", id: 1, into: &$1) }, "1 RULE SET r k shell true\n", .okAnyBody)
        }),
    ]

    static let respEncoderCases: [Case] = [
        ("RESP SET", {
            expectBytes(
                encoded(.redis, keys: 10_000) { $0.encode(.set, key: 5, id: 9, timestamp: 1_775_008_800_000_000_000, into: &$1) },
                "*3\r\n$3\r\nSET\r\n$5\r\nk0005\r\n$19\r\n1775008800000000000\r\n", .ok)
        }),
        ("RESP SET of a negative value", {
            expectBytes(
                encoded(.redis, keys: 10) { $0.encode(.set, key: 3, id: 1, timestamp: -5, into: &$1) },
                "*3\r\n$3\r\nSET\r\n$2\r\nk3\r\n$2\r\n-5\r\n", .ok)
        }),
        ("RESP SET of i64 min", {
            expectBytes(
                encoded(.redis, keys: 10) { $0.encode(.set, key: 0, id: 1, timestamp: Int64.min, into: &$1) },
                "*3\r\n$3\r\nSET\r\n$2\r\nk0\r\n$20\r\n-9223372036854775808\r\n", .ok)
        }),
        ("RESP SET of 0", {
            expectBytes(
                encoded(.redis, keys: 10) { $0.encode(.set, key: 0, id: 1, timestamp: 0, into: &$1) },
                "*3\r\n$3\r\nSET\r\n$2\r\nk0\r\n$1\r\n0\r\n", .ok)
        }),
        ("RESP GET", {
            expectBytes(encoded(.redis, keys: 1000) { $0.encode(.get, key: 42, id: 9, timestamp: 0, into: &$1) }, "*2\r\n$3\r\nGET\r\n$4\r\nk042\r\n", .job)
        }),
        ("RESP DEL", {
            expectBytes(encoded(.redis, keys: 10) { $0.encode(.remove, key: 5, id: 9, timestamp: 0, into: &$1) }, "*2\r\n$3\r\nDEL\r\n$2\r\nk5\r\n", .okOrMiss)
        }),
        ("RESP INFO clients", {
            expectBytes(encoded(.redis, keys: 10) { $0.encode(.stat, key: 5, id: 9, timestamp: 0, into: &$1) }, "*2\r\n$4\r\nINFO\r\n$7\r\nclients\r\n", .stat)
        }),
        ("RESP AUTH keeps spaces and quotes as they are", {
            expectBytes(encoded(.redis, keys: 1) { $0.encodeAuth(secret: "a \"b", into: &$1) }, "*2\r\n$4\r\nAUTH\r\n$4\r\na \"b\r\n", .auth)
        }),
        ("Redis inline AUTH", { expectBytes(encoded(.redisInline, keys: 1) { $0.encodeAuth(secret: "s3", into: &$1) }, "AUTH s3\r\n", .auth) }),
        ("RESP pipelined SET GET back to back", {
            expectBytes(
                encoded(.redis, keys: 100) { encoder, out in
                    _ = encoder.encode(.set, key: 7, id: 1, timestamp: 12, into: &out)
                    return encoder.encode(.get, key: 7, id: 2, timestamp: 0, into: &out)
                },
                "*3\r\n$3\r\nSET\r\n$3\r\nk07\r\n$2\r\n12\r\n*2\r\n$3\r\nGET\r\n$3\r\nk07\r\n", .job)
        }),
        ("RESP key prefix length counts", {
            var out: [UInt8] = []
            let shape = RequestEncoder(wire: .redis, keyPrefix: "job:", keys: 100_000).encode(.get, key: 12, id: 1, timestamp: 0, into: &out)
            return expectBytes((String(decoding: out, as: UTF8.self), shape), "*2\r\n$3\r\nGET\r\n$9\r\njob:00012\r\n", .job)
        }),
    ]

    // MARK: server CPU

    static func statLine(_ text: String) -> String {
        guard let parsed = ServerCPU.parseStat(text) else { return "refused" }
        return "\(parsed.name) \(parsed.nanoseconds)"
    }

    static let serverCPUCases: [Case] = [
        ("stat line: utime + stime", {
            same(
                statLine("4242 (kairos-reactor) S 1 4242 4242 0 -1 4194368 300 0 0 0 157 43 0 0 20 0 4 0 100 0 0\n"),
                "kairos-reactor \(ServerCPU.ticksToNanoseconds(200))")
        }),
        ("stat line: a name with spaces and parentheses", {
            same(statLine("7 (a) b (c) R 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 1 0 0\n"), "a) b (c \(ServerCPU.ticksToNanoseconds(11))")
        }),
        ("stat line: truncated", { same(statLine("7 (kairos) S 1 7 7 0 -1 0 0 0 0 0 5"), "refused") }),
        ("stat line: no name", { same(statLine("7 kairos S 1"), "refused") }),
        ("per-thread split by name, new threads from zero", {
            let before = ServerCPU(nanoseconds: 100, threads: [1: .init(name: "kairos", nanoseconds: 40), 2: .init(name: "kairos-reactor", nanoseconds: 60)])
            let after = ServerCPU(
                nanoseconds: 400,
                threads: [
                    1: .init(name: "kairos", nanoseconds: 140), 2: .init(name: "kairos-reactor", nanoseconds: 210),
                    3: .init(name: "kairos-runner", nanoseconds: 20), 4: .init(name: "kairos-runner", nanoseconds: 30),
                ])
            let split = after.threadsSince(before).map { "\($0.name)=\($0.nanoseconds)" }.joined(separator: " ")
            return same(split, "kairos-reactor=150 kairos=100 kairos-runner=50")
        }),
        ("own process is readable", {
            guard let sample = ServerCPU.sample(pid: Int(getpid())) else { return "no sample of /proc/self" }
            return sample.threads.isEmpty ? "no threads listed" : nil
        }),
    ]

    // MARK: options

    static func mixPicks(_ text: String) -> String {
        guard let mix = try? Mix.parse(text) else { return "refused" }
        var counts: [Operation: Int] = [:]
        for draw in 0..<mix.totalWeight { counts[mix.pick(draw), default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { "\($0.key.name)=\($0.value)" }.joined(separator: ",")
    }

    static func address(_ host: String, _ port: Int = 5678) -> String {
        do {
            return try TargetAddress.parse(host: host, port: port).description
        } catch {
            return "refused"
        }
    }

    static func same(_ got: String, _ expected: String) -> String? {
        got == expected ? nil : "got \(got.debugDescription), expected \(expected.debugDescription)"
    }

    static let parserCases: [Case] = [
        ("mix 80/20", { same(mixPicks("set=80,get=20"), "set=80,get=20") }),
        ("mix every kind", {
            same(mixPicks("listrules=1,rule=1,stat=1,remove=1,query=1,get=1,set=1"), "set=1,get=1,query=1,remove=1,stat=1,rule=1,listrules=1")
        }),
        ("mix zero weight dropped", { same(mixPicks("set=3, get = 0"), "set=3") }),
        ("mix unknown key", { same(mixPicks("set=80,del=20"), "refused") }),
        ("mix repeated key", { same(mixPicks("set=1,set=2"), "refused") }),
        ("mix all zero", { same(mixPicks("set=0"), "refused") }),
        ("mix bad weight", { same(mixPicks("set=-1"), "refused") }),
        ("mix missing weight", { same(mixPicks("set"), "refused") }),
        ("loopback IPv4", { same(address("127.0.0.1"), "127.0.0.1:5678") }),
        ("loopback IPv4 elsewhere in 127/8", { same(address("127.45.6.7", 6379), "127.45.6.7:6379") }),
        ("localhost", { same(address("localhost"), "127.0.0.1:5678") }),
        ("IPv6 loopback", { same(address("::1"), "[::1]:5678") }),
        ("IPv6 loopback bracketed", { same(address("[::1]"), "[::1]:5678") }),
        ("IPv6 loopback long form", { same(address("0:0:0:0:0:0:0:1"), "[::1]:5678") }),
        ("private address refused", { same(address("10.0.0.1"), "refused") }),
        ("public address refused", { same(address("8.8.8.8"), "refused") }),
        ("any-address refused", { same(address("0.0.0.0"), "refused") }),
        ("IPv4-mapped loopback refused", { same(address("::ffff:127.0.0.1"), "refused") }),
        ("IPv6 other refused", { same(address("::2"), "refused") }),
        ("host name refused", { same(address("example.com"), "refused") }),
        ("leading zero refused", { same(address("127.0.0.01"), "refused") }),
        ("short dotted form refused", { same(address("127.1"), "refused") }),
        ("port 0 refused", { same(address("127.0.0.1", 0), "refused") }),
        ("report number format", { same([12345.67, 0.0004, 0.125, 3, -2.5, -0.05].map(Report.format).joined(separator: " "), "12345.7 0 0.125 3 -2.5 -0.05") }),
    ]
}
