import Foundation
import NIOCore
import Testing

@testable import StormDrillFaults

extension StormDrillTests {
    /// The HTTP faults of proxies with protocol `http`, decided per request, against the loopback fixture server.
    @Suite("Fault proxy: HTTP faults")
    struct HTTPFaultTests {
        typealias S = FaultTestSupport

        @discardableResult
        static func withHTTPProxy<T>(
            _ body: (ProxyRegistry, ProxyInfo, FixtureServer) async throws -> T
        ) async throws
            -> T
        {
            let upstream = try await FixtureServer.start { _ in FixtureResponse(status: 200, body: "{\"ok\":true}") }
            let registry = ProxyRegistry(logger: S.quietLogger)
            do {
                let info = try await registry.create(
                    name: "api", upstream: "127.0.0.1:\(upstream.port)", protocol: .http)
                let value = try await body(registry, info, upstream)
                await registry.shutdown()
                await upstream.stop()
                return value
            } catch {
                await registry.shutdown()
                await upstream.stop()
                throw error
            }
        }

        /// Sends `count` requests on one keep-alive connection (pipelined) and returns the responses in order.
        static func requests(
            _ info: ProxyInfo, count: Int, headers: [(String, String)] = [], timeout: TimeAmount = .seconds(10)
        ) async throws -> [ProbeConnection.Response] {
            let c = try await S.connect(info, http: true)
            for i in 0..<count { try await c.sendRequest(path: "/r/\(i)", headers: headers) }
            let (_, record) = await c.wait(timeout: timeout) { $0.responses.count >= count || $0.closedAt != nil }
            await c.close()
            return record.responses
        }

        @Test("http_error rate 0.3 fails 30±5 % of 1,000 requests, and the toxic's counts agree")
        func errorRate() async throws {
            try await Self.withHTTPProxy { registry, info, upstream in
                _ = try await registry.addToxic(
                    Toxic(kind: .httpError(status: 503, rate: 0.3, body: nil)), to: "api")
                let batches = try await withThrowingTaskGroup(of: [ProbeConnection.Response].self) { group in
                    for _ in 0..<4 { group.addTask { try await Self.requests(info, count: 250) } }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                #expect(batches.count == 1000)
                let errors = batches.filter { $0.status == 503 }.count
                #expect((250...350).contains(errors), "\(errors) errors of 1000")
                #expect(batches.filter { $0.status == 200 }.count == 1000 - errors)
                #expect(batches.filter { $0.status == 503 }.allSatisfy { $0.fault == "http_error_downstream" })
                #expect(upstream.requestCount == 1000 - errors)
                let stats = try #require(try await registry.toxic("http_error_downstream", of: "api").stats)
                #expect(stats.requestsSeen == 1000)
                #expect(stats.requestsFaulted == errors)
            }
        }

        @Test("fail_first 5 fails exactly the first 5 requests, then passes")
        func failFirst() async throws {
            try await Self.withHTTPProxy { registry, info, upstream in
                _ = try await registry.addToxic(Toxic(kind: .failFirst(count: 5, status: 500)), to: "api")
                let responses = try await Self.requests(info, count: 12)
                #expect(responses.map(\.status) == Array(repeating: 500, count: 5) + Array(repeating: 200, count: 7))
                #expect(upstream.requestCount == 7)
                let stats = try #require(try await registry.toxic("fail_first_downstream", of: "api").stats)
                #expect(stats == HTTPToxicStats(requestsSeen: 12, requestsFaulted: 5))
            }
        }

        @Test("blackhole accepts a request and never answers; the upstream never sees it")
        func blackhole() async throws {
            try await Self.withHTTPProxy { registry, info, upstream in
                _ = try await registry.addToxic(Toxic(kind: .blackhole(rate: 1)), to: "api")
                let c = try await S.connect(info, http: true)
                try await c.sendRequest(path: "/", headers: [])
                let (answered, _) = await c.wait(timeout: .milliseconds(300)) {
                    !$0.responses.isEmpty || $0.closedAt != nil
                }
                #expect(!answered)
                #expect(upstream.requestCount == 0)
                try await registry.removeToxic("blackhole_downstream", from: "api")
                let after = try await Self.requests(info, count: 1)
                #expect(after.map(\.status) == [200])
                await c.close()
            }
        }

        @Test("http_delay 100 ms holds responses at least 100 ms")
        func delay() async throws {
            try await Self.withHTTPProxy { registry, info, _ in
                _ = try await registry.addToxic(Toxic(kind: .httpDelay(delay: 100, jitter: 0, rate: 1)), to: "api")
                let c = try await S.connect(info, http: true)
                let start = NIODeadline.now()
                try await c.sendRequest(path: "/", headers: [])
                let (met, record) = await c.wait(timeout: .seconds(2)) { !$0.responses.isEmpty }
                #expect(met)
                let response = try #require(record.responses.first)
                #expect(response.status == 200)
                #expect(response.fault == "http_delay_downstream")
                let ms = S.milliseconds(start, response.at)
                #expect((95.0...300.0).contains(ms), "answered after \(ms) ms")
                await c.close()
            }
        }

        @Test("keep-alive: 40 requests on one connection, half faulted, all answered in order on that connection")
        func keepAlive() async throws {
            try await Self.withHTTPProxy { registry, info, upstream in
                _ = try await registry.addToxic(
                    Toxic(kind: .httpError(status: 502, rate: 0.5, body: "{\"error\":\"injected\"}")), to: "api")
                let c = try await S.connect(info, http: true)
                for i in 0..<40 {
                    try await c.sendRequest(path: "/\(i)", headers: [])
                    let (met, _) = await c.wait(timeout: .seconds(2)) { $0.responses.count == i + 1 }
                    #expect(met)
                }
                let record = c.record
                #expect(record.closedAt == nil)
                #expect(record.responses.count == 40)
                let failed = record.responses.filter { $0.status == 502 }
                #expect(failed.allSatisfy { $0.bodyBytes == "{\"error\":\"injected\"}".utf8.count })
                #expect(upstream.requestCount == 40 - failed.count)
                #expect(try await registry.get("api").openConnections == 1)
                await c.close()
            }
        }

        @Test("the probe header on an ordinary connection forces nothing")
        func probeHeaderIgnoredOutsideProbes() async throws {
            try await Self.withHTTPProxy { registry, info, _ in
                _ = try await registry.addToxic(Toxic(kind: .httpError(status: 503, rate: 0, body: nil)), to: "api")
                let responses = try await Self.requests(
                    info, count: 3, headers: [(HTTPFaultHandler.probeHeader, "http_error_downstream")])
                #expect(responses.map(\.status) == [200, 200, 200])
            }
        }

        @Test("HTTP faults are refused on a TCP proxy")
        func httpFaultNeedsHTTPProxy() async throws {
            try await S.withTCPProxy { registry, _, _ in
                await #expect(throws: FaultProxyError.self) {
                    try await registry.addToxic(Toxic(kind: .blackhole(rate: 1)), to: "dep")
                }
            }
        }
    }
}
