import Testing
@testable import KairosStore

@Suite struct LogfilePathsTests {
    @Test func referenceFilesLiveBesideTheLogfile() {
        let nested = LogfilePaths(logfile: "/var/lib/kairos/kairos.log")
        #expect(nested.directory == "/var/lib/kairos")
        #expect(nested.migrationFiles == ["/var/lib/kairos/logfile.compressed", "/var/lib/kairos/logfile.to_compress"])
        #expect(nested.compactionTemp == "/var/lib/kairos/kairos.log.compacting")

        let bare = LogfilePaths(logfile: "logfile")
        #expect(bare.directory == ".")
        #expect(bare.migrationFiles == ["logfile.compressed", "logfile.to_compress"])

        let root = LogfilePaths(logfile: "/logfile")
        #expect(root.directory == "/")
        #expect(root.referenceCompressed == "/logfile.compressed")
    }

    @Test func aLogfileNamedLikeAReferenceFileIsNotReplayedTwice() {
        #expect(LogfilePaths(logfile: "logfile.compressed").migrationFiles == ["logfile.to_compress"])
        #expect(LogfilePaths(logfile: "/d/logfile.to_compress").migrationFiles == ["/d/logfile.compressed"])
    }
}
