import CKairos
import Foundation
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

    // Each load failure carries `problem`: the file and what is wrong with it in plain words,
    // which the server prints after the key (`controller.tls_cert: ...`). No OpenSSL codes.

    @Test func missingCertificateFileNamesThePath() throws {
        let path = credentials.directory + "/absent.pem"
        let error = try #require(loadError(certificate: path, key: credentials.key))
        #expect(error.kind == .certificateLoadFailed)
        #expect(error.description == "cannot read \(path): No such file or directory")
        #expect(error.problem == error.description)
    }

    @Test func certificateFileWithoutACertificateFails() throws {
        let error = try #require(loadError(certificate: credentials.key, key: credentials.key))
        #expect(error.kind == .certificateLoadFailed)
        #expect(!error.reasons.isEmpty)
        #expect(error.description == "\(credentials.key) holds no PEM certificate (a -----BEGIN CERTIFICATE----- block)")
    }

    @Test func directoryAsCertificateFails() throws {
        let error = try #require(loadError(certificate: credentials.directory, key: credentials.key))
        #expect(error.kind == .certificateLoadFailed)
        #expect(error.description == "cannot read \(credentials.directory): Is a directory")
    }

    @Test func missingKeyFileFails() throws {
        let path = credentials.directory + "/absent.key"
        let error = try #require(loadError(certificate: credentials.certificate, key: path))
        #expect(error.kind == .privateKeyLoadFailed)
        #expect(error.description == "cannot read \(path): No such file or directory")
    }

    @Test func keyFileWithoutAKeyFails() throws {
        let error = try #require(loadError(certificate: credentials.certificate, key: credentials.certificate))
        #expect(error.kind == .privateKeyLoadFailed)
        #expect(!error.reasons.isEmpty)
        #expect(error.description == "\(credentials.certificate) holds no PEM private key (a -----BEGIN PRIVATE KEY----- block)")
    }

    @Test func encryptedKeyIsNamedAsSuch() throws {
        let path = credentials.directory + "/encrypted-\(getpid()).pem"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["pkey", "-in", credentials.key, "-aes256", "-passout", "pass:secret", "-out", path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        defer { unlink(path) }
        let error = try #require(loadError(certificate: credentials.certificate, key: path))
        #expect(error.kind == .privateKeyLoadFailed)
        #expect(error.description == "\(path) holds an encrypted private key; the server cannot ask for a passphrase, "
            + "so give it an unencrypted key (openssl pkey -in \(path) -out new-key.pem)")
    }

    @Test func keyOfAnotherCertificateIsAMismatch() throws {
        let error = try #require(loadError(certificate: credentials.certificate, key: credentials.otherKey))
        #expect(error.kind == .keyMismatch)
        #expect(error.reasons.contains { $0.contains("key values mismatch") }, "\(error.reasons)")
        #expect(error.description
            == "the private key in \(credentials.otherKey) does not belong to the certificate in \(credentials.certificate)")
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
        #expect(TLSError(kind: .keyMismatch, reasons: ["a"], problem: "plain").description == "plain")
        #expect(TLSError(kind: .closed).description == "TLS session is closed")
    }
}
