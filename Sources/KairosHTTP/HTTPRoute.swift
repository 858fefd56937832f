import KairosProtocol

/// What a request line asks for, once path and query are split and the id percent-decoded.
public enum HTTPRoute: Sendable, Equatable {
    case health
    case openAPI
    case metrics
    case stat
    case listJobs(prefix: Bytes)
    case getJob(Bytes)
    case putJob(Bytes)
    case deleteJob(Bytes)
    case listRules(prefix: Bytes)
    case getRule(Bytes)
    case putRule(Bytes)
    case deleteRule(Bytes)

    /// The paths of docs/protocol.md#http-api amended by D-http-api. The query string is split off at the first `?`; the
    /// id is everything after `/jobs/` or `/rules/` (it may contain `/`), percent-decoded, and
    /// so are query values. Methods are case-sensitive. Errors are the reference's, including
    /// `404` (not `405`) for an unknown method on `/rules/{id}`.
    public static func resolve(method: Bytes, target: Bytes) -> Result<HTTPRoute, HTTPRouteError> {
        let question = target.firstIndex(of: UInt8(ascii: "?"))
        let path = Array(target[..<(question ?? target.endIndex)])
        let query = question.map { target[($0 + 1)...] } ?? []
        let verb = String(decoding: method, as: UTF8.self)
        switch path {
        case Array("/health".utf8):
            return verb == "GET" ? .success(.health) : .failure(.methodNotAllowed("GET"))
        case Array("/openapi.json".utf8):
            return verb == "GET" ? .success(.openAPI) : .failure(.methodNotAllowed("GET"))
        case Array("/metrics".utf8):
            return verb == "GET" ? .success(.metrics) : .failure(.methodNotAllowed("GET"))
        case Array("/stat".utf8):
            return verb == "GET" ? .success(.stat) : .failure(.methodNotAllowed("GET"))
        case Array("/jobs".utf8):
            guard verb == "GET" else { return .failure(.methodNotAllowed("GET")) }
            return prefix(query).map { .listJobs(prefix: $0) }
        case Array("/rules".utf8):
            guard verb == "GET" else { return .failure(.methodNotAllowed("GET")) }
            return prefix(query).map { .listRules(prefix: $0) }
        default:
            break
        }
        if path.starts(with: Array("/jobs".utf8)) {
            guard let id = resourceID(path, after: "/jobs/") else { return .failure(.missingResourceID) }
            guard let decoded = PercentDecoding.decode(id) else { return .failure(.badRequest) }
            switch verb {
            case "GET": return .success(.getJob(decoded))
            case "PUT": return .success(.putJob(decoded))
            case "DELETE": return .success(.deleteJob(decoded))
            default: return .failure(.methodNotAllowed("GET, PUT, DELETE"))
            }
        }
        if path.starts(with: Array("/rules".utf8)) {
            guard let id = resourceID(path, after: "/rules/") else { return .failure(.missingResourceID) }
            guard let decoded = PercentDecoding.decode(id) else { return .failure(.badRequest) }
            switch verb {
            case "GET": return .success(.getRule(decoded))
            case "PUT": return .success(.putRule(decoded))
            case "DELETE": return .success(.deleteRule(decoded))
            default: return .failure(.notFound)
            }
        }
        return .failure(.notFound)
    }

    /// Exempt from bearer auth (D-http-api): `/health` and `/openapi.json`, whatever the method.
    public static func isPublic(target: Bytes) -> Bool {
        let path = target.split(separator: UInt8(ascii: "?"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        return Array(path) == Array("/health".utf8) || Array(path) == Array("/openapi.json".utf8)
    }

    /// The raw id after `marker`, or nil when the path is `/jobs/`, `/jobsX`, …
    private static func resourceID(_ path: Bytes, after marker: String) -> ArraySlice<UInt8>? {
        let marker = Array(marker.utf8)
        guard path.starts(with: marker), path.count > marker.count else { return nil }
        return path[marker.count...]
    }

    /// The `prefix` query parameter (the first one, percent-decoded), empty when absent. Other
    /// parameters are ignored, as by the reference.
    private static func prefix(_ query: ArraySlice<UInt8>) -> Result<Bytes, HTTPRouteError> {
        for pair in query.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard Array(parts[0]) == Array("prefix".utf8) else { continue }
            let raw = parts.count > 1 ? parts[1] : []
            guard let value = PercentDecoding.decode(raw) else { return .failure(.badRequest) }
            return .success(value)
        }
        return .success([])
    }
}

/// A request line that names no route.
public enum HTTPRouteError: Error, Sendable, Equatable {
    case notFound
    case methodNotAllowed(String)
    case missingResourceID
    /// A malformed percent escape.
    case badRequest

    public var response: HTTPResponse {
        switch self {
        case .notFound: .error(404, "not found")
        case .methodNotAllowed(let allow): .error(405, "method not allowed", allow: allow)
        case .missingResourceID: .error(400, "missing resource id")
        case .badRequest: .error(400, "bad request")
        }
    }
}
