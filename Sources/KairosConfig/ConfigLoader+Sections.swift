#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One function per section: check its keys, then read each one over the defaults.
extension ConfigLoader {
    /// Millisecond settings end up in poll/epoll timeouts, which take an Int32.
    static let millisecondLimit = Int(Int32.max)

    static func applyLog(_ section: SectionReader, to config: inout ServerConfig) throws(ConfigError) {
        try section.checkKeys(allowed: ["level", "format"])
        if let format = try section.choice("format", [("text", LogFormat.text), ("json", LogFormat.json)]) {
            config.logFormat = format
        }
        if let node = section.node("level") {
            guard let text = node.string, let level = LogLevel(spelling: text) else {
                let listed = LogLevel.spellings.map { TOMLText.quoted($0) }.joined(separator: ", ")
                throw section.failure(.invalidLogLevel, "level", requirement: "one of \(listed)")
            }
            config.logLevel = level
        }
    }

    static func applyController(_ section: SectionReader, to config: inout ServerConfig) throws(ConfigError) {
        try section.checkKeys(allowed: [
            "listen", "tls_cert", "tls_key", "tls_min_version", "tls_handshake_timeout_ms",
            "auth_file", "auth_timeout_ms", "max_connections",
        ])
        if let listen = try section.listenAddress("listen") {
            config.listen = listen
        }
        let cert = try section.string("tls_cert", nonEmpty: true)
        let key = try section.string("tls_key", nonEmpty: true)
        switch (cert, key) {
        case (let cert?, let key?):
            config.tls = TLSFiles(certificatePath: cert, privateKeyPath: key)
        case (.some, nil):
            throw missingPair(missing: "controller.tls_key", present: "controller.tls_cert")
        case (nil, .some):
            throw missingPair(missing: "controller.tls_cert", present: "controller.tls_key")
        case (nil, nil):
            config.tls = nil
        }
        if let version = try section.choice("tls_min_version", [("1.2", TLSVersion.v1_2), ("1.3", TLSVersion.v1_3)]) {
            config.tlsMinVersion = version
        }
        if let timeout = try section.integer("tls_handshake_timeout_ms", in: 1...millisecondLimit) {
            config.tlsHandshakeTimeoutMs = timeout
        }
        if let path = try section.string("auth_file", nonEmpty: true) {
            config.authFile = path
        }
        if let timeout = try section.integer("auth_timeout_ms", in: 1...millisecondLimit) {
            config.authTimeoutMs = timeout
        }
        // The descriptor limit is checked at start (`ConnectionLimit.resolve`); here only the type and sign.
        if let limit = try section.integer("max_connections", in: 1...Int(Int32.max)) {
            config.maxConnections = limit
        }
    }

    static func applyDatabase(_ section: SectionReader, to config: inout ServerConfig) throws(ConfigError) {
        try section.checkKeys(allowed: [
            "persistence", "logfile_path", "fsync_on_persist", "framerate", "compression_interval",
        ])
        let persistences: [(String, Persistence)] = [("logfile", .logfile), ("memory", .memory)]
        if let persistence = try section.choice("persistence", persistences) {
            config.persistence = persistence
        }
        if let path = try section.string("logfile_path", nonEmpty: true) {
            config.logfilePath = path
        }
        if let fsync = try section.bool("fsync_on_persist") {
            config.fsyncOnPersist = fsync
        }
        // README.md#configuration gives 0 its own error kind; every other bad framerate is an invalid value.
        if section.node("framerate")?.int == 0 {
            throw section.failure(.framerateOutOfRange, "framerate", requirement: "an integer 1...65535")
        }
        if let framerate = try section.integer("framerate", in: 1...Int(UInt16.max)) {
            config.framerate = UInt16(framerate)
        }
        if let interval = try section.integer("compression_interval", in: 0...Int(UInt32.max)) {
            config.compressionInterval = UInt32(interval)
        }
    }

    static func applyTelemetry(_ section: SectionReader, to config: inout ServerConfig) throws(ConfigError) {
        try section.checkKeys(allowed: ["enabled", "endpoint", "service_name", "flush_interval_ms", "sample_ratio", "ca_file"])
        if let enabled = try section.bool("enabled") {
            config.telemetry.enabled = enabled
        }
        if let endpoint = try section.string("endpoint", nonEmpty: true) {
            config.telemetry.endpoint = TelemetryConfig.normalizedEndpoint(endpoint)
        }
        if let name = try section.string("service_name", nonEmpty: true) {
            config.telemetry.serviceName = name
        }
        // The reference accepts 0 (a u32) but never uses the value; Kairos uses it as a period, so 0 is refused.
        if let interval = try section.integer("flush_interval_ms", in: 1...Int(UInt32.max)) {
            config.telemetry.flushIntervalMs = interval
        }
        if let ratio = try section.fraction("sample_ratio", in: 0.0...1.0) {
            config.telemetry.sampleRatio = ratio
        }
        if let path = try section.string("ca_file", nonEmpty: true) {
            config.telemetry.caFile = path
        }
    }

    static func applyShell(_ section: SectionReader, to config: inout ServerConfig) throws(ConfigError) {
        try section.checkKeys(allowed: ["path", "args"])
        if let path = try section.string("path", nonEmpty: true) {
            config.shellPath = path
        }
        if let args = try section.stringArray("args") {
            config.shellArgs = args
        }
    }

    static func applyHTTP(_ section: SectionReader, to config: inout ServerConfig) throws(ConfigError) {
        try section.checkKeys(allowed: ["listen", "tls_cert", "tls_key"])
        if let listen = try section.listenAddress("listen") {
            config.httpListen = listen
        }
        let cert = try section.string("tls_cert", nonEmpty: true)
        let key = try section.string("tls_key", nonEmpty: true)
        switch (cert, key) {
        case (let cert?, let key?):
            config.httpTLS = TLSFiles(certificatePath: cert, privateKeyPath: key)
        case (.some, nil):
            throw missingPair(missing: "http.tls_key", present: "http.tls_cert")
        case (nil, .some):
            throw missingPair(missing: "http.tls_cert", present: "http.tls_key")
        case (nil, nil):
            config.httpTLS = nil
        }
    }

    static func applyRunner(_ section: SectionReader, to config: inout ServerConfig) throws(ConfigError) {
        try section.checkKeys(allowed: ["concurrency", "timeout_ms", "http_ca_file"])
        if let concurrency = try section.integer("concurrency", in: 1...4096) {
            config.runnerConcurrency = concurrency
        }
        if let timeout = try section.integer("timeout_ms", in: 0...millisecondLimit) {
            config.runnerTimeoutMs = timeout
        }
        if let path = try section.string("http_ca_file", nonEmpty: true) {
            try checkReadableFile(path, key: section.qualified("http_ca_file"))
            config.runnerHTTPCAFile = path
        }
    }

    /// A file the server reads later (a CA bundle): refused now, naming the key, rather than
    /// failing every run that needs it.
    static func checkReadableFile(_ path: String, key: String) throws(ConfigError) {
        let reason: String
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            reason = String(cString: strerror(errno))
        } else {
            var info = stat()
            let isDirectory = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            close(fd)
            guard isDirectory else { return }
            reason = String(cString: strerror(EISDIR))
        }
        let message = "\(key): cannot read \(TOMLText.path(path)): \(reason)"
        throw ConfigError(kind: .invalidValue, key: key, value: TOMLText.quoted(path), message: message)
    }

    private static func missingPair(missing: String, present: String) -> ConfigError {
        ConfigError(
            kind: .invalidValue, key: missing, message: "\(missing): missing; set it too, or remove \(present) (the two go together)"
        )
    }
}
