import Foundation
import Glibc

/// Tests/KairosRunnersTests/Fixtures/http-recorder.py on a port of its choosing: a webhook peer
/// that records each request (see the script) before answering as its path says.
final class HTTPRecorderProcess {
    let process = Process()
    let directory: URL
    let port: Int

    struct Request: Equatable {
        let connection: Int
        let requestLine: String
        let headers: [[String]]
        let body: String
    }

    /// `tls`: certificate and key files; the recorder then speaks https.
    init(tls: (certificate: String, key: String)? = nil) throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = tests.appendingPathComponent("KairosRunnersTests/Fixtures/http-recorder.py").path
        directory = try ServerProcess.makeDirectory()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, directory.path] + (tls.map { [$0.certificate, $0.key] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let portFile = directory.appendingPathComponent("port").path
        let started = (try? ServerProcess.eventually(timeout: 15) { FileManager.default.fileExists(atPath: portFile) }) ?? false
        guard started, let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ServerProcess.Failure(description: "the http recorder did not start")
        }
        self.port = port
    }

    deinit {
        // SIGKILL: signals blocked on the test's thread are inherited by the child.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Makes a throwaway CA (ca.pem) and a certificate for 127.0.0.1 signed by it (server.pem,
    /// server.key) in `directory`, with the openssl tool.
    static func makeTestCA(in directory: URL) throws {
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".write(
            to: directory.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        for arguments in [
            ["req", "-x509"] + curve + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=kairos test CA"],
            ["req"] + curve + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "server.ext"],
        ] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw ServerProcess.Failure(description: "openssl \(arguments.joined(separator: " ")) failed")
            }
        }
    }

    var requests: [Request] {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("requests.jsonl").path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let connection = object["connection"] as? Int, let requestLine = object["request_line"] as? String,
                  let headers = object["headers"] as? [[String]], let body = object["body"] as? String
            else { return nil }
            return Request(connection: connection, requestLine: requestLine, headers: headers, body: body)
        }
    }
}
