import Foundation
import NIOCore
import NIOPosix
import StormDrillEngine
import StormDrillPlan
import Testing

import struct Histogram.Histogram

extension StormDrillTests {
    @Suite("Load engine against loopback fixtures")
    struct EngineTests {
        /// Runs `planJSON` (with `BASE` replaced by the fixture URL) through the engine directly.
        static func run(_ planJSON: String, server: FixtureServer, eventLoops: Int = 2) async throws -> DrillResult {
            let text = planJSON.replacingOccurrences(of: "BASE", with: server.baseURL)
            let plan = try PlanDecoder.decode(Array(text.utf8), file: "test.json").get()
            guard case .url(let url) = plan.target.endpoint else { throw CancellationError() }
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: server.port)
            let engine = try LoadEngine(plan: plan, url: url, address: address, options: .init(eventLoops: eventLoops))
            let result = await engine.run(startingAt: .now() + .milliseconds(20))
            await engine.shutdown()
            return result
        }

        /// Runs a plan (one `GET /` step) against 127.0.0.1:9, where nothing listens.
        static func runAgainstClosedPort(load: String) async throws -> DrillResult {
            let text = plan(
                target: #"{"baseURL": "http://127.0.0.1:9"}"#, load: load, steps: #"[{"name": "s", "path": "/"}]"#)
            let plan = try PlanDecoder.decode(Array(text.utf8), file: "t").get()
            let engine = try LoadEngine(
                plan: plan, url: TargetURL(scheme: "http", host: "127.0.0.1", port: 9),
                address: try SocketAddress(ipAddress: "127.0.0.1", port: 9))
            let result = await engine.run(startingAt: .now() + .milliseconds(10))
            await engine.shutdown()
            return result
        }

        static func plan(
            target: String = #"{"baseURL": "BASE", "timeout": "2s"}"#, load: String, steps: String
        ) -> String {
            """
            {"stormdrill": 1, "name": "engine-test", "seed": 3, "target": \(target), "load": \(load),
             "journeys": [{"name": "j", "steps": \(steps)}]}
            """
        }

        @Test("multi-step journeys extract values and use them in later requests")
        func extractAndFollow() async throws {
            let server = try await FixtureServer.start(record: true) { req in
                if req.method == "POST" {
                    return FixtureResponse(
                        status: 201, body: #"{"id": "o-\#(req.header("Idempotency-Key")!.prefix(8))"}"#)
                }
                return FixtureResponse(status: 200, body: #"{"status": "placed"}"#)
            }
            defer { Task { await server.stop() } }
            let result = try await Self.run(
                Self.plan(
                    load: #"{"model": "open", "stages": [{"duration": "1s", "rate": 40}]}"#,
                    steps: """
                        [{"name": "place", "method": "POST", "path": "/orders", "headers": {"Idempotency-Key": "{{order.idempotencyKey}}"},
                          "body": {"student": "{{order.student}}", "items": "{{order.items}}"}, "expect": [201], "extract": {"id": "/id"}},
                         {"name": "status", "path": "/orders/{{extract.id}}", "expect": [200]}]
                        """), server: server)
            #expect(result.journeysStarted == 40)
            #expect(result.journeysOk == 40)
            #expect(result.requestsOk == 80)
            let requests = server.requests
            let posts = requests.filter { $0.method == "POST" }
            let gets = requests.filter { $0.method == "GET" }
            #expect(posts.count == 40 && gets.count == 40)
            // Every GET asks for an id a POST returned.
            let ids = Set(posts.map { "/orders/o-\($0.header("Idempotency-Key")!.prefix(8))" })
            #expect(Set(gets.map(\.uri)) == ids)
            // Bodies are valid JSON with an items array; the Host header names the target.
            for p in posts {
                let obj = try JSONSerialization.jsonObject(with: Data(p.body.utf8)) as? [String: Any]
                #expect(obj?["items"] is [Any])
                #expect(p.header("Host") == "127.0.0.1:\(server.port)")
                #expect(p.header("Content-Type") == "application/json")
            }
            // Keep-alive: a handful of connections served 80 requests.
            #expect(result.generator.connectionsOpened <= 8)
        }

        @Test("Connection: close and chunked responses are handled; connections are reopened")
        func closeAndChunked() async throws {
            let server = try await FixtureServer.start { req in
                req.uri == "/close"
                    ? FixtureResponse(body: #"{"a":1}"#, close: true)
                    : FixtureResponse(body: #"{"chunked": true}"#, chunked: true)
            }
            defer { Task { await server.stop() } }
            let result = try await Self.run(
                Self.plan(
                    load: #"{"model": "closed", "users": 3, "duration": "1s"}"#,
                    steps:
                        #"[{"name": "a", "path": "/close"}, {"name": "b", "path": "/chunked", "extract": {"c": "/chunked"}}]"#
                ),
                server: server)
            #expect(result.journeysOk > 20)
            #expect(result.journeysFailed == 0)
            #expect(result.errors.total == 0)
            #expect(result.generator.connectionsOpened >= result.journeysOk)
        }

        @Test("error classes: unexpected status, expectation, extraction, timeout")
        func errorClasses() async throws {
            let server = try await FixtureServer.start { req in
                switch req.uri {
                case "/unavailable": FixtureResponse(status: 503)
                case "/ok": FixtureResponse(status: 200, body: #"{"x": 1}"#)
                case "/hang": FixtureResponse(hang: true)
                default: FixtureResponse(status: 200)
                }
            }
            defer { Task { await server.stop() } }
            let load = #"{"model": "open", "stages": [{"duration": "500ms", "rate": 20}]}"#
            let a = try await Self.run(
                Self.plan(load: load, steps: #"[{"name": "s", "path": "/unavailable"}]"#), server: server)
            #expect(a.errors[.http(503)] == 10)
            let b = try await Self.run(
                Self.plan(load: load, steps: #"[{"name": "s", "path": "/ok", "expect": [201]}]"#), server: server)
            #expect(b.errors[.expectFailed] == 10)
            let c = try await Self.run(
                Self.plan(load: load, steps: #"[{"name": "s", "path": "/ok", "extract": {"id": "/id"}}]"#),
                server: server)
            #expect(c.errors[.extractFailed] == 10)
            let started = Date()
            let d = try await Self.run(
                Self.plan(
                    target: #"{"baseURL": "BASE", "timeout": "300ms"}"#, load: load,
                    steps: #"[{"name": "s", "path": "/hang"}]"#),
                server: server)
            #expect(d.errors[.timeout] == 10)
            #expect(Date().timeIntervalSince(started) < 3)
        }

        @Test("open model drops arrivals beyond maxInFlight instead of queueing them")
        func drops() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse(delay: .milliseconds(400)) }
            defer { Task { await server.stop() } }
            let result = try await Self.run(
                Self.plan(
                    load: #"{"model": "open", "stages": [{"duration": "1s", "rate": 100}], "maxInFlight": 10}"#,
                    steps: #"[{"name": "s", "path": "/slow"}]"#), server: server)
            #expect(result.arrivalsScheduled == 100)
            #expect(result.dropped > 50)
            #expect(result.journeysStarted + result.dropped == 100)
            #expect(result.errors[.dropped] == result.dropped)
        }

        @Test("the timeline merged from the loops while the drill runs puts every slice in its place, counted once")
        func consolidatedTimeline() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse() }
            defer { Task { await server.stop() } }
            // 5 s with 2 loops: slices are handed over at about 2 s and 4 s, and the rest at the end.
            let result = try await Self.run(
                Self.plan(
                    load: #"{"model": "open", "arrival": "uniform", "stages": [{"duration": "5s", "rate": 400}]}"#,
                    steps: #"[{"name": "s", "path": "/x"}]"#), server: server)
            let t = result.timeline
            #expect(result.requestsSent == 2000 && result.requestsOk == 2000)
            #expect(t.reduce(0) { $0 + $1.sent } == result.requestsSent)
            #expect(t.reduce(0) { $0 + $1.ok } == result.requestsOk)
            #expect(t.reduce(0) { $0 + $1.journeysStarted } == result.journeysStarted)
            #expect(t.reduce(UInt64(0)) { $0 + $1.latencies.totalCount } == UInt64(result.requests.count))
            #expect(t.count >= 50 && t.count <= 60, "\(t.count) slices")
            // Uniform arrivals at 400/s: about 40 per 100 ms slice. A hand-over merged at the wrong place leaves a
            // slice empty and doubles another; timer jitter on a busy machine moves only a few arrivals.
            for (i, slice) in t.enumerated() where i >= 1 && i < 48 {
                #expect(slice.sent >= 8 && slice.sent <= 72, "slice \(i): \(slice.sent) sent")
            }
        }

        @Test("closed model: users loop journey then think time")
        func closedModel() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse(delay: .milliseconds(10)) }
            defer { Task { await server.stop() } }
            let result = try await Self.run(
                Self.plan(
                    load: #"{"model": "closed", "users": 4, "thinkTime": "90ms", "duration": "2s"}"#,
                    steps: #"[{"name": "s", "path": "/x"}]"#), server: server)
            // Each user: about 2 s / (10 ms + 90 ms) = 20 iterations.
            #expect(result.journeysOk >= 60 && result.journeysOk <= 84, "\(result.journeysOk)")
            #expect(result.generator.connectionsOpened == 4)
        }

        @Test("a port where nothing listens gives connect_refused for every journey, no crash")
        func refused() async throws {
            let result = try await Self.runAgainstClosedPort(
                load: #"{"model": "open", "stages": [{"duration": "1s", "rate": 30}]}"#)
            #expect(result.journeysFailed == 30)
            #expect(result.errors[.connectRefused] == 30)
        }

        @Test("stop() ends the run within the grace period and counts what ran")
        func stop() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse(delay: .milliseconds(5)) }
            defer { Task { await server.stop() } }
            let text = Self.plan(
                load: #"{"model": "open", "stages": [{"duration": "30s", "rate": 100}]}"#,
                steps: #"[{"name": "s", "path": "/"}]"#
            ).replacingOccurrences(of: "BASE", with: server.baseURL)
            let plan = try PlanDecoder.decode(Array(text.utf8), file: "t").get()
            guard case .url(let url) = plan.target.endpoint else { return }
            let engine = try LoadEngine(
                plan: plan, url: url, address: try SocketAddress(ipAddress: "127.0.0.1", port: server.port),
                options: .init(stopGrace: .seconds(1)))
            let started = Date()
            Task {
                try? await Task.sleep(for: .milliseconds(800))
                engine.stop()
            }
            let result = await engine.run(startingAt: .now())
            await engine.shutdown()
            #expect(Date().timeIntervalSince(started) < 2.5)
            #expect(result.stoppedEarly)
            #expect(result.journeysOk >= 60 && result.journeysOk <= 100)
            #expect(result.journeysAbandoned == 0)
        }
    }
}

extension StormDrillTests.EngineTests {
    @Test("closed-model users pause after a failure instead of hammering a dead target")
    func closedModelAgainstDeadTarget() async throws {
        let result = try await Self.runAgainstClosedPort(load: #"{"model": "closed", "users": 2, "duration": "1s"}"#)
        // About 1 s / 10 ms per user, not tens of thousands.
        #expect(result.journeysFailed >= 100 && result.journeysFailed <= 220, "\(result.journeysFailed)")
        #expect(result.errors[.connectRefused] == result.journeysFailed)
        #expect(result.generator.saturatedSecondsRun == 0)
        #expect(result.generator.cpuBusyMax > 0)
    }
}
