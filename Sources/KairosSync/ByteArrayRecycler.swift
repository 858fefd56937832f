/// Spent byte arrays travelling back from the thread that finished with them to the thread
/// that fills them, so steady traffic reuses the same heap blocks instead of allocating one
/// per request on one thread and freeing it on another.
///
/// One thread gives, one other thread takes (the ring underneath is SPSC). Nothing is ever
/// required to come back: an array that is not given is simply freed, and `take` makes a new
/// one when none is spare, so the recycler only saves work and never changes results.
/// Arrays with no capacity, or more than `maxCapacity`, are not kept, so one huge answer cannot
/// pin its memory for good; when the ring is full the array is freed.
public final class ByteArrayRecycler: Sendable {
    private let ring: SPSCRing<[UInt8]>
    public let maxCapacity: Int
    /// Room reserved in an array `take` has to make, so that a typical content never has to
    /// grow it later (request ids that lengthen as a client's counter grows, for one).
    public let minimumCapacity: Int

    /// At most `slots` spare arrays (rounded up to a power of two) are held.
    public init(slots: Int, maxCapacity: Int, minimumCapacity: Int = 0) {
        ring = SPSCRing(capacity: slots)
        self.maxCapacity = maxCapacity
        self.minimumCapacity = minimumCapacity
    }

    /// Giver's side. Pass the last reference (`give(consume array)`): an array still shared
    /// when the taker empties it is copied instead of reused.
    public func give(_ array: consuming [UInt8]) {
        guard array.capacity > 0, array.capacity <= maxCapacity else { return }
        _ = ring.push(array)
    }

    /// Taker's side: an empty array, with the capacity of a spent one when one is spare and
    /// at least `minimumCapacity` otherwise.
    public func take() -> [UInt8] {
        if let spare = takeSpare() { return spare }
        var fresh: [UInt8] = []
        fresh.reserveCapacity(minimumCapacity)
        return fresh
    }

    /// Taker's side: a spent array emptied for reuse, or nil when none is spare.
    public func takeSpare() -> [UInt8]? {
        guard var array = ring.pop() else { return nil }
        array.removeAll(keepingCapacity: true)
        return array
    }
}

/// The two return paths between the reactor and the core: request arrays (request ids and job
/// ids the core has answered) go back to the reactor's parser, and answer buffers the reactor
/// has consumed go back to the core's encoder.
public struct BufferExchange: Sendable {
    /// Core gives, reactor takes.
    public let requestArrays: ByteArrayRecycler
    /// Reactor gives, core takes.
    public let answerBuffers: ByteArrayRecycler

    /// Sized for `inFlight` outstanding requests: each holds two request arrays (its id and its
    /// job id) and at most one answer buffer. Past that, arrays are freed and made anew as before.
    /// A spare is kept only if it was in use at some point, so what the recycler holds never
    /// exceeds the peak of real traffic; the caps bound it absolutely
    /// (slots × maxCapacity).
    public init(inFlight: Int) {
        requestArrays = ByteArrayRecycler(slots: 2 * inFlight, maxCapacity: 4096, minimumCapacity: 32)
        answerBuffers = ByteArrayRecycler(slots: inFlight, maxCapacity: 8192, minimumCapacity: 128)
    }
}
