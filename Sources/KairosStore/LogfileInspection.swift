/// What startup replay may do with the bytes after a logfile's last complete frame.
///
/// Only the journal's last write can be incomplete, so a genuine torn tail is small (at most
/// `JournalWriter.maxUnsyncedBytes`), starts with a length the writer could have written, and
/// is followed by nothing that decodes. Anything else is damage (a flipped length bit, a file
/// that is not a logfile at all), and cutting it would silently destroy entries.
public enum LogfileInspection: Equatable, Sendable {
    /// Every byte belongs to a complete frame.
    case intact
    /// An incomplete last append starts at `offset`; cutting it loses nothing acknowledged.
    case tornTail(offset: Int)
    /// The bytes from `offset` on are not a torn append; only `--repair` may move them away.
    case damaged(offset: Int, reason: Damage)

    public enum Damage: Equatable, Sendable, CustomStringConvertible {
        /// The file does not start with a decodable frame (a text file, another format).
        case notALogfile
        /// More bytes after the last complete frame than one unsynced write can leave.
        case tailTooLarge(limit: Int)
        /// Frames that do not decode lead up to the incomplete tail (a lost frame alignment).
        case undecodableFrames
        /// The first frame of the tail announces a length or type the writer never produces.
        case implausibleFrame
        /// Complete, decodable frames follow the broken one: a damaged length mid-file.
        case framesFollow(at: Int)

        public var description: String {
            switch self {
            case .notALogfile: "the file does not begin with a decodable frame"
            case .tailTooLarge(let limit):
                "more bytes follow the last complete frame than a torn append can leave (at most \(limit))"
            case .undecodableFrames: "the frames before the incomplete end do not decode"
            case .implausibleFrame: "the frame there has a length or type the journal never writes"
            case .framesFollow(let at): "valid frames follow the broken one (from offset \(at))"
            }
        }
    }

    /// Largest frame payload treated as one the journal could have been writing when it was
    /// cut. Requests are at most 4096 bytes, so real entries stay far below this.
    public static let largestPlausibleFrame = 1 << 20

    /// Classifies `bytes`; `maxTornTail` is the writer's bound on what one crash can leave.
    public static func inspect(_ bytes: UnsafeRawBufferPointer, maxTornTail: Int) -> LogfileInspection {
        guard !bytes.isEmpty else { return .intact }
        var scanner = FrameScanner(bytes)
        guard let first = scanner.next() else {
            // No complete frame: only a torn very first append, with a plausible header.
            return plausibleFrameStart(bytes, at: 0) && bytes.count >= 4 && bytes.count <= maxTornTail
                ? .tornTail(offset: 0) : .damaged(offset: 0, reason: .notALogfile)
        }
        guard decodes(first.payload) else { return .damaged(offset: 0, reason: .notALogfile) }
        while scanner.next() != nil {}
        if scanner.consumed == bytes.count { return .intact }
        // Complete frames that do not decode are skipped by replay (D-torn-tails) and stay in the file;
        // but when they come right before an incomplete tail, the scan has most likely lost
        // frame alignment at a damaged length, so the damage starts after the last good frame.
        // (Decoded only now: an intact file, the common case, is not decoded twice.)
        var again = FrameScanner(bytes)
        var lastDecodedEnd = 0
        while let frame = again.next() {
            if decodes(frame.payload) { lastDecodedEnd = frame.frame.upperBound }
        }
        let offset = scanner.consumed
        if bytes.count - lastDecodedEnd > maxTornTail {
            return .damaged(offset: lastDecodedEnd, reason: .tailTooLarge(limit: maxTornTail))
        }
        if lastDecodedEnd < offset { return .damaged(offset: lastDecodedEnd, reason: .undecodableFrames) }
        if !plausibleFrameStart(bytes, at: offset) { return .damaged(offset: offset, reason: .implausibleFrame) }
        if let resync = firstFollowingFrames(bytes, after: offset) {
            return .damaged(offset: offset, reason: .framesFollow(at: resync))
        }
        return .tornTail(offset: offset)
    }

    private static func decodes(_ payload: UnsafeRawBufferPointer) -> Bool {
        do {
            _ = try LogDecoder.decode(payload: payload)
            return true
        } catch {
            return false
        }
    }

    /// Whether the (possibly cut) frame at `offset` starts like one the writer produces.
    /// Fewer than 4 bytes cannot be judged, and are a torn length prefix at worst.
    static func plausibleFrameStart(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        let available = bytes.count - offset
        guard available >= 4 else { return true }
        let length = readLength(bytes, at: offset)
        guard length >= 1, length <= largestPlausibleFrame else { return false }
        return available == 4 || EntryType(rawValue: bytes[offset + 4]) != nil
    }

    /// An offset inside the tail from which decodable frames run to the end of the file (or
    /// at least two do, before a cut one). A torn append holds part of one frame, so finding
    /// such a chain means a length field was damaged and real entries lie behind it.
    static func firstFollowingFrames(_ bytes: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        var start = offset + 1
        while start + 4 < bytes.count {
            if chainIsValid(bytes, from: start) { return start }
            start += 1
        }
        return nil
    }

    private static func chainIsValid(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Bool {
        var position = start
        var decoded = 0
        while position < bytes.count {
            guard bytes.count - position >= 4 else { return decoded >= 2 }
            let length = readLength(bytes, at: position)
            guard length <= largestPlausibleFrame else { return false }
            guard bytes.count - position - 4 >= length else { return decoded >= 2 }
            guard decodes(UnsafeRawBufferPointer(rebasing: bytes[(position + 4)..<(position + 4 + length)])) else {
                return false
            }
            decoded += 1
            position += 4 + length
        }
        return decoded >= 1
    }

    private static func readLength(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int {
        Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
    }
}
