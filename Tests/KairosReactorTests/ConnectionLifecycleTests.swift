import KairosProtocol
import Testing

@testable import KairosReactor

@Suite struct ConnectionLifecycleTests {
    static let timeouts = ConnectionLifecycle.Timeouts(handshakeNs: 10_000, authNs: 5_000)

    @Test func plainWithoutAuthIsReadyAtOnce() {
        let lifecycle = ConnectionLifecycle(now: 0, tls: false, authRequired: false, timeouts: Self.timeouts)
        #expect(lifecycle.namespace == .unrestricted)
        #expect(lifecycle.initialDeadline == nil)
    }

    @Test func tlsThenAuthThenReady() {
        var lifecycle = ConnectionLifecycle(now: 100, tls: true, authRequired: true, timeouts: Self.timeouts)
        #expect(lifecycle.isHandshaking)
        #expect(lifecycle.initialDeadline == 10_100)
        #expect(lifecycle.handshakeCompleted(now: 200) == .scheduleDeadline(5_200))
        #expect(lifecycle.isAuthenticating)
        #expect(lifecycle.namespace == nil)
        #expect(lifecycle.authRequest(isAuth: true, namespace: .prefix(Array("deploy.".utf8))) == .none)
        #expect(lifecycle.namespace == .prefix(Array("deploy.".utf8)))
        // The old deadline firing later changes nothing.
        #expect(lifecycle.deadlinePassed(now: 99_999) == .none)
    }

    @Test func wrongSecretOrNonAuthRequestRepliesErrorAndCloses() {
        for (isAuth, namespace) in [(true, Namespace?.none), (false, Namespace.unrestricted)] {
            var lifecycle = ConnectionLifecycle(now: 0, tls: false, authRequired: true, timeouts: Self.timeouts)
            #expect(lifecycle.authRequest(isAuth: isAuth, namespace: namespace) == .replyAndClose(Array("ERROR\n".utf8)))
            #expect(lifecycle.isClosed)
            #expect(lifecycle.namespace == nil)
        }
    }

    @Test func deadlinesCloseOnlyWhenDue() {
        var auth = ConnectionLifecycle(now: 0, tls: false, authRequired: true, timeouts: Self.timeouts)
        #expect(auth.deadlinePassed(now: 4_999) == .none)
        #expect(auth.deadlinePassed(now: 5_000) == .close)
        var handshake = ConnectionLifecycle(now: 0, tls: true, authRequired: false, timeouts: Self.timeouts)
        #expect(handshake.deadlinePassed(now: 10_000) == .close)
    }

    @Test func inputEndDrainsReadyButClosesEarlierPhases() {
        var ready = ConnectionLifecycle(now: 0, tls: false, authRequired: false, timeouts: Self.timeouts)
        #expect(ready.inputEnded() == .none)
        #expect(ready.isDraining)
        #expect(ready.namespace == .unrestricted)
        var authenticating = ConnectionLifecycle(now: 0, tls: false, authRequired: true, timeouts: Self.timeouts)
        #expect(authenticating.inputEnded() == .close)
        #expect(authenticating.failed() == .none)
    }
}

@Suite struct AuthVerifierTests {
    static let verifier = AuthVerifier(credentials: [
        AuthCredential(name: "deploy", secret: Array("sk_deploy".utf8), namespace: .prefix(Array("deploy.".utf8))),
        AuthCredential(name: "admin", secret: Array("sk_admin".utf8), namespace: .unrestricted),
        AuthCredential(name: "empty", secret: [], namespace: .prefix(Array("e.".utf8))),
    ])

    static func verify(_ secret: String) -> String? {
        Array(secret.utf8).withUnsafeBytes { verifier.verify($0)?.name }
    }

    @Test func findsTheMatchingSecretOnly() {
        #expect(Self.verify("sk_deploy") == "deploy")
        #expect(Self.verify("sk_admin") == "admin")
        #expect(Self.verify("") == "empty")
        #expect(Self.verify("sk_deplo") == nil)
        #expect(Self.verify("sk_deployX") == nil)
        #expect(Self.verify("SK_DEPLOY") == nil)
    }

    @Test func constantTimeEqualsHandlesLengths() {
        func eq(_ a: String, _ b: String) -> Bool {
            Array(a.utf8).withUnsafeBytes { x in Array(b.utf8).withUnsafeBytes { y in AuthVerifier.constantTimeEquals(x, y) } }
        }
        #expect(eq("abc", "abc"))
        #expect(!eq("abc", "abd"))
        #expect(!eq("abc", "ab"))
        #expect(!eq("", "a"))
        #expect(eq("", ""))
    }
}

@Suite struct DeadlineQueueTests {
    @Test func popsInOrderOnlyWhenDue() {
        var queue = DeadlineQueue()
        for i in 0..<5 { queue.append(deadline: Int64(i * 10), client: ClientTag(slot: UInt32(i), generation: 1)) }
        var popped: [UInt32] = []
        queue.popExpired(now: 25) { popped.append($0.slot) }
        #expect(popped == [0, 1, 2])
        #expect(queue.nextDeadline == 30)
        queue.popExpired(now: 100) { popped.append($0.slot) }
        #expect(popped == [0, 1, 2, 3, 4])
        #expect(queue.nextDeadline == nil)
    }
}
