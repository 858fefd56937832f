import Glibc
import KairosSync
import Testing

@Suite struct DoorbellTests {
    /// Reads the eventfd counter without blocking: 0 when not rung.
    static func counter(_ bell: Doorbell) -> UInt64 {
        var value: UInt64 = 0
        let n = read(bell.descriptor.rawValue, &value, 8)
        return n == 8 ? value : 0
    }

    @Test func ringsOnlyWhenArmed() throws {
        let bell = try Doorbell()
        bell.ring()
        #expect(Self.counter(bell) == 0)
        bell.arm()
        bell.ring()
        bell.ring()  // the first ring disarmed it: one wake-up is enough
        #expect(Self.counter(bell) == 1)
    }

    @Test func disarmResetsTheEventfd() throws {
        let bell = try Doorbell()
        bell.ringUnconditionally()
        bell.disarm()
        #expect(Self.counter(bell) == 0)
        bell.arm()
        bell.disarmWithoutReading()
        bell.ring()
        #expect(Self.counter(bell) == 0)
    }
}
