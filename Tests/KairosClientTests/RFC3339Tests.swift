import Testing

@testable import KairosClient

/// RFC 3339 date-times to nanoseconds, checked against values computed independently.
@Suite struct RFC3339Tests {
    @Test(arguments: [
        ("2026-12-24T18:00:00Z", Int64(1_798_135_200_000_000_000)),
        ("2026-12-24t18:00:00z", 1_798_135_200_000_000_000),
        ("2026-12-24T19:30:00+01:30", 1_798_135_200_000_000_000),
        ("2026-03-30T14:00:00-05:45", 1_774_899_900_000_000_000),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000_000_000),
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.000000001Z", 1),
        ("1970-01-01T00:00:00.5Z", 500_000_000),
        ("1970-01-01T00:00:00.1234567891234Z", 123_456_789),
        ("1969-12-31T23:59:59Z", -1_000_000_000),
        ("1969-12-31T23:59:59.5Z", -500_000_000),
        ("2262-04-11T23:47:16Z", 9_223_372_036_000_000_000),
        ("2262-04-11T23:47:16.854775807Z", Int64.max),
        ("1677-09-21T00:12:44Z", -9_223_372_036_000_000_000),
    ])
    func converts(_ text: String, _ expected: Int64) throws {
        #expect(try RFC3339.nanoseconds(text) == expected)
    }

    @Test(arguments: [
        ("2026-12-24T18:00:00", RFC3339.Failure.malformed),  // no offset
        ("2026-12-24T18:00Z", .malformed),
        ("2026-12-24T18:00:00.Z", .malformed),
        ("2026-12-24T18:00:00+0100", .malformed),
        ("2026-12-24T18:00:00Zjunk", .malformed),
        ("2026-12-24 18:00:00Z", .malformed),
        ("2026-13-01T00:00:00Z", .outOfRange),
        ("2026-02-29T00:00:00Z", .outOfRange),
        ("2026-04-31T00:00:00Z", .outOfRange),
        ("2026-01-01T24:00:00Z", .outOfRange),
        ("2026-01-01T00:60:00Z", .outOfRange),
        ("2026-12-31T23:59:60Z", .outOfRange),
        ("2026-01-01T00:00:00+24:00", .outOfRange),
        ("2262-04-11T23:47:16.854775808Z", .overflow),
        ("9999-12-31T23:59:59Z", .overflow),
    ])
    func refuses(_ text: String, _ failure: RFC3339.Failure) {
        #expect(throws: failure) { try RFC3339.nanoseconds(text) }
    }

    @Test func recognisesTheShape() {
        #expect(RFC3339.looksLikeDateTime("2026-12-24T18:00:00Z"))
        #expect(RFC3339.looksLikeDateTime("2026-12-24Tnonsense"))
        #expect(!RFC3339.looksLikeDateTime("2026-12-24"))
        #expect(!RFC3339.looksLikeDateTime("1798135200000000000"))
        #expect(!RFC3339.looksLikeDateTime("2026-12-24X18:00:00Z"))
    }
}
