import Foundation
import NIOCore
import Testing

@testable import StormDrillFaults

extension StormDrillTests {
    /// Each Toxiproxy toxic against a loopback upstream on port 0, through a real listener.
    @Suite("Fault proxy: TCP toxics on loopback")
    struct TCPToxicTests {
        typealias S = FaultTestSupport

        @Test("a proxy without toxics passes data both ways")
        func passThrough() async throws {
            try await S.withTCPProxy { _, info, _ in
                let c = try await S.connect(info)
                let rtt = try await S.pingRoundTrip(c, count: 1)
                #expect(rtt != nil)
                try await c.send("SEND 100000\n")
                let (met, _) = await c.wait(timeout: .seconds(3)) { $0.received.readableBytes >= 100_005 }
                #expect(met)
                await c.close()
            }
        }

        @Test("latency 100 ms adds 100±10 ms to a round trip, also on a connection opened before it was added")
        func latency() async throws {
            try await S.withTCPProxy { registry, info, _ in
                let c = try await S.connect(info)
                var base: [Double] = []
                for i in 1...5 { base.append(try #require(try await S.pingRoundTrip(c, count: i))) }
                _ = try await registry.addToxic(Toxic(kind: .latency(latency: 100, jitter: 0)), to: "dep")
                var slow: [Double] = []
                for i in 6...10 { slow.append(try #require(try await S.pingRoundTrip(c, count: i))) }
                let added = S.median(slow) - S.median(base)
                #expect((90.0...110.0).contains(added), "added \(added) ms")
                try await registry.removeToxic("latency_downstream", from: "dep")
                let after = try #require(try await S.pingRoundTrip(c, count: 11))
                #expect(after < 50, "after removal \(after) ms")
                await c.close()
            }
        }

        @Test("upstream latency delays the request, and two latency toxics add up")
        func upstreamLatency() async throws {
            try await S.withTCPProxy { registry, info, _ in
                _ = try await registry.addToxic(
                    Toxic(kind: .latency(latency: 60, jitter: 0), stream: .upstream), to: "dep")
                _ = try await registry.addToxic(Toxic(kind: .latency(latency: 40, jitter: 0)), to: "dep")
                let c = try await S.connect(info)
                let rtt = try #require(try await S.pingRoundTrip(c, count: 1))
                #expect((95.0...140.0).contains(rtt), "rtt \(rtt) ms")
                await c.close()
            }
        }

        @Test(
            "an upstream that cannot be reached closes the client at once (tcp and http), as Toxiproxy does",
            arguments: [false, true])
        func unreachableUpstream(http: Bool) async throws {
            // A port that nothing listens on: bound to port 0 and closed again.
            let closed = try await ProbeResponder.start(http: false)
            let address = closed.address.description
            await closed.stop()
            let registry = ProxyRegistry(logger: S.quietLogger)
            let info = try await registry.create(name: "gone", upstream: address, protocol: http ? .http : .tcp)
            let start = NIODeadline.now()
            let c = try await S.connect(info, http: http)
            let (met, record) = await c.wait(timeout: .seconds(3)) { $0.closedAt != nil }
            #expect(met, "the client connection was left open")
            if let at = record.closedAt { #expect(S.milliseconds(start, at) < 500) }
            await c.close()
            await registry.shutdown()
        }

        @Test("down refuses connects and closes open connections; up again accepts on the same port")
        func downAndUp() async throws {
            try await S.withTCPProxy { registry, info, _ in
                let c = try await S.connect(info)
                #expect(try await S.pingRoundTrip(c, count: 1) != nil)
                let down = try await registry.update("dep", enabled: false)
                #expect(down.enabled == false)
                let (closed, _) = await c.wait(timeout: .seconds(2)) { $0.closedAt != nil }
                #expect(closed)
                guard case .failure(let failure) = ProbeConnection.tryConnect(to: info.listen) else {
                    Issue.record("connect to a disabled proxy was accepted")
                    return
                }
                #expect(failure.code == ECONNREFUSED)
                let up = try await registry.update("dep", enabled: true)
                #expect(up.listen == info.listen)
                let again = try await S.connect(info)
                #expect(try await S.pingRoundTrip(again, count: 1) != nil)
                await again.close()
            }
        }

        @Test("bandwidth 200 KB/s sends 40,000 bytes in about 200 ms")
        func bandwidth() async throws {
            try await S.withTCPProxy { registry, info, _ in
                _ = try await registry.addToxic(Toxic(kind: .bandwidth(rate: 200)), to: "dep")
                let c = try await S.connect(info)
                let start = NIODeadline.now()
                try await c.send("SEND 40000\n")
                let (met, record) = await c.wait(timeout: .seconds(3)) { $0.received.readableBytes >= 40_000 }
                #expect(met)
                let ms = S.milliseconds(start, try #require(record.lastReadAt))
                #expect((170.0...400.0).contains(ms), "took \(ms) ms")
                await c.close()
            }
        }

        @Test("limit_data 1000 passes exactly 1000 bytes, then closes")
        func limitData() async throws {
            try await S.withTCPProxy { registry, info, _ in
                _ = try await registry.addToxic(Toxic(kind: .limitData(bytes: 1000)), to: "dep")
                let c = try await S.connect(info)
                try await c.send("SEND 5000\n")
                let (closed, record) = await c.wait(timeout: .seconds(2)) { $0.closedAt != nil }
                #expect(closed)
                #expect(record.received.readableBytes == 1000)
            }
        }

        @Test("reset_peer 50 ms resets the connection (RST) 50 ms after data arrives")
        func resetPeer() async throws {
            try await S.withTCPProxy { registry, info, _ in
                _ = try await registry.addToxic(Toxic(kind: .resetPeer(timeout: 50)), to: "dep")
                let c = try await S.connect(info)
                let start = NIODeadline.now()
                try await c.send("PING\n")
                let (closed, record) = await c.wait(timeout: .seconds(2)) { $0.closedAt != nil }
                #expect(closed)
                #expect(record.wasReset, "error: \(record.error ?? "none")")
                #expect(record.received.readableBytes == 0)
                let ms = S.milliseconds(start, try #require(record.closedAt))
                #expect(ms >= 45, "reset after \(ms) ms")
            }
        }

        @Test("timeout 100 swallows data and closes after 100 ms; timeout 0 holds it with the connection open")
        func timeout() async throws {
            try await S.withTCPProxy { registry, info, _ in
                _ = try await registry.addToxic(Toxic(kind: .timeout(timeout: 100)), to: "dep")
                let start = NIODeadline.now()
                let c = try await S.connect(info)
                try await c.send("PING\n")
                let (closed, record) = await c.wait(timeout: .seconds(2)) { $0.closedAt != nil }
                #expect(closed)
                #expect(record.received.readableBytes == 0)
                let ms = S.milliseconds(start, try #require(record.closedAt))
                #expect((95.0...400.0).contains(ms), "closed after \(ms) ms")

                _ = try await registry.updateToxic("timeout_downstream", on: "dep", kind: .timeout(timeout: 0))
                let held = try await S.connect(info)
                try await held.send("PING\n")
                let (changed, _) = await held.wait(timeout: .milliseconds(300)) {
                    $0.received.readableBytes > 0 || $0.closedAt != nil
                }
                #expect(!changed)
                // Removing a timeout toxic closes the connections it held (Toxiproxy's cleanup).
                try await registry.removeToxic("timeout_downstream", from: "dep")
                let (closedAfterRemoval, _) = await held.wait(timeout: .seconds(2)) { $0.closedAt != nil }
                #expect(closedAfterRemoval)
            }
        }

        @Test("slicer cuts 2,000 bytes into about 20 reads, 2 ms apart")
        func slicer() async throws {
            try await S.withTCPProxy { registry, info, _ in
                _ = try await registry.addToxic(
                    Toxic(kind: .slicer(averageSize: 100, sizeVariation: 20, delay: 2000)), to: "dep")
                let c = try await S.connect(info)
                let start = NIODeadline.now()
                try await c.send("SEND 2000\n")
                let (met, record) = await c.wait(timeout: .seconds(3)) { $0.received.readableBytes >= 2000 }
                #expect(met)
                #expect(record.reads >= 10, "\(record.reads) reads")
                let ms = S.milliseconds(start, try #require(record.lastReadAt))
                #expect(ms >= 20, "took \(ms) ms")
                #expect(S.text(record) == String(repeating: "x", count: 2000))
                await c.close()
            }
        }

        @Test("slow_close 100 passes data at once and the close 100 ms late")
        func slowClose() async throws {
            try await S.withTCPProxy { registry, info, _ in
                _ = try await registry.addToxic(Toxic(kind: .slowClose(delay: 100)), to: "dep")
                let c = try await S.connect(info)
                let start = NIODeadline.now()
                try await c.send("CLOSE\n")
                let (closed, record) = await c.wait(timeout: .seconds(2)) { $0.closedAt != nil }
                #expect(closed)
                #expect(S.text(record) == "BYE\n")
                let dataMs = S.milliseconds(start, try #require(record.firstReadAt))
                let closeMs = S.milliseconds(start, try #require(record.closedAt))
                #expect(dataMs < 50, "data after \(dataMs) ms")
                #expect(closeMs >= 95, "close after \(closeMs) ms")
            }
        }

        @Test("toxicity 0 never affects a connection")
        func toxicityZero() async throws {
            try await S.withTCPProxy { registry, info, _ in
                _ = try await registry.addToxic(Toxic(kind: .latency(latency: 300, jitter: 0), toxicity: 0), to: "dep")
                let c = try await S.connect(info)
                let rtt = try #require(try await S.pingRoundTrip(c, count: 1))
                #expect(rtt < 100, "rtt \(rtt) ms")
                await c.close()
            }
        }
    }
}
