import Foundation
import Glibc
import Testing

/// Clients that shut down their sending side and keep reading (issue 9 item 3): every answer
/// arrives, then EOF, and the server forgets the connection (no socket left in CLOSE-WAIT).
@Suite struct HalfCloseTests {
    /// 30,000 jobs under one prefix: a QUERY answer of about 1.2 MB, more than the 1 MiB
    /// output high-water mark, so later pipelined requests wait in the server's input buffer.
    static let jobCount = 30_000

    static func load(_ server: ServerProcess) throws -> String {
        let loader = try TestClient(port: server.port, timeout: 60)
        var batch = ""
        var answer = ""
        for i in 0..<jobCount {
            let id = "p." + String(100_000 + i)
            batch += "s SET \(id) 4102444800000000000\n"
            answer += "ID \(id) planned 4102444800000000000\n"
        }
        try loader.send(batch)
        let acks = String(repeating: "s OK\n", count: jobCount)
        #expect(try loader.receive(acks) == acks)
        return answer
    }

    @Test func answersThenEOFAfterShutdownWithLargePipelinedAnswers() throws {
        let server = try ServerProcess()
        let template = try Self.load(server)
        // A small receive window: the server's writes block and the answers leave through
        // writable events, which is where the last bytes used to leave nothing settled.
        let client = try TestClient(port: server.port, timeout: 20, receiveBuffer: 4096)
        try client.send("q1 QUERY p.\n")
        let first = try client.readLine()
        #expect(first == "q1 p.100000 planned 4102444800000000000\n")
        // q1's answer is still largely unsent, so these wait in the server's input buffer.
        try client.send("q2 QUERY p.\nq3 QUERY p.\nq4 QUERY p.\nq5 QUERY p.\n")
        shutdown(client.fd, Int32(SHUT_WR))
        var expected = String(template.replacingOccurrences(of: "ID ", with: "q1 ").dropFirst(first.utf8.count)) + "q1 OK\n"
        for id in ["q2", "q3", "q4", "q5"] {
            expected += template.replacingOccurrences(of: "ID ", with: "\(id) ") + "\(id) OK\n"
        }
        let received = try client.receive(expected)
        #expect(received.count == expected.count)
        #expect(received == expected)
        #expect(client.isClosedByPeer())
        // The server no longer counts it.
        let probe = try TestClient(port: server.port)
        let counted = try ServerProcess.eventually(timeout: 5) {
            try probe.send("s STAT\n")
            return try probe.readMultiline(id: "s")[1] == "s connections 1\n"
        }
        #expect(counted)
    }
}
