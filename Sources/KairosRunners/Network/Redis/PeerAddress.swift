import CKairos
import Glibc
import KairosSystem

/// One address to connect to, and the non-blocking connect itself.
struct PeerAddress: Sendable {
    private let storage: sockaddr_storage
    private let length: socklen_t

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// The address when `host` is a literal IPv4 or IPv6 address (no resolver needed), else nil.
    static func numeric(host: String, port: UInt16) -> PeerAddress? {
        var storage = sockaddr_storage()
        let length: socklen_t? = withUnsafeMutableBytes(of: &storage) { raw in
            var v4 = sockaddr_in()
            if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
                v4.sin_family = sa_family_t(AF_INET)
                v4.sin_port = port.bigEndian
                withUnsafeBytes(of: &v4) { raw.copyMemory(from: $0) }
                return socklen_t(MemoryLayout<sockaddr_in>.size)
            }
            var v6 = sockaddr_in6()
            if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
                v6.sin6_family = sa_family_t(AF_INET6)
                v6.sin6_port = port.bigEndian
                withUnsafeBytes(of: &v6) { raw.copyMemory(from: $0) }
                return socklen_t(MemoryLayout<sockaddr_in6>.size)
            }
            return nil
        }
        return length.map { PeerAddress(storage: storage, length: $0) }
    }

    /// A non-blocking, close-on-exec TCP socket with its connect started. `connected` is false
    /// while the connect is in progress: wait for writability, then ask `connectResult`.
    func connect() throws(Errno) -> (socket: FileDescriptor, connected: Bool) {
        let raw = try SystemCall.run("socket") {
            ckairos_socket(CInt(storage.ss_family), CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        }
        let socket = FileDescriptor(rawValue: raw)
        // Commands are small and pipelined; Nagle would hold each one back for the previous ACK.
        _ = ckairos_setsockopt_int(raw, CInt(IPPROTO_TCP), TCP_NODELAY, 1)
        var copy = storage
        let result = withUnsafeBytes(of: &copy) { bytes in
            ckairos_connect(raw, bytes.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
        if result == 0 { return (socket, true) }
        if -result == EINPROGRESS || -result == EINTR { return (socket, false) }
        socket.close()
        throw Errno(-result)
    }

    /// After a pending connect reported writable: nil when it succeeded, else its error.
    static func connectResult(_ socket: FileDescriptor) -> Errno? {
        var value: CInt = 0
        let result = ckairos_getsockopt_int(socket.rawValue, SOL_SOCKET, SO_ERROR, &value)
        if result < 0 { return Errno(-result) }
        return value == 0 ? nil : Errno(value)
    }
}
