/// A parsed HTTP/1.x request head (RFC 9112), reduced to what the HTTP API acts on.
public struct HTTPHead: Sendable, Equatable {
    /// Case-sensitive method token (RFC 9110 §9.1): `get` is not `GET`.
    public var method: Bytes
    /// The request target as sent (origin form: starts with `/`), not decoded.
    public var target: Bytes
    /// `true` for HTTP/1.1, `false` for HTTP/1.0.
    public var isHTTP11: Bool
    /// The body length; nil when the request has no `Content-Length` header.
    public var contentLength: Int?
    /// The connection stays open after the response: HTTP/1.1 without `Connection: close`.
    /// HTTP/1.0 is always served and closed, whatever its `Connection` header says.
    public var keepAlive: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 §10.1.1; ignored for 1.0).
    public var expectsContinue: Bool
    /// The `Authorization` header's value, if present.
    public var authorization: Bytes?

    public init(
        method: Bytes, target: Bytes, isHTTP11: Bool, contentLength: Int? = nil, keepAlive: Bool,
        expectsContinue: Bool = false, authorization: Bytes? = nil
    ) {
        self.method = method
        self.target = target
        self.isHTTP11 = isHTTP11
        self.contentLength = contentLength
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.authorization = authorization
    }
}

/// Why a head was refused. Every refusal is answered and the connection closed: after a framing
/// error nothing says where the next request would start.
public enum HTTPHeadError: Error, Sendable, Equatable {
    /// Malformed request line or header, head over `HTTPHeadParser.headLimit`, missing `Host`
    /// on HTTP/1.1, a duplicated `Host` or `Authorization`: `400 bad request`.
    case badRequest
    /// Any `Transfer-Encoding` (D-http-api: no chunked request bodies, so no smuggling): 400.
    case transferEncoding
    /// A `Content-Length` that is not digits only, or several that disagree: 400.
    case badContentLength
    /// `Content-Length` over `HTTPHeadParser.bodyLimit`: `413 body too large`.
    case bodyTooLarge
    /// An `Expect` other than `100-continue`: `417`.
    case unsupportedExpectation
    /// A version other than HTTP/1.0 and HTTP/1.1: `505`.
    case unsupportedVersion
}

/// What one scan of a connection's unconsumed bytes found.
public enum HTTPHeadResult: Sendable, Equatable {
    /// No complete head yet, and fewer than `headLimit` bytes scanned.
    case needMore
    /// A complete head; `consumed` bytes (through the empty line) belong to it. The body, if
    /// any, is the next `contentLength` bytes.
    case request(HTTPHead, consumed: Int)
    case invalid(HTTPHeadError)
}
