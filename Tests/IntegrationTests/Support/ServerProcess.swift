import Foundation
import Glibc

/// Starts the real `kairos` binary on 127.0.0.1 with a generated config, waits until it
/// accepts connections, and stops it by PID.
final class ServerProcess: @unchecked Sendable {
    // Safety: `stderrBytes` is guarded by `stderrLock`; everything else is set in init.
    let process = Process()
    let directory: URL
    let port: UInt16
    /// The loopback address the server listens on (and clients connect to).
    let host: String
    private let stderrPipe = Pipe()
    private let stderrLock = NSLock()
    nonisolated(unsafe) private var stderrBytes = Data()
    nonisolated(unsafe) private var stderrClosed = false

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The binary under test: $KAIROS_BINARY, else the debug build next to the package.
    static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["KAIROS_BINARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/kairos").path
    }

    /// A fresh temporary directory for one test.
    static func makeDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Asks the kernel for a free loopback port.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw Failure(description: "cannot find a free port") }
        return UInt16(bigEndian: addr.sin_port)
    }

    /// `extraConfig` is TOML appended after the generated `[controller]` and `[database]` sections;
    /// `database` replaces the default memory-backend section.
    init(
        extraConfig: String = "", database: String? = nil, controller: String = "",
        directory: URL? = nil, port: UInt16? = nil, host: String = "127.0.0.1", waitForReady: Bool = true,
        descriptorLimit: Int? = nil, arguments: [String] = [], environment: [String: String] = [:],
        log: String = "level = \"debug\""
    ) throws {
        self.host = host
        self.directory = try directory ?? Self.makeDirectory()
        self.port = try port ?? Self.freePort()
        let config = """
            [log]
            \(log)

            [controller]
            listen = "\(host.contains(":") ? "[\(host)]" : host):\(self.port)"
            \(controller)

            \(database ?? "[database]\npersistence = \"memory\"")

            \(extraConfig)
            """
        let configURL = self.directory.appendingPathComponent("kairos.toml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        if let descriptorLimit {
            // util-linux's prlimit sets the limit and then execs the server (same PID).
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--nofile=\(descriptorLimit):\(descriptorLimit)", Self.binaryPath, "server", "-c", configURL.path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binaryPath)
            process.arguments = ["server", "-c", configURL.path] + arguments
        }
        process.currentDirectoryURL = self.directory
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        stderrPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.stderrLock.lock()
            self.stderrBytes.append(data)
            // An empty read is end of file: the server and every child that shared its stderr are gone.
            if data.isEmpty { self.stderrClosed = true }
            self.stderrLock.unlock()
        }
        try process.run()
        if waitForReady { try waitUntilAccepting() }
    }

    deinit { stop() }

    var pid: Int32 { process.processIdentifier }

    /// Everything the server wrote to stderr so far.
    var stderr: String {
        stderrLock.lock()
        defer { stderrLock.unlock() }
        return String(decoding: stderrBytes, as: UTF8.self)
    }

    /// Polls until a TCP connect succeeds (the listener is up) or the process died.
    func waitUntilAccepting(timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning {
                throw Failure(description: "server exited with \(process.terminationStatus): \(stderr)")
            }
            if (try? TestClient(port: port, host: host, timeout: 1)) != nil { return }
            usleep(20_000)
        }
        throw Failure(description: "server did not accept connections within \(timeout) s: \(stderr)")
    }

    /// Polls `condition` until it holds or `timeout` passes.
    static func eventually(timeout: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if try condition() { return true }
            usleep(10_000)
        } while Date() < deadline
        return try condition()
    }

    /// Sends `signal` and waits for the exit status.
    @discardableResult
    func terminate(signal: Int32 = SIGTERM, timeout: Double = 15) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        let done = Self.eventually(timeout: timeout) { !process.isRunning }
        if !done {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        // The pipe is read on another thread; wait for its end of file so that `stderr` holds the
        // server's last lines (bounded: a child the server left behind could keep the pipe open).
        _ = Self.eventually(timeout: 3) { self.stderrIsClosed }
        return process.terminationStatus
    }

    private var stderrIsClosed: Bool {
        stderrLock.lock()
        defer { stderrLock.unlock() }
        return stderrClosed
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        stderrPipe.fileHandleForReading.readabilityHandler = nil
    }

    /// Runs the binary (or `executable`) with `arguments` to completion (CLI tests).
    static func runCLI(
        _ arguments: [String], directory: URL? = nil, timeout: Double = 20, executable: String = binaryPath
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        // Files rather than pipes: nothing has to drain them while the process runs.
        let scratch = try makeDirectory()
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        let outData = try Data(contentsOf: outURL)
        let errData = try Data(contentsOf: errURL)
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
