import Foundation
import Testing
@testable import KairosRunners

/// https webhooks (D-network-runners) against nginx with a throwaway CA: verified with `[runner] http_ca_file`,
/// refused when the certificate does not chain to a trusted CA.
@Suite(.serialized) struct HTTPSClientTests {
    @Test func aCertificateFromTheConfiguredCAIsTrusted() throws {
        let nginx = try TLSWebServer()
        let driver = try HTTPClientDriver(RunnerConfig(httpCAFile: nginx.ca.caFile))
        let url = nginx.url("/hook")
        #expect(driver.run("POST", url) == .succeeded("POST \(url): HTTP 204"))
        // Several runs, one TLS connection: the later runs cost no handshake.
        for _ in 0..<3 { #expect(driver.run("POST", url)?.success == true) }
        // nginx logs a request after answering it.
        #expect(eventually { nginx.accessLog.count == 4 })
        let log = nginx.accessLog
        #expect(Set(log.map { $0.split(separator: " ")[0] }).count == 1, "\(log)")
        #expect(log.allSatisfy { $0.hasSuffix(" POST /hook HTTP/1.1") }, "\(log)")
    }

    @Test func anUntrustedCertificateFails() throws {
        let nginx = try TLSWebServer()
        // The system store does not know the throwaway CA.
        let driver = try HTTPClientDriver()
        let url = nginx.url("/hook")
        let result = try #require(driver.run("POST", url))
        #expect(!result.success)
        #expect(result.detail.hasPrefix("POST \(url): SSL certificate problem: unable to get local issuer certificate"), "\(result.detail)")
    }

    @Test func anotherCAsBundleDoesNotTrustTheServer() throws {
        let nginx = try TLSWebServer()
        let other = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: other) }
        let otherCA = try TestCA(in: other)
        let driver = try HTTPClientDriver(RunnerConfig(httpCAFile: otherCA.caFile))
        let result = try #require(driver.run("GET", nginx.url("/")))
        #expect(!result.success)
        #expect(result.detail.hasPrefix("GET \(nginx.url("/")): SSL certificate problem"), "\(result.detail)")
    }

    @Test func aCertificateForAnotherHostNameFails() throws {
        let nginx = try TLSWebServer()
        let driver = try HTTPClientDriver(RunnerConfig(httpCAFile: nginx.ca.caFile))
        // The certificate names IP 127.0.0.1 only; `localhost` reaches the same server.
        let url = "https://localhost:\(nginx.port)/hook"
        let result = try #require(driver.run("POST", url))
        #expect(!result.success)
        #expect(result.detail.hasPrefix("POST \(url): SSL: no alternative certificate subject name matches target host name 'localhost'"), "\(result.detail)")
    }

    @Test func aMissingCAFileFailsTheRunWithCurlsReason() throws {
        let nginx = try TLSWebServer()
        let driver = try HTTPClientDriver(RunnerConfig(httpCAFile: "/nonexistent/ca.pem"))
        let result = try #require(driver.run("GET", nginx.url("/")))
        #expect(!result.success)
        #expect(result.detail.contains("/nonexistent/ca.pem"), "\(result.detail)")
    }
}
