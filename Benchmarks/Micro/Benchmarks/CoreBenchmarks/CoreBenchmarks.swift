import Benchmark
import MicroSupport
import KairosCore
import KairosProtocol
import KairosSync

/// A core on the memory journal, as `persistence = "memory"` runs it.
func makeCore() -> SchedulerCore {
    SchedulerCore(
        config: CoreConfig(framerate: 512, persistenceName: "memory", authEnabled: false, tlsEnabled: false, startedAtWallNs: 0),
        journal: MemoryJournal(), stats: ServerStats())
}

let client = ClientTag(slot: 0, generation: 1)
let farFuture: Int64 = 4_102_444_800_000_000_000

let benchmarks: @Sendable () -> Void = {
    // A SET of a new future job: job-table insert, ordered-index insert and a due-heap push,
    // plus building and releasing its `OK` answer.
    Benchmark("Core SET new future job (heap insert)", configuration: perOperation()) { benchmark in
        let core = makeCore()
        let ids = (0..<benchmark.scaledIterations.count).map { Array("job.\($0)".utf8) }
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            core.handle(
                RequestEnvelope(client: client, namespace: .unrestricted,
                                request: Request(id: [0x72], command: .set(job: ids[i], execution: farFuture + Int64(i)))),
                now: 0)
            core.collectResponses { blackHole($0) }
        }
    }

    // GET of an existing job: hash lookup and the answer.
    Benchmark("Core GET existing job", configuration: perOperation()) { benchmark in
        let core = makeCore()
        let id = Array("job.get".utf8)
        core.handle(RequestEnvelope(client: client, namespace: .unrestricted,
                                    request: Request(id: [0x72], command: .set(job: id, execution: farFuture))), now: 0)
        core.collectResponses { blackHole($0) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            core.handle(RequestEnvelope(client: client, namespace: .unrestricted,
                                        request: Request(id: [0x72], command: .get(job: id))), now: 0)
            core.collectResponses { blackHole($0) }
        }
    }

    // GET of an existing job with the server's recycling: the benchmark plays the reactor,
    // giving each answer buffer back and taking the request's arrays for the next request.
    Benchmark("Core GET existing job, recycled arrays", configuration: perOperation()) { benchmark in
        let buffers = BufferExchange(inFlight: 64)
        let core = SchedulerCore(
            config: CoreConfig(framerate: 512, persistenceName: "memory", authEnabled: false, tlsEnabled: false, startedAtWallNs: 0),
            journal: MemoryJournal(), stats: ServerStats(), buffers: buffers)
        core.handle(RequestEnvelope(client: client, namespace: .unrestricted,
                                    request: Request(id: [0x72], command: .set(job: Array("job.get".utf8), execution: farFuture))), now: 0)
        core.collectResponses { blackHole($0) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var id = buffers.requestArrays.take()
            id.append(0x72)
            var job = buffers.requestArrays.take()
            job.append(contentsOf: "job.get".utf8)
            core.handle(RequestEnvelope(client: client, namespace: .unrestricted,
                                        request: Request(id: consume id, command: .get(job: consume job))), now: 0)
            core.collectResponses { envelope in
                blackHole(envelope)
                buffers.answerBuffers.give(envelope.bytes)
            }
        }
    }

    // Due jobs: one tick pops every due job from the heap, matches its rule and emits it.
    Benchmark("Core tick of due jobs (heap pop + rule match, per job)", configuration: perOperation()) { benchmark in
        let core = makeCore()
        core.handle(RequestEnvelope(client: client, namespace: .unrestricted,
                                    request: Request(id: [0x72], command: .ruleSet(rule: Array("r".utf8), pattern: Array("job.".utf8), runner: .shell(command: Array("true".utf8))))), now: 0)
        for i in benchmark.scaledIterations {
            core.handle(RequestEnvelope(client: client, namespace: .unrestricted,
                                        request: Request(id: [0x72], command: .set(job: Array("job.\(i)".utf8), execution: Int64(i)))), now: 0)
        }
        core.collectResponses { blackHole($0) }
        benchmark.startMeasurement()
        core.tick(now: Int64.max) { blackHole($0) }
    }
}
