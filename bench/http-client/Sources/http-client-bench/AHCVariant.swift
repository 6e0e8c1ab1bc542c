import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// AsyncHTTPClient as an application would use it: one HTTPClient with a connection pool sized to the connection
/// count, `execute(_:timeout:)` with an HTTPClientRequest from N concurrent tasks, each collecting the body.
enum AHCVariant {
    static func run(_ s: Settings) async throws -> Outcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: s.eventLoops)
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: s.connections)
        let client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        var request = HTTPClientRequest(url: s.url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "http-client-bench")
        let fixedRequest = request

        let cpu0 = CPUSample.now()
        let t0 = NIODeadline.now()
        let end = t0 + s.durationAmount
        let total = await withTaskGroup(of: Tally.self) { tasks in
            for _ in 0..<s.connections {
                tasks.addTask {
                    var tally = Tally()
                    while NIODeadline.now() < end {
                        do {
                            let response = try await client.execute(fixedRequest, timeout: .seconds(10))
                            let body = try await response.body.collect(upTo: 1 << 20)
                            if response.status == .ok && body.readableBytes > 0 {
                                tally.ok += 1
                            } else {
                                tally.errors += 1
                                tally.sample =
                                    tally.sample ?? "status \(response.status.code), \(body.readableBytes) bytes"
                            }
                        } catch {
                            tally.errors += 1
                            tally.sample = tally.sample ?? "\(error)"
                        }
                    }
                    return tally
                }
            }
            var total = Tally()
            for await tally in tasks { total.add(tally) }
            return total
        }
        let t1 = NIODeadline.now()
        let cpu1 = CPUSample.now()

        try await client.shutdown()
        try await group.shutdownGracefully()
        return Outcome(
            variant: "ahc", eventLoops: s.eventLoops, connections: s.connections, requests: total.ok,
            errors: total.errors, seconds: secondsBetween(t0, t1), cpuUser: cpu1.user - cpu0.user,
            cpuSystem: cpu1.system - cpu0.system, peakRSS: peakRSSBytes(), errorSample: total.sample)
    }
}
