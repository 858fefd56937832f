/// How the execution pool runs process runners (docs/protocol.md#runners, D-execution: `[runner]` and `[shell]` keys).
public struct RunnerConfig: Sendable {
    /// Most children running at once; further executions wait in trigger order.
    /// Values below 1 are treated as 1.
    public var concurrency: Int
    /// Per-run limit in milliseconds; 0 means none. A run that exceeds it is killed with
    /// SIGKILL (with its whole process group) and counts as a failure.
    public var timeoutMs: Int
    /// The shell runner's interpreter; searched in `PATH` when it has no `/`.
    public var shellPath: String
    /// Arguments placed between `shellPath` and the command.
    public var shellArgs: [String]
    /// `[runner] http_ca_file`: PEM bundle that https webhooks are verified against instead
    /// of the system trust store (D-network-runners); nil = the system store.
    public var httpCAFile: String?
    /// Told about every finished run on the runner thread (telemetry, D-telemetry); nil = nobody.
    public var runObserver: (any RunObserver)?

    public init(concurrency: Int = 16, timeoutMs: Int = 0, shellPath: String = "/bin/sh", shellArgs: [String] = ["-c"], httpCAFile: String? = nil) {
        self.httpCAFile = httpCAFile
        self.concurrency = concurrency
        self.timeoutMs = timeoutMs
        self.shellPath = shellPath
        self.shellArgs = shellArgs
    }
}
