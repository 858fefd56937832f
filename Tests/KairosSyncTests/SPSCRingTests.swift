import Foundation
import KairosSync
import Testing

@Suite struct SPSCRingTests {
    @Test func capacityRoundsUpToPowerOfTwo() {
        #expect(SPSCRing<Int>(capacity: 1).capacity == 1)
        #expect(SPSCRing<Int>(capacity: 5).capacity == 8)
        #expect(SPSCRing<Int>(capacity: 1024).capacity == 1024)
    }

    @Test func fifoAndFullAndEmpty() {
        let ring = SPSCRing<Int>(capacity: 4)
        #expect(ring.pop() == nil)
        #expect(ring.isEmpty)
        for i in 0..<4 { #expect(ring.push(i)) }
        #expect(!ring.push(99))
        #expect(ring.freeSpace == 0)
        #expect(ring.pop() == 0)
        #expect(ring.push(4))
        var drained: [Int] = []
        ring.drain { drained.append($0) }
        #expect(drained == [1, 2, 3, 4])
        #expect(ring.freeSpace == 4)
    }

    @Test func wrapsAroundManyTimes() {
        let ring = SPSCRing<[UInt8]>(capacity: 8)
        var next = 0
        for round in 0..<1000 {
            for i in 0..<(round % 8 + 1) { #expect(ring.push([UInt8(truncatingIfNeeded: round + i)])) }
            for i in 0..<(round % 8 + 1) {
                #expect(ring.pop() == [UInt8(truncatingIfNeeded: round + i)])
                next += 1
            }
        }
        #expect(next > 0)
        #expect(ring.isEmpty)
    }

    /// Remaining elements are released with the ring (no leak, no double free under ASan/TSan).
    @Test func deinitReleasesElements() {
        final class Token: @unchecked Sendable {}
        weak var watched: Token?
        do {
            let ring = SPSCRing<Token>(capacity: 4)
            let token = Token()
            watched = token
            ring.push(token)
        }
        #expect(watched == nil)
    }

    /// One producer thread, one consumer thread, a million elements: every element arrives once,
    /// in order. Run under TSan by `make test-tsan`.
    @Test func twoThreadStress() {
        let ring = SPSCRing<Int>(capacity: 1024)
        let count = 1_000_000
        let producer = Thread {
            var i = 0
            while i < count {
                if ring.push(i) { i += 1 } else { sched_yield() }
            }
        }
        producer.start()
        var expected = 0
        var outOfOrder = 0
        while expected < count {
            if let value = ring.pop() {
                if value != expected { outOfOrder += 1 }
                expected += 1
            } else {
                sched_yield()
            }
        }
        #expect(outOfOrder == 0)
        #expect(ring.pop() == nil)
    }

    @Test func peekVisitsOldestFirstWithoutPopping() {
        let ring = SPSCRing<Int>(capacity: 8)
        var seen: [Int] = []
        #expect(ring.peek(limit: 4) { seen.append($0.pointee) } == 0)
        // Wrapped: the visible elements straddle the end of the slot array.
        for i in 0..<6 { ring.push(i) }
        for _ in 0..<6 { _ = ring.pop() }
        for i in 10..<17 { ring.push(i) }
        #expect(ring.peek(limit: 4) { seen.append($0.pointee) } == 4)
        #expect(seen == [10, 11, 12, 13])
        seen = []
        #expect(ring.peek(limit: 100) { seen.append($0.pointee) } == 7)
        #expect(seen == Array(10..<17))
        #expect(ring.pop() == 10)
        seen = []
        #expect(ring.peek(limit: 2) { seen.append($0.pointee) } == 2)
        #expect(seen == [11, 12])
        #expect(ring.depth == 6)
    }

    /// The consumer peeks, then pops exactly what it peeked, while the producer pushes: every
    /// peeked element is the one popped next (run under `make test-tsan`).
    @Test func peekThenPopAcrossThreads() {
        let ring = SPSCRing<[Int]>(capacity: 64)
        let count = 200_000
        let producer = Thread {
            var i = 0
            while i < count {
                if ring.push([i]) { i += 1 } else { sched_yield() }
            }
        }
        producer.start()
        var expected = 0
        var mismatches = 0
        var peeked: [Int] = []
        while expected < count {
            peeked.removeAll(keepingCapacity: true)
            let visible = ring.peek(limit: 32) { peeked.append($0.pointee[0]) }
            if visible == 0 {
                sched_yield()
                continue
            }
            for value in peeked {
                if ring.pop() != [value] || value != expected { mismatches += 1 }
                expected += 1
            }
        }
        #expect(mismatches == 0)
        #expect(ring.pop() == nil)
    }
}
