import Foundation
import Glibc

/// A raw HTTP/1.1 client over `TestClient`: sends exact bytes and reads exact responses, so
/// tests assert the bytes the server wrote (status line, headers, body) rather than a library's
/// reading of them.
final class HTTPTestClient {
    let client: TestClient

    init(port: UInt16, timeout: Double = 10) throws {
        client = try TestClient(port: port, timeout: timeout)
    }

    /// Sends `method target` with a Host header, the optional body and extra header lines.
    func send(_ method: String, _ target: String, body: String? = nil, headers: [String] = []) throws {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: kairos\r\n"
        for header in headers { text += header + "\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        try client.send(text)
    }

    /// One whole response as sent: head, then a Content-Length or chunked body (chunk framing
    /// included). A response with neither is read to EOF (HTTP/1.0 listings).
    func response() throws -> String {
        var head = ""
        while !head.hasSuffix("\r\n\r\n") { head += try client.readLine() }
        let lower = head.lowercased()
        if let range = lower.range(of: "content-length: ") {
            let digits = lower[range.upperBound...].prefix { $0.isNumber }
            return head + String(decoding: try client.read(count: Int(digits)!), as: UTF8.self)
        }
        if lower.contains("transfer-encoding: chunked") {
            var body = ""
            while true {
                let sizeLine = try client.readLine()
                body += sizeLine
                let size = Int(sizeLine.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16)!
                body += String(decoding: try client.read(count: size + 2), as: UTF8.self)
                if size == 0 { return head + body }
            }
        }
        if head.hasPrefix("HTTP/1.1 204 ") || head.hasPrefix("HTTP/1.1 100 ") { return head }
        var rest: [UInt8] = []
        while !client.isClosedByPeer() { rest += try client.read(count: 1) }
        return head + String(decoding: rest, as: UTF8.self)
    }

    /// `send` then `response`.
    func exchange(_ method: String, _ target: String, body: String? = nil, headers: [String] = []) throws -> String {
        try send(method, target, body: body, headers: headers)
        return try response()
    }
}

/// Expected response bytes, as the server frames them.
enum HTTPBytes {
    static func json(_ status: String, _ body: String, extra: String = "") -> String {
        "HTTP/1.1 \(status)\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\n\(extra)\r\n\(body)"
    }

    static func error(_ status: String, _ message: String, extra: String = "") -> String {
        json(status, "{\"error\":\"\(message)\"}", extra: extra)
    }

    static let noContent = "HTTP/1.1 204 No Content\r\n\r\n"
}

extension ServerProcess {
    /// A server with the HTTP API on a free port; `http` is extra `[http]` keys. Ready means both
    /// listeners accept. A port found free can be taken by a parallel test's server before this
    /// one binds it (the server then exits 1, possibly after its line port accepted a probe), so
    /// the start is retried on new ports.
    static func withHTTP(http: String = "", controller: String = "", directory: URL? = nil, extraConfig: String = "")
        throws -> (server: ServerProcess, httpPort: UInt16)
    {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let httpPort = try freePort()
            do {
                let server = try ServerProcess(
                    extraConfig: "[http]\nlisten = \"127.0.0.1:\(httpPort)\"\n\(http)\n\(extraConfig)", controller: controller,
                    directory: directory)
                let accepting = eventually(timeout: 10) {
                    server.process.isRunning && (try? TestClient(port: httpPort, timeout: 1)) != nil
                }
                if accepting { return (server, httpPort) }
                server.stop()
                lastError = Failure(description: "HTTP listener on \(httpPort) never accepted: \(server.stderr)")
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }
}
