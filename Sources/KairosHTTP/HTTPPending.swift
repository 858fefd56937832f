import KairosProtocol

/// A request sent to the core, remembered until its answer comes back, and what that answer
/// becomes (the core's `.json` answer format, `AnswerFormat`).
public enum HTTPPending: Sendable, Equatable {
    /// `PUT /jobs/{id}`: ` OK` → 200 with the job; ` ERROR` (journal refused) → 503.
    case setJob(Bytes, Int64)
    /// `PUT /rules/{id}`: ` OK` → 200 with the rule; ` ERROR` → 503.
    case setRule(Bytes, pattern: Bytes, runner: RunnerSpec)
    /// `DELETE`: ` OK` → 204; ` NOTFOUND` → 404; ` ERROR` → 503.
    case deletion
    /// `GET /jobs/{id}`: ` OK <status> <execution>` → 200 with the job, or a recurring job's JSON
    /// object → 200 as it is; ` NOTFOUND` → 404.
    case job(Bytes)
    /// `GET /stat`, `GET /rules/{id}`, a recurring `PUT /jobs/{id}`: a JSON body → 200;
    /// ` NOTFOUND` → 404; ` ERROR` (journal refused) → 503.
    case body
    /// `GET /jobs`, `GET /rules`: a JSON array, possibly in parts (the reactor streams them).
    case listing

    /// The response to the core's complete answer.
    public func response(to answer: [UInt8]) -> HTTPResponse {
        if answer == Self.notFound { return .error(404, "not found") }
        if answer == Self.refused { return .error(503, "journal write failed") }
        switch self {
        case .setJob(let id, let execution):
            guard answer == Self.ok else { return Self.unexpected }
            var body: [UInt8] = []
            JSONEncoder.appendJob(id: id, status: .planned, execution: execution, to: &body)
            return HTTPResponse(status: 200, body: body)
        case .setRule(let id, let pattern, let runner):
            guard answer == Self.ok else { return Self.unexpected }
            var body: [UInt8] = []
            JSONEncoder.appendRule(id: id, pattern: pattern, runner: runner, withArgs: false, to: &body)
            return HTTPResponse(status: 200, body: body)
        case .deletion:
            return answer == Self.ok ? .noContent : Self.unexpected
        case .job(let id):
            // A recurring job comes as its whole JSON object (with its schedule and counters).
            if answer.first == UInt8(ascii: "{") { return HTTPResponse(status: 200, body: answer) }
            guard let (status, execution) = Self.jobAnswer(answer) else { return Self.unexpected }
            var body: [UInt8] = []
            JSONEncoder.appendJob(id: id, status: status, execution: execution, to: &body)
            return HTTPResponse(status: 200, body: body)
        case .body, .listing:
            guard let first = answer.first, first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
                return Self.unexpected
            }
            return HTTPResponse(status: 200, body: answer)
        }
    }

    static let ok: [UInt8] = Array(" OK\n".utf8)
    static let refused: [UInt8] = Array(" ERROR\n".utf8)
    static let notFound: [UInt8] = Array(" NOTFOUND\n".utf8)
    /// Cannot happen while the core keeps the `.json` format's contract; never a crash.
    static let unexpected = HTTPResponse.error(500, "internal error")

    /// ` OK <status> <execution>\n`
    static func jobAnswer(_ answer: [UInt8]) -> (JobStatus, Int64)? {
        let fields = answer.split(separator: 0x20)
        guard answer.last == 0x0A, fields.count == 3, Array(fields[0]) == Array("OK".utf8),
            let status = JobStatus.allCases.first(where: { Array($0.name.utf8) == Array(fields[1]) }),
            let execution = Int64(String(decoding: fields[2].dropLast(), as: UTF8.self))
        else { return nil }
        return (status, execution)
    }
}
