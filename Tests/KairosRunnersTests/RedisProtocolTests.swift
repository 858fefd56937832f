import KairosProtocol
import Testing
@testable import KairosRunners

/// The redis runner's pure parts: URL parsing (docs/protocol.md#runners + D-network-runners), credential redaction, the RESP
/// bytes of each command, and reply classification.
@Suite struct RedisProtocolTests {
    private func parse(_ url: String) throws -> RedisEndpoint { try RedisEndpoint.parse(bytes(url)) }

    private func refusal(_ url: String) -> String? {
        do {
            _ = try RedisEndpoint.parse(bytes(url))
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func everyURLForm() throws {
        #expect(try parse("redis://cache") == RedisEndpoint(host: "cache"))
        #expect(try parse("redis://cache:6380") == RedisEndpoint(host: "cache", port: 6380))
        #expect(try parse("redis://cache:6380/") == RedisEndpoint(host: "cache", port: 6380))
        #expect(try parse("redis://cache/15") == RedisEndpoint(host: "cache", db: 15))
        #expect(try parse("redis://127.0.0.1:1/255") == RedisEndpoint(host: "127.0.0.1", port: 1, db: 255))
        #expect(try parse("redis://[::1]:7000/2") == RedisEndpoint(host: "::1", port: 7000, db: 2))
        #expect(try parse("redis://[::1]") == RedisEndpoint(host: "::1"))
        #expect(try parse("rediss://cache:6380/1") == RedisEndpoint(tls: true, host: "cache", port: 6380, db: 1))
        // Userinfo: split at the first ':', empty parts absent, no percent-decoding.
        #expect(try parse("redis://:secret@cache") == RedisEndpoint(password: bytes("secret"), host: "cache"))
        #expect(try parse("redis://alice:s3cr:et/x@cache/3")
            == RedisEndpoint(user: bytes("alice"), password: bytes("s3cr:et/x"), host: "cache", db: 3))
        #expect(try parse("redis://alice@cache") == RedisEndpoint(user: bytes("alice"), host: "cache"))
        #expect(try parse("redis://alice:@cache") == RedisEndpoint(user: bytes("alice"), host: "cache"))
        #expect(try parse("redis://@cache") == RedisEndpoint(host: "cache"))
        #expect(try parse("redis://u:p%40ss@cache") == RedisEndpoint(user: bytes("u"), password: bytes("p%40ss"), host: "cache"))
    }

    @Test func badURLsSayWhatIsWrong() {
        #expect(refusal("http://cache") == "scheme must be redis:// or rediss://")
        #expect(refusal("REDIS://cache") == "scheme must be redis:// or rediss://")
        #expect(refusal("redis://") == "host is empty")
        #expect(refusal("redis://u:p@") == "host is empty")
        #expect(refusal("redis://:6379") == "host is empty")
        #expect(refusal("redis://[]:6379") == "host is empty")
        #expect(refusal("redis://cache:") == "port must be a number 1-65535")
        #expect(refusal("redis://cache:0") == "port must be a number 1-65535")
        #expect(refusal("redis://cache:65536") == "port must be a number 1-65535")
        #expect(refusal("redis://cache:-1") == "port must be a number 1-65535")
        #expect(refusal("redis://cache:63x") == "port must be a number 1-65535")
        #expect(refusal("redis://cache/256") == "database must be a number 0-255")
        #expect(refusal("redis://cache/-1") == "database must be a number 0-255")
        #expect(refusal("redis://cache/1?x=y") == "database must be a number 0-255")
        #expect(refusal("redis://cache/0001") == "database must be a number 0-255")
        #expect(refusal("redis://[::1") == "unclosed [ in host")
        #expect(refusal("redis://[::1]x") == "unexpected text after ]")
        #expect(refusal("redis://ca che") == "host has characters a host name cannot have")
        #expect(refusal("redis://a:b@c@d") == "host has characters a host name cannot have")
    }

    @Test func logsNeverShowCredentials() throws {
        #expect(try parse("redis://alice:hunter2@cache:6380/4").redacted == "redis://***@cache:6380/4")
        #expect(try parse("rediss://:hunter2@[::1]").redacted == "rediss://***@[::1]:6379/0")
        #expect(try parse("redis://cache").redacted == "redis://cache:6379/0")
        #expect(RedisEndpoint.redacted(unparsed: bytes("redis://alice:hunter2@cache:0")) == "redis://***@cache:0")
        #expect(RedisEndpoint.redacted(unparsed: bytes("rediss://a:b@c@d")) == "rediss://***@d")
        #expect(RedisEndpoint.redacted(unparsed: bytes("redis://cache:x")) == "redis://cache:x")
    }

    @Test func commandsAreRESPArraysOfBulkStrings() {
        #expect(RESP.command([bytes("PUBLISH"), bytes("deploy:events"), bytes("deploy.v1")])
            == bytes("*3\r\n$7\r\nPUBLISH\r\n$13\r\ndeploy:events\r\n$9\r\ndeploy.v1\r\n"))
        #expect(RESP.command([bytes("RPUSH"), bytes("q"), bytes("j.1")]) == bytes("*3\r\n$5\r\nRPUSH\r\n$1\r\nq\r\n$3\r\nj.1\r\n"))
        #expect(RESP.command([bytes("LPUSH"), bytes("q"), bytes("j.1")]) == bytes("*3\r\n$5\r\nLPUSH\r\n$1\r\nq\r\n$3\r\nj.1\r\n"))
        #expect(RESP.command([bytes("SET"), bytes("last"), bytes("")]) == bytes("*3\r\n$3\r\nSET\r\n$4\r\nlast\r\n$0\r\n\r\n"))
        // Binary-safe: CR, LF, NUL and non-UTF-8 bytes go through as they are.
        #expect(RESP.command([bytes("SET"), bytes("k"), [0x61, 0x0d, 0x0a, 0x00, 0xff]])
            == bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\n") + [0x61, 0x0d, 0x0a, 0x00, 0xff] + bytes("\r\n"))
        #expect(RESP.command([bytes("AUTH"), bytes("alice"), bytes("pw")]) == bytes("*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$2\r\npw\r\n"))
        #expect(RESP.command([bytes("SELECT"), bytes("7")]) == bytes("*2\r\n$6\r\nSELECT\r\n$1\r\n7\r\n"))
    }

    @Test func repliesSplitAnywhereAreClassified() throws {
        let stream = bytes("+OK\r\n:3\r\n$-1\r\n$2\r\nab\r\n*2\r\n$1\r\na\r\n:1\r\n-WRONGTYPE Operation against a key\r\n")
        let expected: [RESP.Reply] = [
            .value("OK"), .value("(integer) 3"), .value("(nil)"), .value("(bulk string, 2 bytes)"),
            .value("(array, 2 elements)"), .error("WRONGTYPE Operation against a key"),
        ]
        for split in 0...stream.count {
            let reader = RESPReader()
            var replies: [RESP.Reply] = []
            for part in [stream[..<split], stream[split...]] {
                Array(part).withUnsafeBytes { reader.feed($0) }
                while let reply = try reader.next() { replies.append(reply) }
            }
            #expect(replies == expected, "split at \(split)")
        }
    }

    @Test func notRESPIsAProtocolError() {
        let reader = RESPReader()
        bytes("HTTP/1.1 400 Bad Request\r\n").withUnsafeBytes { reader.feed($0) }
        #expect(throws: RESPReader.ProtocolError.self) { try reader.next() }
    }
}
