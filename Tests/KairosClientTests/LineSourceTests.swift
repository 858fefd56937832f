import Glibc
import Testing

@testable import KairosClient

/// Reading `--pipe` input: lines, blank lines, a last line without LF, over-long lines.
@Suite struct LineSourceTests {
    /// Every step of a LineSource over `input` (written to a pipe and closed).
    private func steps(_ input: [UInt8]) -> [SourceStep] {
        var fds: [CInt] = [0, 0]
        precondition(pipe(&fds) == 0)
        // Written from another thread: the input may be larger than the pipe buffer.
        let writer = fds[1]
        let bytes = input
        let thread = WriterThread { ClientIO.writeAll(writer, bytes); close(writer) }
        thread.start()
        defer { close(fds[0]) }
        var source = LineSource(descriptor: fds[0])
        var result: [SourceStep] = []
        while true {
            switch source.next() {
            case .needsInput: source.readMore()
            case .end:
                thread.join()
                return result
            case let step: result.append(step)
            }
        }
    }

    private func request(_ words: String...) -> SourceStep {
        .request(ClientRequest(tokens: words.map { Array($0.utf8) }))
    }

    @Test func linesBlankLinesAndALastLineWithoutLF() {
        #expect(steps(Array("get a\n\n   \nSET b 5\r\nQUERY".utf8)) == [request("GET", "a"), request("SET", "b", "5"), request("QUERY")])
    }

    @Test func refusalsNameTheirLine() {
        #expect(steps(Array("GET a\nGET \"open\nSET x 2026-13-01T00:00:00Z\n".utf8)) == [
            request("GET", "a"),
            .refused("line 2: unterminated quote (a \" opens a token that must be closed on the same line)"),
            .refused("line 3: invalid timestamp 2026-13-01T00:00:00Z: a field is out of range"),
        ])
    }

    @Test func anEndlessLineIsRefusedOnceAndSkipped() {
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 300_000)
        let result = steps(Array("GET a\n".utf8) + long + Array("\nGET b\n".utf8))
        #expect(result == [
            request("GET", "a"),
            .refused("line 2: request longer than 4096 bytes (the server would close the connection)"),
            request("GET", "b"),
        ])
    }
}

/// A plain pthread, so the writer needs no Foundation.
final class WriterThread: @unchecked Sendable {
    private var handle = pthread_t()
    private let body: () -> Void

    init(_ body: @escaping () -> Void) { self.body = body }

    func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&handle, nil, { raw in
            let thread = Unmanaged<WriterThread>.fromOpaque(raw!).takeRetainedValue()
            thread.body()
            return nil
        }, box)
    }

    func join() { pthread_join(handle, nil) }
}
