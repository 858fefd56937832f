import CKairos
import Glibc
import KairosSystem

/// One epoll instance, level-triggered (ARCHITECTURE rule 6); the user data is the connection's
/// index in its worker, which is never reused during a run, so stale events cannot be misrouted.
final class Poller {
    let descriptor: FileDescriptor
    private let capacity = 512
    private var events: [UInt32]
    private var tokens: [UInt64]

    static let readable = EPOLLIN.rawValue
    static let writable = EPOLLOUT.rawValue
    static let hangup = EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue

    init() throws(Errno) {
        let fd = try SystemCall.run("epoll_create1") { ckairos_epoll_create1(CInt(EPOLL_CLOEXEC)) }
        descriptor = FileDescriptor(rawValue: fd)
        events = Array(repeating: 0, count: capacity)
        tokens = Array(repeating: 0, count: capacity)
    }

    deinit { descriptor.close() }

    func add(_ fd: FileDescriptor, token: Int, events interest: UInt32) throws(Errno) {
        _ = try SystemCall.run("epoll_ctl") {
            ckairos_epoll_ctl(descriptor.rawValue, EPOLL_CTL_ADD, fd.rawValue, interest | EPOLLRDHUP.rawValue, UInt64(token))
        }
    }

    func modify(_ fd: FileDescriptor, token: Int, events interest: UInt32) throws(Errno) {
        _ = try SystemCall.run("epoll_ctl") {
            ckairos_epoll_ctl(descriptor.rawValue, EPOLL_CTL_MOD, fd.rawValue, interest | EPOLLRDHUP.rawValue, UInt64(token))
        }
    }

    /// Waits up to `timeoutMs` (0 = poll) and calls `body(token, events)` for each ready descriptor.
    func wait(timeoutMs: Int, _ body: (Int, UInt32) -> Void) throws(Errno) {
        let timeout = CInt(clamping: max(0, timeoutMs))
        let count = try SystemCall.run("epoll_wait") {
            events.withUnsafeMutableBufferPointer { eventBuffer in
                tokens.withUnsafeMutableBufferPointer { tokenBuffer in
                    ckairos_epoll_wait(
                        descriptor.rawValue, eventBuffer.baseAddress, tokenBuffer.baseAddress, CInt(capacity), timeout)
                }
            }
        }
        for index in 0..<Int(count) { body(Int(tokens[index]), events[index]) }
    }

    /// Sleeps up to `milliseconds` on an epoll with nothing ready: a bounded pause for retry loops
    /// that has to go through the syscall layer like every other wait.
    func pause(milliseconds: Int) throws(Errno) {
        try wait(timeoutMs: milliseconds) { _, _ in }
    }
}

/// Non-blocking TCP client sockets toward a loopback target.
enum ClientSocket {
    /// Creates a socket and starts connecting; `connected` is true when connect(2) finished at
    /// once (it can on loopback), false when it is in progress (EPOLLOUT tells when it is done).
    ///
    /// IPv4 sockets are bound to source address 127.0.0.(2 + sequence % sources) first (unless
    /// `sources` is 0). Redis then needs `--protected-mode no`, which only admits 127.0.0.1. With every
    /// connection from 127.0.0.1 to one port, the kernel's ephemeral-port search scans the
    /// ports already used toward that destination on each connect (it dominated a profile at
    /// 20k connections, 3k connects/s); spread over 250 sources each search ends at once.
    static func open(_ target: TargetAddress, sequence: Int, sources: Int) throws(Errno) -> (fd: FileDescriptor, connected: Bool) {
        let type = CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue)
        let raw = try SystemCall.run("socket") { ckairos_socket(target.domain, type, 0) }
        let fd = FileDescriptor(rawValue: raw)
        // Latency figures would otherwise include Nagle's delay on small pipelined writes.
        _ = ckairos_setsockopt_int(raw, CInt(IPPROTO_TCP), TCP_NODELAY, 1)
        if case .ipv4 = target.family, sources > 0 {
            // The port is still chosen at connect time, against the full 4-tuple.
            _ = ckairos_setsockopt_int(raw, CInt(IPPROTO_IP), IP_BIND_ADDRESS_NO_PORT, 1)
            let source = TargetAddress(family: .ipv4(127, 0, 0, UInt8(2 + sequence % sources)), port: 0)
            do {
                _ = try SystemCall.run("bind") { source.withSocketAddress { ckairos_bind(raw, $0, $1) } }
            } catch {
                fd.close()
                throw error
            }
        }
        do {
            _ = try SystemCall.run("connect") {
                target.withSocketAddress { address, length in ckairos_connect(raw, address, length) }
            }
            return (fd, true)
        } catch where error == .inProgress || error.rawValue == EALREADY {
            return (fd, false)
        } catch {
            fd.close()
            throw error
        }
    }

    /// The outcome of a non-blocking connect once the socket is writable: nil when it succeeded.
    static func connectError(_ fd: FileDescriptor) -> Errno? {
        var value: CInt = 0
        let result = ckairos_getsockopt_int(fd.rawValue, SOL_SOCKET, SO_ERROR, &value)
        if result < 0 { return Errno(-result) }
        return value == 0 ? nil : Errno(value)
    }
}
