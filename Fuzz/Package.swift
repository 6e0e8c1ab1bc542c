// swift-tools-version:6.3
// Coverage-guided fuzz target for the Toxiproxy-compatible control API (libFuzzer). Built by scripts/fuzz.sh with
// `-sanitize=fuzzer` for every module, so StormDrillFaults, Hummingbird and NIO are all instrumented. The other fuzz
// targets (plan, http-response, campus-order) are compiled by the script directly with swiftc.

import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder (the checkout's or worktree's name), so find it out.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootPackage = root.lastPathComponent.lowercased()

let package = Package(
    name: "stormdrill-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        .executableTarget(
            name: "ToxiproxyAPIFuzz",
            dependencies: [
                .product(name: "StormDrillFaults", package: rootPackage),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                // libFuzzer provides main.
                .unsafeFlags(["-parse-as-library"]),
            ]
        )
    ]
)
