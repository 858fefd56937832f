import KairosSystem

/// What the compactor asks the journal writer to finish: the temp file already holds the
/// compacted form of the logfile's first `snapshotLength` bytes, synced.
struct SwapRequest: Sendable {
    let temp: any LogFileIO
    let snapshotLength: Int64
    let checkpoint: CompactionCheckpoint
}

/// How the writer's part of a compaction ended.
enum SwapOutcome: Sendable, Equatable {
    /// The logfile is the compacted file now. `directorySynced` false: the rename is not yet
    /// known durable; the writer retries the directory sync before acknowledging more entries.
    case swapped(directorySynced: Bool)
    case failed(String)
    case interrupted(CompactionStep)
}

/// The writer-side steps of a compaction (D-compaction), run on the writer thread between two writes
/// so no append can land in the old file after its bytes were copied.
///
/// Crash safety: until the rename, the logfile is untouched and the temp file is ignored (and
/// removed) by the next startup. The rename swaps in a file that was synced and replays to the
/// same state. After it, the directory sync makes the swap itself durable before any later
/// entry is acknowledged from the new file.
enum CompactionSwap {
    struct Swapped {
        let file: any LogFileIO
        let committedLength: Int64
        let directorySynced: Bool
    }

    enum Failure: Error, Equatable {
        /// Gave up before the rename; the temp file is removed and the logfile unchanged.
        case io(String)
        case interrupted(CompactionStep)
    }

    static func perform(current: any LogFileIO, committedLength: Int64, request: SwapRequest,
                        paths: LogfilePaths, fileSystem: any LogFileSystem) throws(Failure) -> Swapped {
        let temp = request.temp
        let newLength: Int64
        do {
            try copyDelta(from: current, range: request.snapshotLength..<committedLength, to: temp)
            try request.checkpoint.reach(.afterDeltaCopy)
            try sync(temp)
            try request.checkpoint.reach(.afterDeltaSync)
            // Nothing that can fail may come between the rename and the caller switching files.
            newLength = try tempSize(temp)
            do {
                try fileSystem.rename(paths.compactionTemp, to: paths.logfile)
            } catch {
                throw Failure.io("rename \(paths.compactionTemp) over \(paths.logfile): \(error)")
            }
        } catch let interrupted as CompactionInterrupted {
            throw .interrupted(interrupted.step)
        } catch let failure as Failure {
            temp.close()
            try? fileSystem.remove(paths.compactionTemp)
            throw failure
        } catch {
            temp.close()
            try? fileSystem.remove(paths.compactionTemp)
            throw .io("\(error)")
        }
        do {
            try request.checkpoint.reach(.afterRename)
        } catch {
            throw .interrupted(error.step)
        }
        // The old file is gone from the namespace: from here on the caller must append to the
        // new one (and close the old), whatever the directory sync says.
        let synced = (try? fileSystem.syncDirectory(paths.directory)) != nil
        if synced {
            do {
                try request.checkpoint.reach(.afterDirectorySync)
            } catch {
                throw .interrupted(error.step)
            }
        }
        return Swapped(file: temp, committedLength: newLength, directorySynced: synced)
    }

    /// Appends the logfile's bytes in `range` (entries committed since the snapshot) to `temp`.
    private static func copyDelta(from current: any LogFileIO, range: Range<Int64>,
                                  to temp: any LogFileIO) throws(Failure) {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var offset = range.lowerBound
        while offset < range.upperBound {
            let want = Int(min(Int64(chunk.count), range.upperBound - offset))
            let result: Result<Int, Errno> = chunk.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in
                    try current.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<want]))
                }
            }
            let got: Int
            do {
                got = try result.get()
            } catch {
                throw .io("read logfile for compaction: \(error)")
            }
            if got == 0 { throw .io("logfile shorter than its committed length") }
            let written: Result<Void, PartialWrite> = chunk.withUnsafeBytes { raw in
                Result { () throws(PartialWrite) in try temp.append(UnsafeRawBufferPointer(rebasing: raw[0..<got])) }
            }
            if case .failure(let failure) = written {
                throw .io("write compaction temp: \(failure.errno)")
            }
            offset += Int64(got)
        }
    }

    private static func sync(_ temp: any LogFileIO) throws(Failure) {
        do {
            try temp.sync()
        } catch {
            throw .io("sync compaction temp: \(error)")
        }
    }

    private static func tempSize(_ temp: any LogFileIO) throws(Failure) -> Int64 {
        do {
            return try temp.size()
        } catch {
            throw .io("stat compaction temp: \(error)")
        }
    }
}
