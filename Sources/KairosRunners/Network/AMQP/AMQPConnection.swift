import CKairosAMQP
import Glibc
import KairosProtocol

/// Why an attempt failed. `.connection`: the connection is unusable and must be reopened;
/// `.channel`: the broker closed channel 1 (the connection lives on).
enum AMQPFailure: Error {
    case connection(String)
    case channel(String)

    var detail: String {
        switch self {
        case .connection(let text), .channel(let text): text
        }
    }
}

/// What arrived on the connection while waiting for confirms.
enum AMQPEvent {
    case ack(tag: UInt64, multiple: Bool)
    case nack(tag: UInt64, multiple: Bool)
    /// A mandatory message the broker could not route, with its body (the job id).
    case returned(code: UInt16, text: String, body: Bytes)
    case timeout
}

/// One AMQP connection with channel 1 in confirm mode, owned by one publisher thread
/// (rabbitmq-c connection states are not thread-safe). Every call blocks, within the bounds set
/// at `open` (except a publish waiting for send-buffer room: see `AMQPWatchdog`).
final class AMQPConnection {
    // AMQP 0-9-1 method ids (class << 16 | method); rabbitmq-c spells them as cast macros.
    private static let basicAck: UInt32 = 0x003C_0050
    private static let basicNack: UInt32 = 0x003C_0078
    private static let basicReturn: UInt32 = 0x003C_0032
    private static let channelClose: UInt32 = 0x0014_0028
    private static let channelCloseOk: UInt32 = 0x0014_0029
    private static let connectionClose: UInt32 = 0x000A_0032
    private static let connectionCloseOk: UInt32 = 0x000A_0033
    private static let channel: amqp_channel_t = 1

    let address: AMQPAddress
    private let state: amqp_connection_state_t
    private(set) var socket: Int32 = -1
    private(set) var channelOpen = false
    /// The delivery tag the broker gives the next publish on the channel (confirm mode counts from 1).
    private var nextTag: UInt64 = 1

    /// Connects, logs in and opens the confirm channel. `caFile`: PEM bundle for amqps://
    /// (nil = the system trust store). `watchdog` learns the socket as soon as it exists (before
    /// the login, which may block), so an abort can reach it.
    init(address: AMQPAddress, connectTimeoutMs: Int, rpcTimeoutMs: Int, caFile: String?, watchdog: AMQPWatchdog) throws(AMQPFailure) {
        self.address = address
        guard let state = amqp_new_connection() else { throw .connection("out of memory") }
        self.state = state
        do throws(AMQPFailure) {
            try connect(connectTimeoutMs: connectTimeoutMs, rpcTimeoutMs: rpcTimeoutMs, caFile: caFile, watchdog: watchdog)
        } catch {
            // Every stored property is set, so deinit runs and destroys the state.
            if socket >= 0 { watchdog.release(socket) }
            throw error
        }
    }

    private func connect(connectTimeoutMs: Int, rpcTimeoutMs: Int, caFile: String?, watchdog: AMQPWatchdog) throws(AMQPFailure) {
        let where_ = "\(address.host):\(address.port)"
        guard let sock = address.tls ? amqp_ssl_socket_new(state) : amqp_tcp_socket_new(state) else {
            throw .connection("cannot create a socket for \(where_)")
        }
        if address.tls {
            amqp_ssl_socket_set_verify_peer(sock, 1)
            amqp_ssl_socket_set_verify_hostname(sock, 1)
            if let caFile {
                guard amqp_ssl_socket_set_cacert(sock, caFile) == 0 else { throw .connection("cannot load CA file \(caFile)") }
            } else if let context = amqp_ssl_socket_get_context(sock) {
                // rabbitmq-c starts with an empty trust store: use the system's.
                SSL_CTX_set_default_verify_paths(OpaquePointer(context))
            }
        }
        var connectBound = Self.timeval(ms: connectTimeoutMs)
        let opened = amqp_socket_open_noblock(sock, address.host, Int32(address.port), &connectBound)
        guard opened == 0 else { throw .connection("connect to \(where_): \(Self.status(opened))") }
        socket = amqp_get_sockfd(state)
        guard watchdog.adopt(socket) else { throw .connection("aborted") }
        var rpcBound = Self.timeval(ms: rpcTimeoutMs)
        _ = amqp_set_handshake_timeout(state, &rpcBound)
        _ = amqp_set_rpc_timeout(state, &rpcBound)
        let login = ckairos_amqp_login_plain(state, address.vhost, 131_072, address.user, address.password)
        if let problem = Self.problem(login) { throw .connection("login to \(where_) (vhost \(address.vhost)): \(problem.text)") }
        try openChannel()
    }

    deinit { amqp_destroy_connection(state) }

    /// Opens channel 1 and puts it in confirm mode (again, after the broker closed it).
    func openChannel() throws(AMQPFailure) {
        amqp_channel_open(state, Self.channel)
        if let problem = Self.problem(amqp_get_rpc_reply(state)) { throw classify("channel.open: ", problem) }
        amqp_confirm_select(state, Self.channel)
        if let problem = Self.problem(amqp_get_rpc_reply(state)) { throw classify("confirm.select: ", problem) }
        channelOpen = true
        nextTag = 1
    }

    /// Publishes `body` persistent and mandatory; returns its delivery tag.
    func publish(exchange: Bytes, routingKey: Bytes, body: Bytes) throws(AMQPFailure) -> UInt64 {
        var properties = amqp_basic_properties_t()
        properties._flags = amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG)
        properties.delivery_mode = 2
        let status = Self.withBytes(exchange) { exchange in
            Self.withBytes(routingKey) { routingKey in
                Self.withBytes(body) { body in
                    amqp_basic_publish(state, Self.channel, exchange, routingKey, 1, 0, &properties, body)
                }
            }
        }
        guard status == 0 else { throw .connection("publish: \(Self.status(status))") }
        defer { nextTag += 1 }
        return nextTag
    }

    /// Waits until `deadline` (monotonic ns) for the next confirm, return or close. A channel
    /// close is answered (close-ok) and thrown as `.channel`; a connection close as `.connection`.
    func nextEvent(deadline: Int64, now: () -> Int64) throws(AMQPFailure) -> AMQPEvent {
        while true {
            guard let frame = try nextFrame(deadline: deadline, now: now) else { return .timeout }
            guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { continue }
            let method = frame.payload.method
            switch method.id {
            case Self.basicAck:
                let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
                return .ack(tag: ack.delivery_tag, multiple: ack.multiple != 0)
            case Self.basicNack:
                let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
                return .nack(tag: nack.delivery_tag, multiple: nack.multiple != 0)
            case Self.basicReturn:
                let info = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
                let text = Self.text(info.reply_text)
                let body = try returnedBody(deadline: deadline, now: now)
                return .returned(code: info.reply_code, text: text, body: body)
            case Self.channelClose:
                let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                let reason = "\(close.reply_code) \(Self.text(close.reply_text))"
                channelOpen = false
                var closeOk = amqp_channel_close_ok_t()
                guard amqp_send_method(state, Self.channel, Self.channelCloseOk, &closeOk) == 0 else {
                    throw .connection("channel closed by the broker: \(reason); close-ok not sent")
                }
                throw .channel("channel closed by the broker: \(reason)")
            case Self.connectionClose:
                let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                var closeOk = amqp_connection_close_ok_t()
                _ = amqp_send_method(state, 0, Self.connectionCloseOk, &closeOk)
                throw .connection("connection closed by the broker: \(close.reply_code) \(Self.text(close.reply_text))")
            default:
                continue
            }
        }
    }

    /// The content header and body frames that follow a basic.return.
    private func returnedBody(deadline: Int64, now: () -> Int64) throws(AMQPFailure) -> Bytes {
        guard let header = try nextFrame(deadline: deadline, now: now), header.frame_type == UInt8(AMQP_FRAME_HEADER) else {
            throw .connection("basic.return without its content")
        }
        let size = Int(header.payload.properties.body_size)
        var body: Bytes = []
        while body.count < size {
            guard let frame = try nextFrame(deadline: deadline, now: now), frame.frame_type == UInt8(AMQP_FRAME_BODY) else {
                throw .connection("basic.return content cut short")
            }
            let fragment = frame.payload.body_fragment
            if fragment.len > 0 {
                body.append(contentsOf: UnsafeRawBufferPointer(start: fragment.bytes, count: fragment.len))
            }
        }
        return body
    }

    /// One frame, nil once `deadline` passes. Frames live in rabbitmq-c's pool until the next
    /// release, so callers copy what they keep before asking for more.
    private func nextFrame(deadline: Int64, now: () -> Int64) throws(AMQPFailure) -> amqp_frame_t? {
        if amqp_frames_enqueued(state) == 0 && amqp_data_in_buffer(state) == 0 {
            amqp_maybe_release_buffers(state)
        }
        let remaining = deadline - now()
        if remaining <= 0 { return nil }
        var bound = Self.timeval(ms: Int((remaining + 999_999) / 1_000_000))
        var frame = amqp_frame_t()
        let status = amqp_simple_wait_frame_noblock(state, &frame, &bound)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        guard status == 0 else { throw .connection("waiting for confirms: \(Self.status(status))") }
        return frame
    }

    /// Closes politely (bounded by `timeoutMs`); the descriptor is freed with the object.
    func close(timeoutMs: Int) {
        var bound = Self.timeval(ms: timeoutMs)
        _ = amqp_set_rpc_timeout(state, &bound)
        if channelOpen { _ = amqp_channel_close(state, Self.channel, AMQP_REPLY_SUCCESS) }
        _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        channelOpen = false
    }

    // MARK: Helpers

    private func classify(_ step: String, _ problem: Problem) -> AMQPFailure {
        problem.channelOnly ? .channel(step + problem.text) : .connection(step + problem.text)
    }

    private struct Problem {
        let text: String
        let channelOnly: Bool
    }

    /// nil for a normal reply, else what went wrong (never the credentials).
    private static func problem(_ reply: amqp_rpc_reply_t) -> Problem? {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return nil
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return Problem(text: status(reply.library_error), channelOnly: false)
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == connectionClose {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                return Problem(text: "connection closed by the broker: \(close.reply_code) \(text(close.reply_text))", channelOnly: false)
            }
            if reply.reply.id == channelClose {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                return Problem(text: "channel closed by the broker: \(close.reply_code) \(text(close.reply_text))", channelOnly: true)
            }
            return Problem(text: "unexpected method \(reply.reply.id)", channelOnly: false)
        default:
            return Problem(text: "no reply", channelOnly: false)
        }
    }

    private static func status(_ code: Int32) -> String {
        guard let text = amqp_error_string2(code) else { return "error \(code)" }
        return String(cString: text)
    }

    private static func text(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let base = bytes.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
    }

    private static func timeval(ms: Int) -> Glibc.timeval {
        Glibc.timeval(tv_sec: ms / 1000, tv_usec: (ms % 1000) * 1000)
    }

    /// rabbitmq-c reads `len` bytes at `bytes`; an empty value still gets a valid pointer.
    private static func withBytes<R>(_ bytes: Bytes, _ body: (amqp_bytes_t) -> R) -> R {
        if bytes.isEmpty {
            var zero: UInt8 = 0
            return withUnsafeMutablePointer(to: &zero) { body(amqp_bytes_t(len: 0, bytes: UnsafeMutableRawPointer($0))) }
        }
        return bytes.withUnsafeBytes { body(amqp_bytes_t(len: $0.count, bytes: UnsafeMutableRawPointer(mutating: $0.baseAddress))) }
    }
}
