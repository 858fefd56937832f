import CKairos
import Foundation
import Glibc
import Testing

/// Fault test: thousands of connections that send part of a request (or of an AUTH line, or of
/// a TLS handshake) and stall must not slow an ordinary client down (D-connections, D-limits).
@Suite(.serialized) struct SlowlorisTests {
    static let stallers = 2_000
    static let roundTrips = 500

    /// The server inherits this process's limit; 2,000 connections need more than the usual 1,024.
    static func raiseDescriptorLimit() throws {
        var soft: UInt64 = 0
        var hard: UInt64 = 0
        guard ckairos_getrlimit_nofile(&soft, &hard) == 0 else { throw TestClient.Failure(description: "getrlimit") }
        if soft < hard { _ = ckairos_setrlimit_nofile(hard, hard) }
        guard ckairos_getrlimit_nofile(&soft, &hard) == 0, soft >= UInt64(2 * stallers + 200) else {
            throw TestClient.Failure(description: "RLIMIT_NOFILE \(soft) is too low for \(stallers) stalled connections")
        }
    }

    /// 99th percentile of `roundTrips` timed calls, in milliseconds, after 50 untimed ones
    /// (the server may still be reading the last stallers' bytes when the loop starts).
    static func p99(_ roundTrip: (Int) throws -> Void) rethrows -> Double {
        for i in 0..<50 { try roundTrip(roundTrips + i) }
        var samples: [Int64] = []
        samples.reserveCapacity(roundTrips)
        for i in 0..<roundTrips {
            let start = ckairos_clock_monotonic_ns()
            try roundTrip(i)
            samples.append(ckairos_clock_monotonic_ns() - start)
        }
        samples.sort()
        return Double(samples[(roundTrips * 99 + 99) / 100 - 1]) / 1_000_000
    }

    @Test func incompleteRequestsDoNotSlowOthers() throws {
        try Self.raiseDescriptorLimit()
        let started = Date()
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        var stalled: [TestClient] = []
        for i in 0..<Self.stallers {
            let staller = try TestClient(port: server.port)
            try staller.send("s\(i) GET partial-")
            stalled.append(staller)
        }
        let p99 = try Self.p99 { i in
            try client.send("r\(i) GET missing\n")
            #expect(try client.receive("r\(i) ERROR\n") == "r\(i) ERROR\n")
        }
        print("slowloris (plaintext, \(Self.stallers) stalled): p99 \(p99) ms over \(Self.roundTrips) GETs")
        #expect(p99 < 10)
        try client.send("s STAT\n")
        #expect(try client.readMultiline(id: "s")[1] == "s connections \(Self.stallers + 1)\n")
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func stalledHandshakesAndAuthDoNotSlowOthers() throws {
        try Self.raiseDescriptorLimit()
        let started = Date()
        let directory = try ServerProcess.makeDirectory()
        let (certificate, key) = try TestCertificate.make(in: directory)
        let tokens = directory.appendingPathComponent("tokens.toml").path
        try "[token.s]\nsecret = \"s\"\nnamespace = \"*\"\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        // Long phase deadlines: the stallers must still be there while the client is measured.
        let server = try ServerProcess(
            controller: """
                auth_file = "\(tokens)"
                tls_cert = "\(certificate)"
                tls_key = "\(key)"
                tls_handshake_timeout_ms = 60000
                auth_timeout_ms = 60000
                """,
            directory: directory)
        let client = try TLSTestClient(port: server.port)
        try client.send("AUTH s\n")
        #expect(try client.receive("OK\n") == "OK\n")
        // Three quarters stall inside the TLS handshake (a ClientHello record header and a few
        // bytes of it), the rest finish the handshake and stall inside their AUTH line.
        var halfHandshakes: [TestClient] = []
        let partialHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0xC8, 0x01, 0x00, 0x00, 0xC4, 0x03, 0x03]
        for _ in 0..<(Self.stallers * 3 / 4) {
            let staller = try TestClient(port: server.port)
            try staller.send(partialHello)
            halfHandshakes.append(staller)
        }
        var halfAuths: [TLSTestClient] = []
        for _ in 0..<(Self.stallers / 4) {
            let staller = try TLSTestClient(port: server.port)
            try staller.send("AUTH s")
            halfAuths.append(staller)
        }
        let p99 = try Self.p99 { i in
            try client.send("r\(i) GET missing\n")
            #expect(try client.receive("r\(i) ERROR\n") == "r\(i) ERROR\n")
        }
        print("slowloris (TLS + AUTH, \(Self.stallers) stalled): p99 \(p99) ms over \(Self.roundTrips) GETs")
        #expect(p99 < 10)
        try client.send("s STAT\n")
        var stat = ""
        while !stat.hasSuffix("s OK\n") { stat += try client.receive("x") }
        #expect(stat.contains("s connections \(Self.stallers + 1)\n"))
        #expect(Date().timeIntervalSince(started) < 30)
    }
}
