import KairosHTTP
import KairosProtocol

/// What an HTTP connection is in the middle of. One request at a time goes to the core; later
/// pipelined requests wait in the input buffer until its response is queued, which keeps
/// responses in order and one connection's memory bounded.
struct HTTPConnectionState {
    /// The request the core is answering, and how to frame its response.
    struct Exchange {
        var pending: HTTPPending
        /// For the response counter of `/metrics`.
        var method: [UInt8]
        var keepAlive: Bool
        var isHTTP11: Bool
        /// A listing longer than one part: its head is sent and its body is being streamed.
        var streaming = false
    }

    var exchange: Exchange?
    /// `100 Continue` was sent for the request whose body is arriving.
    var continueSent = false
    /// The head of the request at the front of the input buffer, whose body is still arriving:
    /// parsed once, not again for every read of the body.
    var headAwaitingBody: (head: HTTPHead, consumed: Int)?
    /// When an incomplete request (head or body) is dropped: the AUTH deadline, as for a
    /// line-protocol client that stalls before AUTH (D-http-api).
    var requestDeadline: Int64?
}
