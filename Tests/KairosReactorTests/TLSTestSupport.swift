import CKairos
import Foundation
import KairosReactor
import Testing

// MARK: Credentials

struct TLSTestFailure: Error, CustomStringConvertible {
    let description: String
}

/// Throwaway certificates and keys made once per test run by the `openssl` CLI.
struct TestCredentials: Sendable {
    let directory: String

    /// Self-signed P-256 leaf for CN=localhost and its key.
    var certificate: String { directory + "/c.pem" }
    var key: String { directory + "/k.pem" }
    /// A second key that belongs to no certificate.
    var otherKey: String { directory + "/other.pem" }
    /// root -> intermediate -> leaf; `chain` holds the leaf then the intermediate, clients trust `root`.
    var root: String { directory + "/root.pem" }
    var chain: String { directory + "/chain.pem" }
    var chainKey: String { directory + "/leaf.key" }

    static let shared: Result<TestCredentials, any Error> = Result { try make() }

    static func get() throws -> TestCredentials { try shared.get() }

    private static func make() throws -> TestCredentials {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kairos-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]
        try openssl(["req", "-x509"] + newKey + ["-subj", "/CN=localhost", "-keyout", "k.pem", "-out", "c.pem"], in: directory)
        try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", "other.pem"], in: directory)
        try openssl(["req", "-x509"] + newKey + ["-subj", "/CN=Kairos Test Root", "-keyout", "root.key", "-out", "root.pem"], in: directory)
        try openssl(
            ["req", "-x509"] + newKey + ["-subj", "/CN=Kairos Test Intermediate", "-CA", "root.pem", "-CAkey", "root.key",
                                         "-keyout", "inter.key", "-out", "inter.pem"], in: directory)
        try openssl(
            ["req", "-x509"] + newKey + ["-subj", "/CN=localhost", "-CA", "inter.pem", "-CAkey", "inter.key",
                                         "-keyout", "leaf.key", "-out", "leaf.pem"], in: directory)
        let leaf = try Data(contentsOf: URL(fileURLWithPath: directory + "/leaf.pem"))
        let intermediate = try Data(contentsOf: URL(fileURLWithPath: directory + "/inter.pem"))
        try (leaf + intermediate).write(to: URL(fileURLWithPath: directory + "/chain.pem"))
        return TestCredentials(directory: directory)
    }

    private static func openssl(_ arguments: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TLSTestFailure(description: "openssl \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}

// MARK: In-memory client

/// A client `SSL_CTX`: no verification unless `trusting` names a CA file.
final class TestClientContext {
    let handle: OpaquePointer

    init(maximumVersion: CInt? = nil, trusting caFile: String? = nil) throws {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw TLSTestFailure(description: "SSL_CTX_new") }
        handle = context
        if let maximumVersion, ckairos_SSL_CTX_set_max_proto_version(context, maximumVersion) != 1 {
            throw TLSTestFailure(description: "set_max_proto_version")
        }
        if let caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw TLSTestFailure(description: "load_verify_locations \(caFile)")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        }
    }

    deinit { SSL_CTX_free(handle) }
}

/// The peer of a `TLSSession` in tests: a plain OpenSSL client over two memory BIOs.
final class TestClient {
    let ssl: OpaquePointer
    private let input: OpaquePointer
    private let output: OpaquePointer
    private(set) var handshakeComplete = false
    /// Set when the client's OpenSSL rejected something; holds its error queue.
    private(set) var failure: [String]?
    private(set) var sawCloseNotify = false
    /// Plaintext the client has decrypted.
    var received: [UInt8] = []

    init(_ context: TestClientContext) throws {
        guard let ssl = SSL_new(context.handle), let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            throw TLSTestFailure(description: "client setup")
        }
        SSL_set0_rbio(ssl, input)
        SSL_set0_wbio(ssl, output)
        SSL_set_connect_state(ssl)
        self.ssl = ssl
        self.input = input
        self.output = output
    }

    deinit { SSL_free(ssl) }

    func feed(_ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        _ = bytes.withUnsafeBytes { BIO_write(input, $0.baseAddress, CInt($0.count)) }
    }

    /// Advances the handshake, then decrypts whatever arrived.
    func drive() {
        guard failure == nil, !sawCloseNotify else { return }
        if !handshakeComplete {
            ERR_clear_error()
            let result = SSL_do_handshake(ssl)
            guard result == 1 else {
                record(SSL_get_error(ssl, result))
                return
            }
            handshakeComplete = true
        }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            ERR_clear_error()
            let count = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, CInt($0.count)) }
            guard count > 0 else {
                record(SSL_get_error(ssl, count))
                return
            }
            received += chunk[..<Int(count)]
        }
    }

    private func record(_ code: CInt) {
        switch code {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return
        case SSL_ERROR_ZERO_RETURN: sawCloseNotify = true
        default: failure = TLSError.drainForTests()
        }
    }

    func write(_ bytes: [UInt8]) throws {
        ERR_clear_error()
        let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, CInt($0.count)) }
        guard written == bytes.count else { throw TLSTestFailure(description: "client SSL_write \(written)") }
    }

    func shutdown() { _ = SSL_shutdown(ssl) }

    /// All ciphertext the client wants to send.
    func takeCiphertext() -> [UInt8] {
        let count = Int(ckairos_BIO_ctrl_pending(output))
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, CInt($0.count)) }
        return Array(bytes[..<Int(max(read, 0))])
    }

    var peerCertificateCount: Int {
        guard let chain = SSL_get_peer_cert_chain(ssl) else { return 0 }
        return Int(OPENSSL_sk_num(chain))
    }
}

extension TLSError {
    /// The client's error queue, rendered the way tests compare it.
    static func drainForTests() -> [String] {
        var reasons: [String] = []
        var text = [CChar](repeating: 0, count: 256)
        while case let code = ERR_get_error(), code != 0 {
            ERR_error_string_n(code, &text, text.count)
            reasons.append(text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        return reasons
    }
}

// MARK: Pumping

/// Shuttles ciphertext between `server` and `client` until neither has anything to send.
/// Server plaintext is appended to `plaintext`; returns the server's last progress.
@discardableResult
func pump(_ server: inout TLSSession, _ client: TestClient, into plaintext: inout [UInt8]) -> TLSProgress {
    var progress = server.readPlaintext(into: &plaintext)
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
        var moved = false
        while server.pendingCiphertextCount > 0 {
            let count = chunk.withUnsafeMutableBytes { server.takeCiphertext(into: $0) }
            client.feed(chunk[..<count])
            moved = true
        }
        client.drive()
        let outgoing = client.takeCiphertext()
        var offset = 0
        while offset < outgoing.count {
            let accepted = outgoing.withUnsafeBytes { server.receiveCiphertext(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            progress = server.readPlaintext(into: &plaintext)
            if accepted == 0 {
                Issue.record("the server accepted no ciphertext right after decrypting")
                return progress
            }
            offset += accepted
            moved = true
        }
        if !moved { return progress }
    }
}

/// Runs the handshake between a fresh `server` and `client` to completion.
func completeHandshake(_ server: inout TLSSession, _ client: TestClient) throws {
    var plaintext: [UInt8] = []
    let progress = pump(&server, client, into: &plaintext)
    guard progress == .established, client.handshakeComplete, plaintext.isEmpty else {
        throw TLSTestFailure(description: "handshake ended with \(progress), client failure \(client.failure ?? [])")
    }
}

/// Deterministic bytes that make misordered or dropped chunks visible.
func patternBytes(count: Int, seed: UInt32) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: state >> 24)
    }
}
