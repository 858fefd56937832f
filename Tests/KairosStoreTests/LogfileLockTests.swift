import Glibc
import Testing
@testable import KairosStore

/// Issue 9 item 7: one server per logfile.
@Suite struct LogfileLockTests {
    @Test func aSecondLockOnTheSameLogfileIsRefusedNamingTheHolder() throws {
        let directory = TempDirectory()
        let logfile = directory.file("logfile")
        let first = try LogfileLock.acquire(logfile: logfile)
        #expect(first.path == logfile + ".lock")
        // flock excludes per open file description, so a second open in this process conflicts too.
        #expect(throws: StoreError.locked(path: logfile, holder: getpid())) { try LogfileLock.acquire(logfile: logfile) }
        first.release()
        let again = try LogfileLock.acquire(logfile: logfile)
        again.release()
    }

    @Test func theLockSurvivesARenameOverTheLogfile() throws {
        let directory = TempDirectory()
        let logfile = directory.file("logfile")
        try directory.write("logfile", [1])
        let lock = try LogfileLock.acquire(logfile: logfile)
        try directory.write("logfile.compacting", [2])
        #expect(rename(directory.file("logfile.compacting"), logfile) == 0)
        #expect(throws: StoreError.self) { try LogfileLock.acquire(logfile: logfile) }
        lock.release()
    }

    @Test func theRefusalMessageNamesTheLogfileAndThePid() {
        let text = StoreError.locked(path: "/var/lib/kairos/logfile", holder: 4242).description
        #expect(text == "/var/lib/kairos/logfile: another process holds its lock (pid 4242); is another kairos server using this logfile?")
    }
}
