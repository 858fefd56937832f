/// The release this build is. One constant so that `kairos --version` and the http runner's
/// `User-Agent: kairos/<version>` (D-network-runners) can never disagree.
public enum KairosVersion {
    public static let current = "0.1.0"
}
