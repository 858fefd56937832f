import KairosProtocol

/// What the http runner sends for one run (docs/protocol.md#runners as amended by D-network-runners), worked out before any
/// libcurl call so that it can be tested byte for byte.
struct HTTPRequest: Equatable, Sendable {
    enum Method: String, Sendable {
        case get = "GET", post = "POST", put = "PUT", delete = "DELETE"

        /// POST and PUT carry the JSON body; GET and DELETE send none.
        var hasBody: Bool { self == .post || self == .put }
    }

    let method: Method
    /// The URL as stored in the rule; never holds a NUL byte.
    let url: Bytes
    /// `{"job_id":"…","execution":…}` for POST and PUT, nil otherwise.
    let body: Bytes?
    /// The header lines the runner adds to this request (`headers(for:)`).
    let headers: [String]

    /// `headers` nil = the lines every request of `method` carries.
    init(method: Method, url: Bytes, body: Bytes?, headers: [String]? = nil) {
        self.method = method
        self.url = url
        self.body = body
        self.headers = headers ?? Self.headers(for: method)
    }

    /// What a pooled libcurl handle is set up for: runs with the same method and URL differ only
    /// in their body and headers, so a handle left configured by one serves the next without a
    /// reset (`CurlEasy.prepare`).
    struct Profile: Hashable, Sendable {
        let method: Method
        let url: Bytes
    }

    var profile: Profile { Profile(method: method, url: url) }

    /// The header lines the runner adds for a request with a body. `Expect:` (empty) stops
    /// libcurl from ever asking for `100-continue`, which some servers never answer; libcurl
    /// adds `Host`, `Content-Length` and `Accept` itself.
    static let bodyHeaders = ["Content-Type: application/json", "Expect:"]

    /// Every header line the runner adds, in the order sent. The one place to add a header: the
    /// handle pool compares these lines from run to run and rebuilds libcurl's list only when
    /// they change, so a header that differs per run (a trace id, say) is fine here too.
    /// With telemetry on, `traceParent` adds the run's W3C `traceparent` last (D-telemetry).
    static func headers(for method: Method, traceParent: TraceParent? = nil) -> [String] {
        var lines = method.hasBody ? bodyHeaders : []
        if let traceParent { lines.append(traceParent.headerLine) }
        return lines
    }

    static func userAgent(version: String = KairosVersion.current) -> String { "kairos/\(version)" }

    /// Why a stored rule cannot become a request; the run fails with this text.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case method(String)
        case nulInURL

        var description: String {
            switch self {
            case .method(let name): "unsupported method \(name)"
            case .nulInURL: "the URL contains a NUL byte"
            }
        }
    }

    /// The request for a run of `method url`. The rule parser already refused other methods
    /// and schemes, but a logfile written by another program may still hold them.
    static func make(
        method: Bytes, url: Bytes, jobID: Bytes, execution: Int64, traceParent: TraceParent? = nil
    ) -> Result<HTTPRequest, Refusal> {
        let name = String(decoding: method, as: UTF8.self)
        guard let method = Method(rawValue: name) else { return .failure(.method(name)) }
        guard !url.contains(0) else { return .failure(.nulInURL) }
        let body = method.hasBody ? Self.body(jobID: jobID, execution: execution) : nil
        return .success(HTTPRequest(method: method, url: url, body: body, headers: Self.headers(for: method, traceParent: traceParent)))
    }

    /// Exactly `{"job_id":"<id>","execution":<ns>}`: those two keys in that order, no
    /// whitespace.
    static func body(jobID: Bytes, execution: Int64) -> Bytes {
        var out: Bytes = []
        out.reserveCapacity(jobID.count + 48)
        out.append(contentsOf: #"{"job_id":"#.utf8)
        appendJSONString(jobID, to: &out)
        out.append(contentsOf: #","execution":"#.utf8)
        out.append(contentsOf: String(execution).utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// A quoted JSON string with the same escapes `kairos dump --format json` uses (
    /// docs/logfile-format.md#kairos-dump): `"` `\` LF CR TAB get two-character escapes, other bytes below 0x20 become
    /// `\u00xx`; every other byte is copied, so a UTF-8 id arrives as the same characters.
    static func appendJSONString(_ bytes: Bytes, to out: inout Bytes) {
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x00..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0x0F))
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
