import Foundation
import Glibc

/// A private RabbitMQ node for the test process (shared by the runner and integration tests): its own name, ports, epmd port and data
/// directory. It takes seconds to start, so the process shares one (`RabbitNode.shared`) and
/// stops it at exit: `rabbitmqctl stop`, then SIGKILL to the node's pid as a fallback.
///
/// As root the Debian scripts drop to the `rabbitmq` user, so the data directory is a 0777
/// directory under /tmp, not inside a 0700 temporary tree.
package final class RabbitNode: Sendable {
    package let name: String
    package let port: UInt16
    /// The amqps listener: a certificate for `localhost` only, signed by `caFile`.
    package let tlsPort: UInt16
    package let caFile: String
    package let directory: String
    private let environment: [String: String]
    private let server: Process
    /// The node's own port mapper, started in the foreground so it can be stopped by pid
    /// (a node that finds none starts a daemon that outlives the tests).
    private let epmd: Process

    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    nonisolated(unsafe) private static var started: RabbitNode?
    private static let lock = NSLock()
    private static let startResult: Result<RabbitNode, Failure> = {
        do {
            let node = try RabbitNode()
            started = node
            atexit { RabbitNode.started?.stop() }
            return .success(node)
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(description: "\(error)"))
        }
    }()

    /// The process's node, started on first use.
    package static func shared() throws -> RabbitNode {
        lock.lock()
        defer { lock.unlock() }
        return try startResult.get()
    }

    private init() throws {
        let pid = getpid()
        name = "kairos-test-\(pid)@localhost"
        directory = "/tmp/kairos-rabbit-\(pid)"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o777)
        port = try Self.freePort()
        tlsPort = try Self.freePort()
        caFile = directory + "/ca.pem"
        try Self.makeCertificates(in: directory)
        let config = """
            listeners.ssl.1 = 127.0.0.1:\(tlsPort)
            ssl_options.cacertfile = \(directory)/ca.pem
            ssl_options.certfile = \(directory)/server.pem
            ssl_options.keyfile = \(directory)/server.key
            ssl_options.verify = verify_none
            ssl_options.fail_if_no_peer_cert = false

            """
        try config.write(toFile: directory + "/rabbitmq.conf", atomically: true, encoding: .utf8)
        chmod(directory + "/rabbitmq.conf", 0o644)
        let dist = try Self.freePort()
        let epmdPort = try Self.freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["RABBITMQ_NODENAME"] = name
        environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1"
        environment["RABBITMQ_NODE_PORT"] = String(port)
        environment["RABBITMQ_DIST_PORT"] = String(dist)
        environment["ERL_EPMD_PORT"] = String(epmdPort)
        environment["RABBITMQ_MNESIA_BASE"] = directory + "/mnesia"
        environment["RABBITMQ_LOG_BASE"] = directory + "/log"
        environment["RABBITMQ_PID_FILE"] = directory + "/pid"
        environment["RABBITMQ_CONFIG_FILE"] = directory + "/rabbitmq.conf"
        self.environment = environment
        epmd = Process()
        epmd.executableURL = URL(fileURLWithPath: "/usr/bin/epmd")
        epmd.arguments = ["-port", String(epmdPort)]
        epmd.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        epmd.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try epmd.run()
        let listening = Date().addingTimeInterval(10)
        while !Self.accepts(port: epmdPort) {
            guard Date() < listening, epmd.isRunning else {
                epmd.terminate()
                throw Failure(description: "epmd did not start on port \(epmdPort)")
            }
            usleep(20_000)
        }
        server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/sbin/rabbitmq-server")
        server.environment = environment
        let output = FileHandle(forWritingAtPath: "/dev/null")
        server.standardOutput = output
        server.standardError = output
        do {
            try server.run()
        } catch {
            kill(epmd.processIdentifier, SIGKILL)
            throw error
        }
        // `await_startup` fails at once while the node is not yet registered: ask again.
        let deadline = Date().addingTimeInterval(90)
        while true {
            if (try? ctl(["await_startup", "--timeout", "10"]))?.status == 0 { break }
            if Date() > deadline || !server.isRunning {
                stop()
                throw Failure(description: "rabbitmq node \(name) did not start")
            }
            usleep(300_000)
        }
    }

    /// Runs `rabbitmqctl -n <node> args...`; bounded by its own `--timeout` where given.
    @discardableResult
    package func ctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/rabbitmqctl")
        process.arguments = ["-n", name] + arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Stops the node (and its private epmd) by name, then by pid.
    package func stop() {
        _ = try? ctl(["stop", "--timeout", "20"])
        if let text = try? String(contentsOfFile: directory + "/pid", encoding: .utf8),
           let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 {
            kill(pid, SIGKILL)
        }
        if server.isRunning { kill(server.processIdentifier, SIGKILL) }
        if epmd.isRunning {
            kill(epmd.processIdentifier, SIGKILL)
            epmd.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A throwaway CA and a server certificate for DNS name `localhost` (no IP address), made
    /// with the openssl command; readable by the `rabbitmq` user.
    private static func makeCertificates(in directory: String) throws {
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=kairos test CA",
             "-keyout", "\(directory)/ca.key", "-out", "\(directory)/ca.pem"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
             "-keyout", "\(directory)/server.key", "-out", "\(directory)/server.csr"],
            ["x509", "-req", "-in", "\(directory)/server.csr", "-CA", "\(directory)/ca.pem", "-CAkey", "\(directory)/ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", "\(directory)/san.ext", "-out", "\(directory)/server.pem"],
        ]
        try "subjectAltName = DNS:localhost\n".write(toFile: directory + "/san.ext", atomically: true, encoding: .utf8)
        for arguments in steps {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw Failure(description: "openssl \(arguments[0]) failed") }
        }
        for file in ["ca.pem", "server.pem", "server.key"] { chmod(directory + "/" + file, 0o644) }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    private static func accepts(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    package static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw Failure(description: "no free port") }
        return UInt16(bigEndian: addr.sin_port)
    }
}
