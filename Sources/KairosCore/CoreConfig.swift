/// The settings the core reports in STAT (docs/protocol.md#stat-keys); everything else it needs arrives per call.
public struct CoreConfig: Sendable {
    /// STAT `framerate`.
    public var framerate: UInt16
    /// STAT `persistence`: "logfile" or "memory".
    public var persistenceName: String
    public var authEnabled: Bool
    public var tlsEnabled: Bool
    /// Wall-clock start time (ns); STAT `uptime_ns` = now − this.
    public var startedAtWallNs: Int64

    public init(framerate: UInt16, persistenceName: String, authEnabled: Bool, tlsEnabled: Bool, startedAtWallNs: Int64) {
        self.framerate = framerate
        self.persistenceName = persistenceName
        self.authEnabled = authEnabled
        self.tlsEnabled = tlsEnabled
        self.startedAtWallNs = startedAtWallNs
    }
}
