// swift-tools-version:6.1
import PackageDescription

// Opt-in micro-benchmarks (`make bench-micro`). This package is nested so that an ordinary
// `swift build` of the root never resolves package-benchmark and its malloc interposer.
//
// The root package exposes only executables, so the modules under test are compiled here
// again from the root's own sources: Sources/<Module> are symlinks to ../../../Sources/<Module>
// (SwiftPM refuses target paths that leave the package directory, symlinks inside it are fine).

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "KairosMicroBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(
            name: "CKairos",
            path: "Sources/CKairos",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        .target(name: "KairosSystem", dependencies: ["CKairos"], path: "Sources/KairosSystem", swiftSettings: strict),
        .target(name: "KairosSync", dependencies: ["KairosSystem"], path: "Sources/KairosSync", swiftSettings: strict),
        .target(name: "KairosProtocol", path: "Sources/KairosProtocol", swiftSettings: strict),
        .target(
            name: "KairosCore", dependencies: ["KairosProtocol", "KairosSync"], path: "Sources/KairosCore",
            swiftSettings: strict),
        .target(
            name: "KairosStore",
            dependencies: [
                "KairosCore", "KairosProtocol", "KairosSync", "KairosSystem",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/KairosStore", swiftSettings: strict),

        // Shared by every benchmark executable (the per-operation configuration).
        .target(
            name: "MicroSupport", dependencies: [.product(name: "Benchmark", package: "benchmark")],
            path: "Sources/MicroSupport", swiftSettings: strict),

        // package-benchmark finds benchmark executables by their directory: Benchmarks/<Name>.
        .executableTarget(
            name: "ProtocolBenchmarks",
            dependencies: [.product(name: "Benchmark", package: "benchmark"), "MicroSupport", "KairosProtocol"],
            path: "Benchmarks/ProtocolBenchmarks",
            swiftSettings: strict,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "SyncBenchmarks",
            dependencies: [.product(name: "Benchmark", package: "benchmark"), "MicroSupport", "KairosSync"],
            path: "Benchmarks/SyncBenchmarks",
            swiftSettings: strict,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [.product(name: "Benchmark", package: "benchmark"), "MicroSupport", "KairosCore", "KairosSync"],
            path: "Benchmarks/CoreBenchmarks",
            swiftSettings: strict,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [.product(name: "Benchmark", package: "benchmark"), "MicroSupport", "KairosStore", "KairosCore"],
            path: "Benchmarks/StoreBenchmarks",
            swiftSettings: strict,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
