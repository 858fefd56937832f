import Foundation
import KairosCore
import KairosProtocol
import KairosSync
import Testing

/// One million jobs through the public API, with RSS and timings printed. Off by default (it needs
/// a release build to be meaningful): `KAIROS_CORE_SCALE=1 swift test -c release -Xswiftc -enable-testing --filter ScaleBenchmark`.
@Suite struct ScaleBenchmark {
    private static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        else { return 0 }
        return kib * 1024
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["KAIROS_CORE_SCALE"] == "1"))
    func oneMillionJobs() {
        let count = 1_000_000
        // The baseline includes the ids: the table keeps the parser's id arrays alive.
        let baseline = Self.residentBytes()
        var ids: [Bytes] = (0..<count).map { Array("job-\(String($0, radix: 10))".utf8) }
        let stats = ServerStats()
        let config = CoreConfig(framerate: 512, persistenceName: "memory", authEnabled: false, tlsEnabled: false, startedAtWallNs: 0)
        let core = SchedulerCore(config: config, journal: MemoryJournal(), stats: stats)
        core.restore(.rule(id: Array("r".utf8), pattern: Array("job-".utf8), runner: .shell(command: Array("true".utf8))))
        let client = ClientTag(slot: 0, generation: 0)
        let requestID: Bytes = Array("s".utf8)
        var released = 0

        var start = ContinuousClock.now
        for (index, id) in ids.enumerated() {
            core.handle(RequestEnvelope(client: client, namespace: .unrestricted, request: Request(id: requestID, command: .set(job: id, execution: Int64(1_000_000_000 + (index * 7919) % count)))), now: 0)
            if index % 256 == 255 { core.collectResponses { _ in released += 1 } }
        }
        core.collectResponses { _ in released += 1 }
        ids = []
        let setSeconds = Self.seconds(since: start)
        let memory = Self.residentBytes() - baseline
        #expect(released == count)
        #expect(stats.jobsPlanned.load(ordering: .relaxed) == count)

        start = ContinuousClock.now
        for _ in 0..<10_000 {
            core.handle(RequestEnvelope(client: client, namespace: .unrestricted, request: Request(id: requestID, command: .stat)), now: 0)
        }
        core.collectResponses { _ in }
        let statSeconds = Self.seconds(since: start)

        start = ContinuousClock.now
        var query: [UInt8] = []
        core.handle(RequestEnvelope(client: client, namespace: .unrestricted, request: Request(id: requestID, command: .query(prefix: Array("job-12345".utf8)))), now: 0)
        core.collectResponses { query = $0.bytes }
        let querySeconds = Self.seconds(since: start)
        #expect(query.count { $0 == 0x0A } == 12)

        start = ContinuousClock.now
        var fired = 0
        core.tick(now: 2_000_000_000) { _ in fired += 1 }
        let tickSeconds = Self.seconds(since: start)
        #expect(fired == count)

        print("""
            1M SET: \(setSeconds) s, RSS growth \(memory / 1_048_576) MiB
            10k STAT: \(statSeconds) s; narrow QUERY: \(querySeconds) s
            tick of 1M due jobs: \(tickSeconds) s; lateness p50 \(core.lateness.p50) ns
            """)
        #expect(memory < 200 * 1_048_576)
    }
}
