import CKairos
import Glibc
import KairosConfig
import KairosCore
import KairosMetrics
import KairosProtocol
import KairosReactor
import KairosRunners
import KairosStore
import KairosSync
import KairosSystem
import KairosTelemetry
import Logging
import Synchronization

/// Wires the threads of ARCHITECTURE.md together: reactor, core, journal writer, runner pool and
/// compactor. `start` does everything that can fail (so the CLI can exit 1 with a clear message
/// before anything is served); `run` serves until SIGINT/SIGTERM and returns the exit status.
public final class Server {
    private let config: ServerConfig
    private let logger: Logger
    private let stats = ServerStats()
    private let requests: SPSCRing<RequestEnvelope>
    private let responses: SPSCRing<ResponseEnvelope>
    private let coreDoorbell: Doorbell
    private let reactor: Reactor
    private let core: SchedulerCore
    private let runners: RunnerPool
    private let storage: Storage
    private let signals: FileDescriptor
    private let configReload: ConfigReload
    /// Tokens in the auth file at start; nil without auth.
    private let authTokens: Int?
    /// The telemetry thread's owner when `[telemetry] enabled` (D-telemetry).
    private let telemetry: TelemetryService?

    /// How long runs still executing at shutdown may take before they are killed.
    static let runnerGraceMs = 2000

    /// The address the listener is bound to (useful with port 0).
    public var address: SocketAddress { reactor.address }
    /// The HTTP API's bound address, when `[http] listen` is set.
    public var httpAddress: SocketAddress? { reactor.httpAddress }

    /// `repairLogfile`: `kairos server --repair` (see `Replayer`). `configPath` is the file
    /// SIGHUP reads again, and `levels` the log threshold it may change. `logExport` is the
    /// queue the log handler feeds (`Server.logExport(for:)`), drained by telemetry.
    public init(
        config: ServerConfig, logger: Logger, repairLogfile: Bool = false, configPath: String? = nil,
        levels: LogLevelSwitch? = nil, logExport: LogRecordQueue? = nil
    ) throws(ServerError) {
        self.config = config
        self.logger = logger
        let startedAt = Clock.wallNanoseconds()

        // Blocked before any thread starts, so every thread inherits the mask and only the
        // signalfd sees them: SIGINT/SIGTERM/SIGQUIT stop with a drain (D-shutdown), SIGHUP reloads,
        // SIGUSR1 logs a status, SIGUSR2 is logged; the default action of each would kill the
        // server without a drain (SIGQUIT with a core dump).
        // SIGPIPE is ignored: a closed peer is an EPIPE. SIGXFSZ too: a write past
        // RLIMIT_FSIZE must fail with EFBIG (D-storage-faults), not kill the server.
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        var blocked: [CInt] = [SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2]
        let signalFD = ckairos_signalfd_block(&blocked, CInt(blocked.count))
        guard signalFD >= 0 else { throw ServerError("cannot install signal handling: \(Errno(-signalFD))") }
        signals = FileDescriptor(rawValue: signalFD)

        do {
            requests = SPSCRing(capacity: 1 << 16)
            // Twice the requests ring: the second half carries the parts of long listings (D-limits).
            responses = SPSCRing(capacity: 1 << 17)
            coreDoorbell = try Doorbell()
        } catch {
            throw ServerError("cannot create the request rings: \(error)")
        }

        // The logfile's lock before the port: a second server with the same configuration is
        // told that the logfile is in use, not only that the port is.
        let storage = Storage(config: config, stats: stats, coreDoorbell: coreDoorbell, logger: logger, repair: repairLogfile)
        try storage.acquireLock()
        self.storage = storage

        let reactorConfig = try Self.reactorConfig(config, logger: logger)
        authTokens = reactorConfig.auth?.names.count
        configReload = ConfigReload(
            path: configPath, running: config, keyring: reactorConfig.auth, levels: levels ?? LogLevelSwitch(config.logLevel),
            logger: logger)
        let address = try Self.socketAddress(config.listen)
        let listener: Listener
        do {
            listener = try Listener.bind(address)
        } catch {
            throw ServerError("controller.listen: cannot listen on \(config.listen): \(error)")
        }
        var httpListener: Listener?
        if let httpListen = config.httpListen {
            // D-config: unlike the reference, a bind failure is fatal, not a silently missing API.
            let httpAddress = try Self.socketAddress(httpListen, key: "http.listen")
            do {
                httpListener = try Listener.bind(httpAddress)
            } catch {
                listener.descriptor.close()
                throw ServerError("http.listen: cannot listen on \(httpListen): \(error)")
            }
        }

        // Recycling covers 4,096 requests in flight; beyond that arrays are allocated as usual.
        let buffers = BufferExchange(inFlight: 4096)
        core = SchedulerCore(
            config: CoreConfig(
                framerate: config.framerate, persistenceName: config.persistence == .memory ? "memory" : "logfile",
                authEnabled: config.authFile != nil, tlsEnabled: config.tls != nil, startedAtWallNs: startedAt),
            journal: storage.journal, stats: stats, buffers: buffers)
        try storage.replay(into: core)

        telemetry = try Self.makeTelemetry(config, stats: stats, startedAt: startedAt, logger: logger, logs: logExport)
        do {
            var runnerConfig = RunnerConfig(
                concurrency: config.runnerConcurrency, timeoutMs: config.runnerTimeoutMs,
                shellPath: config.shellPath, shellArgs: config.shellArgs, httpCAFile: config.runnerHTTPCAFile)
            runnerConfig.runObserver = telemetry.map { RunTelemetry(service: $0) }
            runners = try RunnerPool(
                config: runnerConfig,
                stats: stats, outcomeDoorbell: coreDoorbell, logger: logger)
            reactor = try Reactor(
                listener: listener, httpListener: httpListener, config: reactorConfig, requests: requests, responses: responses,
                buffers: buffers, coreDoorbell: coreDoorbell, stats: stats, logger: logger,
                metrics: config.httpListen == nil
                    ? nil
                    : MetricsExporter(
                        stats: stats,
                        info: MetricsInfo(
                            startedAtWallNs: startedAt, framerate: config.framerate,
                            persistenceName: config.persistence == .memory ? "memory" : "logfile",
                            authEnabled: config.authFile != nil, tlsEnabled: config.tls != nil)))
        } catch {
            throw ServerError("cannot start: \(error)")
        }
    }

    /// Serves until SIGINT/SIGTERM, drains (D-shutdown) and returns 0.
    public func run() -> Int32 {
        let loop: CoreLoop
        do {
            loop = try CoreLoop(
                core: core, requests: requests, responses: responses, outputNotices: reactor.outputNotices,
                doorbell: coreDoorbell,
                reactorDoorbell: reactor.doorbell, runners: runners, signals: signals,
                framerate: config.framerate, logger: logger, reload: { [configReload] in configReload.reload() })
            try storage.start()
        } catch {
            logger.error("cannot start: \(error)")
            return 1
        }
        if let telemetry {
            loop.requestTelemetry = RequestTelemetry(service: telemetry)
            do {
                try telemetry.start()
            } catch {
                logger.error("cannot start the telemetry thread: \(error)")
                storage.stop()
                return 1
            }
            logger.info("telemetry: exporting to \(telemetry.settings.endpoint) every \(telemetry.settings.flushIntervalMs) ms")
        }
        runners.start()
        logger.info("listening on \(reactor.address)")
        if let httpAddress = reactor.httpAddress {
            logger.info("HTTP API listening on \(httpAddress)\(config.httpTLS != nil ? " (HTTPS)" : "")")
        }
        logger.info("\(StartupSummary.line(config, listen: "\(reactor.address)", http: reactor.httpAddress.map { "\($0)" }, tokens: authTokens))")
        let reactorDone = Atomic<Bool>(false)
        let reactor = self.reactor
        let coreDoorbell = self.coreDoorbell
        let reactorThread: WorkerThread
        do {
            reactorThread = try WorkerThread(name: "kairos-reactor") {
                reactor.run()
                reactorDone.store(true, ordering: .sequentiallyConsistent)
                coreDoorbell.ringUnconditionally()
            }
        } catch {
            logger.error("cannot start the reactor thread: \(error)")
            storage.stop()
            runners.shutdown(graceMs: 0)
            return 1
        }
        // The main thread becomes the core thread until the reactor has drained after a signal.
        // It keeps the process name, `kairos`, so `pgrep -x kairos` and `killall kairos` work.
        loop.run(onSignal: { reactor.requestStop() }, finished: { reactorDone.load(ordering: .sequentiallyConsistent) })
        reactorThread.join()
        // Runs still going get their grace period while the journal is still open, so those
        // that finish in it keep their outcome across the restart (D-outcomes-persist, D-shutdown); only then is the
        // journal made durable and closed. Runs killed when it ends are recorded `failed`.
        runners.shutdown(graceMs: Self.runnerGraceMs)
        runners.drainOutcomes { core.applyOutcome($0) }
        // Nobody is left to read answers; this only submits the outcomes' journal entries.
        core.collectResponses { _ in }
        storage.stop()
        // The requests those last calls settled, for telemetry's final export.
        core.publishCounters()
        // Last: the runs that ended in the grace period still get their spans and counts.
        telemetry?.stop()
        let lateness = core.lateness
        logger.info(
            "trigger lateness: count=\(lateness.count) p50_ns=\(lateness.p50) p99_ns=\(lateness.p99) max_ns=\(lateness.max)"
        )
        logger.info("stopped")
        return 0
    }

    // MARK: - Configuration mapping

    static func socketAddress(_ listen: ListenAddress, key: String = "controller.listen") throws(ServerError) -> SocketAddress {
        let family: SocketAddress.Family = listen.family == .ipv4 ? .ipv4 : .ipv6
        guard let address = SocketAddress(family: family, host: listen.host, port: listen.port) else {
            throw ServerError("\(key): \(listen) is not a literal IP address and port")
        }
        return address
    }

    static func reactorConfig(_ config: ServerConfig, logger: Logger) throws(ServerError) -> ReactorConfig {
        var reactorConfig = ReactorConfig()
        reactorConfig.handshakeTimeoutMs = config.tlsHandshakeTimeoutMs
        reactorConfig.authTimeoutMs = config.authTimeoutMs
        do {
            reactorConfig.maxConnections = try ConnectionLimit.resolve(
                configured: config.maxConnections, descriptorLimit: try DescriptorLimit.soft())
        } catch let error as ConfigError {
            throw ServerError(error.description)
        } catch {
            throw ServerError("cannot read the descriptor limit: \(error)")
        }
        if let path = config.authFile {
            let tokens: [AuthToken]
            do {
                tokens = try AuthFileLoader.load(path: path)
            } catch {
                throw ServerError("\(error)")
            }
            reactorConfig.auth = AuthKeyring(credentials: tokens.map(AuthCredential.init(token:)))
        }
        if let tls = config.tls {
            reactorConfig.tls = try tlsContext(tls, section: "controller", minimumVersion: config.tlsMinVersion)
        }
        if let tls = config.httpTLS {
            // HTTP clients keep their connection busy: sessions keep their buffers.
            reactorConfig.httpTLS = try tlsContext(
                tls, section: "http", minimumVersion: config.tlsMinVersion, releasesIdleBuffers: false)
        }
        return reactorConfig
    }

    /// Loads `[section] tls_cert`/`tls_key`. A failure names the key whose file is at fault (the
    /// key file for a mismatch) and says what is wrong in plain words (`TLSError.problem`).
    static func tlsContext(
        _ files: TLSFiles, section: String, minimumVersion: KairosConfig.TLSVersion, releasesIdleBuffers: Bool = true
    ) throws(ServerError) -> TLSContext {
        do {
            return try TLSContext(
                certificatePath: files.certificatePath, privateKeyPath: files.privateKeyPath,
                minimumVersion: minimumVersion == .v1_2 ? KairosReactor.TLSVersion.v1_2 : .v1_3,
                releasesIdleBuffers: releasesIdleBuffers)
        } catch {
            let key = switch error.kind {
            case .certificateLoadFailed: "\(section).tls_cert"
            case .privateKeyLoadFailed, .keyMismatch: "\(section).tls_key"
            default: "\(section).tls_cert/tls_key"
            }
            throw ServerError("\(key): \(error)")
        }
    }
}
