import CKairos
import Glibc
import KairosSystem

/// The runner thread's level-triggered epoll set. Each registration carries a 64-bit token
/// that comes back with its events.
final class Poller {
    let descriptor: FileDescriptor
    private let capacity = 64
    private let events: UnsafeMutablePointer<UInt32>
    private let tokens: UnsafeMutablePointer<UInt64>

    init() throws(Errno) {
        let fd = try SystemCall.run("epoll_create1") { ckairos_epoll_create1(CInt(EPOLL_CLOEXEC)) }
        descriptor = FileDescriptor(rawValue: fd)
        events = .allocate(capacity: capacity)
        tokens = .allocate(capacity: capacity)
    }

    deinit {
        descriptor.close()
        events.deallocate()
        tokens.deallocate()
    }

    /// Watches `fd` for readability. Closing `fd` removes it from the set.
    func add(_ fd: FileDescriptor, token: UInt64) throws(Errno) {
        _ = try SystemCall.run("epoll_ctl") {
            ckairos_epoll_ctl(descriptor.rawValue, CInt(EPOLL_CTL_ADD), fd.rawValue, EPOLLIN.rawValue, token)
        }
    }

    /// Sleeps until something is ready or `timeoutMs` passes (-1: no limit); returns the
    /// tokens that fired. EINTR is retried by `SystemCall`, which may lengthen the wait
    /// slightly; callers recompute their deadlines from the clock, not from the timeout.
    func wait(timeoutMs: Int32) throws(Errno) -> [UInt64] {
        let count = try SystemCall.run("epoll_wait") {
            ckairos_epoll_wait(descriptor.rawValue, events, tokens, CInt(capacity), timeoutMs)
        }
        return (0..<Int(count)).map { tokens[$0] }
    }
}
