import KairosProtocol

/// One response of the HTTP API before framing: a status, a JSON body (empty for 204) and the
/// few headers some statuses carry. `bytes` frames it (docs/protocol.md#http-api: `content-type:
/// application/json` on every body, lowercase header names as the reference writes them).
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    /// `401`: `www-authenticate: Bearer` (RFC 6750 §3).
    public var challenge = false
    /// `405`: the methods the resource has (RFC 9110 §15.5.6).
    public var allow: String?
    /// The connection must close after this response (framing errors).
    public var closes = false
    /// Every API body is JSON; `/metrics` is the Prometheus text format.
    public var contentType = "application/json"

    public init(status: Int, body: [UInt8], challenge: Bool = false, allow: String? = nil, closes: Bool = false) {
        self.status = status
        self.body = body
        self.challenge = challenge
        self.allow = allow
        self.closes = closes
    }

    /// `{"error":"<message>"}` (docs/protocol.md#http-api).
    public static func error(_ status: Int, _ message: String, allow: String? = nil, closes: Bool = false) -> HTTPResponse {
        var body: [UInt8] = []
        body.append(contentsOf: Array("{\"error\":".utf8))
        JSONEncoder.appendString(message, to: &body)
        body.append(UInt8(ascii: "}"))
        return HTTPResponse(status: status, body: body, allow: allow, closes: closes)
    }

    public static let noContent = HTTPResponse(status: 204, body: [])

    /// The status line, headers and body. `keepAlive` false adds `connection: close`.
    public func bytes(keepAlive: Bool) -> [UInt8] {
        var out = Self.statusLine(status)
        if status != 204 {
            out.append(contentsOf: Array("content-type: \(contentType)\r\ncontent-length: ".utf8))
            ResponseEncoder.appendDecimal(Int64(body.count), to: &out)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        if challenge { out.append(contentsOf: Array("www-authenticate: Bearer\r\n".utf8)) }
        if let allow { out.append(contentsOf: Array("allow: \(allow)\r\n".utf8)) }
        if !keepAlive { out.append(contentsOf: Array("connection: close\r\n".utf8)) }
        out.append(contentsOf: [0x0D, 0x0A])
        out.append(contentsOf: body)
        return out
    }

    /// The head of a `200` JSON listing whose length is not known yet (D-limits: it is written in
    /// parts). HTTP/1.1 gets chunked transfer coding; HTTP/1.0 cannot, so its body ends when the
    /// connection closes (RFC 9112 §6.3, 8).
    public static func streamingHead(isHTTP11: Bool, keepAlive: Bool) -> [UInt8] {
        var out = statusLine(200)
        out.append(contentsOf: Array("content-type: application/json\r\n".utf8))
        if isHTTP11 { out.append(contentsOf: Array("transfer-encoding: chunked\r\n".utf8)) }
        if !keepAlive { out.append(contentsOf: Array("connection: close\r\n".utf8)) }
        out.append(contentsOf: [0x0D, 0x0A])
        return out
    }

    /// One chunk of a chunked body (empty `bytes` writes nothing: a zero chunk would end it).
    public static func appendChunk(_ bytes: [UInt8], to out: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        out.append(contentsOf: Array(String(bytes.count, radix: 16).utf8))
        out.append(contentsOf: [0x0D, 0x0A])
        out.append(contentsOf: bytes)
        out.append(contentsOf: [0x0D, 0x0A])
    }

    public static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
    public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    static func statusLine(_ status: Int) -> [UInt8] {
        Array("HTTP/1.1 \(status) \(reason(status))\r\n".utf8)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Content Too Large"
        case 417: "Expectation Failed"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Internal Server Error"
        }
    }
}

extension HTTPResponse {
    /// The answer to a head the parser refused; the connection closes after it.
    public static func refusal(_ error: HTTPHeadError) -> HTTPResponse {
        switch error {
        case .badRequest: .error(400, "bad request", closes: true)
        case .transferEncoding: .error(400, "transfer-encoding not supported", closes: true)
        case .badContentLength: .error(400, "invalid content-length", closes: true)
        case .bodyTooLarge: .error(413, "body too large", closes: true)
        case .unsupportedExpectation: .error(417, "expectation failed", closes: true)
        case .unsupportedVersion: .error(505, "http version not supported", closes: true)
        }
    }
}
