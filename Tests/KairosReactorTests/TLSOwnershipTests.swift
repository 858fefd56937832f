import KairosReactor
import Testing

/// The shapes a reactor can keep a noncopyable session in.
@Suite("TLSSession ownership")
struct TLSOwnershipTests {
    /// A connection object holding its session in an optional field, as a reactor slab would.
    final class Connection {
        var tls: TLSSession?
        init(_ tls: consuming TLSSession) { self.tls = consume tls }
    }

    @Test func sessionWorksFromAnOptionalFieldAndEndsWithIt() throws {
        let credentials = try TestCredentials.get()
        let context = try TLSContext(certificatePath: credentials.certificate, privateKeyPath: credentials.key, minimumVersion: .v1_3)
        let connection = Connection(try TLSSession(context: context))
        let client = try TestClient(TestClientContext())
        var plaintext: [UInt8] = []
        var progress: TLSProgress? = nil
        for _ in 0..<4 {
            client.drive()
            let outgoing = client.takeCiphertext()
            _ = outgoing.withUnsafeBytes { connection.tls?.receiveCiphertext($0) }
            progress = connection.tls?.readPlaintext(into: &plaintext)
            var chunk = [UInt8](repeating: 0, count: 4096)
            while let pending = connection.tls?.pendingCiphertextCount, pending > 0 {
                let count = chunk.withUnsafeMutableBytes { connection.tls?.takeCiphertext(into: $0) } ?? 0
                client.feed(chunk[..<count])
            }
        }
        #expect(progress == .established)
        #expect(connection.tls?.negotiatedVersion == "TLSv1.3")
        connection.tls?.close()
        #expect((connection.tls?.pendingCiphertextCount ?? 0) > 0)
        connection.tls = nil  // frees the SSL object
    }
}
