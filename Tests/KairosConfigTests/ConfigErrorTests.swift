import Testing
import KairosConfig

/// Every way a config text is refused, with the exact message the server prints (D-config).
@Suite struct ConfigErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var toml: String
        var kind: ConfigError.Kind
        var key: String?
        var value: String?
        var description: String
        var testDescription: String { description }
    }

    static let cases: [Case] = [
        // Sections and keys.
        Case(toml: "[metrics]\nport = 1", kind: .unknownSection, key: "metrics", value: nil,
             description: "error: UnknownSection: [metrics] (expected one of [log], [controller], [database], [telemetry], [shell], [http], [runner])"),
        Case(toml: "level = \"info\"", kind: .unknownKey, key: "level", value: nil,
             description: "error: UnknownKey: level (keys belong inside a section such as [log])"),
        Case(toml: "[database]\nframe_rate = 5", kind: .unknownKey, key: "database.frame_rate", value: nil,
             description: "error: UnknownKey: database.frame_rate (expected one of persistence, logfile_path, fsync_on_persist, framerate, compression_interval)"),
        Case(toml: "[database.extra]\nx = 1", kind: .unknownKey, key: "database.extra", value: nil,
             description: "error: UnknownKey: database.extra (expected one of persistence, logfile_path, fsync_on_persist, framerate, compression_interval)"),
        Case(toml: "[http]\n\"odd key\" = 1", kind: .unknownKey, key: "http.\"odd key\"", value: nil,
             description: "error: UnknownKey: http.\"odd key\" (expected one of listen, tls_cert, tls_key)"),
        Case(toml: "[http]\ntls_cert = \"c.pem\"", kind: .invalidValue, key: "http.tls_key", value: nil,
             description: "error: InvalidValue: http.tls_key is missing (http.tls_cert is set; set both or neither)"),
        Case(toml: "[runner]\nworkers = 2", kind: .unknownKey, key: "runner.workers", value: nil,
             description: "error: UnknownKey: runner.workers (expected one of concurrency, timeout_ms, http_ca_file)"),
        Case(toml: "log = \"info\"", kind: .invalidValue, key: "log", value: "\"info\"",
             description: "error: InvalidValue: log = \"info\" (expected a [log] section)"),
        Case(toml: "[[runner]]\nconcurrency = 2", kind: .invalidValue, key: "runner", value: "[{ concurrency = 2 }]",
             description: "error: InvalidValue: runner = [{ concurrency = 2 }] (expected a [runner] section)"),

        // log.level.
        Case(toml: "[log]\nlevel = \"verbose\"", kind: .invalidLogLevel, key: "log.level", value: "\"verbose\"",
             description: "error: InvalidLogLevel: log.level = \"verbose\" (expected one of \"off\", \"error\", \"warn\", \"info\", \"debug\", \"trace\")"),
        Case(toml: "[log]\nlevel = \"INFO\"", kind: .invalidLogLevel, key: "log.level", value: "\"INFO\"",
             description: "error: InvalidLogLevel: log.level = \"INFO\" (expected one of \"off\", \"error\", \"warn\", \"info\", \"debug\", \"trace\")"),
        Case(toml: "[log]\nlevel = 3", kind: .invalidLogLevel, key: "log.level", value: "3",
             description: "error: InvalidLogLevel: log.level = 3 (expected one of \"off\", \"error\", \"warn\", \"info\", \"debug\", \"trace\")"),

        // controller.
        Case(toml: "[controller]\nlisten = \"localhost:5678\"", kind: .invalidValue, key: "controller.listen", value: "\"localhost:5678\"",
             description: "error: InvalidValue: controller.listen = \"localhost:5678\" (expected <IPv4>:<port>, [<IPv6>]:<port> or <IPv6>:<port> with a literal IP address and a port 0...65535)"),
        Case(toml: "[controller]\nlisten = 5678", kind: .invalidValue, key: "controller.listen", value: "5678",
             description: "error: InvalidValue: controller.listen = 5678 (expected a string)"),
        Case(toml: "[controller]\ntls_cert = \"c.pem\"", kind: .invalidValue, key: "controller.tls_key", value: nil,
             description: "error: InvalidValue: controller.tls_key is missing (controller.tls_cert is set; set both or neither)"),
        Case(toml: "[controller]\ntls_key = \"k.pem\"", kind: .invalidValue, key: "controller.tls_cert", value: nil,
             description: "error: InvalidValue: controller.tls_cert is missing (controller.tls_key is set; set both or neither)"),
        Case(toml: "[controller]\ntls_cert = \"\"\ntls_key = \"k.pem\"", kind: .invalidValue, key: "controller.tls_cert", value: "\"\"",
             description: "error: InvalidValue: controller.tls_cert = \"\" (expected a non-empty string)"),
        Case(toml: "[controller]\ntls_min_version = 1.2", kind: .invalidValue, key: "controller.tls_min_version", value: "1.2",
             description: "error: InvalidValue: controller.tls_min_version = 1.2 (expected \"1.2\" or \"1.3\")"),
        Case(toml: "[controller]\ntls_min_version = \"1.1\"", kind: .invalidValue, key: "controller.tls_min_version", value: "\"1.1\"",
             description: "error: InvalidValue: controller.tls_min_version = \"1.1\" (expected \"1.2\" or \"1.3\")"),
        Case(toml: "[controller]\ntls_handshake_timeout_ms = 0", kind: .invalidValue, key: "controller.tls_handshake_timeout_ms", value: "0",
             description: "error: InvalidValue: controller.tls_handshake_timeout_ms = 0 (expected an integer 1...2147483647)"),
        Case(toml: "[controller]\nauth_file = true", kind: .invalidValue, key: "controller.auth_file", value: "true",
             description: "error: InvalidValue: controller.auth_file = true (expected a non-empty string)"),
        Case(toml: "[controller]\nauth_timeout_ms = -1", kind: .invalidValue, key: "controller.auth_timeout_ms", value: "-1",
             description: "error: InvalidValue: controller.auth_timeout_ms = -1 (expected an integer 1...2147483647)"),

        // database.
        Case(toml: "[database]\npersistence = \"sqlite\"", kind: .invalidValue, key: "database.persistence", value: "\"sqlite\"",
             description: "error: InvalidValue: database.persistence = \"sqlite\" (expected \"logfile\" or \"memory\")"),
        Case(toml: "[database]\nlogfile_path = \"\"", kind: .invalidValue, key: "database.logfile_path", value: "\"\"",
             description: "error: InvalidValue: database.logfile_path = \"\" (expected a non-empty string)"),
        Case(toml: "[database]\nfsync_on_persist = \"yes\"", kind: .invalidValue, key: "database.fsync_on_persist", value: "\"yes\"",
             description: "error: InvalidValue: database.fsync_on_persist = \"yes\" (expected true or false)"),
        Case(toml: "[database]\nframerate = 0", kind: .framerateOutOfRange, key: "database.framerate", value: "0",
             description: "error: FramerateOutOfRange: database.framerate = 0 (expected an integer 1...65535)"),
        Case(toml: "[database]\nframerate = 70000", kind: .invalidValue, key: "database.framerate", value: "70000",
             description: "error: InvalidValue: database.framerate = 70000 (expected an integer 1...65535)"),
        Case(toml: "[database]\nframerate = -1", kind: .invalidValue, key: "database.framerate", value: "-1",
             description: "error: InvalidValue: database.framerate = -1 (expected an integer 1...65535)"),
        Case(toml: "[database]\nframerate = \"512\"", kind: .invalidValue, key: "database.framerate", value: "\"512\"",
             description: "error: InvalidValue: database.framerate = \"512\" (expected an integer 1...65535)"),
        Case(toml: "[database]\nframerate = 512.0", kind: .invalidValue, key: "database.framerate", value: "512.0",
             description: "error: InvalidValue: database.framerate = 512.0 (expected an integer 1...65535)"),
        Case(toml: "[database]\ncompression_interval = -1", kind: .invalidValue, key: "database.compression_interval", value: "-1",
             description: "error: InvalidValue: database.compression_interval = -1 (expected an integer 0...4294967295)"),
        Case(toml: "[database]\ncompression_interval = 4294967296", kind: .invalidValue, key: "database.compression_interval", value: "4294967296",
             description: "error: InvalidValue: database.compression_interval = 4294967296 (expected an integer 0...4294967295)"),

        // shell.
        Case(toml: "[shell]\npath = \"\"", kind: .invalidValue, key: "shell.path", value: "\"\"",
             description: "error: InvalidValue: shell.path = \"\" (expected a non-empty string)"),
        Case(toml: "[shell]\nargs = \"-c\"", kind: .invalidValue, key: "shell.args", value: "\"-c\"",
             description: "error: InvalidValue: shell.args = \"-c\" (expected an array of strings)"),
        Case(toml: "[shell]\nargs = [\"-c\", 1]", kind: .invalidValue, key: "shell.args", value: "[\"-c\", 1]",
             description: "error: InvalidValue: shell.args = [\"-c\", 1] (expected an array of strings)"),

        // http.
        Case(toml: "[http]\nlisten = \"1.2.3.4:70000\"", kind: .invalidValue, key: "http.listen", value: "\"1.2.3.4:70000\"",
             description: "error: InvalidValue: http.listen = \"1.2.3.4:70000\" (expected <IPv4>:<port>, [<IPv6>]:<port> or <IPv6>:<port> with a literal IP address and a port 0...65535)"),

        // telemetry.
        Case(toml: "[telemetry]\nenabled = true", kind: .missingValue, key: "telemetry.endpoint", value: nil,
             description: "error: MissingValue: telemetry.endpoint (required when telemetry.enabled = true)"),
        Case(toml: "[telemetry]\nsample_ratio = 1.5", kind: .invalidValue, key: "telemetry.sample_ratio", value: "1.5",
             description: "error: InvalidValue: telemetry.sample_ratio = 1.5 (expected a number 0.0...1.0)"),
        Case(toml: "[telemetry]\nsample_ratio = \"half\"", kind: .invalidValue, key: "telemetry.sample_ratio", value: "\"half\"",
             description: "error: InvalidValue: telemetry.sample_ratio = \"half\" (expected a number 0.0...1.0)"),
        Case(toml: "[telemetry]\nenabled = 1", kind: .invalidValue, key: "telemetry.enabled", value: "1",
             description: "error: InvalidValue: telemetry.enabled = 1 (expected true or false)"),
        Case(toml: "[telemetry]\nflush_interval_ms = 0", kind: .invalidValue, key: "telemetry.flush_interval_ms", value: "0",
             description: "error: InvalidValue: telemetry.flush_interval_ms = 0 (expected an integer 1...4294967295)"),
        Case(toml: "[telemetry]\nservice_name = [\"a\"]", kind: .invalidValue, key: "telemetry.service_name", value: "[\"a\"]",
             description: "error: InvalidValue: telemetry.service_name = [\"a\"] (expected a non-empty string)"),

        // runner.
        Case(toml: "[runner]\nconcurrency = 0", kind: .invalidValue, key: "runner.concurrency", value: "0",
             description: "error: InvalidValue: runner.concurrency = 0 (expected an integer 1...4096)"),
        Case(toml: "[runner]\nconcurrency = 4097", kind: .invalidValue, key: "runner.concurrency", value: "4097",
             description: "error: InvalidValue: runner.concurrency = 4097 (expected an integer 1...4096)"),
        Case(toml: "[runner]\ntimeout_ms = -5", kind: .invalidValue, key: "runner.timeout_ms", value: "-5",
             description: "error: InvalidValue: runner.timeout_ms = -5 (expected an integer 0...2147483647)"),
        Case(toml: "[runner]\ntimeout_ms = 2147483648", kind: .invalidValue, key: "runner.timeout_ms", value: "2147483648",
             description: "error: InvalidValue: runner.timeout_ms = 2147483648 (expected an integer 0...2147483647)"),
    ]

    @Test(arguments: cases)
    func refused(_ testCase: Case) {
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(toml: testCase.toml, checkShellPath: false) }
        do {
            _ = try ConfigLoader.parse(toml: testCase.toml, checkShellPath: false)
        } catch {
            #expect(error.kind == testCase.kind)
            #expect(error.key == testCase.key)
            #expect(error.value == testCase.value)
            #expect(error.line == nil)
            #expect(error.description == testCase.description)
        }
    }

    /// Values come back in TOML notation; `log.level` reports whatever it was given, so it shows the renderer.
    @Test(arguments: [
        ("\"a\\\"b\\\\c\\n\\u0001\"", "\"a\\\"b\\\\c\\n\\u0001\""),
        ("{ b = 1, a = 'z' }", "{ a = \"z\", b = 1 }"),
        ("{}", "{}"),
        ("[[1, 2], []]", "[[1, 2], []]"),
        ("-inf", "-inf"),
        ("nan", "nan"),
        ("0x10", "16"),
        ("1.5", "1.5"),
        ("false", "false"),
        ("1979-05-27", "1979-05-27"),
    ])
    func valuesAreRenderedAsTOML(written: String, rendered: String) {
        do {
            _ = try ConfigLoader.parse(toml: "[log]\nlevel = \(written)", checkShellPath: false)
            Issue.record("\(written) is not a log level")
        } catch {
            #expect(error.value == rendered)
        }
    }

    @Test func syntaxErrorsCarryTheLine() {
        let toml = "[log]\nlevel = \"info\"\nlevel = \"debug\"\n"
        do {
            _ = try ConfigLoader.parse(toml: toml, checkShellPath: false)
            Issue.record("a repeated key must be refused")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.line == 3)
            #expect(error.key == nil)
            #expect(error.description == "error: SyntaxError: line 3, column 9: Error while parsing key-value pair: cannot redefine existing string 'level'")
        }
    }

    @Test func unterminatedStringIsASyntaxError() {
        do {
            _ = try ConfigLoader.parse(toml: "[log]\nlevel = \"info\n", checkShellPath: false)
            Issue.record("an unterminated string must be refused")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.line == 2)
            #expect(error.description.hasPrefix("error: SyntaxError: line 2, column "))
        }
    }

    @Test func nulIsASyntaxError() {
        do {
            _ = try ConfigLoader.parse(toml: "[log]\nlevel = \"info\"\0junk", checkShellPath: false)
            Issue.record("a NUL must be refused")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.line == 2)
            #expect(error.description == "error: SyntaxError: line 2, column 15: NUL characters are not allowed in TOML")
        }
    }

    @Test func firstErrorIsStable() {
        // Unknown sections are reported before any section is read, then sections in their fixed order.
        let toml = "[runner]\nconcurrency = 0\n[log]\nlevel = \"x\"\n[zzz]\n"
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(toml: toml, checkShellPath: false) }
        do {
            _ = try ConfigLoader.parse(toml: toml, checkShellPath: false)
        } catch {
            #expect(error.kind == .unknownSection)
            #expect(error.key == "zzz")
        }
        do {
            _ = try ConfigLoader.parse(toml: "[runner]\nconcurrency = 0\n[log]\nlevel = \"x\"\n", checkShellPath: false)
        } catch {
            #expect(error.kind == .invalidLogLevel)
        }
    }
}
