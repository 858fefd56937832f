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
        // The push (a release store to the ring's tail) must be ordered before reading `armed`,
        // and `arm` orders the consumer's store to `armed` before its re-check of the ring: with
        // a fence on both sides, at least one of them sees the other (a store-load pair, which
        // neither release/acquire nor a seq_cst operation on `armed` alone orders in the memory
        // model). x86 and ARMv8 happen to order it anyway (a locked exchange, and stlr before
        // ldar); a weaker target or compiler would not, and a push could then sleep unseen.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
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
    public func arm() {
        armed.store(true, ordering: .sequentiallyConsistent)
        // The caller's re-check of its rings reads other atomics (acquire loads of the tails):
        // without a full fence they may be satisfied before this store is visible, so a producer
        // could miss `armed` while the consumer misses the push. See `ring`.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
    }

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
