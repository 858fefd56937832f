import Foundation
import Testing

/// `/openapi.json` (D-http-api): the served document is a valid OpenAPI 3.1 document, and it lists
/// exactly the operations the server routes.
@Suite struct HTTPOpenAPITests {
    @Test func servedDocumentValidates() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        let response = try http.exchange("GET", "/openapi.json")
        let body = String(response[response.range(of: "\r\n\r\n")!.upperBound...])
        let file = try ServerProcess.makeDirectory().appendingPathComponent("openapi.json")
        try body.write(to: file, atomically: true, encoding: .utf8)
        let script = """
            import json, sys
            from openapi_spec_validator import validate
            from openapi_spec_validator.readers import read_from_filename
            document, _ = read_from_filename(sys.argv[1])
            validate(document)
            print(document["openapi"])
            for path, item in sorted(document["paths"].items()):
                print(path, " ".join(sorted(m.upper() for m in item if m != "parameters")))
            """
        let result = try HTTPSecurityTests.run("/usr/bin/env", ["python3", "-c", script, file.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            3.1.0
            /health GET
            /jobs GET
            /jobs/{id} DELETE GET PUT
            /metrics GET
            /openapi.json GET
            /rules GET
            /rules/{id} DELETE GET PUT
            /stat GET

            """)
    }
}
