import KairosProtocol
import Synchronization

/// The tokens AUTH is checked against, replaceable while the server runs (SIGHUP reloads the
/// auth file). A replacement applies to AUTH lines verified after it; a connection that
/// already authenticated keeps its namespace until it closes.
public final class AuthKeyring: Sendable {
    // A lock rather than an atomic pointer: AUTH happens once per connection, and an
    // uncontended lock costs far less than the constant-time comparison it guards.
    private let verifier: Mutex<AuthVerifier>

    public init(credentials: [AuthCredential]) {
        verifier = Mutex(AuthVerifier(credentials: credentials))
    }

    /// The credential whose secret equals `offered`, compared in constant time (D-secrets).
    public func verify(_ offered: UnsafeRawBufferPointer) -> AuthCredential? {
        verifier.withLock { $0.verify(offered) }
    }

    /// Installs a new token set for AUTH lines that arrive from now on.
    public func replace(with credentials: [AuthCredential]) {
        let next = AuthVerifier(credentials: credentials)
        verifier.withLock { $0 = next }
    }

    /// The token names now in force, for reload messages (never the secrets).
    public var names: [String] {
        verifier.withLock { $0.names }
    }
}
