import CKairos
import KairosReactor
import Testing

@Suite("TLSContext loading")
struct TLSContextTests {
    let credentials: TestCredentials

    init() throws { credentials = try TestCredentials.get() }

    private func loadError(certificate: String, key: String) -> TLSError? {
        do {
            _ = try TLSContext(certificatePath: certificate, privateKeyPath: key, minimumVersion: .v1_3)
            return nil
        } catch {
            return error
        }
    }

    @Test func missingCertificateFileNamesThePath() throws {
        let path = credentials.directory + "/absent.pem"
        let error = try #require(loadError(certificate: path, key: credentials.key))
        #expect(error.kind == .certificateLoadFailed)
        #expect(!error.reasons.isEmpty)
        #expect(error.reasons.contains { $0.contains("No such file or directory") }, "\(error.reasons)")
        #expect(error.reasons.contains { $0.contains(path) }, "\(error.reasons)")
        #expect(error.description.hasPrefix("cannot load the TLS certificate chain: error:"))
    }

    @Test func certificateFileWithoutACertificateFails() throws {
        let error = try #require(loadError(certificate: credentials.key, key: credentials.key))
        #expect(error.kind == .certificateLoadFailed)
        #expect(!error.reasons.isEmpty)
    }

    @Test func missingKeyFileFails() throws {
        let path = credentials.directory + "/absent.key"
        let error = try #require(loadError(certificate: credentials.certificate, key: path))
        #expect(error.kind == .privateKeyLoadFailed)
        #expect(error.reasons.contains { $0.contains(path) }, "\(error.reasons)")
    }

    @Test func keyFileWithoutAKeyFails() throws {
        let error = try #require(loadError(certificate: credentials.certificate, key: credentials.certificate))
        #expect(error.kind == .privateKeyLoadFailed)
        #expect(!error.reasons.isEmpty)
    }

    @Test func keyOfAnotherCertificateIsAMismatch() throws {
        let error = try #require(loadError(certificate: credentials.certificate, key: credentials.otherKey))
        #expect(error.kind == .keyMismatch)
        #expect(error.reasons.contains { $0.contains("key values mismatch") }, "\(error.reasons)")
    }

    @Test func chainFileSendsLeafAndIntermediate() throws {
        let context = try TLSContext(certificatePath: credentials.chain, privateKeyPath: credentials.chainKey, minimumVersion: .v1_3)
        // The client trusts only the root, so verification succeeds only if the server sends the
        // intermediate along with the leaf.
        let client = try TestClient(TestClientContext(trusting: credentials.root))
        var server = try TLSSession(context: context)
        try completeHandshake(&server, client)
        #expect(client.peerCertificateCount == 2)
        #expect(SSL_get_verify_result(client.ssl) == X509_V_OK)
    }

    @Test func leafAloneFailsVerificationAgainstTheRoot() throws {
        // The control for the chain test: the same trust without the intermediate fails.
        let leafOnly = credentials.directory + "/leaf.pem"
        let context = try TLSContext(certificatePath: leafOnly, privateKeyPath: credentials.chainKey, minimumVersion: .v1_3)
        let client = try TestClient(TestClientContext(trusting: credentials.root))
        var server = try TLSSession(context: context)
        var plaintext: [UInt8] = []
        pump(&server, client, into: &plaintext)
        #expect(!client.handshakeComplete)
        #expect(client.failure?.contains { $0.contains("certificate verify failed") } == true, "\(client.failure ?? [])")
    }

    @Test func errorDescriptionJoinsReasons() {
        let error = TLSError(kind: .keyMismatch, reasons: ["a", "b"])
        #expect(error.description == "the TLS private key does not match the certificate: a; b")
        #expect(TLSError(kind: .closed).description == "TLS session is closed")
    }
}
