import Foundation
import NIOConcurrencyHelpers
import NIOCore
import StormDrillReport
import Testing

extension StormDrillTests {
    /// Issue 6's calibration tests: does StormDrill measure what really happened? Each drill is short, runs the
    /// debug CLI against a loopback fixture in this process, and checks a figure the fixture makes known in advance.
    @Suite("Issue 6 calibration: latency truth, achieved rate, coordinated omission")
    struct CalibrationTests {
        /// Runs a plan, checks it completed without a failed journey, and returns its report.
        static func drill(_ plan: String, label: String, extra: [String] = []) throws -> DrillReport {
            let (result, report, _) = try DrillReportAcceptanceTests.drill(plan, label: label, extra: extra)
            #expect(result.status == 0, "\(report.verdict) \(report.reasons)\n\(result.stderr)")
            #expect(report.status == .completed)
            #expect(report.totals.errors == 0 && report.totals.dropped == 0, "\(report.errors)")
            // A generator that fell behind is the machine's fault, never the engine's; the loads here are far below
            // what a debug build sustains, so a run judged INVALID means the calibration itself cannot be trusted.
            #expect(report.verdict != .invalid, "\(report.reasons) \(report.generator)")
            return report
        }

        /// `rate` journeys/s for `seconds`, uniform arrivals, one `GET /` step.
        static func openPlan(_ name: String, url: String, rate: Int, seconds: Int, connections: Int? = nil) -> String {
            let pool = connections.map { #", "connections": \#($0)"# } ?? ""
            return """
                {"stormdrill": 1, "name": "\(name)", "target": {"baseURL": "\(url)"\(pool)},
                 "load": {"model": "open", "arrival": "uniform",
                          "stages": [{"duration": "\(seconds)s", "rate": \(rate)}]},
                 "journeys": [{"name": "get", "steps": [{"name": "get", "path": "/", "expect": [200]}]}]}
                """
        }

        @Test("fixed-delay fixtures at 5 ms and 50 ms: p50 within 1 ms of delay + floor in both latency views")
        func fixedDelay() async throws {
            // One fixture, three fixed delays by path: /d0 answers at once, /d5 after 5 ms, /d50 after 50 ms (a timer
            // on its event loop). One drill sends 150 journeys/s for 3 s, a third to each path, so all three are
            // measured at the same moments on the same machine state.
            //
            // What is "truth"? The fixture holds each response for its configured delay, and on top of that a client
            // really waits for the fixture's own work (a debug build in this test process), the timer firing late,
            // the loopback round trip and, at these low rates, every thread involved waking from idle for each
            // request. On this 2-core VM (debug builds) that floor was 0.4–0.7 ms at p50 here and 0.7–1.1 ms in
            // separate 50/s runs, drifting from run to run with the machine's state, and a delayed response adds
            // another 0.15–0.35 ms (its timer's wake-up). Against the bare delay 5 ms read 5.9–6.3 ms, over the
            // issue's 1 ms, and against a zero-delay run made seconds earlier the margin shrank to 0.15 ms in one run:
            // flaky, and telling nothing about StormDrill. So truth is the delay plus the floor, the p50 of the /d0
            // requests of the same drill, and:
            // - p50(delay) − p50(floor) is within 1 ms of the delay, in both views (the calibration proper: what the
            //   delay adds is measured as the delay; seen: +0.15 to +0.35 ms);
            // - p50(delay) ≥ delay: no response can arrive earlier, so a lower reading is a clock or unit error;
            // - the floor is under 3 ms in both views, so a large constant overhead added by the engine (which the
            //   subtraction would cancel) still fails the test.
            let server = try await FixtureServer.start { request in
                let delay = Int64(request.uri.dropFirst(2)) ?? 0
                return FixtureResponse(body: #"{"ok": true}"#, delay: .milliseconds(delay))
            }
            defer { Task { await server.stop() } }
            let report = try Self.drill(
                """
                {"stormdrill": 1, "name": "calibration-delays", "target": {"baseURL": "\(server.baseURL)"},
                 "load": {"model": "open", "arrival": "uniform", "stages": [{"duration": "3s", "rate": 150}]},
                 "journeys": [
                   {"name": "floor", "steps": [{"name": "d0", "path": "/d0", "expect": [200]}]},
                   {"name": "five", "steps": [{"name": "d5", "path": "/d5", "expect": [200]}]},
                   {"name": "fifty", "steps": [{"name": "d50", "path": "/d50", "expect": [200]}]}]}
                """, label: "calibration-delays")
            #expect(report.totals.requests == 450 && report.totals.ok == 450, "\(report.totals)")
            #expect(server.requestCount == 450)
            func step(_ name: String) throws -> StepReport {
                let s = try #require(report.steps.first { $0.name == name }, "\(report.steps.map(\.name))")
                #expect(s.count >= 100 && s.ok == s.count, "\(name): \(s.count) requests, \(s.ok) ok")
                return s
            }
            let floor = try step("d0")
            #expect(floor.latency.p50 < 3 && floor.serviceLatency.p50 < 3, "\(floor.latency) \(floor.serviceLatency)")
            for (name, delay) in [("d5", 5.0), ("d50", 50.0)] {
                let s = try step(name)
                for (view, p50, floorP50) in [
                    ("latency", s.latency.p50, floor.latency.p50),
                    ("serviceLatency", s.serviceLatency.p50, floor.serviceLatency.p50),
                ] {
                    #expect(abs(p50 - floorP50 - delay) <= 1, "\(name): \(view).p50 \(p50) ms, floor \(floorP50) ms")
                    #expect(p50 >= delay, "\(name): \(view).p50 \(p50) ms")
                }
                // The intended-time view includes the service time: it can never be the lower of the two.
                #expect(s.latency.p50 >= s.serviceLatency.p50)
            }
        }

        @Test("an open plan at 1,000/s for 3 s sends 3,000 ± 1 %, inside the 3 s")
        func achievedRate() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse(body: #"{"ok": true}"#) }
            defer { Task { await server.stop() } }
            let report = try Self.drill(
                Self.openPlan("calibration-rate", url: server.baseURL, rate: 1000, seconds: 3),
                label: "calibration-rate")
            #expect(report.load.plannedArrivals == 3000)
            #expect(abs(report.totals.journeys - 3000) <= 30, "\(report.totals)")
            #expect(abs(report.totals.requests - 3000) <= 30, "\(report.totals)")
            #expect(report.totals.ok == report.totals.requests && report.totals.journeysOk == report.totals.journeys)
            #expect(server.requestCount == report.totals.requests)
            // Sent on schedule, not merely eventually: the 100 ms slices of the load window hold 3,000 ± 1 % sends.
            let detail = try #require(report.detail)
            let inWindow = detail.sent.prefix(30).reduce(0, +)
            #expect(abs(inWindow - 3000) <= 30, "sent in the first 3 s: \(inWindow); \(detail.sent)")
        }

        @Test("coordinated omission: a 1 s stall behind a 1-connection pool shows in intended time, not service time")
        func coordinatedOmission() async throws {
            // The fixture holds every request that reaches it between 1 s and 2 s after its first request, and answers
            // all of them at 2 s. With one connection the first request in that window stalls the connection, and
            // the ~50 arrivals due while it is held (50/s) wait for it in the driver; at 2 s they are sent one after
            // another and answered at once.
            let first = NIOLockedValueBox<Double?>(nil)
            let held = NIOLockedValueBox(0)
            let server = try await FixtureServer.start { _ in
                let t = DrillReportAcceptanceTests.now()
                let start = first.withLockedValue { v -> Double in
                    if v == nil { v = t }
                    return v!
                }
                let elapsed = t - start
                if elapsed >= 1 && elapsed < 2 {
                    held.withLockedValue { $0 += 1 }
                    return FixtureResponse(body: #"{"ok": true}"#, delay: .nanoseconds(Int64((2 - elapsed) * 1e9)))
                }
                return FixtureResponse(body: #"{"ok": true}"#)
            }
            defer { Task { await server.stop() } }
            let report = try Self.drill(
                Self.openPlan("calibration-stall", url: server.baseURL, rate: 50, seconds: 3, connections: 1),
                label: "calibration-stall", extra: ["--event-loops", "1"])
            #expect(report.target.connections == 1)
            #expect(held.withLockedValue { $0 } == 1, "one connection: only one request reaches the stalled fixture")
            #expect(report.totals.requests == 150 && report.totals.ok == 150, "\(report.totals)")
            // Intended time: the stalled request took ~1 s, and the ~50 queued behind it waited from ~1 s down to a few
            // ms, so a third of all requests are slow and the tail is the stall (seen: p90 689, p99 965, max 984 ms).
            #expect(report.latency.max >= 900 && report.latency.max <= 1200, "\(report.latency)")
            #expect(report.latency.p99 >= 800, "\(report.latency)")
            #expect(report.latency.p90 >= 400, "\(report.latency)")
            // Service time: only the stalled request itself was slow on the wire; everything sent after the stall
            // ended was answered at once. A tool measuring only this (or a closed loop that waits politely) would
            // report a healthy p95 and hide the stall's effect on ~50 users (seen: p50 0.6, p95 0.9, max 984 ms).
            #expect(report.serviceLatency.max >= 900, "\(report.serviceLatency)")
            #expect(report.serviceLatency.p50 < 10, "\(report.serviceLatency)")
            #expect(report.serviceLatency.p95 < 10, "\(report.serviceLatency)")
            // The queueing came from the pool, not from a generator that fell behind.
            #expect(report.generator.lagP99Ms < 5, "\(report.generator)")
        }
    }
}
