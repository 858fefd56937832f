import CKairos
import Glibc

/// What a read or write on a connection did.
public enum TransportResult: Equatable, Sendable {
    case transferred(Int)
    /// Nothing now; wait until the socket is readable (`wantsWrite` false) or writable.
    case wouldBlock(wantsWrite: Bool)
    case closed
    case failed(String)
}

/// A connected, non-blocking byte stream: plain TCP or TLS over it.
public protocol Transport: AnyObject {
    var descriptor: CInt { get }
    func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportResult
    func write(_ bytes: UnsafeRawBufferPointer) -> TransportResult
}

/// Why `kairos cli` could not talk to the server; the description is the message it prints.
public struct ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Plain TCP. Owns the descriptor.
final class PlainTransport: Transport {
    let descriptor: CInt

    init(descriptor: CInt) { self.descriptor = descriptor }

    deinit { _ = ckairos_close(descriptor) }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportResult {
        let count = ClientIO.read(descriptor, into: buffer)
        if count > 0 { return .transferred(count) }
        return count == 0 ? .closed : Self.failure(-count, wouldBlock: .wouldBlock(wantsWrite: false))
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> TransportResult {
        let count = ClientIO.send(descriptor, bytes)
        return count >= 0 ? .transferred(count) : Self.failure(-count, wouldBlock: .wouldBlock(wantsWrite: true))
    }

    private static func failure(_ code: Int, wouldBlock: TransportResult) -> TransportResult {
        switch CInt(code) {
        case EAGAIN: return wouldBlock
        case EPIPE, ECONNRESET: return .closed
        case let code: return .failed(String(cString: strerror(code)))
        }
    }
}

/// Resolves and connects with a deadline, leaving a blocking socket whose reads and writes time
/// out after `timeoutMilliseconds` (the TLS handshake runs on it before it turns non-blocking).
enum TCPConnector {
    static func connect(host: String, port: UInt16, timeoutMilliseconds: Int) throws(ClientError) -> CInt {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw ClientError("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var reason = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = ckairos_socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                reason = String(cString: strerror(-fd))
                continue
            }
            let result = connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, timeoutMilliseconds: timeoutMilliseconds)
            if result == 0 {
                _ = ckairos_setsockopt_int(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                setTimeouts(fd, milliseconds: timeoutMilliseconds)
                return fd
            }
            reason = result == -ETIMEDOUT ? "no connection within \(timeoutMilliseconds) ms" : String(cString: strerror(-result))
            _ = ckairos_close(fd)
        }
        throw ClientError("cannot connect to \(host.contains(":") ? "[\(host)]" : host):\(port): \(reason)")
    }

    /// A non-blocking connect bounded by poll; 0 or -errno.
    private static func connect(_ fd: CInt, _ address: UnsafePointer<sockaddr>, _ length: socklen_t, timeoutMilliseconds: Int) -> CInt {
        setNonBlocking(fd, true)
        defer { setNonBlocking(fd, false) }
        let started = ckairos_connect(fd, address, length)
        if started == 0 { return 0 }
        guard started == -EINPROGRESS else { return started }
        var pollEntry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var ready: CInt
        repeat { ready = poll(&pollEntry, 1, CInt(timeoutMilliseconds)) } while ready < 0 && errno == EINTR
        if ready == 0 { return -ETIMEDOUT }
        var error: CInt = 0
        _ = ckairos_getsockopt_int(fd, SOL_SOCKET, SO_ERROR, &error)
        return -error
    }

    static func setNonBlocking(_ fd: CInt, _ on: Bool) {
        let flags = ckairos_fcntl_int(fd, F_GETFL, 0)
        guard flags >= 0 else { return }
        _ = ckairos_fcntl_int(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK)
    }

    private static func setTimeouts(_ fd: CInt, milliseconds: Int) {
        var interval = timeval(tv_sec: milliseconds / 1_000, tv_usec: (milliseconds % 1_000) * 1_000)
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, size)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, size)
    }
}
