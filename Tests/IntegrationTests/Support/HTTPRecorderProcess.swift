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

    init() throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = tests.appendingPathComponent("KairosRunnersTests/Fixtures/http-recorder.py").path
        directory = try ServerProcess.makeDirectory()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, directory.path]
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
