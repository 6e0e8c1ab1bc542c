import Foundation
import NIOCore
import Testing

@testable import StormDrillFaults

extension StormDrillTests {
    /// The verification probes the drill driver runs after applying a fault.
    @Suite("Fault proxy: verification probes")
    struct FaultProbeTests {
        typealias S = FaultTestSupport

        @Test("verifyDown: refused while down, not verified while up")
        func down() async throws {
            try await S.withTCPProxy { registry, _, _ in
                let up = await registry.verifyDown(proxy: "dep")
                #expect(!up.verified)
                _ = try await registry.update("dep", enabled: false)
                let down = await registry.verifyDown(proxy: "dep")
                #expect(down.verified, "\(down)")
                #expect(down.evidence.contains("ECONNREFUSED"))
                let missing = await registry.verifyDown(proxy: "nope")
                #expect(!missing.verified)
            }
        }

        @Test("verifyUp: a round trip through the proxy; fails through a blocking toxic")
        func up() async throws {
            try await S.withTCPProxy { registry, _, _ in
                let ok = await registry.verifyUp(proxy: "dep")
                #expect(ok.verified, "\(ok)")
                _ = try await registry.addToxic(Toxic(kind: .timeout(timeout: 0)), to: "dep")
                let blocked = await registry.verifyUp(proxy: "dep")
                #expect(!blocked.verified, "\(blocked)")
            }
        }

        @Test("latency: the probe measures the real chain; the real upstream never sees the probe")
        func latency() async throws {
            try await S.withTCPProxy { registry, _, upstream in
                _ = try await registry.addToxic(Toxic(kind: .latency(latency: 100, jitter: 10)), to: "dep")
                let result = await registry.verify(proxy: "dep", toxic: "latency_downstream")
                #expect(result.verified, "\(result)")
                #expect(try #require(result.measuredMilliseconds) >= 85)
                #expect(upstream.seen.connections == 0)
                // A second toxic that swallows data shows through: the probe is not answered, so not verified.
                _ = try await registry.addToxic(Toxic(name: "cut", kind: .timeout(timeout: 0)), to: "dep")
                let blocked = await registry.verify(proxy: "dep", toxic: "latency_downstream")
                #expect(!blocked.verified, "\(blocked)")
            }
        }

        @Test("toxicity 0: never drawn, and the evidence says so")
        func notDrawn() async throws {
            try await S.withTCPProxy { registry, _, _ in
                _ = try await registry.addToxic(Toxic(kind: .latency(latency: 50, jitter: 0), toxicity: 0), to: "dep")
                let result = await registry.verify(proxy: "dep", toxic: "latency_downstream")
                #expect(!result.verified)
                #expect(result.evidence.contains("none of 5 probe connections was drawn"), "\(result)")
            }
        }

        @Test(
            "every TCP toxic verifies in both streams",
            arguments: [
                ToxicKind.timeout(timeout: 80), .timeout(timeout: 0), .resetPeer(timeout: 30), .limitData(bytes: 500),
                .bandwidth(rate: 500), .slicer(averageSize: 64, sizeVariation: 8, delay: 500), .slowClose(delay: 80),
                .latency(latency: 40, jitter: 5),
            ])
        func everyToxic(kind: ToxicKind) async throws {
            for stream in ToxicStream.allCases {
                try await S.withTCPProxy { registry, _, _ in
                    _ = try await registry.addToxic(Toxic(name: "t", kind: kind, stream: stream), to: "dep")
                    let result = await registry.verify(proxy: "dep", toxic: "t")
                    #expect(result.verified, "\(stream): \(result)")
                }
            }
        }

        @Test("HTTP faults: forced for the probe, answered by the proxy, never counted")
        func httpFaults() async throws {
            try await HTTPFaultTests.withHTTPProxy { registry, _, upstream in
                _ = try await registry.addToxic(Toxic(kind: .httpError(status: 418, rate: 0.01, body: nil)), to: "api")
                _ = try await registry.addToxic(Toxic(name: "ff", kind: .failFirst(count: 2, status: 503)), to: "api")
                _ = try await registry.addToxic(
                    Toxic(name: "slow", kind: .httpDelay(delay: 60, jitter: 0, rate: 0)), to: "api")
                _ = try await registry.addToxic(Toxic(name: "hole", kind: .blackhole(rate: 0)), to: "api")
                for name in ["http_error_downstream", "ff", "slow", "hole"] {
                    let result = await registry.verify(proxy: "api", toxic: name)
                    #expect(result.verified, "\(result)")
                }
                #expect(upstream.requestCount == 0)
                for toxic in try await registry.toxics(of: "api") {
                    #expect(toxic.stats == HTTPToxicStats(), "\(toxic.name) counted a probe")
                }
                // fail_first's budget is untouched: real traffic still gets its two failures.
                let real = try await HTTPFaultTests.requests(try await registry.get("api"), count: 3)
                #expect(real.map(\.status) == [503, 503, 200])
                let latencyOnHTTP = try await registry.addToxic(
                    Toxic(kind: .latency(latency: 30, jitter: 0)), to: "api")
                let result = await registry.verify(proxy: "api", toxic: latencyOnHTTP.name)
                #expect(result.verified, "\(result)")
            }
        }
    }
}
