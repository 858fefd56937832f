import CKairos
import Glibc
import KairosSystem

/// A literal IPv4 or IPv6 socket address, the only kind Kairos listens on (README.md#configuration).
public struct SocketAddress: Sendable, CustomStringConvertible {
    public enum Family: Sendable { case ipv4, ipv6 }

    public let family: Family
    public let host: String
    public let port: UInt16

    /// nil when `host` is not a literal address of `family`.
    public init?(family: Family, host: String, port: UInt16) {
        self.family = family
        self.host = host
        self.port = port
        var probe = in6_addr()
        let parsed = inet_pton(family == .ipv4 ? AF_INET : AF_INET6, host, &probe)
        if parsed != 1 { return nil }
    }

    public var description: String {
        family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Calls `body` with a filled `sockaddr` of the right length.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(Errno) -> R) throws(Errno) -> R {
        switch family {
        case .ipv4:
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            _ = inet_pton(AF_INET, host, &addr.sin_addr)
            return try withUnsafeBytes(of: &addr) { (raw) throws(Errno) -> R in
                try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        case .ipv6:
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = port.bigEndian
            _ = inet_pton(AF_INET6, host, &addr.sin6_addr)
            return try withUnsafeBytes(of: &addr) { (raw) throws(Errno) -> R in
                try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
    }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Reads a peer or local address back (for logs and for port 0 binds).
    static func from(storage: sockaddr_storage) -> SocketAddress? {
        var copy = storage
        return withUnsafeBytes(of: &copy) { raw -> SocketAddress? in
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            switch Int32(storage.ss_family) {
            case AF_INET:
                var addr = raw.load(as: sockaddr_in.self)
                inet_ntop(AF_INET, &addr.sin_addr, &text, socklen_t(text.count))
                return SocketAddress(family: .ipv4, host: Self.string(text), port: UInt16(bigEndian: addr.sin_port))
            case AF_INET6:
                var addr = raw.load(as: sockaddr_in6.self)
                inet_ntop(AF_INET6, &addr.sin6_addr, &text, socklen_t(text.count))
                return SocketAddress(family: .ipv6, host: Self.string(text), port: UInt16(bigEndian: addr.sin6_port))
            default:
                return nil
            }
        }
    }
}
