import KairosHTTP
import KairosProtocol
import KairosSystem

// MARK: - HTTP API connections (D-http-auth, D-http-api)
//
// The same loop, buffers, TLS sessions, limits and request ring as the line protocol; only the
// framing differs. A request is parsed once its head and whole body are buffered, answered at
// once when the core is not needed (health, refusals), otherwise sent to the core in the
// `.json` answer format; its answer is framed here when it comes back.

extension Reactor {
    /// The HTTP counterpart of `process`: handles complete requests from `bytes` in order and
    /// returns how many bytes they used. Stops at an incomplete request, at a request sent to
    /// the core (the next waits for its answer), at flow control, or when the connection closes.
    func processHTTP(_ connection: Connection, _ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while offset < bytes.count {
            guard !connection.lifecycle.isClosed, connection.lifecycle.namespace != nil else { return offset }
            if isBlocked(connection) {
                if globalInFlight >= globalInFlightLimit { stallOnRing(connection) }
                return offset
            }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            // Waiting for a body: the buffered input starts with the head parsed before.
            let parsed: HTTPHeadResult
            if offset == 0, let awaiting = connection.http.headAwaitingBody {
                parsed = .request(awaiting.head, consumed: awaiting.consumed)
            } else {
                parsed = HTTPHeadParser.parse(rest)
            }
            switch parsed {
            case .needMore:
                armRequestDeadline(connection)
                return offset
            case .invalid(let error):
                respondHTTP(connection, .refusal(error), keepAlive: false, method: [])
                return offset
            case .request(let head, let consumed):
                let length = head.contentLength ?? 0
                guard rest.count - consumed >= length else {
                    // RFC 9110 §10.1.1: the client waits for this before sending the body.
                    if head.expectsContinue, !connection.http.continueSent {
                        connection.http.continueSent = true
                        enqueueOutput(connection, HTTPResponse.continueResponse)
                    }
                    armRequestDeadline(connection)
                    // What is not consumed stays buffered, starting with this request.
                    connection.http.headAwaitingBody = (head, consumed)
                    return offset
                }
                connection.http.headAwaitingBody = nil
                connection.http.continueSent = false
                connection.http.requestDeadline = nil
                let body = Array(rest[consumed..<(consumed + length)])
                offset += consumed + length
                handleHTTPRequest(connection, head, body)
            }
        }
        return offset
    }

    /// Starts the clock on an incomplete request (once per request, not per read).
    private func armRequestDeadline(_ connection: Connection) {
        guard connection.http.requestDeadline == nil else { return }
        let deadline = Clock.monotonicNanoseconds() + Int64(config.authTimeoutMs) * 1_000_000
        connection.http.requestDeadline = deadline
        authDeadlines.append(deadline: deadline, client: connection.tag)
    }

    private func handleHTTPRequest(_ connection: Connection, _ head: HTTPHead, _ body: Bytes) {
        switch HTTPExchange.action(head: head, body: body, auth: httpAuth) {
        case .respond(let response):
            respondHTTP(connection, response, keepAlive: head.keepAlive, method: head.method)
        case .scrapeMetrics:
            let response = metrics.map { HTTPExchange.metricsResponse($0.render()) } ?? HTTPRouteError.notFound.response
            respondHTTP(connection, response, keepAlive: head.keepAlive, method: head.method)
        case .forward(let request, let pending, let namespace):
            // The core applies the token's namespace exactly as for a TCP client (D-namespaces): it filters
            // listings; ids outside it were already answered 403 by `HTTPExchange`.
            let envelope = RequestEnvelope(client: connection.tag, namespace: namespace, request: request, format: .json)
            let pushed = requests.push(envelope)
            // The global in-flight limit equals the ring capacity, so a push cannot fail.
            precondition(pushed, "request ring overflow despite the in-flight limit")
            connection.inFlight += 1
            globalInFlight += 1
            requestsPushed = true
            connection.http.exchange = HTTPConnectionState.Exchange(
                pending: pending, method: head.method, keepAlive: head.keepAlive, isHTTP11: head.isHTTP11)
        }
    }

    /// Queues a complete response; the last one of the connection closes it once sent.
    func respondHTTP(_ connection: Connection, _ response: HTTPResponse, keepAlive: Bool, method: [UInt8]) {
        metrics?.countHTTPResponse(method: method, code: response.status)
        let keepAlive = keepAlive && !response.closes
        enqueueOutput(connection, response.bytes(keepAlive: keepAlive))
        if !keepAlive { connection.lifecycle.finishAfterReply() }
    }

    /// An answer (or part of one) from the core for the connection's exchange.
    func deliverHTTP(_ connection: Connection, _ bytes: [UInt8], finished: Bool) {
        guard var exchange = connection.http.exchange else { return }
        if exchange.pending != .listing || (finished && !exchange.streaming) {
            // Whole answers: framed with a Content-Length.
            connection.http.exchange = nil
            respondHTTP(
                connection, exchange.pending.response(to: bytes), keepAlive: exchange.keepAlive, method: exchange.method)
            return
        }
        // A listing in parts (D-limits): streamed as it comes, so it is never held whole.
        var out: [UInt8] = []
        if !exchange.streaming {
            exchange.streaming = true
            metrics?.countHTTPResponse(method: exchange.method, code: 200)
            out = HTTPResponse.streamingHead(isHTTP11: exchange.isHTTP11, keepAlive: exchange.keepAlive)
        }
        if exchange.isHTTP11 { HTTPResponse.appendChunk(bytes, to: &out) } else { out.append(contentsOf: bytes) }
        if finished {
            if exchange.isHTTP11 { out.append(contentsOf: HTTPResponse.lastChunk) }
            connection.http.exchange = nil
            enqueueOutput(connection, out)
            if !exchange.keepAlive { connection.lifecycle.finishAfterReply() }
        } else {
            connection.http.exchange = exchange
            enqueueOutput(connection, out)
        }
    }
}
