import CKairos
import Glibc
import KairosSystem
import Synchronization

/// Wakes a consumer thread that sleeps in epoll when one of its rings gets work.
///
/// An eventfd carries the wake-up. To keep the request path free of syscalls, producers only
/// write it when the consumer has announced it is about to sleep (`armed`); a busy consumer
/// costs its producers one atomic exchange per batch and nothing else.
public final class Doorbell: Sendable {
    public let descriptor: FileDescriptor
    private let armed = Atomic<Bool>(false)

    public init() throws(Errno) {
        let fd = try SystemCall.run("eventfd") { ckairos_eventfd(0, CInt(EFD_NONBLOCK | EFD_CLOEXEC)) }
        descriptor = FileDescriptor(rawValue: fd)
    }

    deinit { descriptor.close() }

    /// Producer side, after pushing: wake the consumer if it may be asleep.
    public func ring() {
        if armed.exchange(false, ordering: .sequentiallyConsistent) {
            ringUnconditionally()
        }
    }

    /// Writes the eventfd whatever the consumer's state (shutdown, tests).
    public func ringUnconditionally() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { ckairos_write(descriptor.rawValue, $0.baseAddress, 8) }
    }

    /// Consumer side, before sleeping: after this, re-check every ring; sleep only if all are
    /// empty, since a push that happened before `arm` did not ring.
    public func arm() { armed.store(true, ordering: .sequentiallyConsistent) }

    /// Consumer side, after waking (or deciding not to sleep): clears the flag and resets the
    /// eventfd so a level-triggered epoll stops reporting it.
    public func disarm() {
        armed.store(false, ordering: .sequentiallyConsistent)
        acknowledge()
    }

    /// Consumer side: clears the flag only, for loops that call `acknowledge` themselves when
    /// epoll reports the eventfd (saves a read syscall per iteration).
    public func disarmWithoutReading() {
        armed.store(false, ordering: .sequentiallyConsistent)
    }

    /// Consumer side, when epoll reported the eventfd readable: resets it.
    public func acknowledge() {
        var value: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &value) { ckairos_read(descriptor.rawValue, $0.baseAddress, 8) }
    }
}
