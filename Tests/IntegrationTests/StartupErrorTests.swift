import Foundation
import Glibc
import Testing

/// What an operator sees when the configuration is wrong (D-config): the real binary, started with
/// each kind of bad input, prints exactly one `error: <key or file>: <problem>` line and exits 1.
/// No line names an internal type (`InvalidValue`, `TLSError`), quotes OpenSSL's error queue
/// (`error:0480006C:PEM routines::`) or doubles the prefix (`error: error:`).
@Suite struct StartupErrorTests {
    /// One bad start. In `files`, `arguments` and `expected`, `$DIR` is the case's directory, `$CERTS`
    /// the directory of the shared certificates and `$PORT` a loopback port held by a listener the
    /// server cannot bind.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var files: [String: String] = [:]
        var arguments: [String]
        var expected: String
        var testDescription: String { name }
    }

    /// The server's config for a case: `body` plus an in-memory database and a free port, unless it sets them.
    static func server(_ name: String, _ body: String, expected: String, files: [String: String] = [:]) -> Case {
        var toml = body
        if !body.contains("[database]") { toml += "\n[database]\npersistence = \"memory\"\n" }
        if !body.contains("[controller]") { toml += "\n[controller]\nlisten = \"127.0.0.1:0\"\n" }
        var all = files
        all["kairos.toml"] = toml
        return Case(name: name, files: all, arguments: ["-c", "$DIR/kairos.toml"], expected: expected)
    }

    static let tlsCert = "[controller]\nlisten = \"127.0.0.1:0\"\ntls_cert = "
    static let memory = "[database]\npersistence = \"memory\"\n"

    static let cases: [Case] = [
        Case(name: "missing config file", arguments: ["-c", "$DIR/absent.toml"],
             expected: "error: config file $DIR/absent.toml: No such file or directory"),
        server("bad TOML", "[log]\nlevel = \"info\n",
               expected: "error: config file $DIR/kairos.toml, line 2, column 14: unescaped control characters other than TAB (U+0009) are explicitly prohibited"),
        server("unknown key", "[database]\nframe_rate = 5\n",
               expected: "error: database.frame_rate: unknown key (the keys of [database] are persistence, logfile_path, fsync_on_persist, framerate, compression_interval)"),
        server("unknown section", "[metrics]\nport = 9100\n",
               expected: "error: [metrics]: unknown section (the sections are [log], [controller], [database], [telemetry], [shell], [http], [runner])"),
        server("wrong type", "[database]\nframerate = \"512\"\n",
               expected: "error: database.framerate: must be an integer 1...65535, not \"512\""),
        server("bad log level", "[log]\nlevel = \"verbose\"\n",
               expected: "error: log.level: must be one of \"off\", \"error\", \"warn\", \"info\", \"debug\", \"trace\", not \"verbose\""),
        server("bad listen address", "[controller]\nlisten = \"localhost:5678\"\n",
               expected: "error: controller.listen: must be an IP address and a port 0...65535 such as 127.0.0.1:5678 or [::1]:5678 (no host names), not \"localhost:5678\""),
        server("port in use", "[controller]\nlisten = \"127.0.0.1:$PORT\"\n",
               expected: "error: controller.listen: cannot listen on 127.0.0.1:$PORT: Address already in use"),
        server("HTTP port in use", "[http]\nlisten = \"127.0.0.1:$PORT\"\n",
               expected: "error: http.listen: cannot listen on 127.0.0.1:$PORT: Address already in use"),
        server("certificate without key", "[controller]\nlisten = \"127.0.0.1:0\"\ntls_cert = \"$CERTS/cert.pem\"\n",
               expected: "error: controller.tls_key: missing; set it too, or remove controller.tls_cert (the two go together)"),
        server("missing certificate", tlsCert + "\"$DIR/cert.pem\"\ntls_key = \"$CERTS/key.pem\"\n",
               expected: "error: controller.tls_cert: cannot read $DIR/cert.pem: No such file or directory"),
        server("certificate not PEM", tlsCert + "\"$CERTS/notes.txt\"\ntls_key = \"$CERTS/key.pem\"\n",
               expected: "error: controller.tls_cert: $CERTS/notes.txt holds no PEM certificate (a -----BEGIN CERTIFICATE----- block)"),
        server("missing key", tlsCert + "\"$CERTS/cert.pem\"\ntls_key = \"$DIR/key.pem\"\n",
               expected: "error: controller.tls_key: cannot read $DIR/key.pem: No such file or directory"),
        server("key not PEM", tlsCert + "\"$CERTS/cert.pem\"\ntls_key = \"$CERTS/notes.txt\"\n",
               expected: "error: controller.tls_key: $CERTS/notes.txt holds no PEM private key (a -----BEGIN PRIVATE KEY----- block)"),
        server("key of another certificate", tlsCert + "\"$CERTS/cert.pem\"\ntls_key = \"$CERTS/other-key.pem\"\n",
               expected: "error: controller.tls_key: the private key in $CERTS/other-key.pem does not belong to the certificate in $CERTS/cert.pem"),
        server("HTTPS certificate missing",
               "[http]\nlisten = \"127.0.0.1:0\"\ntls_cert = \"$DIR/cert.pem\"\ntls_key = \"$CERTS/key.pem\"\n",
               expected: "error: http.tls_cert: cannot read $DIR/cert.pem: No such file or directory"),
        server("missing auth file", "[controller]\nlisten = \"127.0.0.1:0\"\nauth_file = \"$DIR/tokens.toml\"\n",
               expected: "error: auth file $DIR/tokens.toml: No such file or directory"),
        server("token without secret", "[controller]\nlisten = \"127.0.0.1:0\"\nauth_file = \"$DIR/tokens.toml\"\n",
               expected: "error: auth file $DIR/tokens.toml: token \"a\" has no secret",
               files: ["tokens.toml": "[token.a]\nnamespace = \"a.\"\n"]),
        server("duplicate secret", "[controller]\nlisten = \"127.0.0.1:0\"\nauth_file = \"$DIR/tokens.toml\"\n",
               expected: "error: auth file $DIR/tokens.toml: token \"b\" has the same secret as token \"a\"",
               files: ["tokens.toml": "[token.a]\nsecret = \"s\"\nnamespace = \"a.\"\n[token.b]\nsecret = \"s\"\nnamespace = \"b.\"\n"]),
        server("empty namespace", "[controller]\nlisten = \"127.0.0.1:0\"\nauth_file = \"$DIR/tokens.toml\"\n",
               expected: "error: auth file $DIR/tokens.toml: token \"a\" has an empty namespace (use \"*\" for every id)",
               files: ["tokens.toml": "[token.a]\nsecret = \"s\"\nnamespace = \"\"\n"]),
        server("damaged logfile", "[controller]\nlisten = \"127.0.0.1:0\"\n[database]\nlogfile_path = \"$DIR/logfile\"\n",
               expected: "error: database.logfile_path: $DIR/logfile is damaged at offset 0 (21 bytes to the end): the file does not "
                   + "begin with a decodable frame; refusing to start rather than cut them. Inspect it with `kairos dump $DIR/logfile`; "
                   + "to move the bytes from offset 0 on to a side file ($DIR/logfile.torn-<timestamp>) and start with what precedes, "
                   + "run the server once with --repair",
               files: ["logfile": "not a kairos logfile\n"]),
        server("logfile is a directory", "[controller]\nlisten = \"127.0.0.1:0\"\n[database]\nlogfile_path = \"$CERTS\"\n",
               expected: "error: database.logfile_path: cannot read $CERTS: Is a directory"),
        server("http_ca_file missing", "[runner]\nhttp_ca_file = \"$DIR/ca.pem\"\n",
               expected: "error: runner.http_ca_file: cannot read $DIR/ca.pem: No such file or directory"),
        server("telemetry without endpoint", "[telemetry]\nenabled = true\n",
               expected: "error: telemetry.endpoint: missing; it is required when telemetry.enabled = true"),
        server("telemetry ca_file missing",
               "[telemetry]\nenabled = true\nendpoint = \"https://127.0.0.1:4318\"\nca_file = \"$DIR/otel-ca.pem\"\n",
               expected: "error: telemetry.ca_file: cannot read $DIR/otel-ca.pem: No such file or directory"),
        server("shell not executable", "[shell]\npath = \"$DIR/nosh\"\n",
               expected: "error: shell.path: cannot execute $DIR/nosh: No such file or directory"),
        Case(name: "cli: connection refused", arguments: ["cli", "-p", "$FREEPORT", "STAT"],
             expected: "kairos cli: cannot connect to 127.0.0.1:$FREEPORT: Connection refused"),
        Case(name: "cli: missing --cacert", arguments: ["cli", "-p", "$PORT", "--tls", "--cacert", "$DIR/ca.pem", "STAT"],
             expected: "kairos cli: --cacert: cannot read $DIR/ca.pem: No such file or directory"),
        Case(name: "cli: --cacert not PEM", arguments: ["cli", "-p", "$PORT", "--tls", "--cacert", "$CERTS/notes.txt", "STAT"],
             expected: "kairos cli: --cacert: $CERTS/notes.txt holds no PEM certificate (a -----BEGIN CERTIFICATE----- block)"),
    ]

    /// Certificates shared by every case: a pair, a key of another pair, and a text file.
    static let certificates: Result<URL, any Error> = Result {
        let directory = try ServerProcess.makeDirectory()
        _ = try TestCertificate.make(in: directory)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", "other-key.pem"]
        process.currentDirectoryURL = directory
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ServerProcess.Failure(description: "openssl genpkey failed") }
        try "these are notes, not PEM\n".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        return directory
    }

    /// A listening socket nobody accepts on: binding its port fails with EADDRINUSE, and a client's
    /// connect succeeds (into the backlog), so `kairos cli` gets as far as its TLS setup.
    final class HeldPort {
        let descriptor: Int32
        let port: UInt16

        init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let status = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                    guard bind(descriptor, pointer, length) == 0, listen(descriptor, 8) == 0 else { return -1 }
                    return getsockname(descriptor, pointer, &length)
                }
            }
            guard status == 0 else {
                close(descriptor)
                throw ServerProcess.Failure(description: "cannot hold a port")
            }
            self.descriptor = descriptor
            port = UInt16(bigEndian: address.sin_port)
        }

        deinit { close(descriptor) }
    }

    /// A Swift type name as it leaks from `String(describing:)`: two capitalised words run together
    /// (`InvalidValue`, `MissingSecret`, `TLSError`), or anything ending in `Error`.
    static func looksLikeTypeName(_ line: String) -> Bool {
        line.split(whereSeparator: { !$0.isLetter }).contains { word in
            let letters = Array(word)
            if word.hasSuffix("Error") { return true }
            guard letters.count > 2, letters[0].isUppercase else { return false }
            return letters.indices.dropFirst(2).contains { letters[$0].isUppercase && letters[$0 - 1].isLowercase }
        }
    }

    @Test func typeNamePatternCanFail() {
        #expect(Self.looksLikeTypeName("error: InvalidValue: x"))
        #expect(Self.looksLikeTypeName("error: MissingSecret"))
        #expect(Self.looksLikeTypeName("cannot start: TLSError(kind: ...)"))
        #expect(!Self.looksLikeTypeName("error: controller.tls_cert: TLS 1.3 PEM file, BEGIN CERTIFICATE"))
    }

    @Test(arguments: cases)
    func exitsOneWithOneClearLine(_ testCase: Case) throws {
        let certificates = try Self.certificates.get().path
        let directory = try ServerProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let held = try HeldPort()
        let freePort = try ServerProcess.freePort()
        let fill = { (text: String) in
            text.replacingOccurrences(of: "$DIR", with: directory.path)
                .replacingOccurrences(of: "$CERTS", with: certificates)
                .replacingOccurrences(of: "$FREEPORT", with: "\(freePort)")
                .replacingOccurrences(of: "$PORT", with: "\(held.port)")
        }
        for (name, content) in testCase.files {
            try fill(content).write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let result = try ServerProcess.runCLI(testCase.arguments.map(fill), directory: directory)
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.last == "", "stderr ends with a newline")
        // Before the error the server may log its INFO start lines (config path, level); nothing else.
        let messages = lines.dropLast().filter { !$0.contains(" [INFO] ") }
        #expect(messages == [fill(testCase.expected)])
        for line in lines {
            #expect(!line.contains("error: error:"), "\(line)")
            #expect(!line.contains("routines::"), "an OpenSSL error queue entry: \(line)")
            #expect(!Self.looksLikeTypeName(line), "\(line)")
        }
    }

    /// ArgumentParser's usage errors get the same lowercase `error: ` as every other message, once.
    @Test(arguments: [
        (["--bogus"], "error: Unknown option '--bogus'"),
        (["server", "extra"], "error: Unexpected argument 'extra'"),
        (["-c"], "error: Missing value for '-c <config>'"),
    ])
    func usageErrorsExitOne(arguments: [String], firstLine: String) throws {
        let result = try ServerProcess.runCLI(arguments)
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").first.map(String.init) == firstLine)
        #expect(!result.stderr.contains("Error:"))
    }
}
