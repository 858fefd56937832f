import KairosProtocol
import KairosSync

/// Overlapping the cache misses of a batch of requests (issue 13).
///
/// A point lookup in the job table costs two dependent cache misses (the hash bucket, then the
/// record), and the request's id arrays arrive from the reactor's cache. Handled one after the
/// other, each request waits for all of them in turn; the B1 profile put a sixth of the
/// server's CPU time in `JobTable.slot(of:)` alone. Reading the buckets of a whole batch, then
/// their records, lets the processor fetch them side by side before the batch is handled.
extension SchedulerCore {
    /// How many waiting requests one `prefetch` looks at.
    public static let prefetchBatch = 32

    /// Warms the job table for the next requests waiting in `requests` (at most
    /// `prefetchBatch`), without popping them. Returns how many it looked at: the caller pops
    /// and handles those next. Core thread only (it is the ring's consumer).
    public func prefetch(_ requests: SPSCRing<RequestEnvelope>) -> Int {
        prefetchHashes.removeAll(keepingCapacity: true)
        let visible = requests.peek(limit: Self.prefetchBatch) { envelope in
            switch envelope.pointee.request.command {
            case .set(let job, _), .get(let job), .remove(let job), .info(let job):
                prefetchHashes.append(job.withUnsafeBufferPointer { ByteHashIndex.hash($0) })
            default:
                break
            }
        }
        if prefetchHashes.count > 1 {
            prefetchSink &+= prefetchHashes.withUnsafeBufferPointer { jobs.warm($0) }
        }
        return visible
    }
}
