import KairosCore
import KairosProtocol

/// What compaction and `dump --compact` deduplicate by (D-compaction): the entry's kind and its id.
/// Jobs and rules are separate id spaces (the reference's shared space is docs/compatibility.md#d-compaction).
struct EntryKey: Hashable {
    enum Kind: UInt8 {
        case job, rule
        /// A recurring job's schedule (issue 15): its own key, so that compaction keeps the
        /// last job entry and the last schedule entry of a recurring job.
        case schedule
    }

    let kind: Kind
    let id: Bytes

    init(_ entry: LogEntry) {
        switch entry {
        case .job(let id, _, _), .jobRemoval(let id): self.init(kind: .job, id: id)
        case .rule(let id, _, _), .ruleRemoval(let id): self.init(kind: .rule, id: id)
        case .schedule(let id, _, _): self.init(kind: .schedule, id: id)
        }
    }

    init(kind: Kind, id: Bytes) {
        self.kind = kind
        self.id = id
    }
}

extension LogEntry {
    /// Whether the entry deletes its key (its key is dropped when this is its last entry).
    var isRemoval: Bool {
        switch self {
        case .job, .rule, .schedule: false
        case .jobRemoval, .ruleRemoval: true
        }
    }
}

/// Which entries survive deduplication: for each key only its last entry, and not even that
/// when it is a removal (unless removals must be kept as tombstones). Survivors keep their
/// original relative order.
struct Deduplicator {
    private var keys: [EntryKey?] = []
    private var removals: [Bool] = []
    private var lastIndex: [EntryKey: Int] = [:]

    /// Notes the next entry (index = number of calls so far). `nil`: an undecodable frame.
    mutating func add(_ entry: LogEntry?) {
        let index = keys.count
        guard let entry else {
            keys.append(nil)
            removals.append(false)
            return
        }
        let key = EntryKey(entry)
        switch entry {
        case .job(let id, _, _), .jobRemoval(let id):
            // A job entry or removal ends any schedule the job had (replay applies a schedule
            // only after its job entry): earlier schedule entries of that id no longer count.
            if !lastIndex.isEmpty { lastIndex.removeValue(forKey: EntryKey(kind: .schedule, id: id)) }
        default:
            break
        }
        keys.append(key)
        removals.append(entry.isRemoval)
        lastIndex[key] = index
    }

    var count: Int { keys.count }

    /// Whether entry `index` is kept. Undecodable frames are kept when `keepUndecodable`.
    func survives(_ index: Int, keepRemovals: Bool, keepUndecodable: Bool) -> Bool {
        guard let key = keys[index] else { return keepUndecodable }
        guard lastIndex[key] == index else { return false }
        return keepRemovals || !removals[index]
    }
}
