import Foundation
import Testing

/// All suites nest in this one so the whole run is serialized: the end-to-end drills measure scheduling lag and
/// latency on a 2-core machine, and CPU-heavy tests running beside them would make those figures flaky.
@Suite(.serialized)
struct StormDrillTests {}

/// Paths inside the repository, found from this file's location.
enum Repository {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // StormDrillTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static var shippedPlans: [String] {
        let dir = path("plans")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".json") && $0 != "schema.json" }.sorted().map { "\(dir)/\($0)" }
    }

    static var badPlanFixtures: [String] {
        let dir = path("Tests/StormDrillTests/Fixtures/bad-plans")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { "\(dir)/\($0)" }
    }

    /// The `stormdrill` binary built next to the test bundle.
    static var binary: String {
        let next = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("stormdrill").path
        if FileManager.default.isExecutableFile(atPath: next) { return next }
        for candidate in [".build/debug/stormdrill", ".build/release/stormdrill"] {
            let p = path(candidate)
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return next
    }

    /// A fresh temporary folder.
    static func temporaryDirectory(_ label: String = "stormdrill") -> String {
        let dir = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Runs a child process and collects its output.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var seconds: Double
}

enum ChildProcess {
    /// The test process's environment plus `extra`. The fault journal defaults to a folder of this test run, so a
    /// user's own journal never makes `stormdrill run` refuse in tests and tests never write into it.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["STORMDRILL_STATE_DIR"] = stateDirectory
        return env.merging(extra) { _, new in new }
    }

    static let stateDirectory = Repository.temporaryDirectory("stormdrill-state")

    /// Runs `arguments` to completion (bounded by `timeout` seconds, then killed).
    static func run(
        _ executable: String, _ arguments: [String], timeout: Double = 120,
        currentDirectory: String? = nil, environment: [String: String] = [:]
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ChildProcess.environment(environment)
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let started = Date()
        try process.run()
        let outData = Collector(out.fileHandleForReading)
        let errData = Collector(err.fileHandleForReading)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            usleep(500_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, stdout: outData.text(), stderr: errData.text(),
            seconds: Date().timeIntervalSince(started))
    }

    /// Reads a pipe on a background thread so the child never blocks on a full pipe.
    final class Collector: @unchecked Sendable {
        private var data = Data()
        private let lock = NSLock()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.lock()
                    data.append(chunk)
                    lock.unlock()
                }
                done.signal()
            }
        }

        /// What has arrived so far (the pipe may still be open).
        func snapshot() -> String {
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: data, as: UTF8.self)
        }

        func text() -> String {
            _ = done.wait(timeout: .now() + 5)
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: data, as: UTF8.self)
        }
    }
}

/// Loopback ports for fixtures that must be written into a plan before anything listens.
enum FreePort {
    /// A port that was free a moment ago (bound to 127.0.0.1:0 and released).
    static func find() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
