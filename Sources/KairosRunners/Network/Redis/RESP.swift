import CKairosRedis
import KairosProtocol

/// RESP through hiredis: commands encoded by `redisFormatCommandArgv` (arrays of bulk strings,
/// so any byte, including CR, LF and NUL, goes through unchanged), replies parsed by `RESPReader`.
package enum RESP {
    /// `arguments` as one RESP array: `*N\r\n` then `$len\r\n<bytes>\r\n` per argument.
    package static func command(_ arguments: [Bytes]) -> Bytes {
        var pointers: [UnsafeMutablePointer<CChar>] = []
        defer { pointers.forEach { $0.deallocate() } }
        for argument in arguments {
            // A copy per argument, since hiredis wants C pointers that outlive this loop; never NUL-terminated
            // strings (the lengths travel separately).
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: max(argument.count, 1))
            argument.withUnsafeBytes { raw in
                if let base = raw.baseAddress { UnsafeMutableRawPointer(copy).copyMemory(from: base, byteCount: raw.count) }
            }
            pointers.append(copy)
        }
        var argv: [UnsafePointer<CChar>?] = pointers.map { UnsafePointer($0) }
        var lengths: [Int] = arguments.map(\.count)
        var target: UnsafeMutablePointer<CChar>?
        let count = redisFormatCommandArgv(&target, CInt(arguments.count), &argv, &lengths)
        // hiredis fails only when malloc does; there is no sensible run to make then.
        guard count >= 0, let target else { fatalError("redisFormatCommandArgv: out of memory") }
        defer { redisFreeCommand(target) }
        return Bytes(UnsafeRawBufferPointer(start: target, count: Int(count)))
    }

    /// One reply, as far as the runner cares (docs/protocol.md#runners: an error reply is a failure, any other
    /// reply a success).
    package enum Reply: Equatable, Sendable {
        /// `-ERR ...`: the error text, e.g. `WRONGTYPE Operation against a key holding the wrong kind of value`.
        case error(String)
        /// `+`, `:`, `$` (null included) or `*`: a short description for the log.
        case value(String)
    }
}

/// hiredis's incremental reply parser over bytes read from the connection.
package final class RESPReader {
    private let reader: UnsafeMutablePointer<redisReader>

    package init() {
        // Fails only when malloc does.
        guard let reader = redisReaderCreate() else { fatalError("redisReaderCreate: out of memory") }
        self.reader = reader
    }

    deinit { redisReaderFree(reader) }

    /// A protocol error: the peer is not speaking RESP, so the connection cannot be trusted.
    package struct ProtocolError: Error, CustomStringConvertible {
        package let description: String
    }

    package func feed(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        _ = redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    /// The next complete reply, nil when more bytes are needed.
    package func next() throws(ProtocolError) -> RESP.Reply? {
        var object: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &object) == REDIS_OK else {
            let text = withUnsafeBytes(of: reader.pointee.errstr) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw ProtocolError(description: "redis protocol error: \(text)")
        }
        guard let object else { return nil }
        defer { freeReplyObject(object) }
        let reply = object.assumingMemoryBound(to: redisReply.self).pointee
        switch reply.type {
        case REDIS_REPLY_ERROR:
            return .error(reply.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: reply.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_STATUS:
            return .value(reply.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: reply.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_INTEGER: return .value("(integer) \(reply.integer)")
        case REDIS_REPLY_NIL: return .value("(nil)")
        case REDIS_REPLY_STRING: return .value("(bulk string, \(reply.len) bytes)")
        case REDIS_REPLY_ARRAY: return .value("(array, \(reply.elements) elements)")
        default: return .value("(reply type \(reply.type))")
        }
    }
}
