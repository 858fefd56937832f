import Testing

@testable import KairosSync

/// Where the ring's fields sit in memory: what one thread writes on every operation must not
/// share a cache line with what the other thread reads (issue 9 item 10).
@Suite struct SPSCRingLayoutTests {
    /// Byte offsets of the first words equal to each value, found by scanning the object: Swift
    /// lays a class's stored properties out in declaration order, and the values are chosen so
    /// that each field holds a number no other field does (or is the first to hold it). The
    /// scan stops at the first match, which lies inside the object.
    static func offsets(in object: AnyObject, of values: [Int]) -> [Int?] {
        let memory = Unmanaged.passUnretained(object).toOpaque().assumingMemoryBound(to: Int.self)
        return values.map { value in (0..<64).first { memory[$0] == value }.map { $0 * MemoryLayout<Int>.size } }
    }

    @Test func consumerAndProducerFieldsSitOnLinesOfTheirOwn() throws {
        let ring = SPSCRing<Int>(capacity: 8192)
        // head = cachedTail = 4660, tail = 4663; cachedHead stays 0 (the ring was never full).
        for i in 0..<4660 {
            ring.push(i)
            _ = ring.pop()
        }
        for i in 0..<3 { ring.push(i) }
        let found = Self.offsets(in: ring, of: [8192, 4660, 4663])
        let capacity = try #require(found[0])
        let head = try #require(found[1])
        let tail = try #require(found[2])
        // At least a whole line between the fields read on every operation and `head`, and
        // between the consumer's two words (`head`, `cachedTail`) and `tail`, whatever the
        // object's alignment.
        #expect(head - (capacity + 8) >= 64)
        #expect(tail - (head + 16) >= 64)
    }
}
