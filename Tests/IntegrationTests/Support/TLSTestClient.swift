import CKairos
import Foundation
import Glibc

/// A blocking TLS client over a `TestClient`'s socket, for exact-byte conversations over TLS.
final class TLSTestClient {
    let socket: TestClient
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private var buffered: [UInt8] = []

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects and completes the handshake; `maxVersion` limits the client (e.g. TLS1_2_VERSION).
    /// `corked` holds back partial segments (TCP_CORK) until `sendAndClose`, so the handshake's
    /// last flight travels with what is sent next (the kernel sends the ClientHello after 200 ms).
    init(port: UInt16, maxVersion: CInt? = nil, timeout: Double = 10, corked: Bool = false) throws {
        socket = try TestClient(port: port, timeout: timeout)
        if corked {
            var on: Int32 = 1
            setsockopt(socket.fd, Int32(IPPROTO_TCP), TCP_CORK, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Failure(description: "SSL_CTX_new") }
        self.context = context
        if let maxVersion { _ = ckairos_SSL_CTX_set_max_proto_version(context, maxVersion) }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw Failure(description: "SSL_new")
        }
        self.ssl = ssl
        SSL_set_fd(ssl, socket.fd)
        ERR_clear_error()
        let result = SSL_connect(ssl)
        if result != 1 {
            let code = SSL_get_error(ssl, result)
            let systemError = errno
            throw Failure(description: "handshake failed: SSL_get_error \(code), errno \(systemError): \(Self.drainErrors())")
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    var version: String { String(cString: SSL_get_version(ssl)) }

    static func drainErrors() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.joined(separator: "; ")
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            guard n > 0 else { throw Failure(description: "SSL_write failed: \(Self.drainErrors())") }
            offset += Int(n)
        }
    }

    /// Sends `text` and close_notify in one TCP segment (corked), as a client that writes and
    /// closes at once does: the server reads the requests and the end of input together.
    func sendAndClose(_ text: String) throws {
        var on: Int32 = 1
        setsockopt(socket.fd, Int32(IPPROTO_TCP), TCP_CORK, &on, socklen_t(MemoryLayout<Int32>.size))
        try send(text)
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        var off: Int32 = 0
        setsockopt(socket.fd, Int32(IPPROTO_TCP), TCP_CORK, &off, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Reads exactly as many bytes as `expected` has.
    func receive(_ expected: String) throws -> String {
        let count = expected.utf8.count
        while buffered.count < count {
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            let n = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            guard n > 0 else {
                throw Failure(description: "SSL_read ended (\(SSL_get_error(ssl, n))); have \(String(decoding: buffered, as: UTF8.self).debugDescription)")
            }
            buffered.append(contentsOf: chunk[..<Int(n)])
        }
        let result = Array(buffered[..<count])
        buffered.removeFirst(count)
        return String(decoding: result, as: UTF8.self)
    }

    /// True when the server ended the TLS stream (close_notify or EOF).
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        let n = SSL_read(ssl, &byte, 1)
        return n <= 0
    }
}

/// A throwaway self-signed certificate made with the `openssl` CLI.
enum TestCertificate {
    static func make(in directory: URL) throws -> (certificate: String, key: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-days", "1", "-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "cert.pem",
        ]
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TLSTestClient.Failure(description: "openssl req exited \(process.terminationStatus)")
        }
        return (directory.appendingPathComponent("cert.pem").path, directory.appendingPathComponent("key.pem").path)
    }
}
