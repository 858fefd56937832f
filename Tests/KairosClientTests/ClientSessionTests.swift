import Glibc
import Testing

@testable import KairosClient

/// The pipeline over a socketpair, with the test playing the server: how much it sends ahead,
/// and how it reports requests a server drops.
@Suite struct ClientSessionTests {
    /// Collects events in order.
    final class Recorder: AnswerSink {
        var sent: [Int] = []
        var events: [AnswerEvent] = []
        func sent(_ sequence: Int, _ request: ClientRequest) { sent.append(sequence) }
        func handle(_ event: AnswerEvent) { events.append(event) }
        func flush() {}
    }

    private func socketPair() -> (client: CInt, server: CInt) {
        var fds: [CInt] = [0, 0]
        let made = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
        precondition(made == 0)
        let flags = fcntl(fds[0], F_GETFL)
        _ = fcntl(fds[0], F_SETFL, flags | O_NONBLOCK)
        return (fds[0], fds[1])
    }

    /// Reads what the client wrote so far (the server side never blocks here: it polls first).
    private func drain(_ fd: CInt) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&entry, 1, 0) > 0 {
            let count = read(fd, &chunk, chunk.count)
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func neverMoreThanTheWindowInFlight() throws {
        let (client, server) = socketPair()
        defer { close(server) }
        let session = ClientSession(transport: PlainTransport(descriptor: client), timeoutMilliseconds: 100)
        var source = ListSource((0..<5_000).map { .request(ClientRequest(tokens: [Array("GET".utf8), Array("j\($0)".utf8)])) })
        let recorder = Recorder()
        // A server that reads nothing and answers nothing.
        #expect(session.run(&source, window: 10, sink: recorder) == .timedOut)
        let written = drain(server)
        #expect(written == (0..<10).map { "c\($0 + 1) GET j\($0)\n" }.joined())
        #expect(recorder.sent == Array(1...10))
        #expect(recorder.events == (1...10).map { .finished(sequence: $0, .timedOut(100)) })
    }

    @Test func dropsAreReportedWithoutWaitingForTheTimeout() throws {
        let (client, server) = socketPair()
        defer { close(server) }
        // An hour: the run may only end through the sentinel's answer.
        let session = ClientSession(transport: PlainTransport(descriptor: client), timeoutMilliseconds: 3_600_000)
        var source = ListSource([
            .request(try ClientRequest.fromArguments(["GET", "a"])),
            .request(try ClientRequest.fromArguments(["FOO"])),
        ])
        let recorder = Recorder()
        // The server's part, as the real one answers: GET of an unknown job is ERROR, FOO is
        // dropped, the client's own GET comes last. Written ahead; the client reads it when it waits.
        let answers = "c1 ERROR\nc3 ERROR\n"
        #expect(write(server, answers, answers.utf8.count) == answers.utf8.count)
        #expect(session.run(&source, sink: recorder) == .complete)
        #expect(drain(server) == "c1 GET a\nc2 FOO\nc3 GET kairos-cli.sentinel\n")
        #expect(recorder.events == [
            .finished(sequence: 1, .error(Array("ERROR".utf8))),
            .finished(sequence: 2, .noAnswer),
        ])
    }

    @Test func aServerThatClosesBeforeTheRequestGoesOut() throws {
        let (client, server) = socketPair()
        close(server)
        let session = ClientSession(transport: PlainTransport(descriptor: client), timeoutMilliseconds: 3_600_000)
        var source = ListSource([.request(try ClientRequest.fromArguments(["GET", "a"]))])
        let recorder = Recorder()
        // The read sees the end first, or the write meets EPIPE (MSG_NOSIGNAL: no SIGPIPE).
        #expect(session.run(&source, sink: recorder) == .closed)
        #expect(recorder.events == [.finished(sequence: 1, .connectionLost("the server closed the connection"))])
    }

    @Test func aServerThatClosesEndsTheRun() throws {
        let (client, server) = socketPair()
        let session = ClientSession(transport: PlainTransport(descriptor: client), timeoutMilliseconds: 3_600_000, closeHint: " (hint)")
        var source = ListSource([.request(try ClientRequest.fromArguments(["STAT"]))])
        let recorder = Recorder()
        let answer = "c1 uptime_ns 5\n"
        #expect(write(server, answer, answer.utf8.count) == answer.utf8.count)
        close(server)
        #expect(session.run(&source, sink: recorder) == .closed)
        #expect(recorder.events == [
            .record(sequence: 1, body: Array("uptime_ns 5".utf8)),
            .finished(sequence: 1, .connectionLost("the server closed the connection (hint)")),
        ])
    }

    @Test func anEndlessLineIsGivenUp() throws {
        let (client, server) = socketPair()
        defer { close(server) }
        var session: ClientSession? = ClientSession(transport: PlainTransport(descriptor: client), timeoutMilliseconds: 3_600_000)
        var source = ListSource([.request(try ClientRequest.fromArguments(["STAT"]))])
        let recorder = Recorder()
        // Sends until the client's end closes (EPIPE via MSG_NOSIGNAL ends the loop).
        let writer = WriterThread {
            let garbage = [UInt8](repeating: UInt8(ascii: "x"), count: 65_536)
            while garbage.withUnsafeBytes({ ClientIO.send(server, $0) }) > 0 {}
        }
        writer.start()
        #expect(session?.run(&source, sink: recorder) == .closed)
        session = nil  // closes the client's end, which ends the writer
        writer.join()
        #expect(recorder.events == [
            .finished(sequence: 1, .connectionLost("the server sent a line longer than 1 MiB (is it a Kairos server?)")),
        ])
    }
}
