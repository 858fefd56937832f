import Foundation
import Glibc
import Testing

/// D-limits: connections never take the descriptors the rest of the server needs.
@Suite struct DescriptorLimitTests {
    /// Under `ulimit -n 128` the default max_connections is 128 - 64 = 64: of 100 clients, the
    /// first 64 are served and the rest are accepted and closed at once; meanwhile a due shell
    /// job still gets the descriptors it needs, and the server never runs out (no EMFILE).
    @Test func connectionsPastTheCapAreClosedAndTheReserveStaysFree() throws {
        let server = try ServerProcess(descriptorLimit: 128)
        let marker = server.directory.appendingPathComponent("ran").path
        let first = try TestClient(port: server.port)
        // The readiness probe's connection may still be counted: wait until only `first` is.
        let alone = try ServerProcess.eventually {
            try first.send("s STAT\n")
            return try first.readMultiline(id: "s")[1] == "s connections 1\n"
        }
        #expect(alone)
        let due = (Int(Date().timeIntervalSince1970) + 2) * 1_000_000_000
        try first.send("r1 RULE SET mark mark. shell \"touch \(marker)\"\nr2 SET mark.1 \(due)\n")
        #expect(try first.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")

        var clients = [first]
        for _ in 1..<100 { clients.append(try TestClient(port: server.port, timeout: 5)) }
        for (i, client) in clients.enumerated() where i >= 64 {
            #expect(client.isClosedByPeer(), "client \(i) should have been refused")
        }
        for (i, client) in clients.enumerated() where i < 64 {
            try client.send("c\(i) GET x\n")
            #expect(try client.receive("c\(i) ERROR\n") == "c\(i) ERROR\n")
        }
        // The job runs while the 64 connections are held.
        let ran = try ServerProcess.eventually(timeout: 15) {
            try first.send("g GET mark.1\n")
            return try first.readLine() == "g OK executed \(due)\n"
        }
        #expect(ran)
        #expect(FileManager.default.fileExists(atPath: marker))
        #expect(ServerProcess.eventually { server.stderr.contains("max_connections (64) reached; refused 1 connection(s)") })
        #expect(!server.stderr.contains("out of file descriptors"))

        // Once clients leave, new ones are served again.
        clients.removeAll()
        let fresh = try ServerProcess.eventually {
            guard let client = try? TestClient(port: server.port) else { return false }
            try client.send("s GET x\n")
            return (try? client.readLine()) == "s ERROR\n"
        }
        #expect(fresh)
    }

    /// A configured max_connections that would eat into the reserve stops the start (D-config style).
    @Test func maxConnectionsPastTheReserveIsRefusedAtStart() throws {
        let directory = try ServerProcess.makeDirectory()
        let config = directory.appendingPathComponent("k.toml").path
        try "[controller]\nlisten = \"127.0.0.1:0\"\nmax_connections = 100\n[database]\npersistence = \"memory\"\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        process.arguments = ["--nofile=128:128", ServerProcess.binaryPath, "-c", config]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(text.contains(
            "error: controller.max_connections: must be at most 64, not 100: the descriptor limit is 128 (ulimit -n) and 64 descriptors are kept in reserve; lower the value or raise the limit\n"
        ))
    }
}
