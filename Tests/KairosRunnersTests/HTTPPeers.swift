import Foundation
import Glibc

/// Real peers for the http runner's tests: the Python recorder (Fixtures/http-recorder.py) and
/// nginx with a throwaway CA for https. Each is started on 127.0.0.1 and stopped by its PID.
struct PeerFailure: Error, CustomStringConvertible {
    var description: String
}

/// Runs a helper command to completion (openssl); throws with its output when it fails.
func runTool(_ path: String, _ arguments: [String], in directory: URL? = nil) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw PeerFailure(description: "\(path) \(arguments.joined(separator: " ")): \(String(decoding: text, as: UTF8.self))")
    }
}

/// What the recorder saw of one request.
struct RecordedRequest: Equatable, CustomStringConvertible {
    let connection: Int
    let requestLine: String
    let headers: [[String]]
    let body: String

    /// The value of the first header called `name` (case-insensitive), nil if absent.
    func header(_ name: String) -> String? {
        headers.first { $0[0].lowercased() == name.lowercased() }?[1]
    }

    var description: String { "#\(connection) \(requestLine) \(headers) \(body)" }
}

/// Fixtures/http-recorder.py on a free port of its choosing.
final class HTTPRecorder {
    let process = Process()
    let directory: URL
    let port: Int

    static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/http-recorder.py").path
    }

    init() throws {
        directory = try makeTemporaryDirectory()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scriptPath, directory.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let portFile = directory.appendingPathComponent("port").path
        guard eventually(within: 15, { FileManager.default.fileExists(atPath: portFile) }),
              let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text)
        else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw PeerFailure(description: "the http recorder did not start")
        }
        self.port = port
    }

    deinit { stop() }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Every request recorded so far, in arrival order.
    var requests: [RecordedRequest] {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("requests.jsonl").path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let connection = object["connection"] as? Int, let requestLine = object["request_line"] as? String,
                  let headers = object["headers"] as? [[String]], let body = object["body"] as? String
            else { return nil }
            return RecordedRequest(connection: connection, requestLine: requestLine, headers: headers, body: body)
        }
    }

    func stop() {
        guard process.isRunning else { return }
        // SIGKILL: a test thread's blocked signals are inherited by what it spawns.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A CA and a server certificate for 127.0.0.1 signed by it, made with the openssl tool.
struct TestCA {
    let directory: URL
    var caFile: String { directory.appendingPathComponent("ca.pem").path }
    var certificate: String { directory.appendingPathComponent("server.pem").path }
    var key: String { directory.appendingPathComponent("server.key").path }

    init(in directory: URL) throws {
        self.directory = directory
        let openssl = "/usr/bin/openssl"
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try runTool(openssl, ["req", "-x509"] + curve + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=kairos test CA"], in: directory)
        try runTool(openssl, ["req"] + curve + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], in: directory)
        try "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".write(
            to: directory.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        try runTool(openssl, [
            "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
        ], in: directory)
    }
}

/// nginx (one process, no master) serving https with the test CA's certificate: every
/// location answers 204.
final class TLSWebServer {
    let process = Process()
    let port: Int
    let ca: TestCA

    init() throws {
        let directory = try makeTemporaryDirectory()
        ca = try TestCA(in: directory)
        port = try unusedHTTPPort()
        let prefix = directory.path
        let config = """
            daemon off;
            master_process off;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log;
            events { worker_connections 256; }
            http {
                log_format kairos '$connection $request';
                access_log \(prefix)/access.log kairos;
                client_body_temp_path \(prefix)/body;
                proxy_temp_path \(prefix)/proxy;
                fastcgi_temp_path \(prefix)/fastcgi;
                uwsgi_temp_path \(prefix)/uwsgi;
                scgi_temp_path \(prefix)/scgi;
                server {
                    listen 127.0.0.1:\(port) ssl;
                    ssl_certificate \(ca.certificate);
                    ssl_certificate_key \(ca.key);
                    location / { return 204; }
                }
            }
            """
        let configPath = directory.appendingPathComponent("nginx.conf").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-e", "\(prefix)/error.log", "-p", prefix, "-c", configPath]
        try process.run()
        guard eventually(within: 15, { httpPortAccepts(port: port) }) else {
            stop()
            throw PeerFailure(description: "nginx did not start: \((try? String(contentsOfFile: "\(prefix)/error.log", encoding: .utf8)) ?? "")")
        }
    }

    deinit { stop() }

    func url(_ path: String) -> String { "https://127.0.0.1:\(port)\(path)" }

    /// nginx's access log so far: `<connection serial> <request line>` per request.
    var accessLog: [String] {
        let text = (try? String(contentsOfFile: ca.directory.appendingPathComponent("access.log").path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    func stop() {
        guard process.isRunning else { return }
        // SIGKILL: a test thread's blocked signals are inherited by what it spawns.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: ca.directory)
    }
}

/// A loopback port nothing listens on right now.
func unusedHTTPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = httpLoopback(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw PeerFailure(description: "cannot find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

func httpPortAccepts(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = httpLoopback(port: port)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

private func httpLoopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    return address
}

/// This process's descriptors that are TCP sockets connected to 127.0.0.1:`port`: the
/// connections a client holds to a peer, whatever state the peer left them in.
func socketsConnected(toPort port: Int) -> Int {
    var inodes = Set<String>()
    // Read to the end: /proc files report a size of 0, and the table holds every socket of the
    // machine's tests.
    let table = String(decoding: FileHandle(forReadingAtPath: "/proc/net/tcp")?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
    let hex = String(port, radix: 16, uppercase: true)
    let remote = "0100007F:" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    for line in table.split(separator: "\n").dropFirst() {
        let fields = line.split(separator: " ")
        if fields.count > 9, fields[2] == remote { inodes.insert(String(fields[9])) }
    }
    let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return descriptors.filter { fd in
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"),
              target.hasPrefix("socket:[") else { return false }
        return inodes.contains(String(target.dropFirst("socket:[".count).dropLast()))
    }.count
}
