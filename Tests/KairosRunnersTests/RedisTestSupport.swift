import Foundation
import Glibc
import KairosProtocol
import KairosSystem
import Logging
@testable import KairosRunners

struct RedisTestFailure: Error, CustomStringConvertible {
    let description: String
}

/// A real `redis-server` on 127.0.0.1 for one test, stopped by PID when released.
///
/// A port found free may be taken by another test's server before this one binds it; then
/// this server exits while the other answers on the port. So readiness means "the server on
/// the port reports our process id", checked through a user of its own (`--user default off`
/// tests leave no other way in); on a mismatch the start is retried on new ports.
final class RedisServer {
    let port: UInt16
    /// The TLS port when started with `tls`; `port` stays plaintext for checks.
    let tlsPort: UInt16?
    private let process: Process
    private let directory: URL
    static let checkUser = ["kairos-check", "kairos-check"]

    init(arguments: [String] = [], tls: RedisTLSFiles? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for _ in 0..<5 {
            let port = try freeLoopbackPort()
            var all = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path,
                       "--user", Self.checkUser[0], "on", ">" + Self.checkUser[1], "~*", "&*", "+@all"]
            var tlsPort: UInt16?
            if let tls {
                let chosen = try freeLoopbackPort()
                tlsPort = chosen
                all += ["--tls-port", String(chosen), "--tls-cert-file", tls.certificate, "--tls-key-file", tls.key,
                        "--tls-ca-cert-file", tls.ca, "--tls-auth-clients", "no"]
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
            process.arguments = all + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let pid = Int(process.processIdentifier)
            var ours = false
            _ = eventually(within: 10) {
                guard process.isRunning else { return true }
                guard let raw = try? RawRedis(port: port),
                      (try? raw.call(["AUTH"] + Self.checkUser, expecting: bytes("+OK\r\n"))) == bytes("+OK\r\n"),
                      let reported = try? raw.info("process_id")
                else { return false }
                ours = reported == pid && (tlsPort.map { canConnect($0) } ?? true)
                // Counters start at zero for the test, as if nobody had looked.
                if ours { _ = try? raw.call(["CONFIG", "RESETSTAT"], expecting: bytes("+OK\r\n")) }
                return true
            }
            if ours {
                self.port = port
                self.tlsPort = tlsPort
                self.process = process
                return
            }
            Self.kill(process)
        }
        try? FileManager.default.removeItem(at: directory)
        throw RedisTestFailure(description: "redis-server did not start on a port of its own after 5 attempts")
    }

    var pid: Int32 { process.processIdentifier }

    func stop() {
        Self.kill(process)
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGKILL, then reaps the pid itself for at most 10 s. Foundation's `waitUntilExit` was
    /// seen to wait forever for a killed server (its exit unnoticed, the zombie unreaped) when
    /// many processes ended at once; a stuck test run costs more than a late reap.
    static func kill(_ process: Process) {
        let pid = process.processIdentifier
        guard pid > 0 else { return }
        Glibc.kill(pid, SIGKILL)
        var status: CInt = 0
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let reaped = waitpid(pid, &status, WNOHANG)
            // Reaped here, or already by Foundation (ECHILD), or Foundation saw the exit.
            if reaped == pid || (reaped < 0 && errno == ECHILD) || !process.isRunning { return }
            usleep(2_000)
        }
    }

    deinit { stop() }

    /// A plaintext connection for checks, authenticated when `auth` is given.
    func raw(auth: [String] = []) throws -> RawRedis {
        let raw = try RawRedis(port: port)
        if !auth.isEmpty { _ = try raw.call(["AUTH"] + auth, expecting: bytes("+OK\r\n")) }
        return raw
    }
}

/// A throwaway CA and a server certificate for 127.0.0.1 and localhost, made by the openssl CLI.
struct RedisTLSFiles {
    let ca: String
    let certificate: String
    let key: String
    /// Another CA that signed nothing here: trusting it must fail the handshake.
    let otherCA: String

    static func make() throws -> RedisTLSFiles {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-redis-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
        try openssl(["req", "-x509"] + ec + ["-subj", "/CN=Kairos Redis Test CA", "-keyout", "ca.key", "-out", "ca.pem"], in: directory)
        try openssl(["req", "-x509"] + ec + ["-subj", "/CN=Other CA", "-keyout", "other.key", "-out", "other.pem"], in: directory)
        try openssl(["req"] + ec + ["-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"], in: directory)
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(to: directory.appendingPathComponent("san.ext"), atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                     "-days", "2", "-extfile", "san.ext", "-out", "server.pem"], in: directory)
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        return RedisTLSFiles(ca: path("ca.pem"), certificate: path("server.pem"), key: path("server.key"), otherCA: path("other.pem"))
    }

    private static func openssl(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RedisTestFailure(description: "openssl \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}

/// A blocking plaintext RESP connection for checking what the runner did, byte for byte.
final class RawRedis {
    private let fd: CInt

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw RedisTestFailure(description: "connect to \(port) failed")
        }
    }

    deinit { Glibc.close(fd) }

    /// Sends one command and returns as many reply bytes as `expected` has, for comparing with it.
    func call(_ arguments: [String], expecting expected: Bytes) throws -> Bytes {
        send(RESP.command(arguments.map { Array($0.utf8) }))
        return try read(expected.count)
    }

    func send(_ bytes: Bytes) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func read(_ count: Int) throws -> Bytes {
        var result: Bytes = []
        var buffer = Bytes(repeating: 0, count: 4096)
        while result.count < count {
            let n = recv(fd, &buffer, min(buffer.count, count - result.count), 0)
            guard n > 0 else { throw RedisTestFailure(description: "short reply: \(String(decoding: result, as: UTF8.self))") }
            result += buffer[..<n]
        }
        return result
    }

    /// An integer field of `INFO` (e.g. `total_connections_received`).
    func info(_ field: String) throws -> Int? {
        send(RESP.command([Array("INFO".utf8), Array("all".utf8)]))
        let header = try readLine()  // "$<length>"
        guard let length = Int(header.dropFirst()) else { return nil }
        let text = String(decoding: try read(length + 2), as: UTF8.self)
        for line in text.split(separator: "\r\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1))
        }
        return nil
    }

    private func readLine() throws -> String {
        var line: Bytes = []
        while !line.hasSuffix([13, 10]) { line += try read(1) }
        return String(decoding: line.dropLast(2), as: UTF8.self)
    }
}

private extension Array where Element == UInt8 {
    func hasSuffix(_ suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}

func loopback(_ port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    return address
}

func canConnect(_ port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { Glibc.close(fd) }
    var address = loopback(port)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// A loopback listener that never accepts: connects complete (the kernel's backlog), nobody reads.
final class SilentListener {
    let fd: CInt
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = loopback(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        port = UInt16(bigEndian: address.sin_port)
        guard bound, listen(fd, 8) == 0 else { throw RedisTestFailure(description: "listener setup failed") }
    }

    /// Accepts one pending connection (blocking); the caller closes it.
    func accept() -> CInt { Glibc.accept(fd, nil, nil) }

    deinit { Glibc.close(fd) }
}

/// Whether a socket can be bound to [::1].
func ipv6LoopbackAvailable() -> Bool {
    let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { Glibc.close(fd) }
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    inet_pton(AF_INET6, "::1", &address.sin6_addr)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
    } == 0
}

/// A loopback port nobody listens on right now.
func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { Glibc.close(fd) }
    var address = loopback(0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw RedisTestFailure(description: "no free port") }
    return UInt16(bigEndian: address.sin_port)
}

/// A `RedisClient` on a private epoll set, driven by the test thread as the runner loop would.
final class RedisDriver {
    let log = LogRecorder()
    /// The epoll set in a class of its own: the registrar's closures hold it, and the client's
    /// `close` in this driver's deinit still reaches it.
    private final class Poller {
        let epoll: Epoll
        init() throws { epoll = try Epoll(maxEvents: 64) }
    }

    private let poller: Poller
    private(set) var results: [UInt64: NetworkResult] = [:]
    private var client: RedisClient!
    private var nextID: UInt64 = 1

    init(timeoutMs: Int = 0, caFile: String? = nil) throws {
        let poller = try Poller()
        self.poller = poller
        let registrar = PollRegistrar(
            client: NetworkKind.redis.rawValue,
            add: { fd, events, data throws(Errno) in try poller.epoll.add(fd, events: events, data: data) },
            modify: { fd, events, data throws(Errno) in try poller.epoll.modify(fd, events: events, data: data) },
            remove: { fd in poller.epoll.remove(fd) })
        let context = NetworkClientContext(
            registrar: registrar, complete: { [unowned self] id, result in
                precondition(self.results[id] == nil, "call \(id) reported twice")
                self.results[id] = result
            },
            config: RunnerConfig(timeoutMs: timeoutMs), logger: log.logger)
        client = RedisClient(context, caFile: caFile)
    }

    deinit { client.close() }

    /// Starts a run; returns its id.
    @discardableResult
    func start(_ url: String, _ command: String = "RPUSH", key: String = "q", job: Bytes) -> UInt64 {
        let id = nextID
        nextID += 1
        client.start(NetworkCall(id: id, jobID: job, scheduledAt: 0,
                                 runner: .redis(url: bytes(url), command: bytes(command), key: bytes(key))))
        return id
    }

    func cancel(_ id: UInt64) { client.cancel(id) }

    /// Drives the client until every id in `ids` has a result or `seconds` pass.
    @discardableResult
    func wait(for ids: [UInt64], within seconds: Double = 10) -> Bool {
        let deadline = Clock.monotonicNanoseconds() + Int64(seconds * 1e9)
        while !ids.allSatisfy({ results[$0] != nil }) {
            let now = Clock.monotonicNanoseconds()
            if now >= deadline { return false }
            turn(now: now, deadline: deadline)
        }
        return true
    }

    /// One loop turn: wait for readiness or the client's next timer, then run due timers.
    private func turn(now: Int64, deadline: Int64) {
        let until = min(client.nextWakeup ?? deadline, deadline)
        let waitMs = Int32(clamping: max(0, (until - now + 999_999) / 1_000_000))
        try? poller.epoll.wait(timeoutMs: min(waitMs, 100)) { events, data in
            if case .network(_, let key) = PollTarget(token: data) { client.handle(key: key, events: events) }
        }
        let after = Clock.monotonicNanoseconds()
        if let at = client.nextWakeup, at <= after { client.tick(now: after) }
    }

    /// Whatever the client has to do for `seconds` (replies to cancelled calls, EOFs).
    func idle(for seconds: Double) {
        let deadline = Clock.monotonicNanoseconds() + Int64(seconds * 1e9)
        while Clock.monotonicNanoseconds() < deadline { turn(now: Clock.monotonicNanoseconds(), deadline: deadline) }
    }

    func result(_ id: UInt64) -> NetworkResult? { results[id] }

    var openSockets: Int { client.openSockets }

    func close() { client.close() }
}
