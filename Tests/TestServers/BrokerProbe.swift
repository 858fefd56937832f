import CKairosAMQP
import Glibc

/// The test's own AMQP client (rabbitmq-c's blocking API): declares what a test needs and reads
/// back what the runner published.
package final class BrokerProbe {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// A message as the broker holds it.
    package struct Message: Equatable {
        package let body: [UInt8]
        package let deliveryMode: UInt8

        package init(body: [UInt8], deliveryMode: UInt8) {
            self.body = body
            self.deliveryMode = deliveryMode
        }
    }

    private let state: amqp_connection_state_t

    package init(port: UInt16, vhost: String = "/") throws {
        state = amqp_new_connection()
        let socket = amqp_tcp_socket_new(state)
        var bound = timeval(tv_sec: 10, tv_usec: 0)
        guard amqp_socket_open_noblock(socket, "127.0.0.1", Int32(port), &bound) == 0 else {
            amqp_destroy_connection(state)
            throw Failure(description: "probe cannot connect")
        }
        _ = amqp_set_rpc_timeout(state, &bound)
        _ = amqp_set_handshake_timeout(state, &bound)
        try check(ckairos_amqp_login_plain(state, vhost, 131_072, "guest", "guest"), "login")
        amqp_channel_open(state, 1)
        try check(amqp_get_rpc_reply(state), "channel.open")
    }

    deinit {
        _ = amqp_channel_close(state, 1, AMQP_REPLY_SUCCESS)
        _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        amqp_destroy_connection(state)
    }

    package func declareQueue(_ name: String) throws {
        let name = Text(name)
        withExtendedLifetime(name) { _ = amqp_queue_declare(state, 1, name.bytes, 0, 1, 0, 0, amqp_empty_table) }
        try check(amqp_get_rpc_reply(state), "queue.declare")
    }

    package func declareExchange(_ name: String, boundTo queue: String, key: String) throws {
        let (name, queue, key, direct) = (Text(name), Text(queue), Text(key), Text("direct"))
        withExtendedLifetime((name, direct)) { _ = amqp_exchange_declare(state, 1, name.bytes, direct.bytes, 0, 1, 0, 0, amqp_empty_table) }
        try check(amqp_get_rpc_reply(state), "exchange.declare")
        withExtendedLifetime((queue, name, key)) { _ = amqp_queue_bind(state, 1, queue.bytes, name.bytes, key.bytes, amqp_empty_table) }
        try check(amqp_get_rpc_reply(state), "queue.bind")
    }

    /// Takes the next message from `queue` (basic.get with auto-ack), nil when empty.
    package func get(_ queue: String) throws -> Message? {
        let queue = Text(queue)
        let reply = withExtendedLifetime(queue) { amqp_basic_get(state, 1, queue.bytes, 1) }
        try check(reply, "basic.get")
        guard reply.reply.id == 0x003C_0047 else { return nil }  // basic.get-ok, not get-empty
        var message = amqp_message_t()
        try check(amqp_read_message(state, 1, &message, 0), "read message")
        defer { amqp_destroy_message(&message) }
        let body = message.body.len == 0 ? [] : Array(UnsafeRawBufferPointer(start: message.body.bytes, count: message.body.len))
        let persistent = message.properties._flags & amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG) != 0
        return Message(body: body, deliveryMode: persistent ? message.properties.delivery_mode : 0)
    }

    /// Every message in `queue`, oldest first.
    package func drain(_ queue: String) throws -> [Message] {
        var messages: [Message] = []
        while let message = try get(queue) { messages.append(message) }
        return messages
    }

    /// A string copied to memory that lives as long as this value (amqp_cstring_bytes on a Swift
    /// String would point into a temporary).
    private final class Text {
        let pointer: UnsafeMutablePointer<CChar>
        init(_ string: String) { pointer = strdup(string) }
        deinit { free(pointer) }
        var bytes: amqp_bytes_t { amqp_bytes_t(len: strlen(pointer), bytes: UnsafeMutableRawPointer(pointer)) }
    }

    private func check(_ reply: amqp_rpc_reply_t, _ step: String) throws {
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else { throw Failure(description: "probe \(step) failed (\(reply.reply_type))") }
    }
}
