// swift-tools-version:6.2
// HTTP client stack benchmark for docs/adr/0001-http-client.md: AsyncHTTPClient vs a lean pipeline on the stock
// NIOHTTP1 codecs vs StormDrill's own engine (pre-encoded requests, hand-written response parser), closed loop
// against a loopback server. Driven by bench/http-client.sh; a separate package so that AsyncHTTPClient never
// becomes a dependency of the product. Build it in release only: debug numbers mean nothing.

import PackageDescription

let package = Package(
    name: "http-client-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The root package; `name:` pins its identity to "stormdrill" whatever the checkout directory is called.
        .package(name: "stormdrill", path: "../.."),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .executableTarget(
            name: "http-client-bench",
            dependencies: [
                .product(name: "StormDrillEngine", package: "stormdrill"),
                .product(name: "StormDrillPlan", package: "stormdrill"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        )
    ]
)
