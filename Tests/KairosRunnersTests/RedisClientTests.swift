import Foundation
import Glibc
import KairosProtocol
import Testing
@testable import KairosRunners

/// The redis runner against a real `redis-server` per test (D-network-runners): effects checked byte for
/// byte on a separate plaintext connection.
@Suite struct RedisClientTests {
    /// A job id with every awkward byte: CR, LF, NUL, a space and non-UTF-8.
    static let binaryJob: Bytes = bytes("job.1 ") + [0x0d, 0x0a, 0x00, 0xff]

    @Test func eachCommandReachesTheServer() throws {
        let server = try RedisServer()
        let url = "redis://127.0.0.1:\(server.port)"
        let check = try server.raw()
        let connectionsBefore = try #require(try check.info("total_connections_received"))
        let subscriber = try server.raw()
        let reply1 = bytes("*3\r\n$9\r\nsubscribe\r\n$6\r\nevents\r\n:1\r\n")
        #expect(try subscriber.call(["SUBSCRIBE", "events"], expecting: reply1) == reply1)
        let driver = try RedisDriver()
        let ids = [
            driver.start(url, "RPUSH", key: "list", job: Self.binaryJob),
            driver.start(url, "RPUSH", key: "list", job: bytes("b")),
            driver.start(url, "LPUSH", key: "list", job: bytes("a")),
            driver.start(url, "SET", key: "last", job: Self.binaryJob),
            driver.start(url, "PUBLISH", key: "events", job: Self.binaryJob),
        ]
        #expect(driver.wait(for: ids))
        #expect(ids.map { driver.result($0) } == [
            .succeeded("(integer) 1"), .succeeded("(integer) 2"), .succeeded("(integer) 3"), .succeeded("OK"), .succeeded("(integer) 1"),
        ])
        let message = bytes("*3\r\n$7\r\nmessage\r\n$6\r\nevents\r\n$10\r\n") + Self.binaryJob + bytes("\r\n")
        #expect(try subscriber.read(message.count) == message)
        let reply2 = bytes("*3\r\n$1\r\na\r\n$10\r\n") + Self.binaryJob + bytes("\r\n$1\r\nb\r\n")
        #expect(try check.call(["LRANGE", "list", "0", "-1"], expecting: reply2) == reply2)
        let reply3 = bytes("$10\r\n") + Self.binaryJob + bytes("\r\n")
        #expect(try check.call(["GET", "last"], expecting: reply3) == reply3)
        // All five runs shared one connection (the subscriber is the other new one).
        #expect(try check.info("total_connections_received") == connectionsBefore + 2)
    }

    @Test func anErrorReplyFailsTheRunAndTheConnectionStaysInStep() throws {
        let server = try RedisServer()
        let url = "redis://127.0.0.1:\(server.port)"
        _ = try server.raw().call(["SET", "text", "x"], expecting: bytes("+OK\r\n"))
        let driver = try RedisDriver()
        let wrong = driver.start(url, "RPUSH", key: "text", job: bytes("j.1"))
        let right = driver.start(url, "RPUSH", key: "list", job: bytes("j.2"))
        #expect(driver.wait(for: [wrong, right]))
        #expect(driver.result(wrong) == .failed(
            "redis://127.0.0.1:\(server.port)/0: WRONGTYPE Operation against a key holding the wrong kind of value"))
        #expect(driver.result(right) == .succeeded("(integer) 1"))
    }

    @Test func passwordAuthAndSelectHappenOncePerConnection() throws {
        let server = try RedisServer(arguments: ["--requirepass", "hunter2"])
        let check = try server.raw(auth: ["hunter2"])
        let connectionsBefore = try #require(try check.info("total_connections_received"))
        let driver = try RedisDriver()
        let url = "redis://:hunter2@127.0.0.1:\(server.port)/5"
        let ids = (0..<3).map { driver.start(url, "RPUSH", key: "q", job: bytes("j.\($0)")) }
        #expect(driver.wait(for: ids))
        #expect(ids.compactMap { driver.result($0)?.success } == [true, true, true])
        let reply4 = bytes("+OK\r\n")
        #expect(try check.call(["SELECT", "5"], expecting: reply4) == reply4)
        let reply5 = bytes("*3\r\n$3\r\nj.0\r\n$3\r\nj.1\r\n$3\r\nj.2\r\n")
        #expect(try check.call(["LRANGE", "q", "0", "-1"], expecting: reply5) == reply5)
        #expect(try check.info("total_connections_received") == connectionsBefore + 1)
        // AUTH and SELECT went out once: 2 + 3 commands, plus the start's CONFIG RESETSTAT and this
        // checker's AUTH, INFO, SELECT, LRANGE, INFO.
        #expect(try check.info("total_commands_processed") == 11)
    }

    @Test func aWrongPasswordFailsWithoutShowingIt() throws {
        let server = try RedisServer(arguments: ["--requirepass", "hunter2"])
        let driver = try RedisDriver()
        let id = driver.start("redis://:letmein@127.0.0.1:\(server.port)", "SET", key: "k", job: bytes("j"))
        #expect(driver.wait(for: [id]))
        let detail = try #require(driver.result(id)).detail
        #expect(driver.result(id)?.success == false)
        #expect(detail.hasPrefix("redis://***@127.0.0.1:\(server.port)/0: AUTH refused: WRONGPASS"))
        #expect(!detail.contains("letmein"))
        #expect(!driver.log.all.joined().contains("letmein"))
        let reply6 = bytes(":0\r\n")
        #expect(try server.raw(auth: ["hunter2"]).call(["EXISTS", "k"], expecting: reply6) == reply6)
    }

    @Test func anACLUserAuthenticatesWithUserAndPassword() throws {
        let server = try RedisServer(arguments: ["--user", "alice", "on", ">wonderland", "~*", "&*", "+@all", "--user", "default", "off"])
        let driver = try RedisDriver()
        let good = driver.start("redis://alice:wonderland@127.0.0.1:\(server.port)", "SET", key: "k", job: bytes("j.1"))
        #expect(driver.wait(for: [good]))
        #expect(driver.result(good) == .succeeded("OK"))
        let bad = driver.start("redis://bob:wonderland@127.0.0.1:\(server.port)", "SET", key: "k", job: bytes("j.2"))
        #expect(driver.wait(for: [bad]))
        #expect(driver.result(bad)?.success == false)
        let reply7 = bytes("$3\r\nj.1\r\n")
        #expect(try server.raw(auth: ["alice", "wonderland"]).call(["GET", "k"], expecting: reply7) == reply7)
    }

    @Test func aKilledConnectionIsReopenedOnce() throws {
        let server = try RedisServer()
        let url = "redis://127.0.0.1:\(server.port)"
        let driver = try RedisDriver()
        let first = driver.start(url, job: bytes("j.1"))
        #expect(driver.wait(for: [first]))
        let check = try server.raw()
        let reply8 = bytes(":1\r\n")
        #expect(try check.call(["CLIENT", "KILL", "TYPE", "normal"], expecting: reply8) == reply8)
        // Started before the client has seen the EOF: the command goes to the dead connection.
        let second = driver.start(url, job: bytes("j.2"))
        #expect(driver.wait(for: [second]))
        #expect(driver.result(second) == .succeeded("(integer) 2"))
        #expect(driver.log.all.contains { $0.hasPrefix("[DEBUG] runner: redis://127.0.0.1:\(server.port)/0: ") && $0.hasSuffix("reopening the connection for 1 run(s)") })
        let reply9 = bytes("*2\r\n$3\r\nj.1\r\n$3\r\nj.2\r\n")
        #expect(try check.call(["LRANGE", "q", "0", "-1"], expecting: reply9) == reply9)
    }

    @Test func aReusedConnectionWhoseServerIsGoneFailsAfterOneReopen() throws {
        let server = try RedisServer()
        let url = "redis://127.0.0.1:\(server.port)"
        let driver = try RedisDriver()
        let first = driver.start(url, job: bytes("j.1"))
        #expect(driver.wait(for: [first]))
        server.stop()
        let second = driver.start(url, job: bytes("j.2"))
        #expect(driver.wait(for: [second]))
        #expect(driver.result(second) == .failed("redis://127.0.0.1:\(server.port)/0: connect: Connection refused"))
    }

    /// Containers without IPv6 have no ::1 to bind.
    @Test(.enabled(if: ipv6LoopbackAvailable())) func anIPv6LiteralInBracketsConnects() throws {
        let server = try RedisServer(arguments: ["--bind", "127.0.0.1", "::1"])
        let driver = try RedisDriver()
        let id = driver.start("redis://[::1]:\(server.port)/1", "SET", key: "k", job: bytes("j.6"))
        #expect(driver.wait(for: [id]))
        #expect(driver.result(id) == .succeeded("OK"))
        let check = try server.raw()
        let selected = bytes("+OK\r\n")
        #expect(try check.call(["SELECT", "1"], expecting: selected) == selected)
        let value = bytes("$3\r\nj.6\r\n")
        #expect(try check.call(["GET", "k"], expecting: value) == value)
    }

    @Test func noServerFailsAtOnce() throws {
        let port = try freeLoopbackPort()
        let driver = try RedisDriver()
        let id = driver.start("redis://127.0.0.1:\(port)", job: bytes("j"))
        #expect(driver.wait(for: [id], within: 5))
        #expect(driver.result(id) == .failed("redis://127.0.0.1:\(port)/0: connect: Connection refused"))
    }

    @Test func manyConcurrentRunsPipelineOnOneConnection() throws {
        let server = try RedisServer()
        let url = "redis://127.0.0.1:\(server.port)"
        let check = try server.raw()
        let connectionsBefore = try #require(try check.info("total_connections_received"))
        let driver = try RedisDriver()
        let ids = (0..<2000).map { driver.start(url, job: bytes("j.\($0)")) }
        #expect(driver.wait(for: ids, within: 30))
        #expect(ids.enumerated().allSatisfy { driver.result($1) == .succeeded("(integer) \($0 + 1)") })
        let reply10 = bytes("$6\r\nj.1999\r\n")
        #expect(try check.call(["LINDEX", "q", "1999"], expecting: reply10) == reply10)
        #expect(try check.info("total_connections_received") == connectionsBefore + 1)
    }

    @Test func aCancelledRunsReplyIsReadAndIgnored() throws {
        let server = try RedisServer()
        let url = "redis://127.0.0.1:\(server.port)"
        let driver = try RedisDriver()
        let warmUp = driver.start(url, job: bytes("j.0"))
        #expect(driver.wait(for: [warmUp]))
        let cancelled = driver.start(url, job: bytes("j.1"))
        driver.cancel(cancelled)
        let next = driver.start(url, job: bytes("j.2"))
        #expect(driver.wait(for: [next]))
        // The cancelled command was already written: its reply (2) was consumed, not given to j.2.
        #expect(driver.result(next) == .succeeded("(integer) 3"))
        driver.idle(for: 0.05)
        #expect(driver.result(cancelled) == nil)
    }

    @Test func aServerThatNeverAnswersTimesOut() throws {
        let silent = try SilentListener()
        let driver = try RedisDriver(timeoutMs: 200)
        let started = Date()
        let id = driver.start("redis://127.0.0.1:\(silent.port)", job: bytes("j"))
        #expect(driver.wait(for: [id], within: 5))
        #expect(driver.result(id) == .failed("redis://127.0.0.1:\(silent.port)/0: no reply within 200 ms"))
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(driver.openSockets == 0)
    }

    @Test func aHungServerDoesNotSlowRunsToAnother() throws {
        let silent = try SilentListener()
        let server = try RedisServer()
        let driver = try RedisDriver()
        let hung = driver.start("redis://127.0.0.1:\(silent.port)", job: bytes("j.1"))
        let started = Date()
        let fine = (0..<100).map { driver.start("redis://127.0.0.1:\(server.port)", job: bytes("j.\($0)")) }
        #expect(driver.wait(for: fine, within: 5))
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(driver.result(hung) == nil)
        #expect(driver.openSockets == 2)
    }

    @Test func aPeerThatDoesNotSpeakRESPFailsTheRun() throws {
        let silent = try SilentListener()
        let driver = try RedisDriver()
        let id = driver.start("redis://127.0.0.1:\(silent.port)", job: bytes("j"))
        driver.idle(for: 0.05)
        let peer = silent.accept()
        defer { Glibc.close(peer) }
        _ = Glibc.write(peer, "HTTP/1.1 400 Bad Request\r\n\r\n", 28)
        #expect(driver.wait(for: [id], within: 20))
        #expect(driver.result(id)?.success == false)
        #expect(driver.result(id)?.detail.hasPrefix("redis://127.0.0.1:\(silent.port)/0: redis protocol error: ") == true)
        #expect(driver.openSockets == 0)
    }

    @Test func failuresLeaveNoSocketsAndCloseReleasesTheRest() throws {
        let server = try RedisServer()
        let driver = try RedisDriver()
        let refusedPort = try freeLoopbackPort()
        let refused = driver.start("redis://127.0.0.1:\(refusedPort)", job: bytes("j.1"))
        let wrongPassword = driver.start("redis://:nope@127.0.0.1:\(server.port)", job: bytes("j.2"))
        let fine = driver.start("redis://127.0.0.1:\(server.port)", job: bytes("j.3"))
        #expect(driver.wait(for: [refused, wrongPassword, fine]))
        #expect(driver.openSockets == 1)
        driver.close()
        #expect(driver.openSockets == 0)
    }

    @Test func badURLsAndUnknownHostsFailWithAClearDetail() throws {
        let driver = try RedisDriver()
        let bad = driver.start("redis://alice:hunter2@cache:99999", job: bytes("j"))
        #expect(driver.result(bad) == .failed("invalid redis URL redis://***@cache:99999: port must be a number 1-65535"))
        let unknown = driver.start("redis://no-such-host.invalid:6379", job: bytes("j"))
        #expect(driver.wait(for: [unknown], within: 20))
        #expect(driver.result(unknown)?.success == false)
        #expect(driver.result(unknown)?.detail.hasPrefix("redis://no-such-host.invalid:6379/0: cannot resolve no-such-host.invalid: ") == true)
    }

    @Test func redissVerifiesTheServerAgainstTheGivenCA() throws {
        let files = try RedisTLSFiles.make()
        let server = try RedisServer(tls: files)
        let tlsPort = try #require(server.tlsPort)
        let trusted = try RedisDriver(caFile: files.ca)
        // By address (IP SAN) and by name (DNS SAN, looked up on the resolver thread, sent as SNI).
        let byAddress = trusted.start("rediss://127.0.0.1:\(tlsPort)/2", "RPUSH", key: "q", job: Self.binaryJob)
        let byName = trusted.start("rediss://localhost:\(tlsPort)/2", "RPUSH", key: "q", job: bytes("j.2"))
        #expect(trusted.wait(for: [byAddress, byName]))
        // Two connections: either may finish its handshake first, so the list's order is theirs.
        let results = [trusted.result(byAddress), trusted.result(byName)]
        #expect(Set(results.compactMap { $0?.detail }) == ["(integer) 1", "(integer) 2"])
        #expect(results.allSatisfy { $0?.success == true })
        let addressFirst = trusted.result(byAddress) == .succeeded("(integer) 1")
        let check = try server.raw()
        _ = try check.call(["SELECT", "2"], expecting: bytes("+OK\r\n"))
        let binary = bytes("$10\r\n") + Self.binaryJob + bytes("\r\n")
        let named = bytes("$3\r\nj.2\r\n")
        let reply = bytes("*2\r\n") + (addressFirst ? binary + named : named + binary)
        #expect(try check.call(["LRANGE", "q", "0", "-1"], expecting: reply) == reply)

        let untrusted = try RedisDriver(caFile: files.otherCA)
        let refused = untrusted.start("rediss://127.0.0.1:\(tlsPort)", "SET", key: "k", job: bytes("j"))
        #expect(untrusted.wait(for: [refused]))
        #expect(untrusted.result(refused)?.success == false)
        #expect(untrusted.result(refused)?.detail.contains("certificate verify failed") == true)
        // TLS to the plaintext port: redis waits for a line that never comes; the bound ends it.
        let impatient = try RedisDriver(timeoutMs: 300, caFile: files.ca)
        let plain = impatient.start("rediss://127.0.0.1:\(server.port)", "SET", key: "k", job: bytes("j"))
        #expect(impatient.wait(for: [plain], within: 5))
        #expect(impatient.result(plain) == .failed("redis://127.0.0.1:\(server.port)/0: connect timed out after 300 ms".replacingOccurrences(of: "redis://", with: "rediss://")))
    }
}
