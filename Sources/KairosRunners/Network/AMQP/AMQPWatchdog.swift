import CKairosAMQP

/// What the runner thread knows about one publisher thread, so it can unblock it.
///
/// rabbitmq-c bounds connecting, logging in and waiting for frames, but a publish waits without
/// limit for room in the socket's send buffer (a broker under flow control stops reading). The
/// publisher announces a deadline for each attempt and the socket it is using; once the deadline
/// passes (or the server stops), the runner thread shuts that socket down, which ends the
/// blocked call with an error on the publisher's own thread.
final class AMQPWatchdog: Sendable {
    private struct State {
        /// Monotonic ns; 0 = idle.
        var deadline: Int64 = 0
        var socket: Int32 = -1
        var aborted = false
        /// The server is stopping: every attempt from now on is aborted at once.
        var closing = false
    }

    private let state = AMQPLock(State())

    // MARK: Publisher side

    /// An attempt starts: it must be over by `deadline`.
    func begin(deadline: Int64) {
        state.withLock {
            $0.deadline = deadline
            $0.aborted = $0.closing
        }
    }

    func end() {
        state.withLock { $0.deadline = 0 }
    }

    /// The socket now in use; false when the attempt was aborted meanwhile (so the caller gives up).
    func adopt(_ socket: Int32) -> Bool {
        state.withLock {
            $0.socket = socket
            if $0.aborted { _ = ckairos_amqp_shutdown(socket) }
            return !$0.aborted
        }
    }

    /// Call before the socket is closed, so no shutdown can reach a reused descriptor number.
    func release(_ socket: Int32) {
        state.withLock { if $0.socket == socket { $0.socket = -1 } }
    }

    /// Whether the current attempt was aborted: its failure is a timeout, not a broker fault.
    var aborted: Bool { state.withLock { $0.aborted } }

    // MARK: Runner side

    /// The attempt's deadline, nil when idle.
    var deadline: Int64? {
        state.withLock { $0.deadline == 0 ? nil : $0.deadline }
    }

    /// Shuts the socket in use down. Clears the deadline so the runner does not fire again.
    /// `closing`: the server is stopping, so later attempts are aborted too.
    func abort(closing: Bool = false) {
        state.withLock {
            $0.aborted = true
            $0.closing = $0.closing || closing
            $0.deadline = 0
            if $0.socket >= 0 { _ = ckairos_amqp_shutdown($0.socket) }
        }
    }
}
