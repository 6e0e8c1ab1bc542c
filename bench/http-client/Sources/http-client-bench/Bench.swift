import ArgumentParser
import NIOCore
import StormDrillPlan

/// Runs ONE HTTP client variant, closed loop, against a loopback server and prints one JSON line.
///
/// Each of `--connections` connections (or virtual users) sends the next GET as soon as the previous response is
/// complete, over keep-alive, for `--duration` seconds. CPU time is the whole process's user+system time from
/// getrusage(RUSAGE_SELF), taken around the timed window only (client set-up and tear-down are outside it).
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-client-bench",
        abstract: "Closed-loop HTTP/1.1 GET benchmark of one client stack against a loopback server.")

    enum Variant: String, ExpressibleByArgument, CaseIterable {
        /// AsyncHTTPClient: HTTPClient.execute(_:timeout:) from N concurrent tasks.
        case ahc
        /// A lean client pipeline on the stock NIOHTTP1 codecs.
        case nio
        /// StormDrill's own engine: pre-encoded requests and the hand-written response parser.
        case stormdrill
    }

    @Option(help: "Client stack: ahc, nio or stormdrill.")
    var variant: Variant

    @Option(help: "Target URL; must be loopback (127.0.0.1, ::1 or localhost).")
    var url: String

    @Option(help: "Concurrent connections (closed-loop users).")
    var connections: Int = 50

    @Option(help: "Seconds of load.")
    var duration: Double = 5

    @Option(name: .customLong("event-loops"), help: "NIO event loops (threads) for every variant.")
    var eventLoops: Int = System.coreCount

    func validate() throws {
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard eventLoops >= 1 else { throw ValidationError("--event-loops must be at least 1") }
        let target = try Bench.parse(url)
        guard !target.isTLS else { throw ValidationError("--url must be plain http://") }
        guard ["127.0.0.1", "::1", "localhost"].contains(target.host) else {
            throw ValidationError("--url must point at the loopback interface (got host \(target.host))")
        }
    }

    static func parse(_ url: String) throws -> TargetURL {
        switch TargetURL.parse(url) {
        case .success(let target): return target
        case .failure(let problem): throw ValidationError("--url: \(problem.message)")
        }
    }

    func run() async throws {
        let target = try Bench.parse(url)
        let settings = Settings(
            url: url, target: target, connections: connections, duration: duration, eventLoops: eventLoops)
        let outcome: Outcome
        switch variant {
        case .ahc: outcome = try await AHCVariant.run(settings)
        case .nio: outcome = try await NIOVariant.run(settings)
        case .stormdrill: outcome = try await StormDrillVariant.run(settings)
        }
        print(outcome.jsonLine)
        // A variant that served nothing, or failed any request, did not measure what it claims to.
        if outcome.requests == 0 || outcome.errors > 0 { throw ExitCode(2) }
    }
}

/// What every variant gets.
struct Settings: Sendable {
    var url: String
    var target: TargetURL
    var connections: Int
    var duration: Double
    var eventLoops: Int

    var durationAmount: TimeAmount { .nanoseconds(Int64((duration * 1e9).rounded())) }
    /// Request path: the URL's path, or "/".
    var path: String { target.basePath.isEmpty ? "/" : target.basePath }
    /// Host header value, as StormDrill sends it.
    var hostHeader: String { target.hostHeader }
}

/// Completed and failed requests of one connection or task.
struct Tally: Sendable {
    var ok = 0
    var errors = 0
    var sample: String?

    mutating func add(_ other: Tally) {
        ok += other.ok
        errors += other.errors
        if sample == nil { sample = other.sample }
    }
}
