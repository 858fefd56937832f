import Foundation
import Glibc
import KairosProtocol
import KairosSync
import KairosSystem
import Logging
import Testing

@testable import KairosReactor

/// A reactor driven turn by turn from the test's own thread, with the test playing the core:
/// it pops requests and pushes answers, so every interleaving is chosen, none is raced.
final class ReactorHarness {
    let reactor: Reactor
    let requests: SPSCRing<RequestEnvelope>
    let responses: SPSCRing<ResponseEnvelope>

    init(config: ReactorConfig = ReactorConfig(), ringCapacity: Int = 1024) throws {
        requests = SPSCRing(capacity: ringCapacity)
        responses = SPSCRing(capacity: ringCapacity)
        let listener = try Listener.bind(SocketAddress(family: .ipv4, host: "127.0.0.1", port: 0)!)
        reactor = try Reactor(
            listener: listener, config: config, requests: requests, responses: responses,
            buffers: BufferExchange(inFlight: 64), coreDoorbell: try Doorbell(), stats: ServerStats(),
            logger: Logger(label: "reactor-test"))
    }

    var port: UInt16 { reactor.address.port }

    /// Turns the loop until `condition` holds; false if it still does not after `timeout` seconds.
    @discardableResult
    func turn(until condition: () -> Bool, timeout: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline { return false }
            _ = reactor.turn(maxWaitMs: 10)
        }
        return true
    }

    /// The open connections, in slot order.
    var connections: [Connection] { reactor.slots.compactMap { $0 } }

    /// Shrinks a server-side socket's send buffer (which also stops the kernel growing it), so
    /// a modest answer is enough to make the reactor's writes block.
    func shrinkSendBuffer(of connection: Connection) {
        var size: Int32 = 4096
        setsockopt(connection.descriptor.rawValue, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Pops one request (turning the loop until one comes); nil after `timeout`.
    func nextRequest(timeout: Double = 5) -> RequestEnvelope? {
        var popped: RequestEnvelope?
        turn(until: {
            popped = requests.pop()
            return popped != nil
        }, timeout: timeout)
        return popped
    }

    func answer(_ request: RequestEnvelope, _ text: String) {
        answer(request.client, Array(text.utf8))
    }

    func answer(_ client: ClientTag, _ bytes: [UInt8]) {
        let pushed = responses.push(ResponseEnvelope(client: client, bytes: bytes))
        precondition(pushed)
    }
}

/// A blocking-connect, non-blocking-read loopback client for harness tests.
final class LoopbackClient {
    let fd: Int32
    var received: [UInt8] = []
    private(set) var sawEOF = false

    init(port: UInt16, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw TLSTestFailure(description: "connect: errno \(errno)") }
    }

    deinit { close(fd) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            precondition(n > 0, "send failed: errno \(errno)")
            offset += n
        }
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads whatever is available now, without waiting; records EOF.
    func readAvailable() {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 {
                received += chunk[..<n]
                continue
            }
            if n == 0 { sawEOF = true }
            return
        }
    }
}
