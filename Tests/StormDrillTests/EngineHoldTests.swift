import Foundation
import NIOCore
import NIOPosix
import StormDrillEngine
import StormDrillPlan
import Testing

import struct Histogram.Histogram

extension StormDrillTests {
    /// The load engine under a scenario clock that holds: the load goes on at the rate in force while held, and
    /// everything planned later comes later by the hold.
    @Suite("Load engine while the scenario clock holds")
    struct EngineHoldTests {
        static let s: Int64 = 1_000_000_000

        static func engine(_ load: String, server: FixtureServer, clock: ScenarioClock) throws -> LoadEngine {
            let text = EngineTests.plan(load: load, steps: #"[{"name": "s", "path": "/"}]"#)
                .replacingOccurrences(of: "BASE", with: server.baseURL)
            let plan = try PlanDecoder.decode(Array(text.utf8), file: "hold.json").get()
            guard case .url(let url) = plan.target.endpoint else { throw CancellationError() }
            return try LoadEngine(
                plan: plan, url: url, address: try SocketAddress(ipAddress: "127.0.0.1", port: server.port),
                options: .init(eventLoops: 2), clock: clock)
        }

        /// Sleeps until drill offset `offset` of a drill starting at `start`.
        static func sleep(until offset: Int64, from start: NIODeadline) async throws {
            let wait = (start + .nanoseconds(offset)) - .now()
            if wait.nanoseconds > 0 { try await Task.sleep(nanoseconds: UInt64(wait.nanoseconds)) }
        }

        @Test("open model: a gate at 1 s held for 1 s sends 100/s meanwhile, then the rest of the plan, 1 s late")
        func openModelGate() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse(status: 200, body: "{}") }
            defer { Task { await server.stop() } }
            var clock = ScenarioClock(gates: [.init(at: Self.s, phase: 0)])
            let engine = try Self.engine(
                #"{"model": "open", "stages": [{"duration": "2s", "rate": 100}]}"#, server: server, clock: clock)
            let start = NIODeadline.now() + .milliseconds(50)
            async let result = engine.run(startingAt: start)
            try await Self.sleep(until: 2 * Self.s, from: start)
            // The release takes effect at 2 s of drill time, whenever the loops hear of it.
            clock.release(atDrill: 2 * Self.s)
            engine.updateClock(clock)
            let r = await result
            await engine.shutdown()
            // 200 planned arrivals plus 100 while held (one per 10 ms); a few ms of delivery may add one or two.
            #expect(r.journeysStarted >= 300 && r.journeysStarted <= 303, "\(r.journeysStarted) journeys")
            #expect(r.journeysOk == r.journeysStarted)
            #expect(r.dropped == 0)
            // The load ends at its planned end plus the hold.
            #expect(abs(r.loadEndedNanoseconds - 3 * Self.s) < 50_000_000, "load ended at \(r.loadEndedNanoseconds)")
            // Every second of drill time sent about 100: the hold did not stop the load, nor double it.
            let perSecond = (0..<3).map { sec in
                r.timeline[(sec * 10)..<min((sec + 1) * 10, r.timeline.count)].reduce(0) { $0 + $1.sent }
            }
            for (sec, sent) in perSecond.enumerated() {
                #expect(abs(sent - 100) <= 4, "second \(sec) sent \(sent): \(perSecond)")
            }
            // Hold arrivals are orders of their own (no planned order was sent twice).
            #expect(r.generator.lag.totalCount == r.arrivalsScheduled)
        }

        @Test("open model: a rate of 0 in force sends nothing while held; a plan ending at a gate waits for it")
        func zeroRateHold() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse(status: 200, body: "{}") }
            defer { Task { await server.stop() } }
            // A ramp from 0: a gate at its start holds with nothing arriving.
            var clock = ScenarioClock(gates: [.init(at: 0, phase: 0)])
            let engine = try Self.engine(
                #"{"model": "open", "stages": [{"duration": "1s", "from": 0, "to": 100}]}"#, server: server,
                clock: clock)
            let start = NIODeadline.now() + .milliseconds(50)
            async let result = engine.run(startingAt: start)
            try await Self.sleep(until: Self.s, from: start)
            let before = await engine.snapshot()
            #expect(before.requestsSent == 0, "sent \(before.requestsSent) while held at a rate of 0")
            clock.release(atDrill: Self.s)
            engine.updateClock(clock)
            let r = await result
            await engine.shutdown()
            #expect(r.journeysStarted == 50, "a 0→100/s ramp over 1 s plans 50 arrivals")
            #expect(r.loadEndedNanoseconds >= 2 * Self.s - 10_000_000)
        }

        @Test("closed model: users go on while held and the load ends later by the hold")
        func closedModelHold() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse(status: 200, body: "{}") }
            defer { Task { await server.stop() } }
            var clock = ScenarioClock()
            let engine = try Self.engine(
                #"{"model": "closed", "users": 4, "thinkTime": "50ms", "duration": "1s"}"#, server: server,
                clock: clock)
            let start = NIODeadline.now() + .milliseconds(50)
            async let result = engine.run(startingAt: start)
            try await Self.sleep(until: Self.s / 2, from: start)
            clock.beginHold(atDrill: Self.s / 2)
            engine.updateClock(clock)
            try await Self.sleep(until: Self.s, from: start)
            let held = await engine.snapshot()
            try await Self.sleep(until: 3 * Self.s / 2, from: start)
            let stillHeld = await engine.snapshot()
            #expect(stillHeld.requestsSent > held.requestsSent, "users stopped while held")
            clock.release(atDrill: 3 * Self.s / 2)
            engine.updateClock(clock)
            let r = await result
            await engine.shutdown()
            #expect(abs(r.loadEndedNanoseconds - 2 * Self.s) < 60_000_000, "load ended at \(r.loadEndedNanoseconds)")
        }
    }
}
