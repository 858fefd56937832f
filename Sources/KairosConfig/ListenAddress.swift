#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A literal IP address and port to listen on (`controller.listen`, `http.listen`; README.md#configuration).
///
/// Host names are refused on purpose: the reference binds only literal addresses, and resolving a name at
/// startup would make the bound address depend on DNS.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Family: Sendable {
        case ipv4, ipv6
    }

    public var family: Family
    /// The address as written, without brackets.
    public var host: String
    public var port: UInt16

    public init(family: Family, host: String, port: UInt16) {
        self.family = family
        self.host = host
        self.port = port
    }

    /// `a.b.c.d:port` or `[v6]:port`, the form that reads back unambiguously.
    public var description: String {
        switch family {
        case .ipv4: "\(host):\(port)"
        case .ipv6: "[\(host)]:\(port)"
        }
    }

    /// Accepts `a.b.c.d:port`, `[::1]:port` and the reference's `::1:port` (split at the LAST ':'); host must be
    /// a literal IPv4/IPv6 address (checked with inet_pton); port 0...65535 (0 = ephemeral, useful for tests).
    public static func parse(_ text: String) -> ListenAddress? {
        // inet_pton reads a C string, so an embedded NUL would hide whatever follows it.
        guard !text.utf8.contains(0) else { return nil }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            // Bracketed form: the brackets delimit an IPv6 address, so the colons inside are not the separator.
            guard let close = text.firstIndex(of: "]") else { return nil }
            let afterClose = text.index(after: close)
            guard afterClose < text.endIndex, text[afterClose] == ":" else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(after: afterClose)...]
            guard isIPv6(host) else { return nil }
            guard let port = parsePort(portText) else { return nil }
            return ListenAddress(family: .ipv6, host: String(host), port: port)
        }
        guard let colon = text.lastIndex(of: ":") else { return nil }
        host = text[..<colon]
        portText = text[text.index(after: colon)...]
        guard let port = parsePort(portText) else { return nil }
        if isIPv4(host) {
            return ListenAddress(family: .ipv4, host: String(host), port: port)
        }
        if isIPv6(host) {
            return ListenAddress(family: .ipv6, host: String(host), port: port)
        }
        return nil
    }

    /// Decimal digits only (no sign, no spaces), at most 65535.
    private static func parsePort(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt16(text)
    }

    private static func isIPv4(_ host: Substring) -> Bool {
        var address = in_addr()
        return String(host).withCString { inet_pton(AF_INET, $0, &address) } == 1
    }

    private static func isIPv6(_ host: Substring) -> Bool {
        var address = in6_addr()
        return String(host).withCString { inet_pton(AF_INET6, $0, &address) } == 1
    }
}
