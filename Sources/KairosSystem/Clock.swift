import CKairos

/// Clock readings in nanoseconds. The scheduler compares due times with the wall clock
/// (docs/protocol.md#job-lifecycle); durations and timeouts use the monotonic clock.
public enum Clock {
    public static func wallNanoseconds() -> Int64 { ckairos_clock_realtime_ns() }
    public static func monotonicNanoseconds() -> Int64 { ckairos_clock_monotonic_ns() }
    public static func processCPUNanoseconds() -> Int64 { ckairos_process_cpu_ns() }
}
