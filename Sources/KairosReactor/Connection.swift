import KairosProtocol
import KairosSystem

/// Per-connection state owned by the reactor thread. Idle connections hold no buffers:
/// `input` and `output` are empty arrays (no capacity) whenever nothing is pending.
final class Connection {
    let descriptor: FileDescriptor
    let tag: ClientTag
    let peer: SocketAddress?
    var lifecycle: ConnectionLifecycle

    /// Unparsed bytes: a partial request, or requests held back by flow control (D-connections).
    var input: [UInt8] = []
    var inputStart = 0
    /// Bytes waiting for the socket (plaintext, or ciphertext under TLS).
    var output: [UInt8] = []
    var outputStart = 0
    /// TLS only: replies not yet encrypted. They are encrypted together when the connection is
    /// flushed, so pipelined replies share TLS records instead of costing one record each, and
    /// only as far as the socket keeps up (`TLSSession.sendLimit`), so a slow reader's backlog is
    /// held once, as plaintext, rather than twice.
    var plaintextOutput: [UInt8] = []
    var plaintextStart = 0
    /// Requests handed to the core whose responses have not come back yet.
    var inFlight = 0
    /// The epoll interest currently registered.
    var interest: UInt32 = 0
    /// Waiting in the reactor's list for ring capacity.
    var stalledOnRing = false
    /// The core paused this connection's long listings until its output drains (D-limits).
    var drainNoticeWanted = false
    /// The TLS session, for connections on a TLS listener.
    var tls: TLSSession?
    /// Accepted on the HTTP listener: speaks HTTP/1.1 instead of the line protocol.
    let isHTTP: Bool
    var http = HTTPConnectionState()

    init(descriptor: FileDescriptor, tag: ClientTag, peer: SocketAddress?, lifecycle: ConnectionLifecycle, isHTTP: Bool = false) {
        self.descriptor = descriptor
        self.tag = tag
        self.peer = peer
        self.lifecycle = lifecycle
        self.isHTTP = isHTTP
    }

    var pendingInputCount: Int { input.count - inputStart }
    /// Bytes ready for the socket.
    var pendingSocketCount: Int { output.count - outputStart }
    /// TLS only: reply bytes not yet encrypted.
    var pendingPlaintextCount: Int { plaintextOutput.count - plaintextStart }
    /// Everything not yet sent, for flow control.
    var pendingOutputCount: Int { output.count - outputStart + plaintextOutput.count - plaintextStart }

    /// Drops `count` parsed bytes from the front of `input`, releasing memory when it empties.
    func consumeInput(_ count: Int) {
        inputStart += count
        if inputStart == input.count {
            input = []
            inputStart = 0
        } else if inputStart >= 4096, inputStart * 2 >= input.count {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    /// Drops `count` encrypted bytes from the front of `plaintextOutput`.
    func consumePlaintext(_ count: Int) {
        plaintextStart += count
        if plaintextStart == plaintextOutput.count {
            plaintextOutput.removeAll(keepingCapacity: plaintextOutput.capacity <= 64 * 1024)
            plaintextStart = 0
        } else if plaintextStart >= 64 * 1024, plaintextStart * 2 >= plaintextOutput.count {
            plaintextOutput.removeFirst(plaintextStart)
            plaintextStart = 0
        }
    }

    func consumeOutput(_ count: Int) {
        outputStart += count
        if outputStart == output.count {
            // Keep a small buffer for a busy connection; give large ones back.
            if output.capacity > 64 * 1024 { output = [] } else { output.removeAll(keepingCapacity: true) }
            outputStart = 0
        } else if outputStart >= 64 * 1024, outputStart * 2 >= output.count {
            output.removeFirst(outputStart)
            outputStart = 0
        }
    }

}
