@testable import KairosCore
import KairosProtocol
import KairosSystem
import Testing

func randomID(_ rng: inout SplitMix64, alphabet: [UInt8] = Array("ab.".utf8), maxLength: Int = 5) -> Bytes {
    (0..<Int.random(in: 0...maxLength, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
}

@Suite struct IndexTests {
    @Test func byteOrderIsUnsignedLexicographic() {
        #expect(ByteOrder.compare([], []) == 0)
        #expect(ByteOrder.compare([1], [1, 0]) < 0)
        #expect(ByteOrder.compare([0xFF], [0x01, 0x02]) > 0)
        #expect(ByteOrder.compare(b("abc"), b("abd")) < 0)
        #expect(ByteOrder.hasPrefix(b("abc"), b("ab")) && ByteOrder.hasPrefix(b("abc"), []) && !ByteOrder.hasPrefix(b("ab"), b("abc")))
    }

    @Test func hashIndexAgainstDictionary() {
        var rng = SplitMix64(seed: 7)
        var keys: [Bytes] = []
        var index = ByteHashIndex()
        var model: [Bytes: UInt32] = [:]
        var free: [UInt32] = []
        for _ in 0..<20_000 {
            let key = randomID(&rng, alphabet: Array("abcdefgh".utf8), maxLength: 4)
            let hash = ByteHashIndex.hash(key)
            let found = index.find(hash: hash) { keys[Int($0)] == key }
            #expect(found == model[key])
            if let found {
                index.remove(hash: hash, handle: found)
                model[key] = nil
                free.append(found)
            } else {
                let handle: UInt32
                if let reused = free.popLast() { handle = reused; keys[Int(handle)] = key } else { handle = UInt32(keys.count); keys.append(key) }
                index.insert(hash: hash, handle: handle)
                model[key] = handle
            }
            #expect(index.count == model.count)
        }
        for (key, handle) in model {
            #expect(index.find(hash: ByteHashIndex.hash(key)) { keys[Int($0)] == key } == handle)
        }
        #expect(Set(index.handles) == Set(model.values))
    }

    @Test func sortedIndexAgainstSortedArray() {
        var rng = SplitMix64(seed: 11)
        var keys: [Bytes] = []
        var handleOf: [Bytes: UInt32] = [:]
        var index = SortedIndex()
        for step in 0..<30_000 {
            let key = randomID(&rng, alphabet: Array("abcdefghij".utf8), maxLength: 5)
            if handleOf[key] != nil, Bool.random(using: &rng) || step > 20_000 {
                #expect(index.remove { ByteOrder.compare(keys[Int($0)], key) })
                handleOf[key] = nil
            } else if handleOf[key] == nil {
                let handle = UInt32(keys.count)
                keys.append(key)
                handleOf[key] = handle
                index.insert(handle) { ByteOrder.compare(keys[Int($0)], key) }
            }
            if step % 997 == 0 {
                let expected = handleOf.keys.sorted { ByteOrder.compare($0, $1) < 0 }
                #expect(index.allHandles.map { keys[Int($0)] } == expected)
                let start = randomID(&rng, alphabet: Array("abcdefghij".utf8), maxLength: 3)
                var walked: [Bytes] = []
                index.forEach(from: { ByteOrder.compare(keys[Int($0)], start) }) { walked.append(keys[Int($0)]); return walked.count < 50 }
                #expect(walked == Array(expected.filter { ByteOrder.compare($0, start) >= 0 }.prefix(50)))
            }
        }
        #expect(index.count == handleOf.count)
        #expect(!index.remove { ByteOrder.compare(keys[Int($0)], b("absent-key")) })
    }

    @Test func dueQueuePopsInOrderAndCompacts() {
        var rng = SplitMix64(seed: 3)
        var queue = DueQueue()
        var entries: [DueEntry] = []
        for generation in 1...5_000 {
            let entry = DueEntry(execution: Int64.random(in: -50...50, using: &rng), generation: UInt64(generation), slot: UInt32(generation))
            entries.append(entry)
            queue.push(entry)
        }
        queue.compact { $0.generation % 3 != 0 }
        var popped: [DueEntry] = []
        while let entry = queue.popMin() { popped.append(entry) }
        let expected = entries.filter { $0.generation % 3 != 0 }.sorted(by: DueEntry.precedes)
        #expect(popped == expected)
    }

    @Test func ringDequeBothEnds() {
        var deque = RingDeque<Int>()
        var model: [Int] = []
        var rng = SplitMix64(seed: 5)
        for value in 0..<10_000 {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where !model.isEmpty: #expect(deque.removeFirst() == model.removeFirst())
            case 1 where !model.isEmpty: #expect(deque.removeLast() == model.removeLast())
            default: deque.append(value); model.append(value)
            }
            #expect(deque.count == model.count && deque.first == model.first && deque.last == model.last)
        }
        for offset in model.indices { #expect(deque[offset] == model[offset]) }
    }

    @Test func ruleBookMatchingAgainstNaiveScan() {
        var rng = SplitMix64(seed: 13)
        var book = RuleBook(stats: .init())
        var model: [Bytes: Bytes] = [:]
        for step in 0..<4_000 {
            let ruleID = randomID(&rng, alphabet: Array("xyz".utf8), maxLength: 3)
            if Int.random(in: 0..<3, using: &rng) == 0 {
                #expect((book.remove(ruleID) != nil) == (model.removeValue(forKey: ruleID) != nil))
            } else {
                let pattern = randomID(&rng, maxLength: 3)
                book.set(ruleID, Rule(pattern: pattern, runner: .shell(command: ruleID)))
                model[ruleID] = pattern
            }
            if step % 10 == 0 {
                let job = randomID(&rng, maxLength: 6)
                let naive = model.filter { ByteOrder.hasPrefix(job, $0.value) }
                    .min { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : ByteOrder.compare($0.key, $1.key) < 0 }
                #expect(book.match(job)?.id == naive?.key)
                #expect(book.count == model.count)
            }
        }
    }
}

@Suite struct JobTableTests {
    @Test func roomyIdsAreStoredCompactly() {
        var table = JobTable(stats: .init())
        // Longer than the inline key, so the record keeps an array of its own.
        let long = b("job.with.an.id.longer.than.sixteen.bytes")
        var id: Bytes = []
        id.reserveCapacity(4096)
        id.append(contentsOf: long)
        let slot = table.insert(JobRecord(id: id, execution: 1, generation: 1, status: .planned))
        #expect(table[slot].id == long)
        #expect(table[slot].id.capacity < 64)
        #expect(table.slot(of: long) == slot)
    }

    /// Short ids live only in the record's inline key: what comes back out is the same bytes,
    /// in the same order, for ids on both sides of the inline length.
    @Test func idsComeBackWholeFromInlineAndSpilledStorage() {
        var table = JobTable(stats: .init())
        let ids: [Bytes] = [[], b("\0"), b("z"), b("\u{FF}\u{FF}"), b("abcdefghijklmnop"), b("abcdefghijklmnopq"), b("abcdefghijklmno\0")]
        for (n, id) in ids.enumerated() {
            let slot = table.insert(JobRecord(id: id, execution: Int64(n), generation: 1, status: .planned))
            #expect(table[slot].id == id)
            #expect(table[slot].withID { Array($0) } == id)
        }
        var walked: [Bytes] = []
        table.forEachOrdered(from: []) { walked.append($0.id); return true }
        #expect(walked == ids.sorted { ByteOrder.compare($0, $1) < 0 })
        #expect(table.violations().isEmpty)
    }

    /// Ids up to 16 bytes are compared inside the record, longer ones also by their array:
    /// ids that differ only past byte 16, or only in length around it, must stay apart.
    @Test func lookupsAroundTheInlineKeyLength() {
        var table = JobTable(stats: .init())
        let sixteen = b("abcdefghijklmnop")
        let ids: [Bytes] = [
            [], b("a"), b("a\0"), sixteen.dropLast(1).map { $0 }, sixteen, sixteen + b("q"), sixteen + b("r"),
            sixteen + b("qq"), sixteen + Bytes(repeating: 0x7A, count: 100), sixteen + Bytes(repeating: 0x7A, count: 101),
        ]
        var slots: [UInt32] = []
        for (n, id) in ids.enumerated() {
            #expect(table.slot(of: id) == nil)
            slots.append(table.insert(JobRecord(id: id, execution: Int64(n), generation: 1, status: .planned)))
        }
        for (n, id) in ids.enumerated() {
            #expect(table.slot(of: id) == slots[n])
            #expect(table[slots[n]].execution == Int64(n))
        }
        #expect(table.slot(of: sixteen + b("s")) == nil)
        #expect(table.slot(of: b("abcdefghijklmnoq")) == nil)
        table.remove(slots[5])
        #expect(table.slot(of: sixteen + b("q")) == nil)
        #expect(table.slot(of: sixteen + b("r")) == slots[6])
        #expect(table.violations().isEmpty)
    }

    /// `warm` only reads: the table answers the same afterwards, for present and absent ids.
    @Test func warmChangesNothing() {
        var table = JobTable(stats: .init())
        for n in 0..<100 { table.insert(JobRecord(id: b("job\(n)"), execution: Int64(n), generation: 1, status: .planned)) }
        let hashes = (0..<200).map { ByteHashIndex.hash(b("job\($0)")) }
        _ = hashes.withUnsafeBufferPointer { table.warm($0) }
        for n in 0..<200 { #expect(table.slot(of: b("job\(n)")).map { table[$0].execution } == (n < 100 ? Int64(n) : nil)) }
        #expect(table.violations().isEmpty)
    }
}
