import Testing
import KairosConfig

/// Every key's default, and a file that sets every key.
@Suite struct ConfigDefaultsTests {
    @Test func noPathGivesDefaults() throws {
        #expect(try ConfigLoader.load(path: nil) == ServerConfig.defaults)
    }

    @Test func emptyFileGivesDefaults() throws {
        #expect(try ConfigLoader.parse(toml: "", checkShellPath: false) == ServerConfig.defaults)
        #expect(try ConfigLoader.parse(toml: "# only a comment\n\n", checkShellPath: false) == ServerConfig.defaults)
        #expect(try ConfigLoader.parse(toml: "[log]\n[controller]\n[database]\n[telemetry]\n[shell]\n[http]\n[runner]\n", checkShellPath: false) == ServerConfig.defaults)
    }

    @Test func everyDefault() {
        let config = ServerConfig.defaults
        #expect(config.logLevel == .info)
        #expect(config.listen == ListenAddress(family: .ipv4, host: "127.0.0.1", port: 5678))
        #expect(config.listen.description == "127.0.0.1:5678")
        #expect(config.tls == nil)
        #expect(config.tlsMinVersion == .v1_3)
        #expect(config.tlsHandshakeTimeoutMs == 10_000)
        #expect(config.authFile == nil)
        #expect(config.authTimeoutMs == 5_000)
        #expect(config.persistence == .logfile)
        #expect(config.logfilePath == "logfile")
        #expect(config.fsyncOnPersist == true)
        #expect(config.framerate == 512)
        #expect(config.compressionInterval == 3_600)
        #expect(config.shellPath == "/bin/sh")
        #expect(config.shellArgs == ["-c"])
        #expect(config.httpListen == nil)
        #expect(config.telemetry == TelemetryConfig(enabled: false, endpoint: nil, serviceName: "kairos", flushIntervalMs: 5000))
        #expect(config.runnerConcurrency == 16)
        #expect(config.runnerTimeoutMs == 0)
    }

    @Test func fullFile() throws {
        let toml = """
            # Kairos test config: every key set away from its default.
            [log]
            level = "warn"

            [controller]
            listen = "[::1]:6000"
            tls_cert = "certs/server.pem"
            tls_key = "certs/server.key"
            tls_min_version = "1.2"
            tls_handshake_timeout_ms = 250
            auth_file = "auth.toml"
            auth_timeout_ms = 300

            [database]
            persistence = "memory"
            logfile_path = "/var/lib/kairos/log"
            fsync_on_persist = false
            framerate = 65535
            compression_interval = 4294967295

            [telemetry]
            enabled = true
            endpoint = "http://collector:4318"
            service_name = "kairos-test"
            flush_interval_ms = 1000
            sample_ratio = 0.25
            ca_file = "/etc/ssl/collector.pem"

            [shell]
            path = "/bin/bash"
            args = ["-e", "-c"]

            [http]
            listen = "0.0.0.0:8080"

            [runner]
            concurrency = 4096
            timeout_ms = 30000
            """
        let config = try ConfigLoader.parse(toml: toml, checkShellPath: false)
        var expected = ServerConfig.defaults
        expected.logLevel = .warn
        expected.listen = ListenAddress(family: .ipv6, host: "::1", port: 6000)
        expected.tls = TLSFiles(certificatePath: "certs/server.pem", privateKeyPath: "certs/server.key")
        expected.tlsMinVersion = .v1_2
        expected.tlsHandshakeTimeoutMs = 250
        expected.authFile = "auth.toml"
        expected.authTimeoutMs = 300
        expected.persistence = .memory
        expected.logfilePath = "/var/lib/kairos/log"
        expected.fsyncOnPersist = false
        expected.framerate = 65535
        expected.compressionInterval = 4_294_967_295
        expected.telemetry = TelemetryConfig(enabled: true, endpoint: "http://collector:4318", serviceName: "kairos-test", flushIntervalMs: 1000,
            sampleRatio: 0.25, caFile: "/etc/ssl/collector.pem")
        expected.shellPath = "/bin/bash"
        expected.shellArgs = ["-e", "-c"]
        expected.httpListen = ListenAddress(family: .ipv4, host: "0.0.0.0", port: 8080)
        expected.runnerConcurrency = 4096
        expected.runnerTimeoutMs = 30000
        #expect(config == expected)
    }

    @Test func shippedDefaultsFileMatchesDefaults() throws {
        // The repository's config/kairos.toml spells every default out; it must stay in step with the code.
        let toml = """
            [log]
            level = "info"

            [controller]
            listen = "127.0.0.1:5678"

            [database]
            persistence = "logfile"
            logfile_path = "logfile"
            fsync_on_persist = true
            framerate = 512
            compression_interval = 3600

            [shell]
            path = "/bin/sh"
            args = ["-c"]

            [runner]
            concurrency = 16
            timeout_ms = 0
            """
        #expect(try ConfigLoader.parse(toml: toml, checkShellPath: false) == ServerConfig.defaults)
    }

    @Test func commentsAnywhere() throws {
        let toml = """
            # leading comment
            [log] # after a header
            level = "debug" # trailing comment, refused by the reference (docs/compatibility.md#d-config) but fine in TOML (D-config)
              # indented comment
            [shell]
            args = [ # inside an array
                "-x", # after an item
                "-c",
            ] # after the array
            """
        let config = try ConfigLoader.parse(toml: toml, checkShellPath: false)
        #expect(config.logLevel == .debug)
        #expect(config.shellArgs == ["-x", "-c"])
    }

    @Test func logLevels() throws {
        let cases: [(String, LogLevel)] = [("off", .off), ("error", .error), ("warn", .warn), ("info", .info), ("debug", .debug), ("trace", .debug)]
        for (spelling, level) in cases {
            let config = try ConfigLoader.parse(toml: "[log]\nlevel = \"\(spelling)\"", checkShellPath: false)
            #expect(config.logLevel == level, "\(spelling)")
        }
    }

    @Test func logFormats() throws {
        #expect(try ConfigLoader.parse(toml: "", checkShellPath: false).logFormat == .text)
        #expect(try ConfigLoader.parse(toml: "[log]\nformat = \"json\"", checkShellPath: false).logFormat == .json)
        #expect(try ConfigLoader.parse(toml: "[log]\nformat = \"text\"", checkShellPath: false).logFormat == .text)
        do {
            _ = try ConfigLoader.parse(toml: "[log]\nformat = \"xml\"", checkShellPath: false)
            Issue.record("format = \"xml\" was accepted")
        } catch {
            #expect("\(error)".contains("log.format"))
        }
    }

    @Test func emptyShellArgs() throws {
        let config = try ConfigLoader.parse(toml: "[shell]\nargs = []", checkShellPath: false)
        #expect(config.shellArgs == [])
    }

    @Test func standardTOMLSpellings() throws {
        // Literal strings, dotted keys, inline tables and underscores in numbers are all plain TOML.
        let toml = """
            log.level = 'error'
            database = { framerate = 1_000, compression_interval = 0 }
            [shell]
            path = '/usr/bin/env'
            args = ['bash', "-c"]
            """
        let config = try ConfigLoader.parse(toml: toml, checkShellPath: false)
        #expect(config.logLevel == .error)
        #expect(config.framerate == 1000)
        #expect(config.compressionInterval == 0)
        #expect(config.shellPath == "/usr/bin/env")
        #expect(config.shellArgs == ["bash", "-c"])
    }

    @Test func boundaryValues() throws {
        let toml = """
            [controller]
            listen = "0.0.0.0:0"
            tls_min_version = "1.3"
            [database]
            framerate = 1
            [runner]
            concurrency = 1
            timeout_ms = 2147483647
            """
        let config = try ConfigLoader.parse(toml: toml, checkShellPath: false)
        #expect(config.listen == ListenAddress(family: .ipv4, host: "0.0.0.0", port: 0))
        #expect(config.tlsMinVersion == .v1_3)
        #expect(config.framerate == 1)
        #expect(config.runnerConcurrency == 1)
        #expect(config.runnerTimeoutMs == 2_147_483_647)
    }

    @Test func telemetryBareHostPortMeansHTTP() throws {
        let bare = try ConfigLoader.parse(toml: "[telemetry]\nenabled = true\nendpoint = \"127.0.0.1:4318\"", checkShellPath: false)
        #expect(bare.telemetry.endpoint == "http://127.0.0.1:4318")
        let https = try ConfigLoader.parse(toml: "[telemetry]\nendpoint = \"https://otel.example:4318/\"", checkShellPath: false)
        #expect(https.telemetry.endpoint == "https://otel.example:4318")
        #expect(https.telemetry.sampleRatio == 1.0)
        let integerRatio = try ConfigLoader.parse(toml: "[telemetry]\nsample_ratio = 0", checkShellPath: false)
        #expect(integerRatio.telemetry.sampleRatio == 0.0)
    }

    @Test func telemetryDisabledNeedsNoEndpoint() throws {
        let config = try ConfigLoader.parse(toml: "[telemetry]\nenabled = false\nservice_name = \"x\"", checkShellPath: false)
        #expect(config.telemetry == TelemetryConfig(enabled: false, endpoint: nil, serviceName: "x", flushIntervalMs: 5000))
    }
}
