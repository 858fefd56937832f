import Glibc
import KairosSystem
import Testing

@testable import KairosReactor

/// What the reactor does after a failed accept, and how often it says so (D-limits).
@Suite struct AcceptPolicyTests {
    @Test func everyAcceptFailureEitherMovesTheBacklogOrPausesTheListener() {
        #expect(AcceptReaction.reacting(to: Errno(ECONNABORTED), spareAvailable: true) == .skip)
        #expect(AcceptReaction.reacting(to: Errno(EPROTO), spareAvailable: false) == .skip)
        #expect(AcceptReaction.reacting(to: .tooManyOpenFiles, spareAvailable: true) == .shed)
        #expect(AcceptReaction.reacting(to: .tooManyOpenFilesInSystem, spareAvailable: true) == .shed)
        // Without the spare, shedding is impossible: retrying at once would spin.
        #expect(AcceptReaction.reacting(to: .tooManyOpenFiles, spareAvailable: false) == .pause)
        for code in [ENOBUFS, ENOMEM, EPERM, EINVAL] {
            #expect(AcceptReaction.reacting(to: Errno(code), spareAvailable: true) == .pause)
        }
    }

    @Test func rateLimitedCountReportsTheFirstAtOnceThenOncePerInterval() {
        var count = RateLimitedCount(intervalNs: 1_000)
        #expect(count.record(now: 0) == 1)
        #expect(count.record(now: 10) == nil)
        #expect(count.record(now: 999) == nil)
        #expect(count.record(now: 1_000) == 3)
        #expect(count.record(now: 1_500) == nil)
        #expect(count.record(now: 5_000) == 2)
        #expect(count.total == 6)
    }
}
