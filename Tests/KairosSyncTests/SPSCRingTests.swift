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
}
