import Foundation
import Glibc
import Testing

/// D-limits: an accept that keeps failing (ENOBUFS, ENOMEM) must not turn the reactor into a busy
/// loop. The failure is injected with an LD_PRELOAD shim around accept4, switched on and off by
/// a flag file, since a real kernel-memory shortage cannot be arranged in a test.
@Suite struct AcceptFailureTests {
    static let shim = """
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <errno.h>
        #include <stdlib.h>
        #include <sys/socket.h>
        #include <unistd.h>

        int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
            static int (*real)(int, struct sockaddr *, socklen_t *, int);
            if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
            const char *flag = getenv("KAIROS_TEST_FAIL_ACCEPT");
            if (flag && access(flag, F_OK) == 0) {
                const char *code = getenv("KAIROS_TEST_ACCEPT_ERRNO");
                if (getenv("KAIROS_TEST_FAIL_ONCE")) unlink(flag);
                errno = code ? atoi(code) : ENOBUFS;
                return -1;
            }
            return real(fd, address, length, flags);
        }
        """

    /// Builds the shim with the C compiler that comes with the Swift toolchain.
    static func buildShim(in directory: URL) throws -> String {
        let source = directory.appendingPathComponent("fail_accept.c")
        let library = directory.appendingPathComponent("fail_accept.so")
        try shim.write(to: source, atomically: true, encoding: .utf8)
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["clang", "-shared", "-fPIC", "-o", library.path, source.path, "-ldl"]
        try compiler.run()
        compiler.waitUntilExit()
        guard compiler.terminationStatus == 0 else {
            throw ServerProcess.Failure(description: "clang exited \(compiler.terminationStatus)")
        }
        return library.path
    }

    /// User plus system CPU time of a process, in seconds (/proc/<pid>/stat fields 14 and 15).
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // The command name (field 2) is parenthesized and may hold spaces: count after it.
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        let ticks = Double(fields[11])! + Double(fields[12])!
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test func persistentAcceptFailurePausesTheListenerInsteadOfSpinning() throws {
        let directory = try ServerProcess.makeDirectory()
        let library = try Self.buildShim(in: directory)
        let flag = directory.appendingPathComponent("fail-accept").path
        let server = try ServerProcess(
            directory: directory, environment: ["LD_PRELOAD": library, "KAIROS_TEST_FAIL_ACCEPT": flag])
        let established = try TestClient(port: server.port)
        try established.send("e GET x\n")
        #expect(try established.receive("e ERROR\n") == "e ERROR\n")
        FileManager.default.createFile(atPath: flag, contents: nil)
        // The kernel completes this connection; every accept4 for it fails while the flag exists.
        let waiting = try TestClient(port: server.port, timeout: 10)
        #expect(ServerProcess.eventually { server.stderr.contains("cannot accept (No buffer space available)") })
        // A one-second window of the server's CPU time: a busy loop would use nearly all of it.
        let before = try Self.cpuSeconds(server.pid)
        let windowEnd = Date().addingTimeInterval(1)
        var roundTrips = 0
        while Date() < windowEnd {
            // Established clients are served meanwhile.
            try established.send("e\(roundTrips) GET x\n")
            #expect(try established.receive("e\(roundTrips) ERROR\n") == "e\(roundTrips) ERROR\n")
            roundTrips += 1
            usleep(20_000)
        }
        let used = try Self.cpuSeconds(server.pid) - before
        print("accept failing for 1 s: server CPU \(used) s, \(roundTrips) round trips served")
        #expect(used < 0.3)
        // Once accept works again, the waiting client is served.
        try FileManager.default.removeItem(atPath: flag)
        try waiting.send("w GET x\n")
        #expect(try waiting.receive("w ERROR\n") == "w ERROR\n")
    }

    /// Out of descriptors (the reserve used up by someone else): the spare descriptor is freed
    /// to accept the waiting client and close it at once, and the next client is served.
    @Test func outOfDescriptorsShedsTheWaitingClient() throws {
        let directory = try ServerProcess.makeDirectory()
        let library = try Self.buildShim(in: directory)
        let flag = directory.appendingPathComponent("fail-accept").path
        let server = try ServerProcess(
            directory: directory,
            environment: [
                "LD_PRELOAD": library, "KAIROS_TEST_FAIL_ACCEPT": flag, "KAIROS_TEST_ACCEPT_ERRNO": "\(EMFILE)",
                "KAIROS_TEST_FAIL_ONCE": "1",
            ])
        // Served first, so the readiness probe has left the backlog before accept fails.
        let first = try TestClient(port: server.port)
        try first.send("f GET x\n")
        #expect(try first.receive("f ERROR\n") == "f ERROR\n")
        FileManager.default.createFile(atPath: flag, contents: nil)
        let shed = try TestClient(port: server.port)
        #expect(shed.isClosedByPeer())
        #expect(ServerProcess.eventually { server.stderr.contains("cannot accept (out of file descriptors)") })
        let next = try TestClient(port: server.port)
        try next.send("n GET x\n")
        #expect(try next.receive("n ERROR\n") == "n ERROR\n")
    }
}
