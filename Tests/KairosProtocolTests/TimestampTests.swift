@testable import KairosProtocol
import Testing

/// The tokens after the job id and the execution time they must give (`nil` = SET ERROR).
struct TimestampCase: Sendable, CustomTestStringConvertible {
    var tokens: [String]
    var expected: Int64?

    init(_ tokens: [String], _ expected: Int64?) {
        self.tokens = tokens
        self.expected = expected
    }

    var testDescription: String { tokens.debugDescription }
}

@Suite("Timestamps (docs/protocol.md#timestamps, D-bad-timestamps)")
struct TimestampTests {
    /// docs/protocol.md#timestamps's table with D-bad-timestamps applied: every former 0 is now an error.
    static let specTable: [TimestampCase] = [
        TimestampCase(["1775008800000000000"], 1_775_008_800_000_000_000),
        TimestampCase(["2026-03-30", "14:00:00"], 1_774_879_200_000_000_000),
        TimestampCase(["2026-04-01", "02:00:00", "trailing"], 1_775_008_800_000_000_000),
        TimestampCase(["-5"], -5),
        TimestampCase(["2026-04-01 02:00:00"], nil),
        TimestampCase(["2026-04-01"], nil),
        TimestampCase(["2026-04-01", "2:00:00"], nil),
        TimestampCase(["1775008800000000000\r"], nil),
        TimestampCase(["tomorrow"], nil),
    ]

    static let integers: [TimestampCase] = [
        TimestampCase(["+5"], 5),
        TimestampCase(["0"], 0),
        TimestampCase(["-0"], 0),
        TimestampCase(["+0"], 0),
        TimestampCase(["007"], 7),
        TimestampCase(["9223372036854775807"], .max),
        TimestampCase(["-9223372036854775808"], .min),
        TimestampCase(["00000000000000000000009223372036854775807"], .max),
        TimestampCase(["9223372036854775808"], nil),
        TimestampCase(["-9223372036854775809"], nil),
        TimestampCase(["99999999999999999999"], nil),
        TimestampCase(["1_000"], nil),
        TimestampCase([""], nil),
        TimestampCase(["+"], nil),
        TimestampCase(["-"], nil),
        TimestampCase(["+-5"], nil),
        TimestampCase(["--5"], nil),
        TimestampCase(["5-"], nil),
        TimestampCase([" 5"], nil),
        TimestampCase(["5 "], nil),
        TimestampCase(["0x10"], nil),
        TimestampCase(["1e9"], nil),
        TimestampCase(["1.5"], nil),
        // Two tokens without the date/time shape: the first is read as an integer.
        TimestampCase(["5", "anything"], 5),
        TimestampCase(["5", "02:00:00"], 5),
        TimestampCase(["-5", "2026-04-01"], -5),
        TimestampCase(["2026-04-01", "02:00"], nil),
        TimestampCase(["2026-04-01", "02-00-00"], nil),
    ]

    static let dates: [TimestampCase] = [
        TimestampCase(["1970-01-01", "00:00:00"], 0),
        TimestampCase(["1970-01-01", "00:00:01"], 1_000_000_000),
        TimestampCase(["2099-12-31", "23:59:59"], 4_102_444_799_000_000_000),
        TimestampCase(["2026-01-31", "00:00:00"], 1_769_817_600_000_000_000),
        TimestampCase(["2026-06-30", "00:00:00"], 1_782_777_600_000_000_000),
        TimestampCase(["2026-12-31", "00:00:00"], 1_798_675_200_000_000_000),
        // Proleptic UTC before the epoch.
        TimestampCase(["1969-12-31", "23:59:59"], -1_000_000_000),
        TimestampCase(["1900-02-28", "23:59:59"], -2_203_891_201_000_000_000),
        TimestampCase(["1900-03-01", "00:00:00"], -2_203_891_200_000_000_000),
        // Leap years: 2000 and 2024 are, 1900, 2023 and 2100 are not.
        TimestampCase(["2000-02-29", "00:00:00"], 951_782_400_000_000_000),
        TimestampCase(["2000-03-01", "00:00:00"], 951_868_800_000_000_000),
        TimestampCase(["2024-02-29", "12:34:56"], 1_709_210_096_000_000_000),
        TimestampCase(["1900-02-29", "00:00:00"], nil),
        TimestampCase(["2023-02-29", "00:00:00"], nil),
        TimestampCase(["2100-02-29", "00:00:00"], nil),
        // Impossible dates and times.
        TimestampCase(["2026-02-31", "00:00:00"], nil),
        TimestampCase(["2026-04-31", "00:00:00"], nil),
        TimestampCase(["2026-06-31", "00:00:00"], nil),
        TimestampCase(["2026-09-31", "00:00:00"], nil),
        TimestampCase(["2026-11-31", "00:00:00"], nil),
        TimestampCase(["2026-01-32", "00:00:00"], nil),
        TimestampCase(["2026-13-01", "00:00:00"], nil),
        TimestampCase(["2026-00-01", "00:00:00"], nil),
        TimestampCase(["2026-01-00", "00:00:00"], nil),
        TimestampCase(["2026-01-01", "24:00:00"], nil),
        TimestampCase(["2026-01-01", "23:60:00"], nil),
        TimestampCase(["2026-01-01", "23:59:60"], nil),
        // Fields are plain digits.
        TimestampCase(["+026-04-01", "02:00:00"], nil),
        TimestampCase(["2026-+4-01", "02:00:00"], nil),
        TimestampCase(["2026-04-01", "02:00:0a"], nil),
        TimestampCase(["2026-04-01", " 2:00:00"], nil),
        TimestampCase(["2026_04_01", "02:00:00"], nil),
        // The Int64 nanosecond range ends at 2262-04-11 23:47:16.854775807 and starts at
        // 1677-09-21 00:12:43.145224192.
        TimestampCase(["2262-04-11", "23:47:16"], 9_223_372_036_000_000_000),
        TimestampCase(["2262-04-11", "23:47:17"], nil),
        TimestampCase(["2262-04-12", "00:00:00"], nil),
        TimestampCase(["9999-12-31", "23:59:59"], nil),
        TimestampCase(["1677-09-21", "00:12:44"], -9_223_372_036_000_000_000),
        TimestampCase(["1677-09-21", "00:12:43"], nil),
        TimestampCase(["0000-01-01", "00:00:00"], nil),
    ]

    @Test("from arrays", arguments: specTable + integers + dates)
    func fromArrays(_ testCase: TimestampCase) {
        #expect(Timestamp.parse(testCase.tokens.map(bytes)) == testCase.expected)
    }

    /// The same values through a SET line, where a bad timestamp is `Command.malformed`.
    @Test("through SET", arguments: specTable + integers + dates)
    func throughSet(_ testCase: TimestampCase) throws {
        var line = bytes("r1 SET job")
        for token in testCase.tokens {
            line += bytes(" \"")
            for byte in bytes(token) {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { line.append(UInt8(ascii: "\\")) }
                line.append(byte)
            }
            line += bytes("\"")
        }
        line.append(0x0A)
        let parsed = try #require(parseLine(line))
        let command: Command = testCase.expected.map { .set(job: bytes("job"), execution: $0) } ?? .malformed
        #expect(parsed == request("r1", command))
    }

    @Test("no tokens at all")
    func empty() {
        #expect(Timestamp.parse([]) == nil)
        #expect(Timestamp.parse(TokenList(), from: 0) == nil)
    }

    @Test("buffer-pointer form")
    func bufferForm() {
        let date = bytes("2026-04-01"), time = bytes("02:00:00"), number = bytes("42")
        date.withUnsafeBytes { date in
            time.withUnsafeBytes { time in
                #expect(Timestamp.parse(date: date, time: time, first: date) == 1_775_008_800_000_000_000)
                #expect(Timestamp.parse(date: nil, time: nil, first: date) == nil)
                #expect(Timestamp.parse(date: date, time: nil, first: date) == nil)
            }
        }
        number.withUnsafeBytes { number in
            #expect(Timestamp.parse(date: nil, time: nil, first: number) == 42)
            #expect(Timestamp.parse(date: number, time: number, first: number) == 42)
        }
    }

    @Test("leap-year rule")
    func leapYears() {
        for year: Int64 in [0, 4, 400, 1600, 1996, 2000, 2004, 2024, 2400] {
            #expect(Timestamp.isLeapYear(year), "\(year)")
        }
        for year: Int64 in [1, 100, 1700, 1800, 1900, 2023, 2025, 2100, 2200, 2300] {
            #expect(!Timestamp.isLeapYear(year), "\(year)")
        }
    }

    /// Day counts far outside the Int64 range of nanoseconds, against known calendar facts.
    @Test("day counts")
    func dayCounts() {
        #expect(Timestamp.daysSinceEpoch(year: 1970, month: 1, day: 1) == 0)
        #expect(Timestamp.daysSinceEpoch(year: 1969, month: 1, day: 1) == -365)
        #expect(Timestamp.daysSinceEpoch(year: 2000, month: 2, day: 29) == 11_016)
        #expect(Timestamp.daysSinceEpoch(year: 1900, month: 3, day: 1) == -25_508)
        #expect(Timestamp.daysSinceEpoch(year: 1600, month: 3, day: 1) == -135_080)
        #expect(Timestamp.daysSinceEpoch(year: 2400, month: 3, day: 1) == 157_114)
        #expect(Timestamp.daysSinceEpoch(year: 1, month: 1, day: 1) == -719_162)
        #expect(Timestamp.daysSinceEpoch(year: 0, month: 3, day: 1) == -719_468)
        #expect(Timestamp.daysSinceEpoch(year: 9999, month: 12, day: 31) == 2_932_896)
    }

    @Test("days in each month")
    func monthLengths() {
        let common: [Int64] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        for (index, days) in common.enumerated() {
            let month = Int64(index + 1)
            #expect(Timestamp.daysInMonth(month, year: 2023) == days)
            #expect(Timestamp.daysInMonth(month, year: 2024) == (month == 2 ? 29 : days))
        }
    }
}
