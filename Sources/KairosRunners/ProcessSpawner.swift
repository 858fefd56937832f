import CKairos
import Glibc
import KairosProtocol
import KairosSystem

/// A child the pool started.
package struct SpawnedChild {
    package let pid: pid_t
    /// Becomes readable when the child exits; closing it never affects the child.
    package let pidfd: FileDescriptor
    /// Read end (non-blocking) of the pipe the child's stdout and stderr both write to.
    package let output: FileDescriptor?
}

/// How the pool starts a process: `ProcessSpawner.spawn`, or a test's wrapper around it that
/// fails on demand (EMFILE and the like).
package typealias Spawner = @Sendable (_ argv: [Bytes], _ environment: [Bytes]) throws(Errno) -> SpawnedChild

/// Starts process runners with posix_spawnp (never fork: the server is multi-threaded and
/// large, and vfork-style spawning neither copies page tables nor runs atfork handlers).
package enum ProcessSpawner {
    /// `spawn` as a `Spawner`, what the pool uses unless a test injects another.
    package static let standard: Spawner = { argv, environment throws(Errno) in
        try spawn(argv, environment: environment)
    }

    /// Spawns `argv` with stdin on /dev/null, stdout and stderr on one pipe (read by the pool
    /// for the log), `environment` (`NAME=value` entries), the server's working directory, an
    /// empty signal mask and default dispositions (the server blocks SIGINT/SIGTERM for its
    /// signalfd, and a blocked mask would be inherited), in a process group of its own so a
    /// timeout can kill everything the run started.
    package static func spawn(_ argv: [Bytes], environment: [Bytes], captureOutput: Bool = true) throws(Errno) -> SpawnedChild {
        let arguments = ArgumentVector(argv)
        let variables = ArgumentVector(environment, allowEmpty: true)
        var actions = posix_spawn_file_actions_t()
        try SystemCall.positive("posix_spawn_file_actions_init", ckairos_spawn_file_actions_init(&actions))
        defer { _ = ckairos_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        try SystemCall.positive("posix_spawnattr_init", ckairos_spawnattr_init(&attributes))
        defer { _ = ckairos_spawnattr_destroy(&attributes) }

        try SystemCall.positive("addopen", ckairos_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0))
        let flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP
        try SystemCall.positive("posix_spawnattr_setflags", ckairos_spawnattr_setflags(&attributes, Int16(flags)))
        try SystemCall.positive("posix_spawnattr_setsigmask", ckairos_spawnattr_setsigmask_empty(&attributes))
        try SystemCall.positive("posix_spawnattr_setsigdefault", ckairos_spawnattr_setsigdefault_all(&attributes))
        try SystemCall.positive("posix_spawnattr_setpgroup", ckairos_spawnattr_setpgroup(&attributes, 0))

        var outputPipe: (read: FileDescriptor, write: FileDescriptor)?
        if captureOutput {
            // Both ends close on exec; adddup2 gives the child a copy on fd 2 without the flag.
            var ends: [CInt] = [-1, -1]
            _ = try SystemCall.run("pipe2") { ckairos_pipe2(&ends, O_CLOEXEC) }
            outputPipe = (FileDescriptor(rawValue: ends[0]), FileDescriptor(rawValue: ends[1]))
        }
        defer { outputPipe?.write.close() }
        do throws(Errno) {
            if let pipe = outputPipe {
                try SystemCall.positive("adddup2", ckairos_spawn_file_actions_adddup2(&actions, pipe.write.rawValue, 1))
                try SystemCall.positive("adddup2", ckairos_spawn_file_actions_adddup2(&actions, pipe.write.rawValue, 2))
                // Only our end is non-blocking: the flag lives on the open file description,
                // and the child's stdout and stderr must stay normal blocking descriptors.
                let current = try SystemCall.run("fcntl") { ckairos_fcntl_int(pipe.read.rawValue, F_GETFL, 0) }
                _ = try SystemCall.run("fcntl") { ckairos_fcntl_int(pipe.read.rawValue, F_SETFL, current | O_NONBLOCK) }
            } else {
                try SystemCall.positive("addopen", ckairos_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0))
                try SystemCall.positive("addopen", ckairos_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0))
            }
            var pid: pid_t = 0
            try SystemCall.positive(
                "posix_spawnp", ckairos_posix_spawnp(&pid, arguments.file, &actions, &attributes, arguments.pointers, variables.pointers))
            let pidfd = try openPidfd(pid)
            return SpawnedChild(pid: pid, pidfd: pidfd, output: outputPipe?.read)
        } catch {
            outputPipe?.read.close()
            throw error
        }
    }

    /// Without a pidfd the pool could not notice the exit, so a child we cannot watch is
    /// killed and reaped on the spot (a blocking wait, but SIGKILL makes it short).
    private static func openPidfd(_ pid: pid_t) throws(Errno) -> FileDescriptor {
        do {
            let fd = try SystemCall.run("pidfd_open") { ckairos_pidfd_open(pid, 0) }
            return FileDescriptor(rawValue: fd)
        } catch {
            _ = ckairos_kill(-pid, SIGKILL)
            var status: CInt = 0
            _ = try? SystemCall.run("waitpid") { ckairos_waitpid(pid, &status, 0) }
            throw error
        }
    }
}
