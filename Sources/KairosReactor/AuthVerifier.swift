import KairosProtocol

/// One token of the auth file as the reactor needs it (docs/protocol.md#authentication). The secret stays here, in
/// the immutable table; a connection keeps only the name and namespace after AUTH.
public struct AuthCredential: Sendable {
    public var name: String
    public var secret: Bytes
    public var namespace: Namespace

    public init(name: String, secret: Bytes, namespace: Namespace) {
        self.name = name
        self.secret = secret
        self.namespace = namespace
    }
}

/// Finds the credential whose secret equals the offered one, in time that does not depend on
/// where (or whether) the bytes differ (D-secrets). Every credential is compared in full.
public struct AuthVerifier: Sendable {
    private let credentials: [AuthCredential]

    public init(credentials: [AuthCredential]) { self.credentials = credentials }

    var names: [String] { credentials.map(\.name) }

    public func verify(_ offered: UnsafeRawBufferPointer) -> AuthCredential? {
        var found = -1
        for (index, credential) in credentials.enumerated() {
            let matches = credential.secret.withUnsafeBytes { Self.constantTimeEquals($0, offered) }
            // Select without branching on secret contents; only the final answer is data-dependent.
            found = matches ? index : found
        }
        return found >= 0 ? credentials[found] : nil
    }

    /// Compares all of the longer input; the length difference is folded into the result.
    static func constantTimeEquals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        var difference = UInt(bitPattern: a.count ^ b.count)
        let length = max(a.count, b.count)
        for i in 0..<length {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= UInt(x ^ y)
        }
        return difference == 0
    }
}
