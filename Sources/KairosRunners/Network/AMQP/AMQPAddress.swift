import KairosProtocol

/// Where an amqp rule publishes: a standard AMQP URI (D-network-runners), parsed when a run starts.
///
/// `amqp[s]://[user[:password]@]host[:port][/vhost]`, every part percent-decoded:
/// - no userinfo → `guest` / `guest`; a user without `:password` → password `guest` (RabbitMQ's
///   URI spec: an absent part takes its default); `:@` → both empty.
/// - port defaults to 5672 (`amqp`) or 5671 (`amqps`); an empty port (`host:`) too.
/// - no path or a lone `/` → vhost `/`; `/prod` → `prod`; `/%2f` → `/`; a second unescaped `/`
///   is an error (a vhost is one path segment; its own slashes are written `%2f`).
/// - `[::1]` is an IPv6 literal. Query strings and fragments are refused rather than ignored.
public struct AMQPAddress: Sendable, Hashable {
    public var tls: Bool
    public var user: String
    public var password: String
    public var host: String
    public var port: UInt16
    public var vhost: String

    public init(tls: Bool, user: String, password: String, host: String, port: UInt16, vhost: String) {
        self.tls = tls
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.vhost = vhost
    }

    /// Why a DSN was refused. The text never repeats the userinfo.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { "bad amqp DSN: \(reason)" }
    }

    /// For log lines: scheme, host, port and vhost; the credentials are `***` when the DSN had any.
    public var masked: String {
        "\(tls ? "amqps" : "amqp")://***@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(vhost == "/" ? "" : vhost)"
    }

    // MARK: Parsing

    public static func parse(_ dsn: Bytes) throws(Invalid) -> AMQPAddress {
        let tls: Bool
        let rest: ArraySlice<UInt8>
        if let tail = dropPrefix(dsn, "amqp://") {
            tls = false
            rest = tail
        } else if let tail = dropPrefix(dsn, "amqps://") {
            tls = true
            rest = tail
        } else {
            throw Invalid(reason: "must start with amqp:// or amqps://")
        }
        if rest.contains(UInt8(ascii: "?")) { throw Invalid(reason: "query parameters are not supported") }
        if rest.contains(UInt8(ascii: "#")) { throw Invalid(reason: "a fragment is not allowed") }

        // The authority ends at the first `/`; userinfo is everything before its last `@`
        // (an unescaped `@` in a password is common enough to tolerate).
        let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        let authority = rest[rest.startIndex..<slash]
        let path = rest[slash...]
        var user = "guest"
        var password = "guest"
        var hostPort = authority
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            let userinfo = authority[authority.startIndex..<at]
            hostPort = authority[authority.index(after: at)...]
            if let colon = userinfo.firstIndex(of: UInt8(ascii: ":")) {
                user = try decode(userinfo[userinfo.startIndex..<colon], "user")
                password = try decode(userinfo[userinfo.index(after: colon)...], "password")
            } else {
                user = try decode(userinfo, "user")
            }
        }
        let (host, port) = try parseHostPort(hostPort, defaultPort: tls ? 5671 : 5672)
        let vhost = try parseVhost(path)
        return AMQPAddress(tls: tls, user: user, password: password, host: host, port: port, vhost: vhost)
    }

    private static func parseHostPort(_ text: ArraySlice<UInt8>, defaultPort: UInt16) throws(Invalid) -> (String, UInt16) {
        var hostPart = text
        var portPart: ArraySlice<UInt8>?
        if text.first == UInt8(ascii: "[") {
            guard let close = text.firstIndex(of: UInt8(ascii: "]")) else { throw Invalid(reason: "unterminated [ in host") }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if let first = after.first {
                guard first == UInt8(ascii: ":") else { throw Invalid(reason: "unexpected text after ]") }
                portPart = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: UInt8(ascii: ":")) {
            hostPart = text[text.startIndex..<colon]
            portPart = text[text.index(after: colon)...]
        }
        let host = try decode(hostPart, "host")
        if host.isEmpty { throw Invalid(reason: "empty host") }
        guard let portPart, !portPart.isEmpty else { return (host, defaultPort) }
        let portText = String(decoding: portPart, as: UTF8.self)
        guard portPart.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let port = UInt16(portText), port > 0 else {
            throw Invalid(reason: "invalid port \"\(printable(portPart))\"")
        }
        return (host, port)
    }

    private static func parseVhost(_ path: ArraySlice<UInt8>) throws(Invalid) -> String {
        guard path.count > 1 else { return "/" }
        let segment = path.dropFirst()
        if segment.contains(UInt8(ascii: "/")) {
            throw Invalid(reason: "vhost has more than one path segment (write a / inside a vhost as %2f)")
        }
        let vhost = try decode(segment, "vhost")
        if vhost.utf8.count > 255 { throw Invalid(reason: "vhost is longer than 255 bytes") }
        return vhost
    }

    /// RFC 3986 percent-decoding. The result must be UTF-8 without NUL (rabbitmq-c takes these as
    /// C strings, so a NUL would silently cut them short).
    private static func decode(_ text: ArraySlice<UInt8>, _ part: String) throws(Invalid) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: "%") {
                guard text.distance(from: index, to: text.endIndex) >= 3,
                      let high = hexValue(text[index + 1]), let low = hexValue(text[index + 2])
                else { throw Invalid(reason: "bad percent-encoding in \(part)") }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        if out.contains(0) { throw Invalid(reason: "\(part) contains a NUL byte") }
        guard let string = String(validating: out, as: UTF8.self) else { throw Invalid(reason: "\(part) is not UTF-8") }
        return string
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// The scheme is case-insensitive (RFC 3986).
    private static func dropPrefix(_ bytes: Bytes, _ prefix: String) -> ArraySlice<UInt8>? {
        let p = Array(prefix.utf8)
        guard bytes.count >= p.count else { return nil }
        for i in 0..<p.count where bytes[i] | 0x20 != p[i] | 0x20 { return nil }
        return bytes[p.count...]
    }

    /// Bytes shown in an error: printable ASCII as is, the rest as `\xNN`, at most 32 bytes.
    private static func printable(_ bytes: ArraySlice<UInt8>) -> String {
        var out = ""
        for byte in bytes.prefix(32) {
            if byte >= 0x20 && byte < 0x7f { out.unicodeScalars.append(Unicode.Scalar(byte)) } else { out += "\\x" + String(byte, radix: 16) }
        }
        return bytes.count > 32 ? out + "..." : out
    }

    // MARK: Masking

    /// `dsn` as text for a log line with any userinfo replaced by `***`; used where a DSN that
    /// did not parse must still be named.
    public static func mask(_ dsn: Bytes) -> String {
        let separator = Array("://".utf8)
        guard let schemeEnd = (0...max(0, dsn.count - separator.count)).first(where: { dsn[$0...].starts(with: separator) }),
              dsn.count >= separator.count
        else { return "***" }
        let authorityStart = schemeEnd + separator.count
        let rest = dsn[authorityStart...]
        let authorityEnd = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) else { return String(decoding: dsn, as: UTF8.self) }
        return String(decoding: dsn[..<authorityStart], as: UTF8.self) + "***" + String(decoding: dsn[at...], as: UTF8.self)
    }
}
