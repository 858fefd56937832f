import Benchmark
import MicroSupport
import KairosProtocol

/// One request line as the reactor sees it: the tokenizer scans it, the parser classifies it.
/// Returns the parse result so the optimiser cannot drop the work.
@inline(__always)
func tokenizeAndParse(_ line: UnsafeRawBufferPointer, _ tokens: inout TokenList) -> ParsedLine? {
    switch Tokenizer.next(line, into: &tokens) {
    case .complete:
        return RequestParser.parse(tokens)
    case .needMore, .invalid, .overflow:
        return nil
    }
}

/// Registers one benchmark per request shape. The `TokenList` is reused across requests, as the
/// reactor reuses one per connection, so only what the parser hands to the core is allocated.
func registerLine(_ name: String, _ text: String) {
    let bytes = Array(text.utf8)
    Benchmark("tokenize+parse \(name)", configuration: perOperation()) { benchmark in
        var tokens = TokenList()
        bytes.withUnsafeBytes { line in
            // Fail loudly rather than time a path that rejected the input.
            precondition(tokenizeAndParse(line, &tokens) != nil, "sample request did not parse: \(text)")
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(tokenizeAndParse(line, &tokens))
            }
            benchmark.stopMeasurement()
        }
    }
}

/// The same, with the arrays of each parsed request handed back for the next parse, as the
/// core hands them back to the reactor in the server (`BufferExchange`): allocation-free.
func registerRecycledLine(_ name: String, _ text: String) {
    let bytes = Array(text.utf8)
    Benchmark("tokenize+parse \(name), recycled arrays", configuration: perOperation()) { benchmark in
        var tokens = TokenList()
        var spares: [Bytes] = []
        bytes.withUnsafeBytes { line in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                guard case .complete = Tokenizer.next(line, into: &tokens),
                    case .request(var request) = RequestParser.parse(tokens, spare: { spares.popLast() ?? Bytes() })
                else { preconditionFailure("sample request did not parse: \(text)") }
                blackHole(request)
                // What the core does once the request is answered: move its arrays out, hand them back.
                var id: Bytes = []
                swap(&id, &request.id)
                id.removeAll(keepingCapacity: true)
                spares.append(id)
                switch request.command {
                case .get(var job), .set(var job, _):
                    request.command = .stat
                    job.removeAll(keepingCapacity: true)
                    spares.append(job)
                default:
                    break
                }
            }
            benchmark.stopMeasurement()
        }
    }
}

/// Registered by the generated `BenchmarkRunner` (package-benchmark's plugin).
let benchmarks: @Sendable () -> Void = {
    registerLine("SET (integer ns)", "r1024 SET k0001234 1775008800000000000\n")
    registerLine("SET (date time)", "r1025 SET backup.daily 2026-04-01 02:00:00\n")
    registerLine("GET", "r1026 GET k0001234\n")
    registerLine("QUERY", "r1027 QUERY k00012\n")
    registerLine("STAT", "r1028 STAT\n")
    registerLine("RULE SET shell (quoted)", "r1029 RULE SET rule.backup backup. shell \"/usr/bin/backup.sh --full\"\n")
    registerLine("SET (CRLF, D-crlf)", "r1030 SET k0001234 1775008800000000000\r\n")
    registerRecycledLine("GET", "r1026 GET k0001234\n")
    registerRecycledLine("SET (integer ns)", "r1024 SET k0001234 1775008800000000000\n")
}
