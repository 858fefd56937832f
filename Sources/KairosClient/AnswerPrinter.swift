/// Prints answers as `kairos cli` shows them: answer lines without the request id on stdout,
/// problems on stderr, STAT as a table or JSON when asked. Counts the commands that failed.
public final class AnswerPrinter: AnswerSink {
    public enum StatStyle: Sendable {
        case lines
        case table
        case json
    }

    private let statStyle: StatStyle
    /// Pipe mode: a command without a server answer still gets one stdout line, so scripts can
    /// pair each command with its answer.
    private let placeholders: Bool
    private var requests: [Int: ClientRequest] = [:]
    private var statRecords: [[UInt8]] = []
    private var stdoutBuffer: [UInt8] = []
    private var reportedTimeout = false
    private var reportedLoss = false
    private let output: CInt
    private let errors: CInt
    public private(set) var failures = 0

    public init(statStyle: StatStyle, placeholders: Bool, output: CInt = 1, errors: CInt = 2) {
        self.statStyle = statStyle
        self.placeholders = placeholders
        self.output = output
        self.errors = errors
    }

    public func sent(_ sequence: Int, _ request: ClientRequest) {
        requests[sequence] = request
    }

    public func handle(_ event: AnswerEvent) {
        switch event {
        case .record(let sequence, let body):
            if statStyle != .lines, requests[sequence]?.isStat == true {
                statRecords.append(body)
            } else {
                emit(body)
            }
        case .finished(let sequence, let outcome):
            let request = requests.removeValue(forKey: sequence)
            finish(request, outcome)
        case .bare, .stray:
            break
        }
        if stdoutBuffer.count >= 65_536 { flush() }
    }

    private func finish(_ request: ClientRequest?, _ outcome: AnswerOutcome) {
        let command = request.map { "\"\($0.text)\"" } ?? "a command"
        switch outcome {
        case .ok(let body):
            if request?.isStat == true && statStyle != .lines {
                let text = statStyle == .json ? StatFormat.json(statRecords) : StatFormat.table(statRecords)
                stdoutBuffer += Array(text.utf8)
                statRecords.removeAll()
                if statStyle == .json { return }
            }
            emit(body)
        case .error(let body):
            failures += 1
            statRecords.removeAll()
            emit(body)
        case .noAnswer:
            failures += 1
            if placeholders { emit(Array("(no answer)".utf8)) }
            report("no answer to \(command) (the server does not answer malformed requests)")
        case .notSent(let message):
            failures += 1
            if placeholders { emit(Array("(not sent)".utf8)) }
            report(message)
        case .timedOut(let milliseconds):
            failures += 1
            if !reportedTimeout {
                reportedTimeout = true
                report("no answer to \(command) within \(milliseconds) ms (the server does not answer malformed requests)")
            }
        case .connectionLost(let reason):
            failures += 1
            if !reportedLoss {
                reportedLoss = true
                report("\(reason) before answering \(command)")
            }
        }
    }

    private func emit(_ line: [UInt8]) {
        stdoutBuffer += line
        stdoutBuffer.append(UInt8(ascii: "\n"))
    }

    /// stderr, after what stdout holds so far (a terminal shows both in order).
    public func report(_ message: String) {
        flush()
        Self.writeAll(errors, Array("kairos cli: \(message)\n".utf8))
    }

    public func flush() {
        guard !stdoutBuffer.isEmpty else { return }
        Self.writeAll(output, stdoutBuffer)
        stdoutBuffer.removeAll(keepingCapacity: true)
    }

    /// stdout and stderr writes, for the interactive shell and usage errors too.
    static func writeAll(_ descriptor: CInt, _ bytes: [UInt8]) {
        ClientIO.writeAll(descriptor, bytes)
    }
}
