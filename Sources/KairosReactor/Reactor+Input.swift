import KairosProtocol
import KairosSystem

// MARK: - Reading and parsing

extension Reactor {
    func handleReadable(_ connection: Connection) {
        let result: IOResult<Int>
        do {
            result = try connection.descriptor.read(into: scratch)
        } catch {
            close(connection)
            return
        }
        switch result {
        case .wouldBlock:
            return
        case .processed(0):
            inputEnded(connection)
        case .processed(let count):
            let bytes = UnsafeRawBufferPointer(rebasing: scratch[..<count])
            if connection.tls != nil {
                receiveCiphertext(connection, bytes)
            } else {
                receivePlaintext(connection, bytes)
            }
        }
    }

    /// The peer closed its sending side: finish what was received (docs/protocol.md#connections), then close.
    func inputEnded(_ connection: Connection) {
        if connection.lifecycle.inputEnded() == .close {
            close(connection)
            return
        }
        pump(connection)
    }

    /// New plaintext bytes for a connection: parse straight from them when nothing is buffered,
    /// so an idle connection never needs a buffer of its own.
    func receivePlaintext(_ connection: Connection, _ bytes: UnsafeRawBufferPointer) {
        if connection.pendingInputCount == 0 {
            let consumed = process(connection, bytes)
            if isOpen(connection), !connection.lifecycle.isClosed, consumed < bytes.count {
                connection.input.append(contentsOf: bytes[consumed...])
            }
            settle(connection)
        } else {
            connection.input.append(contentsOf: bytes)
            pump(connection)
        }
    }

    /// Processes the buffered backlog as far as flow control allows, then settles the connection.
    func pump(_ connection: Connection) {
        guard isOpen(connection) else { return }
        if connection.pendingInputCount > 0 {
            let start = connection.inputStart
            let consumed = connection.input.withUnsafeBytes { raw in
                process(connection, UnsafeRawBufferPointer(rebasing: raw[start...]))
            }
            guard isOpen(connection) else { return }
            connection.consumeInput(consumed)
        }
        settle(connection)
    }

    /// Whether this connection must wait before more of its requests are processed (D-connections).
    func isBlocked(_ connection: Connection) -> Bool {
        // HTTP: one request at a time with the core; what follows waits in the input buffer.
        (connection.isHTTP ? connection.http.exchange != nil : connection.inFlight >= config.maxInFlightPerConnection)
            || connection.pendingOutputCount >= config.outputHighWater
            || globalInFlight >= globalInFlightLimit
    }

    /// Tokenizes and dispatches complete requests from `bytes`; returns how many bytes were used.
    /// Stops at an incomplete request, at flow control, or when the connection must close.
    func process(_ connection: Connection, _ bytes: UnsafeRawBufferPointer) -> Int {
        if connection.isHTTP { return processHTTP(connection, bytes) }
        var offset = 0
        while offset < bytes.count {
            if connection.lifecycle.isClosed { return offset }
            let authenticating = connection.lifecycle.isAuthenticating
            if !authenticating {
                guard connection.lifecycle.namespace != nil else { return offset }
                if isBlocked(connection) {
                    if globalInFlight >= globalInFlightLimit { stallOnRing(connection) }
                    return offset
                }
            }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch Tokenizer.next(rest, into: &tokens) {
            case .needMore:
                return offset
            case .overflow:
                // docs/protocol.md#framing / docs/protocol.md#framing: 4096 bytes without a complete request closes silently.
                metrics?.countDrop(.oversizedRequest)
                close(connection)
                return offset
            case .invalid(let consumed):
                offset += consumed
            case .complete(let consumed):
                offset += consumed
                if authenticating {
                    authenticate(connection)
                } else {
                    dispatchRequest(connection)
                }
            }
        }
        return offset
    }

    /// docs/protocol.md#authentication with D-secrets: the first complete request decides; after a failure nothing that
    /// followed it in the buffer is looked at.
    private func authenticate(_ connection: Connection) {
        let isAuth = tokens.tokenEquals(0, "AUTH")
        var namespace: Namespace?
        if isAuth, let verifier = config.auth {
            namespace = tokens.withToken(1) { verifier.verify($0) }?.namespace
        }
        switch connection.lifecycle.authRequest(isAuth: isAuth, namespace: namespace) {
        case .replyAndClose(let bytes):
            enqueueOutput(connection, bytes)
        case .none:
            enqueueOutput(connection, Self.bareOK)
        case .close, .scheduleDeadline:
            close(connection)
        }
    }

    static let bareOK: [UInt8] = Array("OK\n".utf8)

    private func dispatchRequest(_ connection: Connection) {
        guard let namespace = connection.lifecycle.namespace else { return }
        let requestArrays = buffers.requestArrays
        switch RequestParser.parse(tokens, spare: { requestArrays.take() }) {
        case .silent:
            return
        case .request(let request):
            // Moved, not copied, into the ring: a copy retains and then releases both id arrays.
            let pushed = requests.push(RequestEnvelope(client: connection.tag, namespace: namespace, request: consume request))
            // The in-flight limit equals the ring capacity, so a push cannot fail.
            precondition(pushed, "request ring overflow despite the in-flight limit")
            connection.inFlight += 1
            globalInFlight += 1
            requestsPushed = true
        }
    }
}
