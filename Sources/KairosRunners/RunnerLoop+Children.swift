import CKairos
import Glibc
import KairosProtocol
import KairosSystem

/// The runner thread's process and network starts, child reaping, kills and deadlines.
extension RunnerLoop {
    // MARK: children

    func startWaiting() {
        while lifecycle.acceptsWork, running < concurrency,
              backoff.allowsStart(now: Clock.monotonicNanoseconds()), let run = waiting.popFirst()
        {
            start(run)
        }
    }

    func start(_ run: QueuedRun) {
        switch run.work {
        case .process(let argv):
            spawn(run, argv: argv)
        case .network(let kind, let runner):
            network.start(
                jobID: run.jobID, generation: run.generation, ruleID: run.ruleID, kind: kind, runner: runner,
                scheduledAt: run.scheduledAt, now: Clock.monotonicNanoseconds(), latenessNs: lateness(run),
                traceParent: config.runObserver?.newTraceParent())
        }
    }

    func lateness(_ run: QueuedRun) -> Int64 {
        let late = Clock.wallNanoseconds().subtractingReportingOverflow(run.scheduledAt)
        return late.overflow ? 0 : late.partialValue
    }

    func spawn(_ run: QueuedRun, argv: [Bytes]) {
        let job = Self.text(run.jobID)
        let spawned: SpawnedChild
        do {
            spawned = try spawner(argv, environment.entries(jobID: run.jobID, ruleID: run.ruleID, scheduledAt: run.scheduledAt))
        } catch where SpawnBackoff.isTransient(error) {
            // Out of descriptors, processes or memory: nothing wrong with the run itself, so
            // it keeps its place and is tried again once the shortage may have passed.
            let delay = backoff.failed(now: Clock.monotonicNanoseconds())
            waiting.prepend(run)
            logger.warning("runner: job \(job): cannot start \(Self.text(argv[0])): \(error); retrying in \(delay / 1_000_000) ms")
            return
        } catch {
            backoff.succeeded()
            finish(run, success: false, detail: "cannot start \(Self.text(argv[0])): \(error)", durationNs: nil)
            return
        }
        backoff.succeeded()
        let child = RunningChild(
            jobID: run.jobID, generation: run.generation, ruleID: run.ruleID, pid: spawned.pid, pidfd: spawned.pidfd,
            startedAt: Clock.monotonicNanoseconds(), latenessNs: lateness(run), output: spawned.output,
            runnerKind: run.runnerKind)
        let token = children.insert(child)
        do {
            try poller.add(spawned.pidfd, events: Epoll.readable, data: PollTarget.exit(token).token)
            if let pipe = spawned.output { try poller.add(pipe, events: Epoll.readable, data: PollTarget.output(token).token) }
        } catch {
            logger.error("runner: job \(job): cannot watch pid \(spawned.pid): \(error); killing it")
            reapUnwatched(token)
            return
        }
        logger.debug("runner: job \(job) started pid \(spawned.pid)")
        if timeoutNs > 0 { deadlines.append((at: Clock.monotonicNanoseconds() + timeoutNs, child: token)) }
    }

    /// The pidfd became readable: the child exited. Reaps it and reports the outcome.
    func reap(_ token: ChildToken) {
        guard let pid = children[token]?.pid else { return }
        var status: CInt = 0
        let exit: ChildExit?
        do {
            guard try SystemCall.run("waitpid", { ckairos_waitpid(pid, &status, CInt(WNOHANG)) }) == pid else { return }
            exit = ChildExit(waitStatus: status)
        } catch {
            // ECHILD: someone else reaped it (SIGCHLD ignored process-wide); the status is lost.
            logger.warning("runner: cannot reap pid \(pid): \(error)")
            exit = nil
        }
        guard var child = children.remove(token) else { return }
        child.pidfd.close()
        if let pipe = child.output {
            // What the child wrote before exiting is in the pipe, unless a process it started
            // still holds the write end: only what is there now is read, never waited for.
            _ = child.capture.read(from: pipe)
            poller.remove(pipe)
            pipe.close()
        }
        finish(child, exit: exit)
    }

    func finish(_ child: RunningChild, exit: ChildExit?) {
        let how = exit.map(\.description) ?? "unknown status"
        let why = child.killed == .timeout ? " after exceeding \(config.timeoutMs) ms" : ""
        logger.debug("runner: job \(Self.text(child.jobID)) pid \(child.pid) ended: \(how)\(why)")
        let success = exit?.isSuccess ?? false
        var report = RunReport(
            jobID: child.jobID, kind: "process", success: success, detail: how + why, ruleID: child.ruleID,
            durationNs: Clock.monotonicNanoseconds() - child.startedAt, latenessNs: child.latenessNs)
        if !success { report.output = child.capture.text }
        log(report)
        emit(child.jobID, child.generation, kind: child.runnerKind, success: success)
    }

    /// A run that ended without a child (it could not start): logged and reported failed.
    func finish(_ run: QueuedRun, success: Bool, detail: String, durationNs: Int64?) {
        log(RunReport(
            jobID: run.jobID, kind: run.kind, success: success, detail: detail, ruleID: run.ruleID,
            durationNs: durationNs, latenessNs: lateness(run)))
        emit(run.jobID, run.generation, kind: run.runnerKind, success: success)
    }

    func log(_ report: RunReport) {
        if report.success { logger.info("\(report.line)") } else { logger.warning("\(report.line)") }
        config.runObserver?.runEnded(report.finishedRun)
    }

    /// A child the epoll set could not take: killed and reaped on the spot.
    func reapUnwatched(_ token: ChildToken) {
        guard let child = children.remove(token) else { return }
        _ = ckairos_pidfd_send_signal(child.pidfd.rawValue, SIGKILL)
        _ = ckairos_kill(-child.pid, SIGKILL)
        var status: CInt = 0
        _ = try? SystemCall.run("waitpid") { ckairos_waitpid(child.pid, &status, 0) }
        child.pidfd.close()
        child.output?.close()
        log(RunReport(
            jobID: child.jobID, kind: "process", success: false, detail: "could not be watched; killed", ruleID: child.ruleID,
            durationNs: Clock.monotonicNanoseconds() - child.startedAt, latenessNs: child.latenessNs))
        emit(child.jobID, child.generation, kind: child.runnerKind, success: false)
    }

    func kill(_ token: ChildToken, _ reason: KillReason) {
        children.update(token) { child in
            guard child.killed == nil else { return }
            child.killed = reason
            // The pidfd reaches the child even if it left its group; the group signal reaches
            // whatever it started. The child is not reaped yet, so its pid (and group id)
            // cannot have been reused.
            _ = ckairos_pidfd_send_signal(child.pidfd.rawValue, SIGKILL)
            _ = ckairos_kill(-child.pid, SIGKILL)
        }
    }

    func killAll(_ reason: KillReason) {
        let tokens = children.tokens
        if !tokens.isEmpty { logger.debug("runner: grace period over, killing \(tokens.count) running children") }
        for token in tokens { kill(token, reason) }
    }

    func abandonAll() {
        for token in children.tokens {
            guard let child = children.remove(token) else { continue }
            logger.warning("runner: pid \(child.pid) (job \(Self.text(child.jobID))) did not exit after SIGKILL; abandoned")
            child.pidfd.close()
            child.output?.close()
            log(RunReport(
                jobID: child.jobID, kind: "process", success: false, detail: "did not exit after SIGKILL; abandoned",
                ruleID: child.ruleID, durationNs: Clock.monotonicNanoseconds() - child.startedAt, latenessNs: child.latenessNs))
            emit(child.jobID, child.generation, kind: child.runnerKind, success: false)
        }
    }

    // MARK: timeouts

    /// The nearest deadline of a child still running and not yet killed.
    func nextDeadline() -> Int64? {
        while let front = deadlines.first {
            if let child = children[front.child], child.killed == nil { return front.at }
            _ = deadlines.popFirst()
        }
        return nil
    }

    func expireDeadlines(now: Int64) {
        while let at = nextDeadline(), at <= now, let front = deadlines.popFirst() {
            if let child = children[front.child] {
                logger.warning("runner: job \(Self.text(child.jobID)) exceeded \(config.timeoutMs) ms, killing pid \(child.pid)")
            }
            kill(front.child, .timeout)
        }
    }
}
