import CKairos
import Glibc
import KairosCore
import KairosProtocol
import KairosRunners
import KairosSync
import KairosSystem
import Logging
import Synchronization

/// The core thread: the only thread that touches `SchedulerCore` (ARCHITECTURE).
///
/// Each turn it applies every waiting request, applies finished runs, triggers due jobs and
/// publishes the answers whose journal entries are durable. It sleeps in epoll on one doorbell
/// (shared by the reactor, the journal writer and the runners) until the next due time, at most
/// one 1/framerate tick ahead.
final class CoreLoop {
    private let core: SchedulerCore
    private let requests: SPSCRing<RequestEnvelope>
    private let responses: SPSCRing<ResponseEnvelope>
    private let outputNotices: SPSCRing<OutputNotice>
    /// Ring slots kept for whole answers: the reactor never has more requests in flight, so
    /// partial listing answers may only use what lies beyond (`responses` is sized for both).
    private let wholeAnswerSlots: Int
    private let doorbell: Doorbell
    private let reactorDoorbell: Doorbell
    private let runners: RunnerPool
    private let signals: FileDescriptor
    private let tickMs: Int64
    private let logger: Logger
    private let epoll: Epoll
    /// SIGHUP: re-reads the auth file and the log level.
    private let reload: () -> Void
    /// Set when `[telemetry]` is enabled (D-telemetry); nil costs one branch per request.
    var requestTelemetry: RequestTelemetry?

    /// Longer than the reactor's spin: the core waits for a client's *next* request (reply
    /// written, client scheduled, request read and parsed), which on 2 shared cores took 20–40 µs
    /// depending on where the scheduler placed the threads; a 20 µs spin missed it in about half
    /// the runs and each request then paid a wake-up (c=1 p50 20 µs → 75–87 µs).
    private static let spinNanoseconds: Int64 = 50_000
    private static let spinMaxRequests = 8
    private var requestsLastTurn = 0
    /// The last turn released answers to the reactor (requests of this turn or earlier ones whose
    /// journal write finished): their clients may send again within microseconds.
    private var answeredLastTurn = false
    private static let doorbellToken: UInt64 = 1
    private static let signalToken: UInt64 = 2

    init(
        core: SchedulerCore, requests: SPSCRing<RequestEnvelope>, responses: SPSCRing<ResponseEnvelope>,
        outputNotices: SPSCRing<OutputNotice>, doorbell: Doorbell, reactorDoorbell: Doorbell, runners: RunnerPool,
        signals: FileDescriptor, framerate: UInt16, logger: Logger, reload: @escaping () -> Void = {}
    ) throws(Errno) {
        self.reload = reload
        self.core = core
        self.requests = requests
        self.responses = responses
        self.outputNotices = outputNotices
        self.wholeAnswerSlots = min(requests.capacity, responses.capacity)
        self.doorbell = doorbell
        self.reactorDoorbell = reactorDoorbell
        self.runners = runners
        self.signals = signals
        self.tickMs = max(1, (1000 + Int64(framerate) - 1) / Int64(framerate))
        self.logger = logger
        self.epoll = try Epoll(maxEvents: 8)
        try epoll.add(doorbell.descriptor, events: Epoll.readable, data: Self.doorbellToken)
        try epoll.add(signals, events: Epoll.readable, data: Self.signalToken)
    }

    /// Serves until a signal arrives; then calls `onSignal` once and keeps serving until
    /// `finished()` says the reactor has drained.
    func run(onSignal: () -> Void, finished: () -> Bool) {
        var signalled = false
        while true {
            let worked = turn()
            if signalled, finished() {
                turn()
                return
            }
            // At low load the next request often follows within microseconds (a client waiting
            // on its answer): spin briefly before paying for a sleep and a wake-up. Under heavy
            // load the reactor keeps the ring busy anyway, and spinning would only steal CPU.
            // Not while answers wait for the journal: their clients send nothing more until
            // they are answered, and the spin would only take CPU from the writer's fsync.
            // Not after a turn that only applied run outcomes or started runs: no client is
            // waiting on an answer then, and during a burst of network runs (B8) outcomes
            // arrive thousands of times a second, so spinning after each batch kept a core busy
            // that the runner thread and its peers needed.
            if worked, requestsLastTurn > 0 || answeredLastTurn, requestsLastTurn <= Self.spinMaxRequests, !core.hasWithheldAnswers, !core.hasListingWork,
                SpinWait.until(nanoseconds: Self.spinNanoseconds, { !requests.isEmpty })
            {
                continue
            }
            doorbell.arm()
            // Anything pushed before `arm` did not ring: look once more before sleeping.
            if turn() {
                doorbell.disarmWithoutReading()
                continue
            }
            var gotSignal = false
            do {
                try epoll.wait(timeoutMs: sleepMs()) { _, data in
                    if data == Self.signalToken {
                        gotSignal = true
                    } else {
                        doorbell.acknowledge()
                    }
                }
            } catch {
                logger.error("core: epoll_wait failed: \(error)")
            }
            doorbell.disarmWithoutReading()
            if gotSignal, drainSignals() {
                if !signalled {
                    signalled = true
                    logger.info("signal received: stopping (answering requests already received)")
                    onSignal()
                }
            }
        }
    }

    /// One pass over every source of work; true when anything happened.
    @discardableResult
    private func turn() -> Bool {
        let now = Clock.wallNanoseconds()
        var handled = 0
        // A batch at a time: the core first warms the job table for it, so the lookups' cache
        // misses overlap instead of following one another (issue 13).
        while case let batch = core.prefetch(requests), batch > 0 {
            for _ in 0..<batch {
                guard let envelope = requests.pop() else { break }
                if let requestTelemetry {
                    requestTelemetry.handle(envelope, core: core, now: now)
                } else {
                    core.handle(envelope, now: now)
                }
                handled += 1
            }
        }
        requestsLastTurn = handled
        var worked = handled > 0
        outputNotices.drain { notice in
            core.outputDrained(notice)
            worked = true
        }
        runners.drainOutcomes { outcome in
            core.applyOutcome(outcome, now: now)
            worked = true
        }
        // Publishing first also returns parked due jobs whose SET became durable to the heap.
        answeredLastTurn = publish()
        worked = answeredLastTurn || worked
        if let due = core.nextDueTime(), due <= now {
            core.tick(now: now, unmatched: logUnmatched) { execution in runners.submit(execution) }
            worked = true
            _ = publish()
        }
        // What a journal failure settled is counted after its answers went out.
        core.publishCounters()
        // A long listing still has parts to write: come straight back after one look at
        // requests and due jobs, instead of sleeping (D-limits).
        return worked || core.hasListingWork
    }

    /// Submits journal batches and hands every releasable answer to the reactor.
    private func publish() -> Bool {
        var published = false
        core.collectResponses(partRoom: responses.freeSpace - wholeAnswerSlots) { envelope in
            // Counted before the first answer of the batch becomes visible (requests settled
            // by this very call included).
            if !published { core.publishCounters() }
            let pushed = responses.push(envelope)
            // The reactor never has more requests in flight than the ring holds.
            precondition(pushed, "response ring overflow")
            published = true
        }
        if published { reactorDoorbell.ring() }
        return published
    }

    private func sleepMs() -> Int32 {
        guard let due = core.nextDueTime() else { return 1000 }
        let delta = due - Clock.wallNanoseconds()
        if delta <= 0 { return 0 }
        return Int32(min((delta + 999_999) / 1_000_000, tickMs))
    }

    /// A due job no rule matches is recorded `failed` without running: say so, or an operator
    /// sees only the status.
    private func logUnmatched(_ jobID: Bytes) {
        logger.warning("job \(String(decoding: jobID, as: UTF8.self)) is due but no rule matches it: recorded failed")
    }

    /// SIGUSR1: one screen of status, as `key=value` fields on a few lines: the STAT values,
    /// then what waits in the rings and the journal.
    private func logStatus() {
        var fields = core.statusFields(now: Clock.wallNanoseconds())
        fields.append(("requests_ring", "\(requests.depth)/\(requests.capacity)"))
        fields.append(("responses_ring", "\(responses.depth)/\(responses.capacity)"))
        let lines = stride(from: 0, to: fields.count, by: 6).map { start in
            fields[start..<min(start + 6, fields.count)].map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        for line in lines { logger.info("status: \(line)") }
    }

    /// Reads every pending signal; true when one of them asks the server to stop.
    private func drainSignals() -> Bool {
        // signalfd delivers 128-byte `signalfd_siginfo` records; `ssi_signo` is the first u32.
        let recordSize = 128
        var buffer = [UInt8](repeating: 0, count: recordSize * 4)
        var stop = false
        while true {
            let result = buffer.withUnsafeMutableBytes { raw in try? signals.read(into: raw) }
            guard case .processed(let count) = result, count >= recordSize else { return stop }
            for record in stride(from: 0, to: count - recordSize + 1, by: recordSize) {
                let number = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: record, as: UInt32.self) }
                switch CInt(number) {
                case SIGHUP:
                    reload()
                case SIGUSR1:
                    logStatus()
                case SIGUSR2:
                    logger.info("received SIGUSR2: no action is defined for it; ignoring")
                default:
                    stop = true
                }
            }
        }
    }
}
