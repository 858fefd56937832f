import CKairos
import Glibc

/// The process's limit on open descriptors (RLIMIT_NOFILE), which bounds connections (D-limits).
public enum DescriptorLimit {
    /// The soft limit, or nil when it is unlimited.
    public static func soft() throws(Errno) -> Int? {
        var soft: UInt64 = 0
        var hard: UInt64 = 0
        _ = try SystemCall.run("getrlimit") { ckairos_getrlimit_nofile(&soft, &hard) }
        // RLIM_INFINITY is all ones; anything past Int.max is as good as unlimited.
        return soft > UInt64(Int.max) ? nil : Int(soft)
    }
}
