import Glibc
import KairosCore
import KairosProtocol
import KairosSync
import KairosSystem
import Testing
@testable import KairosStore

/// The real core against the real journal writer over a file that fails on demand (D-write-ahead, D-storage-faults):
/// whatever the failure schedule and however the writer's thread interleaves with the core,
/// every `OK` is on disk, nothing answered `ERROR` is, and replaying the file gives the state
/// the core serves.
@Suite struct CoreJournalFaultTests {
    private static let jobIDs = (0..<12).map { "job.\($0)" }

    /// What one seeded run sent and what it was answered.
    private struct Run {
        /// SET request id → (job, execution); executions are unique per request.
        var sets: [String: (job: String, execution: Int64)] = [:]
        var answers: [String: String] = [:]
        var duplicateAnswers: [String] = []
    }

    @Test(arguments: 1...12 as ClosedRange<UInt64>)
    func randomWriteFailuresNeverLeaveAnErrorOnDiskNorLoseAnOK(seed: UInt64) throws {
        let h = try JournalHarness()
        let core = SchedulerCore(
            config: CoreConfig(framerate: 512, persistenceName: "logfile", authEnabled: false, tlsEnabled: false,
                               startedAtWallNs: 0),
            journal: h.journal, stats: ServerStats())
        var random = SplitMix64(seed: seed)
        var run = Run()
        let client = ClientTag(slot: 1, generation: 1)
        var counter: Int64 = 0

        func send(_ id: String, _ command: Command) {
            core.handle(RequestEnvelope(client: client, namespace: .unrestricted,
                                        request: Request(id: Array(id.utf8), command: command)), now: 1)
        }
        func collect() {
            core.collectResponses { envelope in
                for line in String(decoding: envelope.bytes, as: UTF8.self).split(separator: "\n") {
                    let parts = line.split(separator: " ", maxSplits: 1)
                    let id = String(parts[0])
                    if run.answers[id] != nil { run.duplicateAnswers.append(id) }
                    run.answers[id] = parts.count > 1 ? String(parts[1]) : ""
                }
            }
        }

        // Every job runs under this rule; the test plays the runners, finishing runs in random
        // order, so outcomes (D-outcomes-persist) are journaled, lost and journaled again among the mutations.
        send("rule", .ruleSet(rule: Array("r".utf8), pattern: Array("job.".utf8), runner: .shell(command: Array("true".utf8))))
        #expect(eventually { collect(); return run.answers.removeValue(forKey: "rule") == "OK" })
        var running: [Execution] = []
        func finishOne(success: Bool) {
            let execution = running.removeFirst()
            core.applyOutcome(ExecutionOutcome(jobID: execution.jobID, generation: execution.generation, success: success))
        }

        for _ in 0..<400 {
            if Int.random(in: 0..<4, using: &random) == 0 { core.tick(now: 1_000_000) { running.append($0) } }
            if !running.isEmpty && Bool.random(using: &random) {
                running.shuffle(using: &random)
                finishOne(success: Bool.random(using: &random))
            }
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                counter += 1
                let job = Self.jobIDs.randomElement(using: &random)!
                let roll = Int.random(in: 0..<10, using: &random)
                if roll < 7 {
                    run.sets["s\(counter)"] = (job, counter)
                    send("s\(counter)", .set(job: Array(job.utf8), execution: counter))
                } else if roll < 9 {
                    send("r\(counter)", .remove(job: Array(job.utf8)))
                } else {
                    send("g\(counter)", .get(job: Array(job.utf8)))
                }
            }
            if Int.random(in: 0..<6, using: &random) == 0 {
                let partial = Int.random(in: 0...30, using: &random)
                // At most one fault waits at a time, so healthy writes happen in between.
                h.plan.update { if $0.writeFaults.isEmpty { $0.writeFaults.append((Errno.noSpace, partial)) } }
            }
            collect()
            if Bool.random(using: &random) { usleep(UInt32.random(in: 0...300, using: &random)) }
            collect()
        }
        h.plan.update { $0.writeFaults.removeAll() }
        #expect(eventually {
            collect()
            core.tick(now: 1_000_000) { running.append($0) }
            while !running.isEmpty { finishOne(success: true) }
            return !core.hasWithheldAnswers
        })
        // The disk is healthy again: the next mutations succeed (on jobs of their own, so the
        // pool's state below still shows the random phase).
        var healthy: [String] = []
        for index in 0..<4 {
            let job = "fresh.\(index)"
            counter += 1
            healthy.append("s\(counter)")
            run.sets["s\(counter)"] = (job, counter)
            send("s\(counter)", .set(job: Array(job.utf8), execution: counter))
        }
        #expect(eventually {
            collect()
            return !core.hasWithheldAnswers
        })
        #expect(healthy.allSatisfy { run.answers[$0] == "OK" })
        h.journal.shutdown()

        #expect(run.duplicateAnswers.isEmpty)
        #expect(run.answers.count == Int(counter))
        var onDisk = Set<String>()
        let replayed = SchedulerCore(
            config: CoreConfig(framerate: 512, persistenceName: "memory", authEnabled: false, tlsEnabled: false,
                               startedAtWallNs: 0),
            journal: MemoryJournal(), stats: ServerStats())
        _ = try Replayer.replay(logfile: h.directory.file("logfile"), logger: h.log.logger) { entry in
            if case .job(let id, let execution, _) = entry { onDisk.insert("\(String(decoding: id, as: UTF8.self)) \(execution)") }
            replayed.restore(entry)
        }
        var okCount = 0
        var errorCount = 0
        for (request, set) in run.sets {
            let key = "\(set.job) \(set.execution)"
            switch run.answers[request] {
            case "OK":
                okCount += 1
                #expect(onDisk.contains(key), "OK'd \(request) (\(key)) is not on disk")
            case "ERROR":
                errorCount += 1
                #expect(!onDisk.contains(key), "\(request) (\(key)) was answered ERROR but is on disk")
            default:
                Issue.record("\(request) answered \(run.answers[request] ?? "nothing")")
            }
        }
        #expect(errorCount > 0 && okCount > 0, "the schedule should produce both answers")

        // The state the core serves is the state a restart would load.
        for job in Self.jobIDs + (0..<4).map({ "fresh.\($0)" }) {
            var live = ""
            var fromDisk = ""
            send("v", .get(job: Array(job.utf8)))
            core.collectResponses { live += String(decoding: $0.bytes, as: UTF8.self) }
            replayed.handle(RequestEnvelope(client: client, namespace: .unrestricted,
                                            request: Request(id: Array("v".utf8), command: .get(job: Array(job.utf8)))), now: 1)
            replayed.collectResponses { fromDisk += String(decoding: $0.bytes, as: UTF8.self) }
            #expect(live == fromDisk, "\(job): served \(live) but replays to \(fromDisk)")
        }
    }

    /// A disk that stays full while a finished run's outcome keeps failing: the core journals
    /// the outcome again after every failure, and the writer retries it at a bounded rate (and
    /// logs once) instead of spinning; once the disk recovers the outcome reaches the file.
    @Test func lostOutcomesAreRetriedAtABoundedRateWhileWritesFail() throws {
        let h = try JournalHarness()
        let core = SchedulerCore(
            config: CoreConfig(framerate: 512, persistenceName: "logfile", authEnabled: false, tlsEnabled: false,
                               startedAtWallNs: 0),
            journal: h.journal, stats: ServerStats())
        let client = ClientTag(slot: 1, generation: 1)
        var answers = ""
        func send(_ id: String, _ command: Command) {
            core.handle(RequestEnvelope(client: client, namespace: .unrestricted,
                                        request: Request(id: Array(id.utf8), command: command)), now: 1)
        }
        func collect() { core.collectResponses { answers += String(decoding: $0.bytes, as: UTF8.self) } }

        send("r", .ruleSet(rule: Array("r".utf8), pattern: Array("job.".utf8), runner: .shell(command: Array("true".utf8))))
        send("s", .set(job: Array("job.1".utf8), execution: 5))
        #expect(eventually { collect(); return answers == "r OK\ns OK\n" })
        var executions: [Execution] = []
        core.tick(now: 10) { executions.append($0) }
        #expect(executions.count == 1)

        h.plan.update { $0.writeFaults = Array(repeating: (Errno.noSpace, 0), count: 100_000) }
        let writesBefore = h.plan.read { $0.writes }
        core.applyOutcome(ExecutionOutcome(jobID: Array("job.1".utf8), generation: executions[0].generation, success: true))
        let until = Clock.monotonicNanoseconds() + 300_000_000
        while Clock.monotonicNanoseconds() < until {
            collect()
            usleep(200)
        }
        let attempts = h.plan.read { $0.writes } - writesBefore
        #expect(attempts >= 2 && attempts <= 30, "\(attempts) attempts in 300 ms")
        #expect(h.log.messages.filter { $0.contains("write to") }.count == 1)

        h.plan.update { $0.writeFaults.removeAll() }
        let expected = try frames([.job(id: Array("job.1".utf8), execution: 5, status: .executed)])
        #expect(eventually {
            collect()
            return (try? h.fileBytes().suffix(expected.count)).map(Array.init) == expected
        })
        #expect(h.log.contains("works again after"))
        h.journal.shutdown()
    }
}
