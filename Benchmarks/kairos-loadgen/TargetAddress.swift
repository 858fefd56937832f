import Glibc

/// Why a target was refused; the message is shown to the user as is.
struct AddressError: Error, Equatable, CustomStringConvertible {
    let description: String
}

/// A loopback TCP endpoint. The load generator refuses every other address: it is a stress
/// tool, and pointed at anything but this machine it would be a flood.
struct TargetAddress: Equatable, Sendable, CustomStringConvertible {
    enum Family: Equatable, Sendable {
        /// Four bytes in network order, first byte 127.
        case ipv4(UInt8, UInt8, UInt8, UInt8)
        /// `::1`, the only IPv6 loopback address.
        case ipv6Loopback
    }

    let family: Family
    let port: UInt16

    /// Accepts `127.x.y.z`, `::1` (also `[::1]`) and `localhost` (= 127.0.0.1); refuses the rest.
    static func parse(host: String, port: Int) throws(AddressError) -> TargetAddress {
        guard (1...65535).contains(port) else {
            throw AddressError(description: "--port must be 1...65535, got \(port)")
        }
        var text = host
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text == "localhost" { text = "127.0.0.1" }
        if let octets = parseIPv4(text) {
            guard octets.0 == 127 else { throw refusal(host) }
            return TargetAddress(family: .ipv4(octets.0, octets.1, octets.2, octets.3), port: UInt16(port))
        }
        if isIPv6Loopback(text) {
            return TargetAddress(family: .ipv6Loopback, port: UInt16(port))
        }
        if text.contains(":") || text.allSatisfy({ $0 == "." || $0.isNumber }) {
            throw refusal(host)
        }
        throw AddressError(
            description: "--host must be a literal loopback address (127.0.0.0/8, ::1 or localhost); host names are not resolved: '\(host)'"
        )
    }

    private static func refusal(_ host: String) -> AddressError {
        AddressError(
            description: "refusing to target '\(host)': kairos-loadgen only sends load to 127.0.0.0/8 or ::1"
        )
    }

    /// Strict dotted quad: four decimal fields 0...255, no leading zeros beyond a lone 0.
    static func parseIPv4(_ text: String) -> (UInt8, UInt8, UInt8, UInt8)? {
        let fields = text.split(separator: ".", omittingEmptySubsequences: false)
        guard fields.count == 4 else { return nil }
        var octets: [UInt8] = []
        for field in fields {
            guard !field.isEmpty, field.count <= 3, field.allSatisfy({ $0.isASCII && $0.isNumber }),
                field.count == 1 || field.first != "0", let value = UInt8(field)
            else { return nil }
            octets.append(value)
        }
        return (octets[0], octets[1], octets[2], octets[3])
    }

    /// `::1` in any of its spellings (`0:0:0:0:0:0:0:1`, `::0:1`), via inet_pton so every
    /// valid form is understood, then compared with the loopback address byte for byte.
    static func isIPv6Loopback(_ text: String) -> Bool {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return false }
        return withUnsafeBytes(of: &address) { bytes in
            bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1
        }
    }

    var description: String {
        switch family {
        case .ipv4(let a, let b, let c, let d): "\(a).\(b).\(c).\(d):\(port)"
        case .ipv6Loopback: "[::1]:\(port)"
        }
    }

    /// Calls `body` with a socket address for connect(2) and its length.
    func withSocketAddress<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch family {
        case .ipv4(let a, let b, let c, let d):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            let hostOrder = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
            address.sin_addr.s_addr = hostOrder.bigEndian
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6Loopback:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = in6addr_loopback
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// AF_INET or AF_INET6, for socket(2).
    var domain: CInt {
        switch family {
        case .ipv4: AF_INET
        case .ipv6Loopback: AF_INET6
        }
    }
}
