import Glibc
import Testing
@testable import KairosRunners

/// libcurl's sockets are opened and closed through `HTTPSocketTable`: they close on exec, an
/// idle kept-alive connection stays in the epoll set between runs, one the server closed leaves
/// it, and no descriptor outlives its connection.
@Suite struct HTTPSocketTests {
    @Test func aKeptAliveSocketStaysWatchedBetweenRunsAtNoEpollCost() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        #expect(driver.run("POST", recorder.url("/first"))?.success == true)
        let afterFirst = driver.epollCalls
        #expect(afterFirst.add == 1)
        #expect(driver.watchedCount == 1, "the idle connection is still watched")
        for index in 0..<10 { #expect(driver.run("POST", recorder.url("/next/\(index)"))?.success == true) }
        #expect(driver.epollCalls == afterFirst, "reusing the connection changed nothing in the epoll set")
        #expect(Set(recorder.requests.map(\.connection)) == [1])
        #expect(driver.client.sockets.owned.count == 1)
    }

    @Test func anIdleSocketTheServerClosedLeavesTheSetAndIsClosedWhenLibcurlNotices() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        #expect(driver.run("GET", recorder.url("/drop"))?.success == true)
        // The server's close makes the parked socket readable: it leaves the set (a level-
        // triggered epoll would otherwise report it on every turn), still open.
        #expect(eventually {
            driver.turn(maxWaitMs: 10)
            return driver.watchedCount == 0
        })
        #expect(driver.epollCalls.remove == 1)
        #expect(driver.client.sockets.owned.count == 1)
        // The next run finds it dead, closes it through the table and opens another.
        #expect(driver.run("POST", recorder.url("/after"))?.success == true)
        #expect(recorder.requests.map(\.connection) == [1, 2])
        #expect(driver.client.sockets.owned.count == 1)
        #expect(socketsConnected(toPort: recorder.port) == 1)
        #expect(driver.watchedCount == 1)
    }

    @Test func libcurlsSocketsCloseOnExec() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        let ids = (0..<3).map { _ in driver.start("POST", recorder.url("/hang")) }
        #expect(eventually {
            driver.turn(maxWaitMs: 10)
            return recorder.requests.count == 3
        })
        let sockets = driver.client.sockets.owned
        #expect(sockets.count == 3)
        for socket in sockets {
            let flags = fcntl(socket, F_GETFD)
            #expect(flags >= 0 && flags & FD_CLOEXEC != 0, "socket \(socket) is inherited by process runs")
        }
        for id in ids { driver.client.cancel(id) }
        #expect(driver.client.sockets.owned.isEmpty, "a cancelled transfer's connection is closed")
        #expect(driver.watchedCount == 0)
    }

    @Test func manyRunsWithServerClosesLeaveNoDescriptorBehind() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        for index in 0..<40 {
            // Every other run's connection is closed by the server once it answered.
            let path = index % 2 == 0 ? "/drop" : "/kept/\(index)"
            #expect(driver.run("GET", recorder.url(path))?.success == true)
            #expect(driver.client.sockets.owned.count <= 1)
            #expect(driver.watchedCount <= 1)
        }
        #expect(recorder.requests.count == 40)
        #expect(socketsConnected(toPort: recorder.port) <= 1)
        driver.client.close()
        #expect(driver.client.sockets.owned.isEmpty)
        #expect(socketsConnected(toPort: recorder.port) == 0)
        #expect(driver.watchedCount == 0)
        #expect(driver.epollCalls.add == driver.epollCalls.remove)
    }
}
