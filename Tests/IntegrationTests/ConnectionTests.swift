import Foundation
import Glibc
import Testing

/// The reactor under load: pipelining, many connections, slow readers, IPv6.
@Suite struct ConnectionTests {
    @Test func tenThousandPipelinedRequestsInOneWrite() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port, timeout: 30)
        var batch = ""
        var expected = ""
        for i in 0..<10_000 {
            if i % 2 == 0 {
                batch += "s\(i) SET job.\(i) 4102444800000000000\n"
                expected += "s\(i) OK\n"
            } else {
                batch += "g\(i) GET job.\(i - 1)\n"
                expected += "g\(i) OK planned 4102444800000000000\n"
            }
        }
        try client.send(batch)
        #expect(try client.receive(expected) == expected)
    }

    @Test func thousandConcurrentConnectionsAreCounted() throws {
        let server = try ServerProcess()
        var clients: [TestClient] = []
        for _ in 0..<1000 { clients.append(try TestClient(port: server.port)) }
        // Every connection is served, in any order of arrival.
        for (i, client) in clients.enumerated() { try client.send("c\(i) GET missing\n") }
        for (i, client) in clients.enumerated() { #expect(try client.receive("c\(i) ERROR\n") == "c\(i) ERROR\n") }
        let probe = clients[0]
        try probe.send("s STAT\n")
        let lines = try probe.readMultiline(id: "s")
        #expect(lines[1] == "s connections 1000\n")
        clients.removeLast(500)
        let dropped = try ServerProcess.eventually {
            try probe.send("t STAT\n")
            return try probe.readMultiline(id: "t")[1] == "t connections 500\n"
        }
        #expect(dropped)
    }

    @Test func slowReaderDoesNotSlowOthers() throws {
        let server = try ServerProcess()
        let slow = try TestClient(port: server.port)
        // Ask for far more reply bytes than the socket buffers hold, and never read them.
        let id = String(repeating: "q", count: 200)
        try slow.send("r1 SET \(id) 4102444800000000000\n")
        _ = try slow.receive("r1 OK\n")
        var flood = ""
        for _ in 0..<2_000 { flood += "\(id) QUERY\n" }
        // The server stops reading once this client's unread replies pile up (D-connections), so the
        // client's own send buffer fills: send what the kernel takes, without blocking.
        var sent = 0
        for _ in 0..<50 { sent += slow.sendWithoutWaiting(Array(flood.utf8)) }
        #expect(sent > 400_000)
        let other = try TestClient(port: server.port)
        for i in 0..<50 {
            try other.send("o\(i) GET missing\n")
            #expect(try other.receive("o\(i) ERROR\n") == "o\(i) ERROR\n")
        }
    }

    @Test func clientThatNeverReadsHasItsLongAnswersPausedThenCloses() throws {
        let server = try ServerProcess()
        let writer = try TestClient(port: server.port, timeout: 30)
        let id = String(repeating: "j", count: 200)
        var fill = ""
        for i in 0..<2_000 { fill += "f SET \(id).\(i) 4102444800000000000\n" }
        try writer.send(fill)
        for _ in 0..<2_000 { _ = try writer.readLine() }
        // Each QUERY answers about 460 KB, 138 MB in all. The server writes them a part at a
        // time and pauses them while this client's unsent output is high (D-limits), so it neither
        // builds them in memory nor reaches the 64 MiB bound that would drop the client (D-connections).
        let greedy = try TestClient(port: server.port, timeout: 30)
        try greedy.send(String(repeating: "q QUERY \(id)\n", count: 300))
        #expect(ServerProcess.eventually {
            var queued: Int32 = 0
            return ioctl(greedy.fd, UInt(FIONREAD), &queued) == 0 && queued > 64 * 1024
        })
        for i in 0..<50 {
            try writer.send("s\(i) GET missing\n")
            #expect(try writer.receive("s\(i) ERROR\n") == "s\(i) ERROR\n")
        }
        #expect(!greedy.isClosedByPeer())
        #expect(!server.stderr.contains("does not read its replies"))
        let status = (try? String(contentsOfFile: "/proc/\(server.pid)/status", encoding: .utf8)) ?? ""
        let peakKiB = Int(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?.split(separator: " ")[1] ?? "") ?? 0
        #expect(peakKiB > 0 && peakKiB < 200 * 1024)
        // Closing while paused drops the rest; the server carries on.
        shutdown(greedy.fd, Int32(SHUT_RDWR))
        try writer.send("t GET missing\n")
        #expect(try writer.receive("t ERROR\n") == "t ERROR\n")
    }

    @Test func clientCloseAfterPipelineStillAppliesRequests() throws {
        let server = try ServerProcess()
        do {
            let client = try TestClient(port: server.port)
            try client.send("r1 SET kept 4102444800000000000\nr2 SET partial")
            shutdown(client.fd, Int32(SHUT_WR))
            #expect(try client.receive("r1 OK\n") == "r1 OK\n")
            #expect(ServerProcess.eventually { client.isClosedByPeer() })
        }
        let check = try TestClient(port: server.port)
        try check.send("q QUERY\n")
        let expected = "q kept planned 4102444800000000000\nq OK\n"
        #expect(try check.receive(expected) == expected)
    }

    @Test func byteByByteRequest() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        for byte in "r1 SET \"a b\" 4102444800000000000\nr2 QUERY a\n".utf8 { try client.send([byte]) }
        let expected = "r1 OK\nr2 a b planned 4102444800000000000\nr2 OK\n"
        #expect(try client.receive(expected) == expected)
    }

    @Test func listensOnIPv6Loopback() throws {
        let server = try ServerProcess(host: "::1")
        let client = try TestClient(port: server.port, host: "::1")
        try client.send("r1 QUERY\n")
        #expect(try client.receive("r1 OK\n") == "r1 OK\n")
    }
}
