/// Durations of `EVERY` and `RETRY` (issue 15): one or more `<digits><unit>` groups with units
/// `d`, `h`, `m`, `s` in that order, each at most once: `90s`, `15m`, `2h`, `1d`, `1h30m`.
///
/// Pure and total: anything else (empty, unknown unit, repeated or out-of-order unit, overflow)
/// is nil, so the request is answered `ERROR` and changes nothing.
public enum DurationText {
    /// Nanoseconds, or nil when `text` is not a duration.
    public static func parse<C: Collection>(_ text: C) -> Int64? where C.Element == UInt8 {
        var total: Int64 = 0
        var value: Int64 = 0
        var digits = 0
        var lastRank = Int.max
        for byte in text {
            if byte >= 0x30, byte <= 0x39 {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int64(byte - 0x30))
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                digits += 1
                continue
            }
            guard digits > 0, let (rank, unit) = unit(byte), rank < lastRank else { return nil }
            let (part, overflow1) = value.multipliedReportingOverflow(by: unit)
            let (sum, overflow2) = total.addingReportingOverflow(part)
            guard !overflow1, !overflow2 else { return nil }
            total = sum
            lastRank = rank
            value = 0
            digits = 0
        }
        // A trailing number without its unit is refused: `90` could mean seconds or minutes.
        guard digits == 0, lastRank != Int.max else { return nil }
        return total
    }

    /// The canonical text of `nanoseconds` (whole seconds; larger units first), e.g. `1h30m`.
    /// Sub-second remainders never occur: parsed durations are whole seconds.
    public static func format(_ nanoseconds: Int64) -> String {
        var seconds = nanoseconds / 1_000_000_000
        guard seconds > 0 else { return "0s" }
        var text = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60), ("s", 1)] where seconds >= size {
            text += "\(seconds / size)\(unit)"
            seconds %= size
        }
        return text
    }

    private static func unit(_ byte: UInt8) -> (rank: Int, nanoseconds: Int64)? {
        switch byte {
        case UInt8(ascii: "d"): (3, 86_400_000_000_000)
        case UInt8(ascii: "h"): (2, 3_600_000_000_000)
        case UInt8(ascii: "m"): (1, 60_000_000_000)
        case UInt8(ascii: "s"): (0, 1_000_000_000)
        default: nil
        }
    }
}
