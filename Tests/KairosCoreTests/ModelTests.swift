@testable import KairosCore
import KairosProtocol
import KairosSystem
import Testing

/// A deliberately naive scheduler: scans everything, to check the real one against.
private struct NaiveScheduler {
    struct Job { var execution: Int64; var status: JobStatus; var generation: UInt64 }
    var jobs: [Bytes: Job] = [:]
    var rules: [Bytes: Rule] = [:]
    var generation: UInt64 = 0

    mutating func set(_ id: Bytes, _ execution: Int64) {
        generation += 1
        jobs[id] = Job(execution: execution, status: .planned, generation: generation)
    }

    func match(_ job: Bytes) -> (id: Bytes, rule: Rule)? {
        rules.filter { ByteOrder.hasPrefix(job, $0.value.pattern) }
            .min { a, b in
                a.value.pattern.count != b.value.pattern.count ? a.value.pattern.count > b.value.pattern.count : ByteOrder.compare(a.key, b.key) < 0
            }.map { ($0.key, $0.value) }
    }

    mutating func tick(_ now: Int64) -> [Execution] {
        let due = jobs.filter { $0.value.status == .planned && $0.value.execution <= now }
            .sorted { ($0.value.execution, $0.value.generation) < ($1.value.execution, $1.value.generation) }
        var fired: [Execution] = []
        for (id, job) in due {
            if let (ruleID, rule) = match(id) {
                jobs[id]!.status = .triggered
                fired.append(Execution(jobID: id, generation: job.generation, runner: rule.runner, scheduledAt: job.execution, ruleID: ruleID))
            } else {
                jobs[id]!.status = .failed
            }
        }
        return fired
    }

    mutating func outcome(_ outcome: ExecutionOutcome) {
        guard let job = jobs[outcome.jobID], job.generation == outcome.generation, job.status == .triggered else { return }
        jobs[outcome.jobID]!.status = outcome.success ? .executed : .failed
    }

    func query(_ prefix: Bytes) -> [String] {
        jobs.filter { ByteOrder.hasPrefix($0.key, prefix) }
            .sorted { ByteOrder.compare($0.key, $1.key) < 0 }
            .map { "q \(String(decoding: $0.key, as: UTF8.self)) \($0.value.status.name) \($0.value.execution)" }
    }

    var dump: [String] {
        jobs.sorted { ByteOrder.compare($0.key, $1.key) < 0 }
            .map { "\(String(decoding: $0.key, as: UTF8.self)) \($0.value.status.name) \($0.value.execution) g\($0.value.generation)" }
    }
}

@Suite struct ModelTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomOperationsMatchNaiveModel(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let h = Harness()
        var model = NaiveScheduler()
        var inFlight: [Execution] = []
        var now: Int64 = 0
        for step in 0..<2_000 {
            let id = randomID(&rng)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<35:
                let time = now + Int64.random(in: -5...30, using: &rng)
                #expect(h.ask("r", .set(job: id, execution: time)) == "r OK\n")
                model.set(id, time)
            case 35..<45:
                let existed = model.jobs.removeValue(forKey: id) != nil
                #expect(h.ask("r", .remove(job: id)) == (existed ? "r OK\n" : "r ERROR\n"))
            case 45..<52:
                let rule = Rule(pattern: randomID(&rng, maxLength: 3), runner: .shell(command: id))
                let ruleID = randomID(&rng, alphabet: Array("xyz".utf8), maxLength: 2)
                #expect(h.ask("r", .ruleSet(rule: ruleID, pattern: rule.pattern, runner: rule.runner)) == "r OK\n")
                model.rules[ruleID] = rule
            case 52..<56:
                let ruleID = randomID(&rng, alphabet: Array("xyz".utf8), maxLength: 2)
                let existed = model.rules.removeValue(forKey: ruleID) != nil
                #expect(h.ask("r", .removeRule(rule: ruleID)) == (existed ? "r OK\n" : "r ERROR\n"))
            case 56..<64:
                let expected = model.jobs[id].map { "r OK \($0.status.name) \($0.execution)\n" } ?? "r ERROR\n"
                #expect(h.ask("r", .get(job: id)) == expected)
            case 64..<70:
                let prefix = randomID(&rng, maxLength: 2)
                let expected = (model.query(prefix) + ["q OK"]).joined(separator: "\n") + "\n"
                #expect(h.ask("q", .query(prefix: prefix)) == expected)
            case 70..<85:
                now += Int64.random(in: 0...10, using: &rng)
                let fired = h.tick(at: now)
                #expect(fired == model.tick(now))
                inFlight += fired
                #expect(h.core.nextDueTime() == model.jobs.values.filter { $0.status == .planned }.map(\.execution).min())
            default:
                guard !inFlight.isEmpty else { continue }
                let run = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &rng))
                let outcome = ExecutionOutcome(jobID: run.jobID, generation: run.generation, success: Bool.random(using: &rng))
                h.core.applyOutcome(outcome)
                model.outcome(outcome)
            }
            #expect(h.stats.jobsTotal.load(ordering: .relaxed) == model.jobs.count)
            // Full comparisons are O(jobs); every few steps keeps the debug run short.
            if step % 4 == 0 {
                #expect(h.core.dump().jobs == model.dump)
                #expect(h.core.violations().isEmpty)
            }
        }
        #expect(h.core.dump().jobs == model.dump)
    }

    /// Random batches against a journal that makes a random prefix durable and fails the rest:
    /// the state afterwards must equal the state right after the last durable mutation.
    @Test(arguments: [21, 22] as [UInt64])
    func randomFailuresRollBackToTheDurablePrefix(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let h = Harness(durable: false)
        var dumpAfter: [UInt64: StateDump] = [0: h.core.dump()]
        for _ in 0..<300 {
            let batch = Int.random(in: 1...12, using: &rng)
            var expected: [String] = []
            let firstNew = h.journal.lastSequence + 1
            for _ in 0..<batch {
                let id = randomID(&rng, maxLength: 3)
                let before = h.journal.lastSequence
                switch Int.random(in: 0..<5, using: &rng) {
                case 0, 1: h.send("m", .set(job: id, execution: Int64.random(in: 0...9, using: &rng)))
                case 2: h.send("m", .remove(job: id))
                case 3: h.send("m", .ruleSet(rule: id, pattern: randomID(&rng, maxLength: 2), runner: .shell(command: id)))
                default: h.send("m", .removeRule(rule: id))
                }
                let appended = h.journal.lastSequence != before
                expected.append(appended ? "\(h.journal.lastSequence)" : "read")
                if appended { dumpAfter[h.journal.lastSequence] = h.core.dump() }
            }
            var released = h.collect()
            let last = h.journal.lastSequence
            let durable = UInt64.random(in: (firstNew - 1)...last, using: &rng)
            h.journal.makeDurable(through: durable)
            if durable < last { h.journal.fail(through: last) }
            released += h.collect()
            let answers = released.split(separator: "\n").map(String.init)
            let want = expected.map { tag -> String in
                guard let sequence = UInt64(tag) else { return "m ERROR" }
                return sequence <= durable ? "m OK" : "m ERROR"
            }
            // Reads (REMOVE/REMOVERULE of an absent id) are ERROR either way.
            #expect(answers == want)
            #expect(h.core.dump() == dumpAfter[durable])
            #expect(h.core.violations().isEmpty)
            if durable < last {
                // Sequences after the failure point are gone; later mutations reuse nothing of them.
                for sequence in (durable + 1)...last { dumpAfter[sequence] = nil }
                dumpAfter[h.journal.lastSequence] = h.core.dump()
            }
        }
    }

    @Test func hundredThousandJobsSmoke() {
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: b("job-"), runner: .shell(command: b("true"))))
        let count = 100_000
        for index in 0..<count {
            h.send("s", .set(job: b("job-\(index)"), execution: Int64(count - index)))
        }
        h.collect()
        #expect(h.stats.jobsPlanned.load(ordering: .relaxed) == count)
        #expect(h.ask("q", .query(prefix: b("job-9999"))).split(separator: "\n").count == 12)
        let fired = h.tick(at: Int64(count))
        #expect(fired.count == count)
        #expect(zip(fired, fired.dropFirst()).allSatisfy { $0.scheduledAt <= $1.scheduledAt })
        for run in fired { h.core.applyOutcome(ExecutionOutcome(jobID: run.jobID, generation: run.generation, success: true)) }
        h.collect()
        #expect(h.stats.jobsExecuted.load(ordering: .relaxed) == count)
        for index in 0..<count { h.send("d", .remove(job: b("job-\(index)"))) }
        h.collect()
        #expect(h.stats.jobsTotal.load(ordering: .relaxed) == 0)
        #expect(h.core.nextDueTime() == nil)
        #expect(h.core.violations().isEmpty)
    }

    @Test func heapStaysProportionalUnderReSets() {
        let h = Harness()
        for round in 0..<50 {
            for index in 0..<100 { h.send("s", .set(job: b("j\(index)"), execution: Int64(1_000 + round))) }
        }
        h.collect()
        #expect(h.core.due.count <= 2 * 100 + 1024)
        #expect(h.core.violations().isEmpty)
    }
}

@Suite struct DurabilityStressTests {
    /// Everything at once against a slow, sometimes failing journal: ticks, outcomes, parking,
    /// rollbacks. No job may fire before its SET is durable, every request gets exactly one
    /// answer, and the internal invariants hold throughout.
    @Test(arguments: [31, 32, 33] as [UInt64])
    func mixedWorkloadKeepsInvariants(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let h = Harness(durable: false)
        h.core.restore(.rule(id: b("all"), pattern: b("a"), runner: .shell(command: b("x"))))
        // Sequences of each job's SETs that were not lost to a failure.
        var sets: [Bytes: [UInt64]] = [:]
        var inFlight: [Execution] = []
        var sent = 0
        var answered = 0
        var now: Int64 = 0
        for step in 0..<3_000 {
            let id = randomID(&rng, maxLength: 3)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<30:
                h.send("m", .set(job: id, execution: now + Int64.random(in: -3...6, using: &rng)))
                sets[id, default: []].append(h.journal.lastSequence)
                sent += 1
            case 30..<38:
                h.send("m", .remove(job: id))
                sent += 1
            case 38..<42:
                h.send("m", .ruleSet(rule: id, pattern: randomID(&rng, maxLength: 2), runner: .shell(command: id)))
                sent += 1
            case 42..<46:
                h.send("m", .removeRule(rule: id))
                sent += 1
            case 46..<52:
                h.send("r", .query(prefix: randomID(&rng, maxLength: 1)))
                sent += 1
            case 52..<70:
                now += Int64.random(in: 0...4, using: &rng)
                let durable = h.journal.progress.durableThrough
                for run in h.tick(at: now) {
                    #expect((sets[run.jobID]?.last ?? 0) <= durable, "fired before its SET was durable")
                    inFlight.append(run)
                }
            case 70..<82:
                guard !inFlight.isEmpty else { continue }
                let run = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &rng))
                h.core.applyOutcome(ExecutionOutcome(jobID: run.jobID, generation: run.generation, success: Bool.random(using: &rng)))
            case 82..<92:
                h.journal.makeDurable(through: UInt64.random(in: 0...h.journal.lastSequence, using: &rng))
            case 92..<95:
                let durable = h.journal.progress.durableThrough
                if h.journal.lastSequence > durable {
                    h.journal.fail(through: h.journal.lastSequence)
                    sets = sets.mapValues { $0.filter { $0 <= durable } }
                }
            default:
                break
            }
            answered += h.collectEnvelopes().reduce(0) { $0 + $1.count }
            if step % 10 == 0 { #expect(h.core.violations().isEmpty) }
        }
        h.journal.makeAllDurable()
        answered += h.collectEnvelopes().reduce(0) { $0 + $1.count }
        #expect(answered == sent)
        #expect(h.core.violations().isEmpty)
    }
}
