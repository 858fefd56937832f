import Glibc

/// CPU time of the server process and of each of its threads, read from `/proc/PID/stat` and
/// `/proc/PID/task/TID/stat` (utime + stime). Two samples taken at the edges of the measured
/// window give the server's CPU per request, a figure that does not depend on how much of the
/// two cores the load generator itself took.
///
/// The kernel counts these in clock ticks (`sysconf(_SC_CLK_TCK)`, 100 per second here), so a
/// window of a few seconds at one core resolves to a fraction of a percent. The process total
/// includes threads that exited during the window; the per-thread split covers the threads
/// alive at the end (a thread started during the window counts from zero).
struct ServerCPU: Equatable, Sendable {
    /// CPU time of one thread, keyed by TID.
    struct ThreadTime: Equatable, Sendable {
        let name: String
        let nanoseconds: Int64
    }

    let nanoseconds: Int64
    let threads: [Int: ThreadTime]

    /// Reads the process and its threads; nil when the process is gone or unreadable.
    static func sample(pid: Int) -> ServerCPU? {
        guard let text = ProcStatus.readSmallFile("/proc/\(pid)/stat"), let total = parseStat(text) else { return nil }
        var threads: [Int: ThreadTime] = [:]
        for tid in taskIDs(pid: pid) {
            guard let text = ProcStatus.readSmallFile("/proc/\(pid)/task/\(tid)/stat"), let time = parseStat(text) else {
                continue  // the thread exited between the listing and the read
            }
            threads[tid] = ThreadTime(name: time.name, nanoseconds: time.nanoseconds)
        }
        return ServerCPU(nanoseconds: total.nanoseconds, threads: threads)
    }

    /// CPU used between `earlier` and this sample, per thread name (threads of the same name
    /// summed), busiest first.
    func threadsSince(_ earlier: ServerCPU) -> [(name: String, nanoseconds: Int64)] {
        var byName: [String: Int64] = [:]
        for (tid, time) in threads {
            let before = earlier.threads[tid]?.nanoseconds ?? 0
            byName[time.name, default: 0] += max(0, time.nanoseconds - before)
        }
        return byName.map { (name: $0.key, nanoseconds: $0.value) }
            .sorted { $0.nanoseconds != $1.nanoseconds ? $0.nanoseconds > $1.nanoseconds : $0.name < $1.name }
    }

    /// `comm` and utime + stime of one `stat` line. The name sits in parentheses and may itself
    /// hold spaces or parentheses, so the numeric fields are counted from the last `)`:
    /// after it come field 3 (state) ... field 14 (utime) and 15 (stime).
    static func parseStat(_ text: String) -> (name: String, nanoseconds: Int64)? {
        let bytes = Array(text.utf8)
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
            let close = bytes.lastIndex(of: UInt8(ascii: ")")), open < close
        else { return nil }
        let name = String(decoding: bytes[(open + 1)..<close], as: UTF8.self)
        let fields = bytes[(close + 1)...].split(separator: 0x20)
        guard fields.count > 12,
            let user = Int64(String(decoding: fields[11], as: UTF8.self)),
            let system = Int64(String(decoding: fields[12], as: UTF8.self))
        else { return nil }
        return (name, ticksToNanoseconds(user + system))
    }

    static func ticksToNanoseconds(_ ticks: Int64) -> Int64 {
        ticks * (1_000_000_000 / clockTicksPerSecond)
    }

    static let clockTicksPerSecond: Int64 = {
        let ticks = Int64(sysconf(Int32(_SC_CLK_TCK)))
        return ticks > 0 ? ticks : 100
    }()

    /// The numeric entries of `/proc/PID/task`. Benchmarks-only code, so it lists the directory
    /// with libc's opendir/readdir directly; the server's syscall layer has no directory reader.
    static func taskIDs(pid: Int) -> [Int] {
        guard let directory = opendir("/proc/\(pid)/task") else { return [] }
        defer { closedir(directory) }
        var ids: [Int] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if let id = Int(name) { ids.append(id) }
        }
        return ids.sorted()
    }
}
