import Foundation
import Glibc
import Testing

/// Issue 9 item 4 (runner part, D-limits): a run that cannot start because the server is out of
/// descriptors is retried with backoff and succeeds once descriptors are free again, instead
/// of ending `failed` for good. Connections cannot exhaust the reserve any more
/// (`max_connections`), so the test oversubscribes it with runs: each running child holds a
/// pidfd, and 100 at once do not fit next to 60 idle connections under a limit of 128.
@Suite struct DescriptorExhaustionTests {
    @Test func runsBlockedByDescriptorExhaustionAreRetriedAndSucceed() throws {
        let server = try ServerProcess(extraConfig: "[runner]\nconcurrency = 100\n", descriptorLimit: 128)
        let control = try TestClient(port: server.port)
        try control.send("r1 RULE SET r1 job. shell sleep 0.3\n")
        #expect(try control.receive("r1 OK\n") == "r1 OK\n")
        var idle: [TestClient] = []
        for _ in 0..<60 { idle.append(try TestClient(port: server.port)) }

        let due = Int64(Date().timeIntervalSince1970 * 1_000_000_000) + 300_000_000
        var burst = ""
        for index in 0..<100 { burst += "s\(index) SET job.\(index) \(due)\n" }
        try control.send(burst)
        for index in 0..<100 { #expect(try control.readLine() == "s\(index) OK\n") }
        #expect(ServerProcess.eventually { server.stderr.contains("Too many open files; retrying in") })

        let expected = (0..<100).map { "q job.\($0) executed \(due)\n" }.sorted().joined() + "q OK\n"
        let executed = try ServerProcess.eventually(timeout: 20) {
            try control.send("q QUERY job.\n")
            var lines = ""
            while true {
                let line = try control.readLine()
                lines += line
                if line == "q OK\n" { break }
            }
            return lines == expected
        }
        #expect(executed)
        idle.removeAll()
        #expect(server.terminate() == 0)
    }
}
