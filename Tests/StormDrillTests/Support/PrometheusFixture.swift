import AsyncHTTPClient
import Foundation
import NIOPosix
import StormDrillMonitoring

/// A real Prometheus (Debian's, installed by `scripts/monitoring-tools.sh` when missing) on a free loopback port,
/// scraping the given targets every second and evaluating the given rule files every second. Its data goes into a
/// temporary folder; `stop()` ends the process.
final class PrometheusFixture: @unchecked Sendable {
    let process: Process
    let port: Int
    let directory: String
    let client: HTTPClient
    private let log: ChildProcess.Collector

    var baseURL: String { "http://127.0.0.1:\(port)" }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The path of a monitoring tool, installing it first if needed.
    static func tool(_ name: String) throws -> String {
        let result = try ChildProcess.run(
            Repository.path("scripts/monitoring-tools.sh"), ["path", name], timeout: 600)
        guard result.status == 0 else { throw StartFailure(description: "monitoring-tools.sh: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// - Parameters:
    ///   - targets: job name → `127.0.0.1:PORT` of a `/metrics` endpoint.
    ///   - rules: rule files to load (absolute paths).
    init(targets: [String: String], rules: [String] = []) throws {
        let binary = try Self.tool("prometheus")
        directory = Repository.temporaryDirectory("prometheus")
        var config = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        if !rules.isEmpty {
            config += "rule_files:\n" + rules.map { "  - \"\($0)\"\n" }.joined()
        }
        config += "scrape_configs:\n"
        for (job, target) in targets.sorted(by: { $0.key < $1.key }) {
            config += "  - job_name: \(job)\n    scrape_timeout: 1s\n    static_configs:\n"
            config += "      - targets: [\"\(target)\"]\n"
        }
        let configPath = directory + "/prometheus.yml"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config.file=\(configPath)", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:0", "--storage.tsdb.retention.time=1h",
        ]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        log = ChildProcess.Collector(err.fileHandleForReading)
        // Prometheus logs the address it bound: msg="Listening on" address=127.0.0.1:PORT
        var bound: Int?
        let deadline = Date().addingTimeInterval(30)
        while bound == nil && Date() < deadline && process.isRunning {
            usleep(50_000)
            bound = Self.listeningPort(log.snapshot())
        }
        guard let bound else {
            process.terminate()
            throw StartFailure(description: "prometheus did not listen: \(log.snapshot().suffix(2000))")
        }
        port = bound
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    }

    static func listeningPort(_ log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("msg=\"Listening on\"") {
            guard let range = line.range(of: "address=") else { continue }
            let address = line[range.upperBound...].prefix { !$0.isWhitespace }
            if let colon = address.lastIndex(of: ":"), let p = Int(address[address.index(after: colon)...]), p > 0 {
                return p
            }
        }
        return nil
    }

    /// Everything Prometheus logged so far (for failure messages).
    var logText: String { log.snapshot() }

    func query(_ promQL: String) async throws -> [PrometheusQuery.Sample] {
        try await PrometheusQuery(baseURL: baseURL, client: client).instant(promQL)
    }

    /// Waits until `promQL` has at least one sample satisfying `condition` (polled every 250 ms).
    func waitFor(
        _ promQL: String, seconds: Double, _ condition: @Sendable ([PrometheusQuery.Sample]) -> Bool = { !$0.isEmpty }
    ) async -> [PrometheusQuery.Sample]? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let samples = try? await query(promQL), condition(samples) { return samples }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return nil
    }

    func stop() async {
        try? await client.shutdown()
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
