import Foundation
import Testing

/// A bounded schemathesis run (fixed seed, fixed examples per operation) against a live server:
/// no server error, no status code, content type, header or body outside `/openapi.json`, and
/// refusals of data the document rules out (D-http-api).
///
/// `positive_data_acceptance` is left out on purpose: rule arguments depend on the runner kind
/// (awf's `--input k=v` pairs, the http runner's method and URL prefix) in ways JSON Schema cannot
/// express, so some schema-valid bodies are refused with the documented `400`.
@Suite struct HTTPContractTests {
    static let checks = [
        "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
        "response_schema_conformance", "negative_data_rejection", "missing_required_header", "unsupported_method",
        "allow_header_conformance",
    ]

    @Test func schemathesisFindsNothing() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let directory = try ServerProcess.makeDirectory()
        let result = try HTTPSecurityTests.run(
            "/usr/bin/env",
            [
                "sh", "-c",
                "cd \(directory.path) && schemathesis run http://127.0.0.1:\(port)/openapi.json"
                    + " --checks \(Self.checks.joined(separator: ",")) --max-examples 50 --seed 1 --workers 1"
                    + " --phases examples,coverage,fuzzing --request-timeout 10",
            ])
        #expect(result.status == 0, "\(result.stdout.suffix(4000))\(result.stderr.suffix(2000))")
        #expect(result.stdout.contains(" passed"))
        #expect(!result.stdout.contains("failures"))
        // The server survived the run.
        let http = try HTTPTestClient(port: port)
        #expect(try http.exchange("GET", "/health") == HTTPBytes.json("200 OK", "{\"status\":\"ok\"}"))
    }
}
