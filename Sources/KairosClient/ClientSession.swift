import CKairos
import Glibc
import KairosConfig

/// Receives what the pipeline learns, in command order.
public protocol AnswerSink: AnyObject {
    /// `request` went out with the id of `sequence`.
    func sent(_ sequence: Int, _ request: ClientRequest)
    func handle(_ event: AnswerEvent)
    /// The pipeline is about to wait: write out what is buffered.
    func flush()
}

/// One connection to the server: connects (TLS, AUTH), then pipelines requests from a source
/// with at most `window` outstanding, reading answers while it writes so neither side's
/// buffers can fill up and stall the other.
public final class ClientSession {
    private let transport: any Transport
    private let timeoutMilliseconds: Int
    private var assembler = AnswerAssembler()
    private var outgoing: [UInt8] = []
    private var outgoingOffset = 0
    private var partialLine: [UInt8] = []
    /// Reused for every read.
    private var chunk = [UInt8](repeating: 0, count: 65_536)
    /// The write said it needs the socket readable first (TLS); don't poll for writable till then.
    private var writeWaitsForRead = false
    /// The server wrote a bare `ERROR` outside AUTH: it requires AUTH and is closing.
    private var refusedWithoutAuth = false
    /// The peer sent a line longer than any answer; the connection was given up.
    private var garbled = false
    /// Added to "the server closed the connection": a plain client on a TLS port sees just that.
    private let closeHint: String

    /// Sentinel requests are cheap GETs of this job, sent whenever the pipeline runs out of
    /// commands: the server answers in order, so their answer proves that every earlier request
    /// still without one was dropped, without waiting for a timeout.
    static let sentinelJob = Array("kairos-cli.sentinel".utf8)

    init(transport: any Transport, timeoutMilliseconds: Int, closeHint: String = "") {
        self.transport = transport
        self.timeoutMilliseconds = timeoutMilliseconds
        self.closeHint = closeHint
    }

    /// Connects as `options` say and authenticates; `warn` gets notices that are not errors.
    public static func connect(_ options: CLIOptions, warn: (String) -> Void) throws(ClientError) -> ClientSession {
        let secret = try secret(for: options.authentication)
        let descriptor = try TCPConnector.connect(host: options.host, port: options.port, timeoutMilliseconds: options.timeoutMilliseconds)
        let transport: any Transport
        if options.tls {
            let settings = TLSTransport.Settings(host: options.host, caCertificate: options.caCertificate, insecure: options.insecure)
            transport = try TLSTransport(descriptor: descriptor, settings: settings)
        } else {
            TCPConnector.setNonBlocking(descriptor, true)
            transport = PlainTransport(descriptor: descriptor)
        }
        let hint = options.tls ? "" : " (if it speaks TLS, add --tls)"
        let session = ClientSession(transport: transport, timeoutMilliseconds: options.timeoutMilliseconds, closeHint: hint)
        if let secret { try session.authenticate(secret, warn: warn) }
        return session
    }

    static func secret(for authentication: CLIOptions.Authentication) throws(ClientError) -> [UInt8]? {
        switch authentication {
        case .none: return nil
        case .secret(let secret): return Array(secret.utf8)
        case .fileToken(let name, let path):
            let tokens: [AuthToken]
            do {
                tokens = try AuthFileLoader.load(path: path)
            } catch {
                throw ClientError("--auth-file-token: \(error)")
            }
            guard let token = tokens.first(where: { $0.name == name }) else {
                throw ClientError("--auth-file-token: auth file \(path) has no [token.\(name)]")
            }
            return token.secret
        }
    }

    // MARK: AUTH

    /// Sends AUTH and a sentinel together. A bare `OK` or `ERROR` answers AUTH; the sentinel's
    /// answer arriving first means the server has no auth and ignored the line.
    private func authenticate(_ secret: [UInt8], warn: (String) -> Void) throws(ClientError) {
        outgoing += Array("AUTH ".utf8) + ClientRequest.encode(secret) + [UInt8(ascii: "\n")]
        let sentinel = queueSentinel()
        var answer: Bool?
        var sentinelAnswered = false
        while !sentinelAnswered {
            var events: [AnswerEvent] = []
            let result = step(input: nil, events: &events)
            // Lines first: a refusal arrives together with the close that follows it.
            for event in events {
                switch event {
                case .bare(let ok):
                    if ok == false { throw ClientError("authentication refused: the server does not know this secret") }
                    answer = ok
                case .finished(let sequence, _) where sequence == sentinel:
                    sentinelAnswered = true
                default: break
                }
            }
            switch result {
            case .progress, .inputReady: break
            case .timedOut: throw ClientError("no answer to AUTH within \(timeoutMilliseconds) ms")
            case .closed:
                if sentinelAnswered { break }
                throw ClientError("the server closed the connection during AUTH\(closeHint)")
            }
        }
        if answer == nil { warn("the server does not use AUTH; the secret was ignored") }
    }

    // MARK: Pipeline

    /// How a run ended.
    public enum RunEnd: Equatable, Sendable {
        case complete
        /// Nothing arrived within the timeout; outstanding commands ended `.timedOut`.
        case timedOut
        /// The server closed the connection; outstanding commands ended `.connectionLost`.
        case closed
    }

    /// Sends every command of `source`, keeping at most `window` outstanding, and reports each
    /// answer to `sink` in command order.
    ///
    /// Whenever the source runs dry (end of input, or stdin has nothing yet) with requests
    /// outstanding, a sentinel follows them: a dropped request is then reported as soon as the
    /// sentinel's answer arrives, and a script that pauses between lines is not mistaken for a
    /// silent server.
    public func run(_ source: inout some RequestSource, window: Int = 1_000, sink: some AnswerSink) -> RunEnd {
        var sourceEnded = false
        var sentinels: Set<Int> = []
        var lastQueuedIsSentinel = false
        func queueSentinelIfNeeded() {
            guard assembler.outstanding > 0, !lastQueuedIsSentinel else { return }
            sentinels.insert(queueSentinel())
            lastQueuedIsSentinel = true
        }
        func deliver(_ events: [AnswerEvent]) {
            for event in events {
                if case .finished(let sequence, _) = event, sentinels.remove(sequence) != nil { continue }
                sink.handle(event)
            }
        }
        while true {
            var wantsInput: CInt?
            while !sourceEnded, wantsInput == nil, assembler.outstanding < window, outgoing.count - outgoingOffset < 262_144 {
                switch source.next() {
                case .request(let request):
                    let sequence = assembler.expect(request.shape)
                    outgoing += request.line(id: AnswerAssembler.id(sequence))
                    lastQueuedIsSentinel = false
                    sink.sent(sequence, request)
                case .refused(let message):
                    deliver(assembler.refuse(message).events)
                case .needsInput(let descriptor):
                    wantsInput = descriptor
                    queueSentinelIfNeeded()
                case .end:
                    sourceEnded = true
                    queueSentinelIfNeeded()
                }
            }
            if sourceEnded && assembler.outstanding == 0 { return .complete }
            sink.flush()
            var events: [AnswerEvent] = []
            let result = step(input: wantsInput, events: &events)
            deliver(events)
            switch result {
            case .progress: break
            case .inputReady: source.readMore()
            case .timedOut:
                deliver(assembler.abandonAll(.timedOut(timeoutMilliseconds)))
                return .timedOut
            case .closed:
                let reason =
                    garbled
                    ? "the server sent a line longer than 1 MiB (is it a Kairos server?)"
                    : refusedWithoutAuth
                        ? "the server requires AUTH (use --auth SECRET or --auth-file-token NAME)"
                        : "the server closed the connection\(closeHint)"
                deliver(assembler.abandonAll(.connectionLost(reason)))
                return .closed
            }
        }
    }

    private func queueSentinel() -> Int {
        let sequence = assembler.expect(.single)
        outgoing += ClientRequest(tokens: [Array("GET".utf8), Self.sentinelJob]).line(id: AnswerAssembler.id(sequence))
        return sequence
    }

    // MARK: I/O

    private enum StepResult {
        case progress
        case inputReady
        case timedOut
        case closed
    }

    /// One wait: for answers, for room to write, and for `input` when the source needs more.
    /// Times out only while requests are outstanding and nothing moves for the timeout.
    private func step(input: CInt?, events: inout [AnswerEvent]) -> StepResult {
        let waiting = !outgoing.isEmpty || assembler.outstanding > 0
        var entries = [pollfd(fd: transport.descriptor, events: Int16(POLLIN), revents: 0)]
        if outgoingOffset < outgoing.count && !writeWaitsForRead { entries[0].events |= Int16(POLLOUT) }
        if let input { entries.append(pollfd(fd: input, events: Int16(POLLIN), revents: 0)) }
        let ready = ClientIO.poll(&entries, timeoutMilliseconds: waiting ? CInt(timeoutMilliseconds) : -1)
        if ready < 0 { return ready == -EINTR ? .progress : .closed }
        if ready == 0 { return waiting ? .timedOut : .progress }
        let socket = entries[0].revents
        if socket & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
            writeWaitsForRead = false
            if !readAvailable(&events) { return .closed }
        }
        if outgoingOffset < outgoing.count, socket & Int16(POLLOUT) != 0 || socket & Int16(POLLIN) != 0 {
            if !writePending() { return .closed }
        }
        if entries.count > 1, entries[1].revents != 0 { return .inputReady }
        return .progress
    }

    /// Reads until the transport would block; false when the connection is gone.
    private func readAvailable(_ events: inout [AnswerEvent]) -> Bool {
        while true {
            let result = chunk.withUnsafeMutableBytes { transport.read(into: $0) }
            switch result {
            case .transferred(let count):
                var start = 0
                for index in 0..<count where chunk[index] == UInt8(ascii: "\n") {
                    partialLine += chunk[start..<index]
                    lineArrived(&events)
                    start = index + 1
                }
                partialLine += chunk[start..<count]
                // No answer line is anywhere near this long: a peer that is not a Kairos server.
                if partialLine.count > 1 << 20 {
                    garbled = true
                    return false
                }
            case .wouldBlock(let wantsWrite):
                if wantsWrite { writeWaitsForRead = false }
                return true
            case .closed, .failed:
                return false
            }
        }
    }

    private func lineArrived(_ events: inout [AnswerEvent]) {
        let produced = assembler.consume(line: partialLine)
        partialLine.removeAll(keepingCapacity: true)
        for event in produced {
            if case .bare(false) = event { refusedWithoutAuth = true }
            events.append(event)
        }
    }

    /// Writes what the transport takes; false when the connection is gone.
    private func writePending() -> Bool {
        while outgoingOffset < outgoing.count {
            let result = outgoing[outgoingOffset...].withUnsafeBytes { transport.write($0) }
            switch result {
            case .transferred(let count):
                outgoingOffset += count
            case .wouldBlock(let wantsWrite):
                writeWaitsForRead = !wantsWrite
                return true
            case .closed, .failed:
                return false
            }
        }
        outgoing.removeAll(keepingCapacity: true)
        outgoingOffset = 0
        return true
    }
}
