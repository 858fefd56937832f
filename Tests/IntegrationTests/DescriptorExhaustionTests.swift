import Foundation
import Glibc
import Testing

/// Issue 9 item 4 (runner part, K23): a run that cannot start because the server is out of
/// descriptors is retried with backoff and succeeds once descriptors are free again, instead
/// of ending `failed` for good.
@Suite struct DescriptorExhaustionTests {
    @Test func aRunBlockedByDescriptorExhaustionIsRetriedAndSucceeds() throws {
        let directory = try ServerProcess.makeDirectory()
        let marker = directory.appendingPathComponent("ran")
        let server = try ServerProcess(directory: directory, descriptorLimit: 64)
        let control = try TestClient(port: server.port)
        try control.send("r1 RULE SET r1 job. shell touch \(marker.path)\n")
        #expect(try control.receive("r1 OK\n") == "r1 OK\n")

        // Idle connections until the reactor itself runs out of descriptors.
        var idle: [TestClient] = []
        for _ in 0..<100 { if let client = try? TestClient(port: server.port) { idle.append(client) } }
        #expect(ServerProcess.eventually { server.stderr.contains("out of file descriptors") })

        let due = Int64(Date().timeIntervalSince1970 * 1_000_000_000) + 200_000_000
        try control.send("r2 SET job.a \(due)\n")
        #expect(try control.receive("r2 OK\n") == "r2 OK\n")
        #expect(ServerProcess.eventually { server.stderr.contains("Too many open files; retrying in") })
        try control.send("r3 GET job.a\n")
        #expect(try control.receive("r3 OK triggered \(due)\n") == "r3 OK triggered \(due)\n")

        idle.removeAll()
        let executed = try ServerProcess.eventually(timeout: 10) {
            try control.send("r4 GET job.a\n")
            return try control.readLine() == "r4 OK executed \(due)\n"
        }
        #expect(executed)
        #expect(FileManager.default.fileExists(atPath: marker.path))
        #expect(server.terminate() == 0)
    }
}
