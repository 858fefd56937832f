import Glibc
import KairosStore
import Logging

/// Arbitrary bytes as a logfile: written to a real file (on tmpfs when there is one) and
/// replayed the way the server starts, first without and then with `--repair`.
///
/// Properties checked besides "no crash, no hang":
/// - replay agrees with `LogfileInspection`: an intact file is left untouched, a torn tail is
///   cut after its bytes were saved to the side file, and damage is refused with the file
///   left byte for byte as it was;
/// - `--repair` never refuses a damaged file, keeps exactly the bytes before the damage and
///   saves the rest to the side file;
/// - every complete frame is either applied or reported as skipped;
/// - after a cut (with or without repair) the file is intact and replays to the same entries.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReplay(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let path = Scratch.logfile
    writeFile(path, input)
    defer { unlink(path) }
    let verdict = LogfileInspection.inspect(input, maxTornTail: Replayer.maxTornTail)

    var applied = 0
    let report: ReplayReport
    do {
        report = try Replayer.replay(logfile: path, repair: false, logger: Scratch.logger) { _ in applied += 1 }
    } catch {
        guard case .damaged(_, let offset, let bytes, let reason) = error else {
            fatalError("FuzzReplay: unexpected replay error \(error)")
        }
        check(verdict == .damaged(offset: Int(offset), reason: reason), "refusal disagrees with inspection")
        check(Int(offset + bytes) == size, "refusal counts the wrong bytes")
        check(readFile(path).elementsEqual(input), "a refused logfile was modified")
        repair(input, path: path, keep: Int(offset))
        return 0
    }
    guard let file = report.files.last, report.files.count == 1 else {
        fatalError("FuzzReplay: expected one replayed file, got \(report.files.count)")
    }
    check(file.applied == applied, "applied count")
    check(file.applied + file.skipped.count == file.frames, "frames neither applied nor skipped")
    switch verdict {
    case .intact:
        check(!file.truncated && file.sideFile == nil && file.tailBytes == 0, "intact file reported as cut")
        check(readFile(path).elementsEqual(input), "an intact logfile was modified")
    case .tornTail(let offset):
        checkCut(input, path: path, keep: offset, file: file)
        checkStable(path: path, applied: applied)
    case .damaged:
        check(false, "damaged file replayed without repair")
    }
    return 0
}

/// `--repair` on a refused file keeps the bytes before the damage and saves the rest.
private func repair(_ input: UnsafeRawBufferPointer, path: String, keep: Int) {
    var applied = 0
    let report: ReplayReport
    do {
        report = try Replayer.replay(logfile: path, repair: true, logger: Scratch.logger) { _ in applied += 1 }
    } catch {
        fatalError("FuzzReplay: --repair refused: \(error)")
    }
    checkCut(input, path: path, keep: keep, file: report.files[report.files.count - 1])
    checkStable(path: path, applied: applied)
}

private func checkCut(_ input: UnsafeRawBufferPointer, path: String, keep: Int, file: ReplayReport.File) {
    check(file.truncated && file.tailBytes == input.count - keep, "cut size")
    check(readFile(path).elementsEqual(input[..<keep]), "the logfile keeps other bytes than those before the cut")
    guard let side = file.sideFile else { return check(false, "cut without a side file") }
    check(readFile(side).elementsEqual(input[keep...]), "the side file does not hold the cut bytes")
    unlink(side)
}

/// A second start finds nothing to cut and the same entries.
private func checkStable(path: String, applied: Int) {
    var again = 0
    do {
        let report = try Replayer.replay(logfile: path, repair: false, logger: Scratch.logger) { _ in again += 1 }
        check(report.files.last.map { !$0.truncated && $0.tailBytes == 0 } ?? false, "second replay cut again")
    } catch {
        fatalError("FuzzReplay: second replay failed: \(error)")
    }
    check(again == applied, "second replay applied \(again), first \(applied)")
}

/// One private directory per process, on tmpfs when available so fsync costs nothing.
private enum Scratch {
    static let logfile: String = {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        var template = Array("\(base)/kairos-fuzz-replay-XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            fatalError("FuzzReplay: mkdtemp failed")
        }
        return String(cString: dir) + "/logfile"
    }()

    static let logger = Logger(label: "fuzz-replay") { _ in SwiftLogNoOpLogHandler() }
}

private func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { fatalError("FuzzReplay: cannot create \(path)") }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        let count = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        guard count > 0 else { fatalError("FuzzReplay: cannot write \(path)") }
        offset += count
    }
}

private func readFile(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { fatalError("FuzzReplay: cannot open \(path)") }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        guard count >= 0 else { fatalError("FuzzReplay: cannot read \(path)") }
        if count == 0 { return out }
        out.append(contentsOf: chunk[..<count])
    }
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("FuzzReplay property failed: \(message())") }
}
