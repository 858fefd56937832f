// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets for Kairos's parsers of untrusted bytes. A nested package, so ordinary
/// `swift build` / `swift test` at the root never build (or need) the fuzzer runtime.
/// Build with `swift build -Xswiftc -sanitize=fuzzer` (see `make fuzz` in the root Makefile).
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    // The entry point is libFuzzer's `main`; each target only exports LLVMFuzzerTestOneInput.
    .unsafeFlags(["-parse-as-library"]),
]

let package = Package(
    name: "KairosFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "kairos", path: ".."),
        // Same version as the root package resolves; FuzzReplay needs a Logger for Replayer.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Line tokenizer + request parser (KairosProtocol).
        .executableTarget(
            name: "FuzzRequest",
            dependencies: [.product(name: "KairosProtocol", package: "kairos")],
            swiftSettings: strict
        ),
        // The HTTP API's request-head parser (KairosProtocol), heads and bodies back to back.
        .executableTarget(
            name: "FuzzHTTPHead",
            dependencies: [.product(name: "KairosProtocol", package: "kairos")],
            swiftSettings: strict
        ),
        // Frame scanner + payload decoder, checked against the encoder (KairosStore).
        .executableTarget(
            name: "FuzzLogDecoder",
            dependencies: [.product(name: "KairosStore", package: "kairos")],
            swiftSettings: strict
        ),
        // Arbitrary bytes as a logfile: inspection + startup replay on a real file (KairosStore).
        .executableTarget(
            name: "FuzzReplay",
            dependencies: [
                .product(name: "KairosStore", package: "kairos"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The auth file loader (KairosConfig, TOMLKit underneath).
        .executableTarget(
            name: "FuzzAuthFile",
            dependencies: [.product(name: "KairosConfig", package: "kairos")],
            swiftSettings: strict
        ),
        // The TOML config loader (KairosConfig, TOMLKit underneath).
        .executableTarget(
            name: "FuzzConfig",
            dependencies: [.product(name: "KairosConfig", package: "kairos")],
            swiftSettings: strict
        ),
    ]
)
