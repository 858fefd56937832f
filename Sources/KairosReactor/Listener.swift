import CKairos
import Glibc
import KairosSystem

/// A non-blocking listening TCP socket (D-connections: SO_REUSEADDR, backlog = the system maximum).
public struct Listener: Sendable {
    public let descriptor: FileDescriptor
    /// The bound address; differs from the requested one when port 0 was asked for.
    public let address: SocketAddress

    public static func bind(_ address: SocketAddress) throws(Errno) -> Listener {
        let domain = address.family == .ipv4 ? AF_INET : AF_INET6
        let fd = try SystemCall.run("socket") {
            ckairos_socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        let descriptor = FileDescriptor(rawValue: fd)
        do {
            _ = try SystemCall.run("setsockopt") { ckairos_setsockopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) }
            if address.family == .ipv6 {
                _ = try SystemCall.run("setsockopt") { ckairos_setsockopt_int(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
            }
            try address.withSockAddr { (addr, len) throws(Errno) in
                _ = try SystemCall.run("bind") { ckairos_bind(fd, addr, len) }
            }
            // The kernel clamps the backlog to net.core.somaxconn, so asking for the most is "the system maximum".
            _ = try SystemCall.run("listen") { ckairos_listen(fd, Int32.max) }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            _ = try withUnsafeMutableBytes(of: &storage) { (raw) throws(Errno) in
                try SystemCall.run("getsockname") {
                    ckairos_getsockname(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
                }
            }
            return Listener(descriptor: descriptor, address: SocketAddress.from(storage: storage) ?? address)
        } catch {
            descriptor.close()
            throw error
        }
    }

    /// Accepts one pending connection as a non-blocking socket with TCP_NODELAY.
    func accept() throws(Errno) -> IOResult<(FileDescriptor, SocketAddress?)> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = try withUnsafeMutableBytes(of: &storage) { (raw) throws(Errno) in
            try SystemCall.nonBlocking("accept4") {
                ckairos_accept4(
                    descriptor.rawValue, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length,
                    Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        switch result {
        case .wouldBlock:
            return .wouldBlock
        case .processed(let fd):
            _ = ckairos_setsockopt_int(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            return .processed((FileDescriptor(rawValue: fd), SocketAddress.from(storage: storage)))
        }
    }
}
