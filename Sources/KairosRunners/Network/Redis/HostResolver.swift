import Glibc
import KairosSync
import KairosSystem
import Synchronization

/// Resolves host names off the runner thread: getaddrinfo only blocks, and a slow or dead DNS
/// server must not hold up process runs or other network runs. Each lookup runs on a short-lived
/// thread of its own (a connection looks its host up only when it opens, so lookups are rare and
/// at most one per URL at a time); results come back through a doorbell that the owner watches
/// on the runner's epoll set. Literal addresses never come here (`PeerAddress.numeric`).
final class HostResolver {
    struct Answer: Sendable {
        let token: UInt64
        let result: Result<[PeerAddress], ResolveError>
    }

    struct ResolveError: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    /// Where lookup threads leave their answers (a class, so each thread can hold it).
    private final class Mailbox: Sendable {
        let answers = Mutex<[Answer]>([])
    }

    let doorbell: Doorbell
    private let mailbox = Mailbox()
    private var threads: [UInt64: WorkerThread] = [:]

    init() throws(Errno) {
        doorbell = try Doorbell()
    }

    /// Starts looking `host` up; the answer carries `token`.
    func lookUp(host: String, port: UInt16, token: UInt64) throws(Errno) {
        let doorbell = self.doorbell
        let mailbox = self.mailbox
        threads[token] = try WorkerThread(name: "kairos-resolve") {
            let result = Self.getAddresses(host: host, port: port)
            mailbox.answers.withLock { $0.append(Answer(token: token, result: result)) }
            doorbell.ringUnconditionally()
        }
    }

    /// The answers that arrived; their threads have returned and are joined here.
    func takeAnswers() -> [Answer] {
        doorbell.acknowledge()
        let ready = mailbox.answers.withLock { list in
            let taken = list
            list.removeAll()
            return taken
        }
        for answer in ready { threads.removeValue(forKey: answer.token)?.join() }
        return ready
    }

    /// Waits for lookups still running (shutdown). getaddrinfo gives up on its own (resolv.conf's
    /// timeout and attempts), so this ends.
    func close() {
        for thread in threads.values { thread.join() }
        threads.removeAll()
    }

    private static func getAddresses(host: String, port: UInt16) -> Result<[PeerAddress], ResolveError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = CInt(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else {
            return .failure(ResolveError(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [PeerAddress] = []
        var entry = list
        while let current = entry {
            if let address = current.pointee.ai_addr, current.pointee.ai_addrlen <= socklen_t(MemoryLayout<sockaddr_storage>.size) {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { raw in
                    raw.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(current.pointee.ai_addrlen)))
                }
                addresses.append(PeerAddress(storage: storage, length: current.pointee.ai_addrlen))
            }
            entry = current.pointee.ai_next
        }
        return addresses.isEmpty ? .failure(ResolveError(description: "cannot resolve \(host): no address")) : .success(addresses)
    }
}
