import CKairos
import Foundation
import Glibc

/// A blocking TCP client for exact-byte conversations with a running server.
final class TestClient {
    let fd: Int32
    private var buffered: [UInt8] = []

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to `host`:`port`; every read waits at most `timeout` seconds. `receiveBuffer`
    /// shrinks the socket's receive buffer (set before connecting, so the window stays small):
    /// the server's writes then block early, as with a slow reader.
    init(port: UInt16, host: String = "127.0.0.1", timeout: Double = 10, receiveBuffer: Int32? = nil) throws {
        let isV6 = host.contains(":")
        fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        if isV6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = port.bigEndian
            inet_pton(AF_INET6, host, &addr.sin6_addr)
            result = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &addr.sin_addr)
            result = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard result == 0 else {
            // No close here: every stored property is set, so a throwing init still runs
            // deinit, which closes the descriptor (closing twice could hit a reused number).
            throw Failure(description: "connect to \(host):\(port): errno \(errno)")
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "write failed: errno \(errno)") }
            offset += n
        }
    }

    /// Sends without blocking; returns how many bytes the kernel took (0 when its buffer is full).
    func sendWithoutWaiting(_ bytes: [UInt8]) -> Int {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n <= 0 { break }
            offset += n
        }
        return offset
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n == 0 {
            throw Failure(description: "EOF; unread: \(String(decoding: buffered, as: UTF8.self).debugDescription)")
        }
        if n < 0 {
            throw Failure(description: "read timed out/failed (errno \(errno)); unread: \(String(decoding: buffered, as: UTF8.self).debugDescription)")
        }
        buffered.append(contentsOf: chunk[..<n])
    }

    /// Reads exactly `count` bytes (or fails on timeout/EOF).
    func read(count: Int) throws -> [UInt8] {
        while buffered.count < count { try fill() }
        let result = Array(buffered[..<count])
        buffered.removeFirst(count)
        return result
    }

    /// Reads as many bytes as `expected` has and returns them as text (compare with ==).
    func receive(_ expected: String) throws -> String {
        String(decoding: try read(count: expected.utf8.count), as: UTF8.self)
    }

    /// Reads one line (through LF).
    func readLine() throws -> String {
        while true {
            if let index = buffered.firstIndex(of: 0x0A) {
                let line = Array(buffered[...index])
                buffered.removeFirst(index + 1)
                return String(decoding: line, as: UTF8.self)
            }
            try fill()
        }
    }

    /// Reads lines up to and including `<id> OK\n` or `<id> ERROR\n`.
    func readMultiline(id: String) throws -> [String] {
        var lines: [String] = []
        while true {
            let line = try readLine()
            lines.append(line)
            if line == "\(id) OK\n" || line == "\(id) ERROR\n" { return lines }
        }
    }

    /// True when the server closed the connection (EOF or reset) with no further bytes.
    func isClosedByPeer() -> Bool {
        if !buffered.isEmpty { return false }
        var byte: UInt8 = 0
        let n = Glibc.read(fd, &byte, 1)
        if n == 1 { buffered.append(byte) }
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }

    /// Reads and discards everything until the server closes (EOF or reset); false on timeout.
    func readUntilClosed(timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while Date() < deadline {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 || (n < 0 && errno == ECONNRESET) { return true }
            if n < 0 && errno != EAGAIN && errno != EINTR { return false }
        }
        return false
    }

    /// Proves that what was sent before got no answer: a marker request sent after it must
    /// produce the very next bytes (no sleeping on silence).
    func nextReplyIsMarker() throws -> Bool {
        try send("zz-marker GET zz-marker-missing\n")
        return try receive("zz-marker ERROR\n") == "zz-marker ERROR\n"
    }
}
