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
             description: "[metrics]: unknown section (the sections are [log], [controller], [database], [telemetry], [shell], [http], [runner])"),
        Case(toml: "level = \"info\"", kind: .unknownKey, key: "level", value: nil,
             description: "level: a key outside any section (keys belong inside a section such as [log])"),
        Case(toml: "[database]\nframe_rate = 5", kind: .unknownKey, key: "database.frame_rate", value: nil,
             description: "database.frame_rate: unknown key (the keys of [database] are persistence, logfile_path, fsync_on_persist, framerate, compression_interval)"),
        Case(toml: "[database.extra]\nx = 1", kind: .unknownKey, key: "database.extra", value: nil,
             description: "database.extra: unknown key (the keys of [database] are persistence, logfile_path, fsync_on_persist, framerate, compression_interval)"),
        Case(toml: "[http]\n\"odd key\" = 1", kind: .unknownKey, key: "http.\"odd key\"", value: nil,
             description: "http.\"odd key\": unknown key (the keys of [http] are listen, tls_cert, tls_key)"),
        Case(toml: "[http]\ntls_cert = \"c.pem\"", kind: .invalidValue, key: "http.tls_key", value: nil,
             description: "http.tls_key: missing; set it too, or remove http.tls_cert (the two go together)"),
        Case(toml: "[runner]\nworkers = 2", kind: .unknownKey, key: "runner.workers", value: nil,
             description: "runner.workers: unknown key (the keys of [runner] are concurrency, timeout_ms, http_ca_file)"),
        Case(toml: "log = \"info\"", kind: .invalidValue, key: "log", value: "\"info\"",
             description: "log: must be a [log] section, not \"info\""),
        Case(toml: "[[runner]]\nconcurrency = 2", kind: .invalidValue, key: "runner", value: "[{ concurrency = 2 }]",
             description: "runner: must be a [runner] section, not [{ concurrency = 2 }]"),

        // log.level.
        Case(toml: "[log]\nlevel = \"verbose\"", kind: .invalidLogLevel, key: "log.level", value: "\"verbose\"",
             description: "log.level: must be one of \"off\", \"error\", \"warn\", \"info\", \"debug\", \"trace\", not \"verbose\""),
        Case(toml: "[log]\nlevel = \"INFO\"", kind: .invalidLogLevel, key: "log.level", value: "\"INFO\"",
             description: "log.level: must be one of \"off\", \"error\", \"warn\", \"info\", \"debug\", \"trace\", not \"INFO\""),
        Case(toml: "[log]\nlevel = 3", kind: .invalidLogLevel, key: "log.level", value: "3",
             description: "log.level: must be one of \"off\", \"error\", \"warn\", \"info\", \"debug\", \"trace\", not 3"),

        // controller.
        Case(toml: "[controller]\nlisten = \"localhost:5678\"", kind: .invalidValue, key: "controller.listen", value: "\"localhost:5678\"",
             description: "controller.listen: must be an IP address and a port 0...65535 such as 127.0.0.1:5678 or [::1]:5678 (no host names), not \"localhost:5678\""),
        Case(toml: "[controller]\nlisten = 5678", kind: .invalidValue, key: "controller.listen", value: "5678",
             description: "controller.listen: must be a string, not 5678"),
        Case(toml: "[controller]\ntls_cert = \"c.pem\"", kind: .invalidValue, key: "controller.tls_key", value: nil,
             description: "controller.tls_key: missing; set it too, or remove controller.tls_cert (the two go together)"),
        Case(toml: "[controller]\ntls_key = \"k.pem\"", kind: .invalidValue, key: "controller.tls_cert", value: nil,
             description: "controller.tls_cert: missing; set it too, or remove controller.tls_key (the two go together)"),
        Case(toml: "[controller]\ntls_cert = \"\"\ntls_key = \"k.pem\"", kind: .invalidValue, key: "controller.tls_cert", value: "\"\"",
             description: "controller.tls_cert: must be a non-empty string, not \"\""),
        Case(toml: "[controller]\ntls_min_version = 1.2", kind: .invalidValue, key: "controller.tls_min_version", value: "1.2",
             description: "controller.tls_min_version: must be \"1.2\" or \"1.3\", not 1.2"),
        Case(toml: "[controller]\ntls_min_version = \"1.1\"", kind: .invalidValue, key: "controller.tls_min_version", value: "\"1.1\"",
             description: "controller.tls_min_version: must be \"1.2\" or \"1.3\", not \"1.1\""),
        Case(toml: "[controller]\ntls_handshake_timeout_ms = 0", kind: .invalidValue, key: "controller.tls_handshake_timeout_ms", value: "0",
             description: "controller.tls_handshake_timeout_ms: must be an integer 1...2147483647, not 0"),
        Case(toml: "[controller]\nauth_file = true", kind: .invalidValue, key: "controller.auth_file", value: "true",
             description: "controller.auth_file: must be a non-empty string, not true"),
        Case(toml: "[controller]\nauth_timeout_ms = -1", kind: .invalidValue, key: "controller.auth_timeout_ms", value: "-1",
             description: "controller.auth_timeout_ms: must be an integer 1...2147483647, not -1"),

        // database.
        Case(toml: "[database]\npersistence = \"sqlite\"", kind: .invalidValue, key: "database.persistence", value: "\"sqlite\"",
             description: "database.persistence: must be \"logfile\" or \"memory\", not \"sqlite\""),
        Case(toml: "[database]\nlogfile_path = \"\"", kind: .invalidValue, key: "database.logfile_path", value: "\"\"",
             description: "database.logfile_path: must be a non-empty string, not \"\""),
        Case(toml: "[database]\nfsync_on_persist = \"yes\"", kind: .invalidValue, key: "database.fsync_on_persist", value: "\"yes\"",
             description: "database.fsync_on_persist: must be true or false, not \"yes\""),
        Case(toml: "[database]\nframerate = 0", kind: .framerateOutOfRange, key: "database.framerate", value: "0",
             description: "database.framerate: must be an integer 1...65535, not 0"),
        Case(toml: "[database]\nframerate = 70000", kind: .invalidValue, key: "database.framerate", value: "70000",
             description: "database.framerate: must be an integer 1...65535, not 70000"),
        Case(toml: "[database]\nframerate = -1", kind: .invalidValue, key: "database.framerate", value: "-1",
             description: "database.framerate: must be an integer 1...65535, not -1"),
        Case(toml: "[database]\nframerate = \"512\"", kind: .invalidValue, key: "database.framerate", value: "\"512\"",
             description: "database.framerate: must be an integer 1...65535, not \"512\""),
        Case(toml: "[database]\nframerate = 512.0", kind: .invalidValue, key: "database.framerate", value: "512.0",
             description: "database.framerate: must be an integer 1...65535, not 512.0"),
        Case(toml: "[database]\ncompression_interval = -1", kind: .invalidValue, key: "database.compression_interval", value: "-1",
             description: "database.compression_interval: must be an integer 0...4294967295, not -1"),
        Case(toml: "[database]\ncompression_interval = 4294967296", kind: .invalidValue, key: "database.compression_interval", value: "4294967296",
             description: "database.compression_interval: must be an integer 0...4294967295, not 4294967296"),

        // shell.
        Case(toml: "[shell]\npath = \"\"", kind: .invalidValue, key: "shell.path", value: "\"\"",
             description: "shell.path: must be a non-empty string, not \"\""),
        Case(toml: "[shell]\nargs = \"-c\"", kind: .invalidValue, key: "shell.args", value: "\"-c\"",
             description: "shell.args: must be an array of strings, not \"-c\""),
        Case(toml: "[shell]\nargs = [\"-c\", 1]", kind: .invalidValue, key: "shell.args", value: "[\"-c\", 1]",
             description: "shell.args: must be an array of strings, not [\"-c\", 1]"),

        // http.
        Case(toml: "[http]\nlisten = \"1.2.3.4:70000\"", kind: .invalidValue, key: "http.listen", value: "\"1.2.3.4:70000\"",
             description: "http.listen: must be an IP address and a port 0...65535 such as 127.0.0.1:5678 or [::1]:5678 (no host names), not \"1.2.3.4:70000\""),

        // telemetry.
        Case(toml: "[telemetry]\nenabled = true", kind: .missingValue, key: "telemetry.endpoint", value: nil,
             description: "telemetry.endpoint: missing; it is required when telemetry.enabled = true"),
        Case(toml: "[telemetry]\nsample_ratio = 1.5", kind: .invalidValue, key: "telemetry.sample_ratio", value: "1.5",
             description: "telemetry.sample_ratio: must be a number 0.0...1.0, not 1.5"),
        Case(toml: "[telemetry]\nsample_ratio = \"half\"", kind: .invalidValue, key: "telemetry.sample_ratio", value: "\"half\"",
             description: "telemetry.sample_ratio: must be a number 0.0...1.0, not \"half\""),
        Case(toml: "[telemetry]\nenabled = 1", kind: .invalidValue, key: "telemetry.enabled", value: "1",
             description: "telemetry.enabled: must be true or false, not 1"),
        Case(toml: "[telemetry]\nflush_interval_ms = 0", kind: .invalidValue, key: "telemetry.flush_interval_ms", value: "0",
             description: "telemetry.flush_interval_ms: must be an integer 1...4294967295, not 0"),
        Case(toml: "[telemetry]\nservice_name = [\"a\"]", kind: .invalidValue, key: "telemetry.service_name", value: "[\"a\"]",
             description: "telemetry.service_name: must be a non-empty string, not [\"a\"]"),

        // runner.
        Case(toml: "[runner]\nconcurrency = 0", kind: .invalidValue, key: "runner.concurrency", value: "0",
             description: "runner.concurrency: must be an integer 1...4096, not 0"),
        Case(toml: "[runner]\nconcurrency = 4097", kind: .invalidValue, key: "runner.concurrency", value: "4097",
             description: "runner.concurrency: must be an integer 1...4096, not 4097"),
        Case(toml: "[runner]\ntimeout_ms = -5", kind: .invalidValue, key: "runner.timeout_ms", value: "-5",
             description: "runner.timeout_ms: must be an integer 0...2147483647, not -5"),
        Case(toml: "[runner]\ntimeout_ms = 2147483648", kind: .invalidValue, key: "runner.timeout_ms", value: "2147483648",
             description: "runner.timeout_ms: must be an integer 0...2147483647, not 2147483648"),
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
            #expect(error.description == "line 3, column 9: cannot redefine existing string 'level'")
        }
    }

    @Test func unterminatedStringIsASyntaxError() {
        do {
            _ = try ConfigLoader.parse(toml: "[log]\nlevel = \"info\n", checkShellPath: false)
            Issue.record("an unterminated string must be refused")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.line == 2)
            #expect(error.description.hasPrefix("line 2, column "))
        }
    }

    @Test func nulIsASyntaxError() {
        do {
            _ = try ConfigLoader.parse(toml: "[log]\nlevel = \"info\"\0junk", checkShellPath: false)
            Issue.record("a NUL must be refused")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.line == 2)
            #expect(error.description == "line 2, column 15: NUL characters are not allowed in TOML")
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
