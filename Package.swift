// swift-tools-version:6.3
// StormDrill: a chaos and stress-test harness for campus food-delivery platforms.

import PackageDescription

/// Settings shared by every target: Swift 6 language mode (strict concurrency) plus upcoming features.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "stormdrill",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "stormdrill", targets: ["stormdrill"]),
        .library(name: "StormDrillPlan", targets: ["StormDrillPlan"]),
        .library(name: "StormDrillEngine", targets: ["StormDrillEngine"]),
        .library(name: "StormDrillFaults", targets: ["StormDrillFaults"]),
        .library(name: "StormDrillLive", targets: ["StormDrillLive"]),
        .library(name: "StormDrillMonitoring", targets: ["StormDrillMonitoring"]),
        .library(name: "StormDrillRunner", targets: ["StormDrillRunner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Plan model: JSON with source positions, validation with suggestions, durations, campus load shapes,
        // the arrival schedule, templates and the seeded campus order generator. Pure: no I/O beyond reading.
        .target(
            name: "StormDrillPlan",
            swiftSettings: swiftSettings
        ),
        // Load engine: NIO event loops, lean HTTP/1.1 client pipeline, journey runner, per-loop recorders.
        .target(
            name: "StormDrillEngine",
            dependencies: [
                "StormDrillPlan",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Report model (Codable, report.json is the source of truth) and its writers.
        .target(
            name: "StormDrillReport",
            dependencies: ["StormDrillPlan"],
            resources: [.embedInCode("Resources/report.css")],
            swiftSettings: swiftSettings
        ),
        // Analysis: turns engine measurements into report sections and the verdict. Pure functions.
        .target(
            name: "StormDrillAnalysis",
            dependencies: [
                "StormDrillPlan",
                "StormDrillEngine",
                "StormDrillReport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fault proxy: per-dependency TCP/HTTP proxies with Toxiproxy's toxics plus per-request HTTP faults, fault
        // verification probes, and the Toxiproxy-compatible control API. Knows nothing of the load engine.
        .target(
            name: "StormDrillFaults",
            dependencies: [
                "StormDrillPlan",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The embedded campus take-out service that drills run against when no real target is at hand.
        .target(
            name: "CampusPlatform",
            dependencies: [
                "StormDrillPlan",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The live view and the game day: the dashboard, facilitator console and participant pages (files embedded in
        // the binary), Server-Sent Events with replay, the token-guarded control API, the game-day journal and the QR
        // code of the join link. Knows nothing of the engine: the runner drives it through `LiveDrillControl`.
        .target(
            name: "StormDrillLive",
            dependencies: [
                "StormDrillPlan",
                "StormDrillReport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [
                .embedInCode("Resources/dashboard.html"),
                .embedInCode("Resources/facilitator.html"),
                .embedInCode("Resources/join.html"),
                .embedInCode("Resources/live.css"),
                .embedInCode("Resources/live.js"),
                .embedInCode("Resources/dashboard.js"),
                .embedInCode("Resources/facilitator.js"),
                .embedInCode("Resources/join.js"),
                .embedInCode("Resources/favicon.svg"),
            ],
            swiftSettings: swiftSettings
        ),
        // Monitoring: the driver's own Prometheus metrics and their endpoint, Prometheus's query API and the watcher of
        // its ALERTS series. Knows the engine's measurements and the report model, not the runner.
        .target(
            name: "StormDrillMonitoring",
            dependencies: [
                "StormDrillPlan",
                "StormDrillEngine",
                "StormDrillReport",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Drill orchestration: target start-up, engine, analysis, report files, lifecycle and signals.
        .target(
            name: "StormDrillRunner",
            dependencies: [
                "StormDrillPlan",
                "StormDrillEngine",
                "StormDrillAnalysis",
                "StormDrillReport",
                "CampusPlatform",
                "StormDrillFaults",
                "StormDrillLive",
                "StormDrillMonitoring",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line: argument parsing, exit codes and terminal progress, thin over the libraries.
        .executableTarget(
            name: "stormdrill",
            dependencies: [
                "StormDrillRunner",
                "StormDrillPlan",
                "StormDrillEngine",
                "StormDrillAnalysis",
                "StormDrillReport",
                "StormDrillFaults",
                "CampusPlatform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StormDrillTests",
            dependencies: [
                "stormdrill",
                "StormDrillFaults",
                "StormDrillPlan",
                "StormDrillEngine",
                "StormDrillAnalysis",
                "StormDrillReport",
                "StormDrillRunner",
                "StormDrillLive",
                "StormDrillMonitoring",
                "CampusPlatform",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)
