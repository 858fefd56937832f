import CKairosCurl
import Glibc
import KairosSystem

/// libcurl's sockets as the http runner sees them: which ones it opened for libcurl, which are
/// in the runner's epoll set and for what, and which of those sit idle in libcurl's connection
/// cache ("parked").
///
/// Why it owns the sockets (`CURLOPT_OPENSOCKETFUNCTION`/`CLOSESOCKETFUNCTION`):
/// - libcurl says `CURL_POLL_REMOVE` each time a kept-alive connection goes idle and asks for it
///   again when the next run reuses it. Taking it out of the epoll set and putting it back cost
///   two `epoll_ctl` calls per webhook (B8). A socket that this table opened stays in the set
///   while parked, because the table learns of its close (the close callback) and takes it out
///   first; a socket libcurl made itself (none today; its resolver's wake-up pipe is one kind)
///   is taken out on `REMOVE` as before, since it could be closed unannounced and its number
///   reused by another descriptor still registered under the old key.
/// - libcurl 7.88 opens its sockets without `SOCK_CLOEXEC`, so every process run started while a
///   webhook connection was open inherited it; a child that outlived the connection kept the
///   server's side from seeing it close. The sockets opened here close on exec.
///
/// A parked socket that becomes ready (the server closed the idle connection, or wrote to it)
/// leaves the epoll set at once, so a level-triggered epoll does not keep reporting it; libcurl
/// finds the connection dead when it next looks and closes it through this table.
final class HTTPSocketTable {
    private let registrar: PollRegistrar
    /// Sockets opened here and not yet closed.
    private(set) var owned: Set<curl_socket_t> = []
    /// Sockets in the epoll set, with the events watched.
    private var registered: [curl_socket_t: UInt32] = [:]
    /// Registered sockets libcurl no longer watches (idle connections of the cache).
    private var parked: Set<curl_socket_t> = []
    private let logger: (String) -> Void
    /// Set by `detach`: the registrar is no longer called.
    private var detached = false

    init(registrar: PollRegistrar, logger: @escaping (String) -> Void) {
        self.registrar = registrar
        self.logger = logger
    }

    /// Sockets in the epoll set (tests).
    var registeredCount: Int { registered.count }

    func isRegistered(_ socket: curl_socket_t) -> Bool { registered[socket] != nil }

    // MARK: libcurl's socket callback

    /// libcurl wants `socket` watched for `what` (CURL_POLL_IN/OUT/INOUT) or forgotten
    /// (CURL_POLL_REMOVE).
    func changed(_ socket: curl_socket_t, what: CInt) {
        if what == CURL_POLL_REMOVE {
            guard registered[socket] != nil else { return }
            if owned.contains(socket) {
                parked.insert(socket)
            } else {
                unregister(socket)
            }
            return
        }
        parked.remove(socket)
        var events: UInt32 = 0
        if what & CURL_POLL_IN != 0 { events |= Epoll.readable }
        if what & CURL_POLL_OUT != 0 { events |= Epoll.writable }
        // A reused connection asks for what it was parked with: nothing to tell the kernel.
        if registered[socket] == events { return }
        let fd = FileDescriptor(rawValue: socket)
        let key = UInt32(bitPattern: socket)
        do {
            do {
                if registered[socket] == nil {
                    try registrar.watch(fd, events: events, key: key)
                } else {
                    try registrar.change(fd, events: events, key: key)
                }
            } catch where error.rawValue == EEXIST {
                try registrar.change(fd, events: events, key: key)
            } catch where error.rawValue == ENOENT {
                // A socket libcurl made closed and its number came back without a REMOVE.
                try registrar.watch(fd, events: events, key: key)
            }
            registered[socket] = events
        } catch {
            // The transfer then waits for libcurl's own timeout (or the runner's), which ends
            // it `failed`; nothing is left behind.
            registered[socket] = nil
            logger("runner: http: cannot watch socket \(socket): \(error)")
        }
    }

    /// Readiness for `socket`: false when it belongs to no transfer of libcurl's (a parked
    /// socket, which this takes out of the epoll set; or a stale event), so libcurl need not
    /// hear of it.
    func isActive(_ socket: curl_socket_t) -> Bool {
        guard registered[socket] != nil else { return false }
        guard parked.contains(socket) else { return true }
        unregister(socket)
        return false
    }

    // MARK: opening and closing (libcurl's callbacks)

    /// A socket for libcurl's `struct curl_sockaddr`, closed on exec; -errno on failure.
    func open(_ address: UnsafeRawPointer) -> curl_socket_t {
        let fd = ckairos_curl_sockaddr_socket_cloexec(address)
        if fd >= 0 { owned.insert(fd) }
        return fd
    }

    /// Out of the epoll set first, so the number can be reused safely, then closed.
    func close(_ socket: curl_socket_t) -> CInt {
        if registered[socket] != nil { unregister(socket) }
        owned.remove(socket)
        FileDescriptor(rawValue: socket).close()
        return 0
    }

    /// The client is closing: every socket leaves the epoll set while still open (libcurl
    /// then closes them through `close`).
    func unregisterAll() {
        if !detached { for socket in registered.keys { registrar.unwatch(FileDescriptor(rawValue: socket)) } }
        registered.removeAll()
        parked.removeAll()
    }

    /// The client is going away without `close` (its owner, and maybe the epoll set, are gone):
    /// forget the registrations without touching the set.
    func detach() {
        detached = true
        registered.removeAll()
        parked.removeAll()
    }

    private func unregister(_ socket: curl_socket_t) {
        if !detached { registrar.unwatch(FileDescriptor(rawValue: socket)) }
        registered[socket] = nil
        parked.remove(socket)
    }
}

// MARK: the C callbacks (their `clientp` is the table, unretained: the client keeps it alive
// until `curl_multi_cleanup` has closed the last connection)

func curlOpenSocket(_ table: UnsafeMutableRawPointer?, _ purpose: CInt, _ address: UnsafeRawPointer?) -> curl_socket_t {
    guard let table, let address else { return CURL_SOCKET_BAD }
    let fd = Unmanaged<HTTPSocketTable>.fromOpaque(table).takeUnretainedValue().open(address)
    return fd < 0 ? CURL_SOCKET_BAD : fd
}

func curlCloseSocket(_ table: UnsafeMutableRawPointer?, _ socket: curl_socket_t) -> CInt {
    guard let table else {
        FileDescriptor(rawValue: socket).close()
        return 0
    }
    return Unmanaged<HTTPSocketTable>.fromOpaque(table).takeUnretainedValue().close(socket)
}
