import CKairos
import KairosSystem

/// The three kinds of run, each returning its report and exit status.
enum Modes {
    // MARK: load

    static func load(_ settings: LoadSettings) throws -> (Report, Int32) {
        let limit = raiseFileLimit()
        guard settings.connections + 32 <= limit else {
            throw LoadgenError(description: "-c \(settings.connections) needs more descriptors than the limit of \(limit)")
        }
        let shared = SharedRun()
        let workers = try (0..<settings.threads).map { try LoadWorker(number: $0, settings: settings, shared: shared) }
        var threads: [WorkerThread] = []
        for worker in workers.dropFirst() {
            do {
                threads.append(try WorkerThread { worker.run() })
            } catch {
                throw LoadgenError(description: "pthread_create failed: \(error)")
            }
        }
        workers[0].run()
        for thread in threads { thread.join() }

        var recorder = Recorder()
        for worker in workers { recorder.add(worker.recorder) }
        let failure = workers.compactMap(\.failure).first
        let lead = workers[0]
        let plan = settings.plan

        var report = Report()
        report.add("mode", settings.fill == nil ? "load" : "fill")
        report.add("protocol", plan.wire.rawValue)
        report.add("target", plan.target.description)
        report.add("tls", plan.tls ? "on" : "off")
        report.add("auth", plan.auth == nil ? "off" : "on")
        report.add("connections", settings.connections)
        report.add("pipeline", settings.pipeline)
        report.add("threads", settings.threads)
        report.add("mix", settings.fill == nil ? settings.mix.text : "set=100")
        report.add("keys", settings.keys)
        report.add("due", describe(settings.dueTime))
        if settings.rate > 0 { report.add("rate_limit_rps", settings.rate) }
        report.add("setup_s", Double(workers.map(\.setupNanoseconds).max() ?? 0) / 1e9)

        let seconds: Double
        if let fill = settings.fill {
            let end = workers.map(\.finishedAt).max() ?? lead.loadStartedAt
            seconds = Double(end - lead.loadStartedAt) / 1e9
            report.add("fill", fill)
            report.add("fill_s", seconds)
        } else {
            seconds = Double(settings.duration) / 1e9
            report.add("warmup_s", Double(settings.warmup) / 1e9)
            report.add("duration_s", seconds)
        }
        report.add("requests", recorder.completed)
        report.add("throughput_rps", seconds > 0 ? Double(recorder.completed) / seconds : 0)
        report.addLatency("latency", recorder.overall)
        var errors: UInt64 = 0
        var misses: UInt64 = 0
        for operation in settings.mix.operations {
            let figures = recorder.operation(operation)
            report.add("\(operation.name)_count", figures.completed)
            if figures.misses > 0 || operation == .get || operation == .remove {
                report.add("\(operation.name)_misses", figures.misses)
            }
            report.add("\(operation.name)_errors", figures.errors)
            if operation == .query || operation == .listrules {
                report.add("\(operation.name)_records", figures.records)
            }
            let measured = figures.latency.totalCount > 0
            report.add("\(operation.name)_p50_ns", measured ? Int(figures.latency.valueAtPercentile(50)) : nil)
            report.add("\(operation.name)_p99_ns", measured ? Int(figures.latency.valueAtPercentile(99)) : nil)
            errors += figures.errors
            misses += figures.misses
        }
        report.add("errors", errors)
        report.add("errors_all_phases", recorder.errorsAllPhases)
        report.add("misses", misses)
        if let connections = recorder.lastConnections { report.add("stat_connections", connections) }
        let cpu = lead.cpuAtMeasureEnd > 0 ? lead.cpuAtMeasureEnd - lead.cpuAtMeasureStart : 0
        report.add("client_cpu_ns", cpu)
        report.add("client_cpu_percent", seconds > 0 ? Double(cpu) / 1e9 / seconds * 100 : 0)
        report.add("client_cpu_per_request_ns", recorder.completed > 0 ? Double(cpu) / Double(recorder.completed) : 0)
        addServerCPU(to: &report, lead: lead, seconds: seconds, requests: recorder.completed, pid: settings.serverPID)
        let checked = workers.allSatisfy(\.loadStarted)
        report.add("order_check", !checked ? "not run" : failure == nil ? "ok" : "failed")
        report.add("failure", failure)
        let status: Int32 = failure != nil ? 1 : (recorder.errorsAllPhases > 0 ? 3 : 0)
        return (report, status)
    }

    /// Server CPU over the measured window: total, per million requests (CPU-seconds per
    /// million requests, which is also microseconds per request) and per thread name.
    private static func addServerCPU(to report: inout Report, lead: LoadWorker, seconds: Double, requests: UInt64, pid: Int?) {
        guard pid != nil else { return }
        guard let start = lead.serverAtMeasureStart, let end = lead.serverAtMeasureEnd else {
            report.add("server_cpu_ns", nil as String?)
            report.add("server_cpu_s_per_million", nil as String?)
            return
        }
        let used = end.nanoseconds - start.nanoseconds
        let perMillion: (Int64) -> Double = { requests > 0 ? Double($0) / 1e9 / (Double(requests) / 1e6) : .nan }
        report.add("server_cpu_ns", used)
        report.add("server_cpu_percent", seconds > 0 ? Double(used) / 1e9 / seconds * 100 : .nan)
        report.add("server_cpu_s_per_million", perMillion(used))
        let threads = end.threadsSince(start)
        // One text field, so the flat JSON stays flat: "name=s/M (percent of one core)" each.
        let split = threads.map { thread in
            let share = seconds > 0 ? Double(thread.nanoseconds) / 1e9 / seconds * 100 : .nan
            return "\(thread.name)=\(Report.format(perMillion(thread.nanoseconds))) (\(Report.format(share.rounded()))%)"
        }
        report.add("server_threads", split.joined(separator: ", "))
    }

    // MARK: connect-only

    static func connectOnly(
        plan: ConnectionPlan, count: Int, statSeconds: Double, setupTimeout: Double, serverPID: Int?
    ) throws -> (Report, Int32) {
        let limit = raiseFileLimit()
        guard count + 16 <= limit else {
            throw LoadgenError(
                description: "--connect-only -c \(count) needs \(count + 16) descriptors; the hard limit is \(limit)")
        }
        let run = try ConnectOnlyRun(
            plan: plan, count: count, statDuration: Int64(statSeconds * 1e9),
            setupTimeout: Int64(setupTimeout * 1e9), serverPID: serverPID)
        let result = run.run()

        var report = Report()
        report.add("mode", "connect-only")
        report.add("protocol", plan.wire.rawValue)
        report.add("target", plan.target.description)
        report.add("tls", plan.tls ? "on" : "off")
        report.add("auth", plan.auth == nil ? "off" : "on")
        report.add("connections_requested", count)
        report.add("connections_held", result.held)
        report.add("connect_s", result.connectSeconds)
        report.add("connect_rate_per_s", result.connectSeconds > 0 ? Double(result.held) / result.connectSeconds : Double.nan)
        report.add("setup_s", result.setupSeconds)
        report.add("setup_rate_per_s", result.setupSeconds > 0 ? Double(result.held) / result.setupSeconds : Double.nan)
        report.add("listen_drops", result.listenDrops)
        report.add("server_rss_before_bytes", result.serverRSSBefore)
        report.add("server_rss_after_bytes", result.serverRSSAfter)
        if let before = result.serverRSSBefore, let after = result.serverRSSAfter, result.held > 0 {
            report.add("server_bytes_per_connection", Double(after - before) / Double(result.held))
        } else {
            report.add("server_bytes_per_connection", nil as String?)
        }
        report.add("stat_connections", result.statConnections)
        report.add("stat_count", result.statLatency.totalCount)
        report.addLatency("stat", result.statLatency)
        report.add("dropped", result.dropped)
        report.add("client_cpu_ns", result.clientCPU)
        report.add("wall_s", result.wallSeconds)
        report.add("failure", result.failure)
        return (report, result.failure == nil && result.dropped == 0 ? 0 : 1)
    }

    // MARK: wait-ready

    /// Polls until the server accepts a connection and answers STAT (Redis: GET without error).
    static func waitReady(plan: ConnectionPlan, seconds: Double, serverPID: Int?) -> (Report, Int32) {
        let start = Clock.monotonicNanoseconds()
        let deadline = start + Int64(seconds * 1e9)
        var attempts = 0
        var lastFailure = "not tried"
        var report = Report()
        report.add("mode", "wait-ready")
        report.add("target", plan.target.description)
        while Clock.monotonicNanoseconds() < deadline {
            // A server that exited will never answer: say so now rather than at the deadline.
            if let serverPID, !ProcStatus.isRunning(serverPID) {
                lastFailure = "the server process \(serverPID) has exited"
                break
            }
            attempts += 1
            do {
                let pool = try ConnectionPool(plan: plan, encoder: RequestEncoder(wire: plan.wire, keyPrefix: "k", keys: 1))
                let attemptDeadline = min(deadline, Clock.monotonicNanoseconds() + 1_000_000_000)
                if let failure = pool.open(count: 1, firstIndex: 0, deadline: attemptDeadline) {
                    lastFailure = failure
                } else {
                    // Redis answers INFO while it is still loading its AOF, but GET only after.
                    let probe: Operation = plan.wire.isRedis ? .get : .stat
                    switch pool.roundTrip(pool.connections[0], probe, deadline: deadline, other: { _, _ in }) {
                    case .success(let (completion, _)) where completion.outcome != .errorReply:
                        report.add("ready_ms", Double(Clock.monotonicNanoseconds() - start) / 1e6)
                        report.add("attempts", attempts)
                        report.add("failure", nil as String?)
                        return (report, 0)
                    case .success:
                        lastFailure = "\(probe.name) answered with an error (still loading?)"
                    case .failure(let error):
                        lastFailure = error.description
                    }
                }
                try pool.poller.pause(milliseconds: 10)
            } catch {
                lastFailure = "\(error)"
            }
        }
        report.add("ready_ms", nil as String?)
        report.add("attempts", attempts)
        report.add("failure", "not ready: \(lastFailure)")
        return (report, 1)
    }

    // MARK: helpers

    /// Raises the soft descriptor limit to the hard one (holding 20k sockets needs it); returns
    /// the limit in force.
    static func raiseFileLimit() -> Int {
        var soft: UInt64 = 0
        var hard: UInt64 = 0
        guard ckairos_getrlimit_nofile(&soft, &hard) == 0 else { return 1024 }
        if soft < hard, ckairos_setrlimit_nofile(hard, hard) == 0 { soft = hard }
        return Int(clamping: soft)
    }

    private static func describe(_ due: DueTime) -> String {
        switch due {
        case .farFuture: "future (+1 day)"
        case .past: "now (-1 s)"
        case .after(let delay): "+\(delay / 1_000_000) ms"
        case .at(let instant): "at \(instant)"
        }
    }
}
