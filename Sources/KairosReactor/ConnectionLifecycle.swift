import KairosProtocol

/// The phases of one client connection (docs/protocol.md#connections, docs/protocol.md#authentication, docs/protocol.md#tls, D-secrets, D-connections) as a state machine
/// (ARCHITECTURE rule 4). Socket and buffer handling stay in `Connection`; this type only decides.
struct ConnectionLifecycle {
    private enum State {
        /// TLS handshake in progress; dropped at the deadline (D-connections).
        case handshaking(deadline: Int64)
        /// Waiting for `AUTH <secret>`; dropped silently at the deadline (docs/protocol.md#authentication).
        case authenticating(deadline: Int64)
        /// Command loop with the connection's identity.
        case ready(Namespace)
        /// The peer closed its side (or the server is stopping): answer what was received, then close.
        case draining(Namespace)
        case closed
    }

    enum Action: Equatable {
        case none
        /// Arm the phase deadline.
        case scheduleDeadline(Int64)
        /// Send these bytes, then close; nothing after them is ever processed (D-secrets).
        case replyAndClose([UInt8])
        case close
    }

    private var state: State

    struct Timeouts {
        var handshakeNs: Int64
        var authNs: Int64
    }

    private let timeouts: Timeouts
    private let authRequired: Bool

    /// A fresh connection; the returned action arms the first deadline, if any.
    init(now: Int64, tls: Bool, authRequired: Bool, timeouts: Timeouts) {
        self.timeouts = timeouts
        self.authRequired = authRequired
        if tls {
            state = .handshaking(deadline: now + timeouts.handshakeNs)
        } else if authRequired {
            state = .authenticating(deadline: now + timeouts.authNs)
        } else {
            state = .ready(.unrestricted)
        }
    }

    var initialDeadline: Int64? {
        switch state {
        case .handshaking(let deadline), .authenticating(let deadline): deadline
        default: nil
        }
    }

    var isHandshaking: Bool { if case .handshaking = state { true } else { false } }
    var isAuthenticating: Bool { if case .authenticating = state { true } else { false } }
    var isClosed: Bool { if case .closed = state { true } else { false } }
    var isDraining: Bool { if case .draining = state { true } else { false } }

    /// The identity requests run under, once the connection may send requests.
    var namespace: Namespace? {
        switch state {
        case .ready(let namespace), .draining(let namespace): namespace
        default: nil
        }
    }

    // MARK: events

    mutating func handshakeCompleted(now: Int64) -> Action {
        guard case .handshaking = state else { return .none }
        if authRequired {
            let deadline = now + timeouts.authNs
            state = .authenticating(deadline: deadline)
            return .scheduleDeadline(deadline)
        }
        state = .ready(.unrestricted)
        return .none
    }

    /// The first complete request of the AUTH phase. `isAuth` = its first token is exactly `AUTH`;
    /// `credential` = the namespace of the matching secret, if any.
    mutating func authRequest(isAuth: Bool, namespace: Namespace?) -> Action {
        guard case .authenticating = state else { return .none }
        if isAuth, let namespace {
            state = .ready(namespace)
            return .none
        }
        state = .closed
        return .replyAndClose(Array("ERROR\n".utf8))
    }

    /// A phase deadline passed (the queue does not know whether the phase already ended).
    mutating func deadlinePassed(now: Int64) -> Action {
        switch state {
        case .handshaking(let deadline), .authenticating(let deadline):
            guard now >= deadline else { return .none }
            state = .closed
            return .close
        default:
            return .none
        }
    }

    /// The peer closed its sending side, or the server stops reading (D-shutdown).
    mutating func inputEnded() -> Action {
        switch state {
        case .ready(let namespace):
            state = .draining(namespace)
            return .none
        case .draining, .closed:
            return .none
        case .handshaking, .authenticating:
            state = .closed
            return .close
        }
    }

    /// HTTP: the response just queued is the connection's last (`Connection: close`, HTTP/1.0,
    /// a framing error); nothing more is read, and it closes once its output is sent.
    mutating func finishAfterReply() {
        state = .closed
    }

    /// A read/write/TLS error, an oversized request, or the connection finished draining.
    mutating func failed() -> Action {
        if case .closed = state { return .none }
        state = .closed
        return .close
    }
}
