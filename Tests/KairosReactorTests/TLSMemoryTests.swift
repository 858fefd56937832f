import Foundation
import CKairos
import Glibc
import KairosReactor
import Testing

@Suite("TLS memory per idle session", .serialized)
struct TLSMemoryTests {
    /// Resident set size from /proc/self/statm (second field, in pages).
    private static func residentBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let fields = statm.split(separator: " ")
        let pages = try #require(fields.count > 1 ? Int(fields[1]) : nil)
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Bytes malloc has handed out and not taken back, across all arenas.
    private static func heapInUse() -> Int { Int(ckairos_mallinfo2_uordblks()) }

    /// One request and one reply, so the session has done what an idle client's session did.
    private static func exchangeOneLine(_ server: inout TLSSession, _ client: TestClient) throws {
        var plaintext: [UInt8] = []
        try client.write(Array("r1 STAT\n".utf8))
        pump(&server, client, into: &plaintext)
        let reply = Array("r1 OK\n".utf8)
        let written = reply.withUnsafeBytes { server.writePlaintext($0) }
        pump(&server, client, into: &plaintext)
        guard plaintext == Array("r1 STAT\n".utf8), written == .success(reply.count), client.received == reply else {
            throw TLSTestFailure(description: "exchange failed: \(plaintext) \(written) \(client.received)")
        }
    }

    struct Measurement {
        var residentPerSession: Int
        var heapPerSession: Int
        var heapLeftPerSession: Int

        /// Freeing the sessions gave the heap back (a leaked SSL object would keep it).
        var released: Bool { heapLeftPerSession < heapPerSession / 2 }
    }

    /// The figures are process-wide (RSS, malloc totals) and other suites allocate in parallel,
    /// so one noisy attempt is retried: a real leak or bloat shows in every attempt.
    @Test func idleEstablishedSessionsStaySmall() throws {
        var attempts: [Measurement] = []
        for _ in 0..<3 {
            let measurement = try Self.measure()
            attempts.append(measurement)
            if measurement.released, measurement.residentPerSession < 64 * 1024 { break }
        }
        let best = try #require(attempts.min { $0.heapLeftPerSession < $1.heapLeftPerSession })
        #expect(attempts.contains { $0.residentPerSession < 64 * 1024 })
        #expect(best.heapPerSession > 0)
        #expect(best.released)
    }

    private static func measure() throws -> Measurement {
        let credentials = try TestCredentials.get()
        let context = try TLSContext(certificatePath: credentials.certificate, privateKeyPath: credentials.key, minimumVersion: .v1_3)
        let clientContext = try TestClientContext()
        let count = 2_000

        // OpenSSL fills process-wide caches (providers, algorithm fetches) on first use; keep
        // them out of the per-session figure.
        for _ in 0..<20 {
            var session = try TLSSession(context: context)
            let client = try TestClient(clientContext)
            try completeHandshake(&session, client)
            try Self.exchangeOneLine(&session, client)
        }

        // A slab, as the reactor would keep them; allocated before the baseline.
        let sessions = UnsafeMutablePointer<TLSSession>.allocate(capacity: count)
        var initialized = 0
        defer {
            sessions.deinitialize(count: initialized)
            sessions.deallocate()
        }
        _ = ckairos_malloc_trim(0)
        let residentBefore = try Self.residentBytes()
        let heapBefore = Self.heapInUse()

        for index in 0..<count {
            var session = try TLSSession(context: context)
            // Each client is freed before the next session is made, so the clients' memory is
            // reused and only the servers' sessions accumulate.
            let client = try TestClient(clientContext)
            try completeHandshake(&session, client)
            try Self.exchangeOneLine(&session, client)
            guard session.bufferedBytes == 0 else { throw TLSTestFailure(description: "session \(index) holds BIO storage while idle") }
            (sessions + index).initialize(to: session)
            initialized += 1
        }

        _ = ckairos_malloc_trim(0)
        let residentPerSession = (try Self.residentBytes() - residentBefore) / count
        let heapPerSession = (Self.heapInUse() - heapBefore) / count
        print("TLS idle session memory: \(residentPerSession) bytes RSS, \(heapPerSession) bytes malloc'd per established idle session (\(count) sessions)")

        // Freeing the sessions must give the heap back; a leaked SSL object would keep it.
        sessions.deinitialize(count: initialized)
        initialized = 0
        let heapLeftPerSession = (Self.heapInUse() - heapBefore) / count
        print("TLS idle session memory: \(heapLeftPerSession) bytes per session still malloc'd after freeing them")
        return Measurement(
            residentPerSession: residentPerSession, heapPerSession: heapPerSession, heapLeftPerSession: heapLeftPerSession)
    }
}
