import KairosProtocol

/// What the reactor does with one complete HTTP request.
public enum HTTPAction: Sendable, Equatable {
    /// Answer at once; the core is not involved.
    case respond(HTTPResponse)
    /// Send `request` to the core under `namespace` (answer format `.json`, empty request id)
    /// and turn its answer into a response with `HTTPPending.response(to:)`.
    case forward(Request, HTTPPending, namespace: Namespace)
    /// `GET /metrics`: the reactor answers with its Prometheus exposition (`metricsResponse`).
    case scrapeMetrics
}

/// Who may do what: the bearer check happens before routing, so a caller without a valid token
/// learns nothing about paths (D-http-api).
public enum HTTPAuth: Sendable {
    /// No `auth_file`: every request is unrestricted.
    case disabled
    /// `verify` finds the namespace of a bearer secret, in constant time (D-secrets).
    case required(verify: @Sendable (Bytes) -> Namespace?)
}

/// The HTTP API's request handling (docs/protocol.md#http-api, D-http-auth, D-http-api) as a pure function of head and body.
public enum HTTPExchange {
    public static func action(head: HTTPHead, body: Bytes, auth: HTTPAuth) -> HTTPAction {
        var namespace = Namespace.unrestricted
        if case .required(let verify) = auth, !HTTPRoute.isPublic(target: head.target) {
            guard let secret = bearerSecret(head.authorization), let granted = verify(secret) else {
                var response = HTTPResponse.error(401, "unauthorized")
                response.challenge = true
                return .respond(response)
            }
            namespace = granted
        }
        let route: HTTPRoute
        switch HTTPRoute.resolve(method: head.method, target: head.target) {
        case .success(let resolved): route = resolved
        case .failure(let error): return .respond(error.response)
        }
        return action(route, head: head, body: body, namespace: namespace)
    }

    private static func action(_ route: HTTPRoute, head: HTTPHead, body: Bytes, namespace: Namespace) -> HTTPAction {
        switch route {
        case .health:
            return .respond(HTTPResponse(status: 200, body: Array("{\"status\":\"ok\"}".utf8)))
        case .openAPI:
            return .respond(HTTPResponse(status: 200, body: OpenAPIDocument.json))
        case .metrics:
            return .scrapeMetrics
        case .stat:
            return .forward(Request(id: [], command: .stat), .body, namespace: namespace)
        case .listJobs(let prefix):
            return .forward(Request(id: [], command: .query(prefix: prefix)), .listing, namespace: namespace)
        case .listRules(let prefix):
            return .forward(Request(id: [], command: .queryRules(prefix: prefix)), .listing, namespace: namespace)
        case .getJob(let id):
            guard namespace.allows(id) else { return .respond(forbidden) }
            return forward(.get(job: id), .job(id))
        case .deleteJob(let id):
            guard namespace.allows(id) else { return .respond(forbidden) }
            return forward(.remove(job: id), .deletion)
        case .getRule(let id):
            guard namespace.allows(id) else { return .respond(forbidden) }
            return forward(.getRule(rule: id), .body)
        case .deleteRule(let id):
            guard namespace.allows(id) else { return .respond(forbidden) }
            return forward(.removeRule(rule: id), .deletion)
        case .putJob(let id):
            guard namespace.allows(id) else { return .respond(forbidden) }
            guard head.contentLength != nil else { return .respond(.error(400, "missing content-length")) }
            switch RequestBodies.job(body) {
            case .success(let job):
                // The core answers a recurring SET from HTTP with the job's JSON object: a cron
                // job's first run is only known once the core has applied it.
                if let recurrence = job.recurrence {
                    return forward(.setRecurring(job: id, execution: job.execution, recurrence: recurrence), .body)
                }
                return forward(.set(job: id, execution: job.execution), .setJob(id, job.execution))
            case .failure(let refusal):
                return .respond(refusal.response)
            }
        case .putRule(let id):
            guard namespace.allows(id) else { return .respond(forbidden) }
            guard head.contentLength != nil else { return .respond(.error(400, "missing content-length")) }
            switch RequestBodies.rule(body) {
            case .success(let (pattern, runner)):
                // D-namespaces: a rule whose pattern leaves the namespace would capture other tenants' jobs.
                guard namespace.allows(pattern) else { return .respond(forbidden) }
                return forward(
                    .ruleSet(rule: id, pattern: pattern, runner: runner), .setRule(id, pattern: pattern, runner: runner))
            case .failure(let refusal):
                return .respond(refusal.response)
            }
        }
    }

    /// D-http-api, D-namespaces: an id (or rule pattern) outside the token's namespace is `403`, whether or not
    /// it exists, so the answer reveals nothing about other tenants.
    static let forbidden = HTTPResponse.error(403, "forbidden")

    /// An id-addressed request, already checked against the namespace: the core runs it unrestricted.
    private static func forward(_ command: Command, _ pending: HTTPPending) -> HTTPAction {
        .forward(Request(id: [], command: command), pending, namespace: .unrestricted)
    }

    /// `Bearer <secret>`: the scheme is case-insensitive (RFC 9110 §11.1), then one or more
    /// spaces, then a non-empty secret without spaces.
    static func bearerSecret(_ value: Bytes?) -> Bytes? {
        guard let value, value.count > 7, HTTPHeadParser.equalsIgnoringCase(value[0..<6], "bearer"), value[6] == 0x20
        else { return nil }
        let secret = value[7...].drop { $0 == 0x20 }
        guard !secret.isEmpty, !secret.contains(0x20), !secret.contains(0x09) else { return nil }
        return Array(secret)
    }

    /// The `200` answer to a scrape: the exposition text in the Prometheus text format, 0.0.4.
    public static func metricsResponse(_ exposition: [UInt8]) -> HTTPResponse {
        var response = HTTPResponse(status: 200, body: exposition)
        response.contentType = "text/plain; version=0.0.4; charset=utf-8"
        return response
    }
}
