import Foundation
import Glibc
import Testing

/// The real binary running redis rules against a real `redis-server` (D-network-runners).
@Suite struct RedisRunnerTests {
    /// A `redis-server` on a free loopback port, stopped by PID.
    final class Redis {
        let port: UInt16
        let tlsPort: UInt16?
        private let process = Process()

        init(_ arguments: [String], tls: (certificate: String, key: String)? = nil) throws {
            port = try ServerProcess.freePort()
            var all = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            if let tls {
                let tlsPort = try ServerProcess.freePort()
                self.tlsPort = tlsPort
                all += ["--tls-port", String(tlsPort), "--tls-cert-file", tls.certificate, "--tls-key-file", tls.key,
                        "--tls-ca-cert-file", tls.certificate, "--tls-auth-clients", "no"]
            } else {
                tlsPort = nil
            }
            process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
            process.arguments = all + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let port = self.port
            guard ServerProcess.eventually(timeout: 10, { (try? TestClient(port: port, timeout: 1)) != nil }) else {
                stop()
                throw ServerProcess.Failure(description: "redis-server did not start")
            }
        }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        deinit { stop() }

        /// `total_connections_received` from `INFO stats`, asked on `client`.
        static func connectionsReceived(_ client: TestClient) throws -> Int? {
            try client.send("INFO stats\r\n")
            let header = try client.readLine()  // "$<length>\r\n"
            guard let length = Int(header.dropFirst().trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            let text = String(decoding: try client.read(count: length + 2), as: UTF8.self)
            let line = text.split(separator: "\r\n").first { $0.hasPrefix("total_connections_received:") }
            return line.flatMap { Int($0.split(separator: ":")[1]) }
        }

        /// A plaintext connection that has sent `AUTH hunter2` (inline commands) and read its `+OK`.
        func client() throws -> TestClient {
            let client = try TestClient(port: port)
            try client.send("AUTH hunter2\r\n")
            _ = try client.receive("+OK\r\n")
            return client
        }
    }

    @Test func redisRulesExecuteAndFailAsTheServerAnswers() throws {
        let redis = try Redis(["--requirepass", "hunter2"])
        let check = try redis.client()
        try check.send("SELECT 3\r\nSET text x\r\n")
        #expect(try check.receive("+OK\r\n+OK\r\n") == "+OK\r\n+OK\r\n")
        let connectionsBefore = try #require(try Redis.connectionsReceived(check))

        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        let url = "redis://:hunter2@127.0.0.1:\(redis.port)/3"
        try client.send("r1 RULE SET q q. redis \(url) RPUSH jobs\nr2 RULE SET w w. redis \(url) RPUSH text\n")
        #expect(try client.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")
        try client.send("s1 SET q.1 1\ns2 SET q.2 1\ns3 SET w.1 1\n")
        #expect(try client.receive("s1 OK\ns2 OK\ns3 OK\n") == "s1 OK\ns2 OK\ns3 OK\n")
        #expect(try ExecutionTests.waitForStatus(client, job: "q.1", status: "executed"))
        #expect(try ExecutionTests.waitForStatus(client, job: "q.2", status: "executed"))
        #expect(try ExecutionTests.waitForStatus(client, job: "w.1", status: "failed"))

        try check.send("LRANGE jobs 0 -1\r\n")
        // Both jobs were due at the same instant, so either order is right.
        let pushed = try check.receive("*2\r\n$3\r\nq.1\r\n$3\r\nq.2\r\n")
        #expect(["*2\r\n$3\r\nq.1\r\n$3\r\nq.2\r\n", "*2\r\n$3\r\nq.2\r\n$3\r\nq.1\r\n"].contains(pushed))
        // Three runs, one connection (D-network-runners).
        #expect(try Redis.connectionsReceived(check) == connectionsBefore + 1)
        #expect(ServerProcess.eventually { server.stderr.contains("runner: job w.1 (redis) failed: redis://***@127.0.0.1:\(redis.port)/3: WRONGTYPE") })
        #expect(!server.stderr.contains("hunter2"))
    }

    @Test func redissRulesVerifyAgainstTheSystemStore() throws {
        // A self-signed certificate for 127.0.0.1, made the system store through SSL_CERT_FILE
        // (OpenSSL's own override of its default locations).
        let directory = try ServerProcess.makeDirectory()
        let certificate = directory.appendingPathComponent("redis.pem").path
        let key = directory.appendingPathComponent("redis.key").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                             "-subj", "/CN=kairos-redis-test", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        let redis = try Redis(["--requirepass", "hunter2"], tls: (certificate, key))
        let tlsPort = try #require(redis.tlsPort)

        let server = try ServerProcess(directory: directory, environment: ["SSL_CERT_FILE": certificate])
        let client = try TestClient(port: server.port)
        try client.send("r1 RULE SET t t. redis rediss://:hunter2@127.0.0.1:\(tlsPort) SET last\nr2 SET t.1 1\n")
        #expect(try client.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")
        #expect(try ExecutionTests.waitForStatus(client, job: "t.1", status: "executed"))
        let check = try redis.client()
        try check.send("GET last\r\n")
        #expect(try check.receive("$3\r\nt.1\r\n") == "$3\r\nt.1\r\n")

        // Without the override the system store does not know this certificate.
        let strict = try ServerProcess()
        let other = try TestClient(port: strict.port)
        try other.send("r1 RULE SET t t. redis rediss://:hunter2@127.0.0.1:\(tlsPort) SET last\nr2 SET t.2 1\n")
        #expect(try other.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")
        #expect(try ExecutionTests.waitForStatus(other, job: "t.2", status: "failed"))
        #expect(ServerProcess.eventually { strict.stderr.contains("certificate verify failed") })
    }
}
