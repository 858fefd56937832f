import CKairos
import Glibc
import KairosSync
import KairosSystem

/// Sleeps until a descriptor is readable (a `Doorbell`'s eventfd, a signalfd) or a timeout
/// passes, for threads that have nothing else to wait on. One epoll instance per waiter.
final class BellWaiter {
    private let epoll: FileDescriptor

    convenience init(_ bell: Doorbell) throws(Errno) {
        try self.init(descriptor: bell.descriptor)
    }

    init(descriptor: FileDescriptor) throws(Errno) {
        epoll = FileDescriptor(rawValue: try SystemCall.run("epoll_create1") { ckairos_epoll_create1(CInt(EPOLL_CLOEXEC)) })
        do {
            _ = try SystemCall.run("epoll_ctl") {
                ckairos_epoll_ctl(epoll.rawValue, EPOLL_CTL_ADD, descriptor.rawValue, EPOLLIN.rawValue, 0)
            }
        } catch {
            epoll.close()
            throw error
        }
    }

    deinit { epoll.close() }

    /// Blocks until the descriptor is readable or `timeoutMilliseconds` pass (-1: forever).
    /// Returns whether it became readable. The caller drains the descriptor.
    @discardableResult
    func wait(timeoutMilliseconds: CInt = -1) -> Bool {
        var events: UInt32 = 0
        var data: UInt64 = 0
        let ready = try? SystemCall.run("epoll_wait") { ckairos_epoll_wait(epoll.rawValue, &events, &data, 1, timeoutMilliseconds) }
        return (ready ?? 0) > 0
    }
}
