import KairosSync
import Synchronization
import Testing

/// The address of an array's element storage, to tell a reused buffer from a new one.
private func storageAddress(_ array: [UInt8]) -> UInt? {
    array.withUnsafeBufferPointer { $0.baseAddress.map { UInt(bitPattern: $0) } }
}

@Suite struct ByteArrayRecyclerTests {
    @Test func aGivenArrayComesBackEmptyWithItsStorage() {
        let recycler = ByteArrayRecycler(slots: 4, maxCapacity: 4096)
        var array: [UInt8] = []
        array.reserveCapacity(64)
        array.append(contentsOf: [1, 2, 3])
        let address = storageAddress(array)
        let capacity = array.capacity
        recycler.give(consume array)
        let taken = recycler.take()
        #expect(taken.isEmpty)
        #expect(taken.capacity == capacity)
        #expect(storageAddress(taken) == address)
    }

    @Test func takeWithNothingSpareMakesANewEmptyArray() {
        let recycler = ByteArrayRecycler(slots: 4, maxCapacity: 4096)
        #expect(recycler.takeSpare() == nil)
        let taken = recycler.take()
        #expect(taken.isEmpty)
        #expect(taken.capacity == 0)
    }

    @Test func aNewArrayHasTheMinimumCapacity() {
        let recycler = ByteArrayRecycler(slots: 4, maxCapacity: 4096, minimumCapacity: 32)
        let taken = recycler.take()
        #expect(taken.isEmpty)
        #expect(taken.capacity >= 32)
    }

    @Test func arraysWithoutCapacityOrBeyondTheCapAreNotKept() {
        let recycler = ByteArrayRecycler(slots: 4, maxCapacity: 100)
        recycler.give([])
        var huge: [UInt8] = []
        huge.reserveCapacity(1000)
        recycler.give(huge)
        #expect(recycler.takeSpare() == nil)
    }

    @Test func aFullRecyclerFreesWhatDoesNotFit() {
        let recycler = ByteArrayRecycler(slots: 2, maxCapacity: 4096)
        for byte in UInt8(1)...3 { recycler.give([byte]) }
        #expect(recycler.takeSpare() != nil)
        #expect(recycler.takeSpare() != nil)
        #expect(recycler.takeSpare() == nil)
    }

    /// Giving an array that someone still holds must never change what they hold: the taker
    /// gets a fresh buffer instead of the shared one.
    @Test func aSharedArrayIsNeverWrittenThrough() {
        let recycler = ByteArrayRecycler(slots: 4, maxCapacity: 4096)
        let kept: [UInt8] = Array("job.kept".utf8)
        recycler.give(kept)
        var taken = recycler.take()
        #expect(taken.isEmpty)
        taken.append(contentsOf: Array("other".utf8))
        #expect(kept == Array("job.kept".utf8))
        #expect(storageAddress(taken) != storageAddress(kept))
    }

    /// One thread gives, another takes and fills, as the core and the reactor do: every array
    /// taken is empty and exclusively the taker's. Also run under TSan (`make test-tsan`).
    @Test func oneGiverAndOneTakerOnTwoThreads() async {
        let recycler = ByteArrayRecycler(slots: 64, maxCapacity: 4096)
        let giverDone = Atomic<Bool>(false)
        let giver = Task.detached {
            for round in 0..<100_000 {
                var array: [UInt8] = []
                array.reserveCapacity(32)
                array.append(UInt8(truncatingIfNeeded: round))
                recycler.give(consume array)
            }
            giverDone.store(true, ordering: .releasing)
        }
        // Takes until the giver has finished and nothing spare is left, so some reuse is certain.
        var reused = 0
        var round = 0
        while true {
            let finished = giverDone.load(ordering: .acquiring)
            var array: [UInt8]
            if let spare = recycler.takeSpare() {
                array = spare
                reused += 1
            } else if finished {
                break
            } else {
                array = recycler.take()
            }
            #expect(array.isEmpty)
            let fill = UInt8(truncatingIfNeeded: round)
            array.append(contentsOf: repeatElement(fill, count: 16))
            #expect(array.allSatisfy { $0 == fill })
            round += 1
        }
        await giver.value
        #expect(reused > 0)
    }
}

@Suite struct BufferExchangeTests {
    @Test func sizedForTheRequestsInFlight() {
        let exchange = BufferExchange(inFlight: 8)
        #expect(exchange.requestArrays.maxCapacity == 4096)
        for byte in UInt8(0)..<16 { exchange.requestArrays.give([byte]) }
        exchange.requestArrays.give([99])
        var kept = 0
        while exchange.requestArrays.takeSpare() != nil { kept += 1 }
        #expect(kept == 16)
        #expect(exchange.requestArrays.take().capacity >= 32)
        #expect(exchange.answerBuffers.take().capacity >= 128)
    }
}
