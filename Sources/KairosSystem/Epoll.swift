import CKairos
import Glibc


/// One level-triggered epoll instance (ARCHITECTURE rule 6). The 64-bit user data carries
/// (slot, generation) so events for a closed and reused descriptor can be recognized and dropped.
public struct Epoll: ~Copyable {
    public let descriptor: FileDescriptor
    // Raw buffers, so `wait` need not be mutating: callbacks may add or remove descriptors
    // while the results are being dispatched.
    private let events: UnsafeMutableBufferPointer<UInt32>
    private let data: UnsafeMutableBufferPointer<UInt64>

    public static let readable = UInt32(EPOLLIN.rawValue)
    public static let writable = UInt32(EPOLLOUT.rawValue)
    public static let hangup = UInt32(EPOLLHUP.rawValue) | UInt32(EPOLLERR.rawValue)

    public init(maxEvents: Int = 512) throws(Errno) {
        let fd = try SystemCall.run("epoll_create1") { ckairos_epoll_create1(Int32(EPOLL_CLOEXEC)) }
        descriptor = FileDescriptor(rawValue: fd)
        events = .allocate(capacity: maxEvents)
        data = .allocate(capacity: maxEvents)
    }

    deinit {
        descriptor.close()
        events.deallocate()
        data.deallocate()
    }

    public func add(_ fd: FileDescriptor, events: UInt32, data: UInt64) throws(Errno) {
        _ = try SystemCall.run("epoll_ctl") { ckairos_epoll_ctl(descriptor.rawValue, EPOLL_CTL_ADD, fd.rawValue, events, data) }
    }

    public func modify(_ fd: FileDescriptor, events: UInt32, data: UInt64) throws(Errno) {
        _ = try SystemCall.run("epoll_ctl") { ckairos_epoll_ctl(descriptor.rawValue, EPOLL_CTL_MOD, fd.rawValue, events, data) }
    }

    public func remove(_ fd: FileDescriptor) {
        _ = ckairos_epoll_ctl(descriptor.rawValue, EPOLL_CTL_DEL, fd.rawValue, 0, 0)
    }

    /// Waits up to `timeoutMs` (-1 = forever) and calls `body(events, data)` for each ready descriptor.
    public func wait(timeoutMs: Int32, _ body: (UInt32, UInt64) -> Void) throws(Errno) {
        let count = events.count
        let n = try SystemCall.run("epoll_wait") {
            ckairos_epoll_wait(descriptor.rawValue, events.baseAddress, data.baseAddress, Int32(count), timeoutMs)
        }
        for i in 0..<Int(n) { body(events[i], data[i]) }
    }
}
