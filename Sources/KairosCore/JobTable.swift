import KairosProtocol
import KairosSync

/// One job as the table stores it.
///
/// An id of up to `InlineKey.capacity` bytes lives only in `key`: no heap block per job, which
/// is about 48 bytes of a million-job table's memory per job (an array's header plus malloc's
/// rounding). Longer ids keep their whole bytes in `spilled` as well.
struct JobRecord: Equatable {
    /// The whole id when `key` cannot hold it, otherwise empty (the shared empty array: no
    /// allocation).
    private let spilled: Bytes
    var execution: Int64
    /// 0 marks a free slot; live jobs always have a generation >= 1.
    var generation: UInt64
    /// The id's first bytes, for lookups that need not leave the record, and the whole id when
    /// it is short. Before `status` so the record packs into 48 bytes.
    let key: InlineKey
    var status: JobStatus
    /// The job's schedule in `RecurringTable` (issue 15), 0 for a one-shot job. It sits in what
    /// was padding after `status`: the record keeps its size.
    var recurring: UInt32 = 0

    init(id: Bytes, execution: Int64, generation: UInt64, status: JobStatus) {
        let key = id.withUnsafeBufferPointer { InlineKey($0) }
        if key.isComplete {
            spilled = []
        } else if id.capacity > id.count + 16 {
            // The table may keep an id for a long time: do not let a roomy parser buffer pin memory.
            spilled = id.withUnsafeBufferPointer { Array($0) }
        } else {
            spilled = id
        }
        self.execution = execution
        self.generation = generation
        self.key = key
        self.status = status
    }

    /// The id as an array. A short id is copied out of the record (an allocation): hot paths
    /// use `withID` instead.
    var id: Bytes {
        key.isComplete ? key.withBytes { Array($0) } : spilled
    }

    /// Calls `body` with the id's bytes, without allocating.
    @inline(__always)
    func withID<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        key.isComplete ? try key.withBytes(body) : try spilled.withUnsafeBufferPointer(body)
    }

    /// Whether the job's id is `bytes`, whose inline key is `bytesKey`.
    @inline(__always)
    func hasID(_ bytes: UnsafeBufferPointer<UInt8>, key bytesKey: InlineKey) -> Bool {
        guard key == bytesKey else { return false }
        return key.isComplete || spilled.withUnsafeBufferPointer { ByteOrder.compare($0, bytes) == 0 }
    }
}

/// The jobs table: records in reusable slots, a hash index for point lookups and a sorted index
/// for prefix queries. Slots keep a job at 48 bytes (plus its id when longer than 16 bytes)
/// instead of a `Dictionary` entry with its load-factor slack; heap entries refer to a job by slot (4 bytes) instead of by id.
///
/// Also the single writer of the jobs_* counters in `ServerStats` (core thread).
struct JobTable {
    private(set) var records: [JobRecord] = []
    private var freeSlots: [UInt32] = []
    private var index = ByteHashIndex()
    private var ordered = SortedIndex()
    /// Jobs per status, indexed by `JobStatus.rawValue`.
    private(set) var countByStatus: [Int] = [0, 0, 0, 0]
    private let stats: ServerStats

    init(stats: ServerStats) {
        self.stats = stats
    }

    var count: Int { index.count }

    func count(_ status: JobStatus) -> Int { countByStatus[Int(status.rawValue)] }

    func slot(of id: Bytes) -> UInt32? {
        id.withUnsafeBufferPointer { bytes in
            let hash = ByteHashIndex.hash(bytes)
            let key = InlineKey(bytes)
            return records.withUnsafeBufferPointer { all in
                index.find(hash: hash) { handle in
                    (all.baseAddress! + Int(handle)).pointee.hasID(bytes, key: key)
                }
            }
        }
    }

    subscript(slot: UInt32) -> JobRecord { records[Int(slot)] }

    /// Reads, and so brings into the cache, the home buckets of `hashes` and then the records
    /// they name, without deciding anything: a batch of lookups then finds both in the cache
    /// instead of paying two dependent misses each, one lookup after the other. Returns a
    /// value only so the loads are not optimised away.
    func warm(_ hashes: UnsafeBufferPointer<UInt32>) -> UInt64 {
        var sink: UInt64 = 0
        for hash in hashes { sink &+= index.homeBucket(hash) }
        records.withUnsafeBufferPointer { all in
            for hash in hashes {
                if let handle = ByteHashIndex.handle(in: index.homeBucket(hash), tagged: hash), Int(handle) < all.count {
                    sink &+= all[Int(handle)].generation
                }
            }
        }
        return sink
    }

    /// Adds a job whose id is not present yet; returns its slot.
    @discardableResult
    mutating func insert(_ record: JobRecord) -> UInt32 {
        precondition(record.generation != 0, "generation 0 marks free slots")
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
            records[Int(slot)] = record
        } else {
            slot = UInt32(records.count)
            records.append(record)
        }
        record.withID { id in
            index.insert(hash: ByteHashIndex.hash(id), handle: slot)
            records.withUnsafeBufferPointer { all in
                ordered.insert(slot) { all[Int($0)].withID { ByteOrder.compare($0, id) } }
            }
        }
        adjust(record.status, by: 1)
        stats.jobsTotal.store(index.count, ordering: .relaxed)
        return slot
    }

    /// Overwrites the job in `slot` (its id stays).
    mutating func update(_ slot: UInt32, execution: Int64, generation: UInt64, status: JobStatus) {
        precondition(generation != 0, "generation 0 marks free slots")
        let old = records[Int(slot)].status
        records[Int(slot)].execution = execution
        records[Int(slot)].generation = generation
        records[Int(slot)].status = status
        if old != status {
            adjust(old, by: -1)
            adjust(status, by: 1)
        }
    }

    /// Sets the `RecurringTable` handle of the job in `slot`.
    mutating func setRecurring(_ slot: UInt32, _ handle: UInt32) {
        records[Int(slot)].recurring = handle
    }

    mutating func setStatus(_ slot: UInt32, _ status: JobStatus) {
        let old = records[Int(slot)].status
        guard old != status else { return }
        records[Int(slot)].status = status
        adjust(old, by: -1)
        adjust(status, by: 1)
    }

    /// Deletes the job in `slot` and returns what it held; the slot becomes reusable.
    @discardableResult
    mutating func remove(_ slot: UInt32) -> JobRecord {
        let record = records[Int(slot)]
        record.withID { id in
            index.remove(hash: ByteHashIndex.hash(id), handle: slot)
            records.withUnsafeBufferPointer { all in
                _ = ordered.remove { all[Int($0)].withID { ByteOrder.compare($0, id) } }
            }
        }
        // Releasing the id now keeps memory proportional to live jobs; generation 0 makes any
        // due entry still naming this slot stale.
        records[Int(slot)] = JobRecord(id: [], execution: 0, generation: 0, status: .planned)
        freeSlots.append(slot)
        adjust(record.status, by: -1)
        stats.jobsTotal.store(index.count, ordering: .relaxed)
        return record
    }

    /// Calls `body` with each job whose id is >= `key`, in id order, until it returns false.
    func forEachOrdered(from key: Bytes, _ body: (JobRecord) -> Bool) {
        key.withUnsafeBufferPointer { key in
            records.withUnsafeBufferPointer { all in
                ordered.forEach(from: { all[Int($0)].withID { ByteOrder.compare($0, key) } }) { body(all[Int($0)]) }
            }
        }
    }

    /// Checks every internal invariant; for tests.
    func violations() -> [String] {
        var problems: [String] = []
        let live = records.indices.filter { records[$0].generation != 0 }
        if live.count != index.count { problems.append("hash index holds \(index.count), table \(live.count)") }
        if live.count != ordered.count { problems.append("sorted index holds \(ordered.count), table \(live.count)") }
        if Set(index.handles.map(Int.init)) != Set(live) { problems.append("hash index handles differ") }
        let inOrder = ordered.allHandles.map { records[Int($0)].id }
        for pair in zip(inOrder, inOrder.dropFirst()) where ByteOrder.compare(pair.0, pair.1) >= 0 {
            problems.append("sorted index out of order")
            break
        }
        for slot in live where self.slot(of: records[slot].id) != UInt32(slot) {
            problems.append("lookup of slot \(slot) fails")
        }
        for status in JobStatus.allCases {
            let actual = live.count { records[$0].status == status }
            if actual != count(status) { problems.append("\(status.name) count \(count(status)) != \(actual)") }
        }
        let published = [
            stats.jobsPlanned.load(ordering: .relaxed), stats.jobsTriggered.load(ordering: .relaxed),
            stats.jobsExecuted.load(ordering: .relaxed), stats.jobsFailed.load(ordering: .relaxed),
        ]
        if published != countByStatus { problems.append("published counts \(published) != \(countByStatus)") }
        if stats.jobsTotal.load(ordering: .relaxed) != index.count { problems.append("published total differs") }
        return problems
    }

    private mutating func adjust(_ status: JobStatus, by delta: Int) {
        countByStatus[Int(status.rawValue)] += delta
        let value = countByStatus[Int(status.rawValue)]
        switch status {
        case .planned: stats.jobsPlanned.store(value, ordering: .relaxed)
        case .triggered: stats.jobsTriggered.store(value, ordering: .relaxed)
        case .executed: stats.jobsExecuted.store(value, ordering: .relaxed)
        case .failed: stats.jobsFailed.store(value, ordering: .relaxed)
        }
    }
}
