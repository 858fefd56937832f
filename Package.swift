// swift-tools-version:6.1
import PackageDescription

/// Swift 6 language mode everywhere, with complete concurrency checking.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    // Dynamic exclusivity checks cost about 7% of the request path in profiles (swift_beginAccess);
    // debug builds and every test run keep them, release builds rely on the static checks.
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "kairos",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kairos", targets: ["kairos"]),
        .executable(name: "kairos-loadgen", targets: ["kairos-loadgen"]),
        // The parsers of untrusted bytes, as libraries for the nested fuzzing package (Fuzz/).
        .library(name: "KairosProtocol", targets: ["KairosProtocol"]),
        .library(name: "KairosStore", targets: ["KairosStore"]),
        .library(name: "KairosConfig", targets: ["KairosConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // One-call wrappers over libc and OpenSSL; no logic (ARCHITECTURE rule 1).
        .target(
            name: "CKairos",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        // hiredis's RESP encoder and reply parser for the redis runner (Debian libhiredis-dev).
        .systemLibrary(name: "CKairosRedis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        // rabbitmq-c for the amqp runner (K20), with wrappers for its variadic login; no logic.
        .target(
            name: "CKairosAMQP",
            linkerSettings: [.linkedLibrary("rabbitmq"), .linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        // libcurl's variadic setopt/getinfo as typed one-call wrappers (http runner, K20); no logic.
        .target(name: "CKairosCurl", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "KairosSystem", dependencies: ["CKairos"], swiftSettings: strict),
        // TLS over memory BIOs, shared by the reactor (server side) and the redis runner (client side).
        .target(name: "KairosTLS", dependencies: ["CKairos"], swiftSettings: strict),
        .target(name: "KairosSync", dependencies: ["KairosSystem"], swiftSettings: strict),
        // Cron expressions and their next occurrence in a time zone (issue 15); Foundation for TimeZone.
        .target(name: "KairosCron", swiftSettings: strict),
        .target(name: "KairosProtocol", dependencies: ["KairosCron"], swiftSettings: strict),
        .target(name: "KairosCore", dependencies: ["KairosProtocol", "KairosSync"], swiftSettings: strict),
        // The HTTP API's pure half: routing, JSON bodies, responses (K21). The reactor owns the sockets.
        .target(name: "KairosHTTP", dependencies: ["KairosProtocol"], swiftSettings: strict),
        // `/metrics`: the Prometheus exposition, rendered on the reactor thread with swift-prometheus.
        .target(
            name: "KairosMetrics",
            dependencies: ["KairosProtocol", "KairosSync", "KairosSystem", .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: strict
        ),
        .target(
            name: "KairosStore",
            dependencies: ["KairosCore", "KairosProtocol", "KairosSync", "KairosSystem", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "KairosReactor",
            dependencies: ["KairosProtocol", "KairosHTTP", "KairosMetrics", "KairosSync", "KairosSystem", "KairosTLS", "CKairos", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "KairosRunners",
            dependencies: [
                "KairosProtocol", "KairosSync", "KairosSystem", "KairosTLS", "CKairos", "CKairosRedis", "CKairosAMQP",
                "CKairosCurl", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "KairosConfig",
            dependencies: ["KairosProtocol", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        // libedit (Debian libedit-dev) for `kairos cli`'s interactive line editing and history.
        .systemLibrary(name: "CKairosEdit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        // `kairos cli`: connect, TLS, AUTH, pipelined requests correlated by id, answer formatting.
        .target(
            name: "KairosClient",
            dependencies: ["KairosProtocol", "KairosConfig", "CKairos", "CKairosEdit"],
            swiftSettings: strict
        ),
        // OTLP export (K22): its own thread and queues; Generated/ holds protoc-gen-swift output
        // from opentelemetry-proto (regeneration command in Generated/README.md).
        .target(
            name: "KairosTelemetry",
            dependencies: [
                "KairosSync", "KairosSystem", "CKairosCurl",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Generated/README.md"],
            swiftSettings: strict
        ),
        .target(
            name: "KairosServer",
            dependencies: [
                "KairosCore", "KairosStore", "KairosReactor", "KairosRunners", "KairosConfig", "KairosMetrics", "KairosTelemetry",
                "KairosSync", "KairosSystem", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "kairos",
            dependencies: [
                "KairosServer", "KairosStore", "KairosConfig", "KairosClient", "KairosProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The load generator lives with the benchmarks; it shares the C shim and syscall layer.
        .executableTarget(
            name: "kairos-loadgen",
            dependencies: [
                "KairosSystem", "CKairos",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/kairos-loadgen",
            swiftSettings: strict
        ),

        .testTarget(name: "KairosSyncTests", dependencies: ["KairosSync"], swiftSettings: strict),
        .testTarget(name: "KairosProtocolTests", dependencies: ["KairosProtocol"], swiftSettings: strict),
        .testTarget(name: "KairosHTTPTests", dependencies: ["KairosHTTP"], swiftSettings: strict),
        .testTarget(name: "KairosMetricsTests", dependencies: ["KairosMetrics", "KairosProtocol", "KairosSync"], swiftSettings: strict),
        .testTarget(name: "KairosCronTests", dependencies: ["KairosCron"], exclude: ["cron_oracle.py"], swiftSettings: strict),
        .testTarget(name: "KairosCoreTests", dependencies: ["KairosCore", "KairosSystem"], swiftSettings: strict),
        .testTarget(name: "KairosStoreTests", dependencies: ["KairosStore", "KairosSystem"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "KairosReactorTests", dependencies: ["KairosReactor"], swiftSettings: strict),
        .testTarget(
            name: "KairosRunnersTests", dependencies: ["KairosRunners", "CKairosAMQP", "KairosTestServers", .product(name: "Logging", package: "swift-log")],
            exclude: ["Fixtures"], swiftSettings: strict),
        // Real peer servers the runner and integration tests share (a RabbitMQ node, a broker probe).
        .target(name: "KairosTestServers", dependencies: ["CKairosAMQP"], path: "Tests/TestServers", swiftSettings: strict),
        .testTarget(name: "KairosTelemetryTests", dependencies: ["KairosTelemetry"], swiftSettings: strict),
        .testTarget(name: "KairosConfigTests", dependencies: ["KairosConfig"], swiftSettings: strict),
        .testTarget(name: "KairosClientTests", dependencies: ["KairosClient"], swiftSettings: strict),
        .testTarget(
            name: "KairosServerTests",
            dependencies: ["KairosServer", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["KairosSystem", "CKairos", "CKairosAMQP", "KairosTestServers"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
    ]
)
