import KairosSystem

/// A network client's handle on the runner thread's epoll set. Tokens carry the client's
/// index and the client's own 32-bit key, so the runner loop can route readiness back to
/// `NetworkClient.handle(key:events:)` without knowing what the descriptor is.
public final class PollRegistrar {
    private let add: (FileDescriptor, UInt32, UInt64) throws(Errno) -> Void
    private let modify: (FileDescriptor, UInt32, UInt64) throws(Errno) -> Void
    private let remove: (FileDescriptor) -> Void
    let client: UInt8

    /// The runner loop makes one per client; tests make one over their own epoll set.
    package init(
        client: UInt8,
        add: @escaping (FileDescriptor, UInt32, UInt64) throws(Errno) -> Void,
        modify: @escaping (FileDescriptor, UInt32, UInt64) throws(Errno) -> Void,
        remove: @escaping (FileDescriptor) -> Void
    ) {
        self.client = client
        self.add = add
        self.modify = modify
        self.remove = remove
    }

    /// Watches `fd` for `events` (Epoll.readable / .writable); readiness arrives as `key`.
    public func watch(_ fd: FileDescriptor, events: UInt32, key: UInt32) throws(Errno) {
        try add(fd, events, PollTarget.network(client: client, key: key).token)
    }

    /// Changes the events watched on a descriptor already watched.
    public func change(_ fd: FileDescriptor, events: UInt32, key: UInt32) throws(Errno) {
        try modify(fd, events, PollTarget.network(client: client, key: key).token)
    }

    /// Stops watching `fd`. Call before closing it.
    public func unwatch(_ fd: FileDescriptor) {
        remove(fd)
    }
}
