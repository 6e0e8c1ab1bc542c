import StormDrillAnalysis
import StormDrillReport
import Testing

extension StormDrillTests {
    @Suite("Capacity analysis of synthetic ramps with known knees")
    struct CapacityAnalysisTests {
        /// What the target does with `offered` journeys/s: successes, failures and p99 (ms) of the second.
        typealias Service = (_ offered: Double) -> (ok: Double, failed: Double, p99: Double)

        /// Serves up to `ceiling` journeys/s in 20 ms and fails the rest at once (503).
        static func ceiling(_ ceiling: Double) -> Service {
            { offered in (min(offered, ceiling), max(0, offered - ceiling), 20) }
        }

        /// A per-second timeline of a linear ramp `from → to` journeys/s over `seconds` s (offered in the middle of
        /// each second), plus `drain` seconds after the load with nothing offered. With a seed, arrivals and latency
        /// get ±5 % of deterministic noise.
        static func ramp(
            from: Double = 50, to: Double = 400, seconds: Int = 30, drain: Int = 1, seed: UInt64? = nil,
            service: Service, edit: (inout [TimelineEntry]) -> Void = { _ in }
        ) -> [TimelineEntry] {
            var random = RecoveryAnalysisTests.LCG(seed: seed ?? 0)
            func noise() -> Double { seed == nil ? 1 : 0.95 + 0.1 * random.next() }
            var out: [TimelineEntry] = []
            for t in 0..<(seconds + drain) {
                let offered = t < seconds ? from + (to - from) * (Double(t) + 0.5) / Double(seconds) : 0
                let served = service(offered * noise())
                let ok = Int(served.ok.rounded())
                let failed = Int(served.failed.rounded())
                let p99 = served.p99 * noise()
                out.append(
                    TimelineEntry(
                        t: t, sent: ok + failed, ok: ok, errors: failed, dropped: 0, p50: p99 / 2, p99: p99,
                        inFlight: 10, journeysStarted: ok + failed, journeysOk: ok, journeysFailed: failed,
                        offered: offered))
            }
            edit(&out)
            return out
        }

        /// The default ramp's planned rate in the middle of second `t`.
        static func offered(_ t: Int) -> Double { 50 + 350 * (Double(t) + 0.5) / 30 }

        static func analyze(
            _ timeline: [TimelineEntry], p99LimitMs: Double? = nil, errorRateLimit: Double? = nil, window: Int = 10,
            forecast: (peakRate: Double, headroom: Double)? = nil, loadEndMs: Double? = 30_000
        ) -> CapacityReport? {
            CapacityAnalysis.analyze(
                timeline: timeline, p99LimitMs: p99LimitMs, errorRateLimit: errorRateLimit, windowSeconds: window,
                forecast: forecast, loadEndMs: loadEndMs)
        }

        @Test("a ramp 50→400 journeys/s against a 200/s ceiling finds 200 ± 10 %")
        func rampWithCeiling() throws {
            let report = try #require(Self.analyze(Self.ramp(service: Self.ceiling(200))))
            let capacity = try #require(report.capacity)
            #expect(abs(capacity - 200) <= 20)
            // The last good second is t = 12 (195.8/s); t = 13 (207.5/s) fails 3.6 % of its journeys.
            #expect(abs(capacity - Self.offered(12)) < 1e-9)
            #expect(report.throughputAtCapacity == 196)
            #expect(report.limitReached)
            #expect(report.brokeAtMs == 13_000)
            let brokeAtRate = try #require(report.brokeAtRate)
            #expect(abs(brokeAtRate - Self.offered(13)) < 1e-9)
            #expect(report.brokenBy == ["errors"])
            #expect(report.peakThroughput == 200)
            #expect(report.pastKnee == "plateau")
            #expect(report.windowMs == 10_000)
            // The drain second is not a point.
            #expect(report.points.count == 30)
            #expect(report.points.prefix(13).allSatisfy { $0.withinSLO })
            #expect(report.points.suffix(17).allSatisfy { !$0.withinSLO })
            #expect(report.forecast == nil)
        }

        @Test("the knee stays at 200 ± 10 % with noisy arrivals and latency")
        func noisyRamp() throws {
            for seed in UInt64(1)...8 {
                let report = try #require(Self.analyze(Self.ramp(seed: seed, service: Self.ceiling(200))))
                let capacity = try #require(report.capacity, "seed \(seed)")
                #expect(abs(capacity - 200) <= 20, "seed \(seed): \(capacity)")
                #expect(report.limitReached && report.pastKnee == "plateau")
            }
        }

        @Test("a latency knee: no errors, p99 beyond its limit past 200/s")
        func latencyKnee() throws {
            let service: Service = { offered in (offered, 0, 20 + max(0, offered - 200) * 5) }
            let report = try #require(Self.analyze(Self.ramp(service: service), p99LimitMs: 100))
            let capacity = try #require(report.capacity)
            #expect(abs(capacity - 200) <= 20)
            #expect(report.brokenBy == ["latency"])
            #expect(report.limitReached)
            // Throughput kept rising: past the knee it is at its peak.
            #expect(report.pastKnee == "plateau")
            // Without a latency limit the same ramp never breaks.
            let unlimited = try #require(Self.analyze(Self.ramp(service: service)))
            #expect(!unlimited.limitReached && unlimited.pastKnee == "rising")
        }

        @Test("a ramp that never breaks: limit not reached, rising, capacity is the highest rate offered")
        func neverBroken() throws {
            let report = try #require(Self.analyze(Self.ramp(service: Self.ceiling(1000))))
            #expect(!report.limitReached)
            #expect(report.pastKnee == "rising")
            #expect(report.brokeAtMs == nil && report.brokeAtRate == nil && report.brokenBy.isEmpty)
            let capacity = try #require(report.capacity)
            #expect(abs(capacity - Self.offered(29)) < 1e-9)
        }

        @Test("forecast 150 × 1.5 against a 200/s knee is not covered, with a negative margin")
        func forecastNotCovered() throws {
            let report = try #require(
                Self.analyze(Self.ramp(service: Self.ceiling(200)), forecast: (peakRate: 150, headroom: 1.5)))
            let forecast = try #require(report.forecast)
            #expect(forecast.required == 225)
            #expect(!forecast.covered)
            let margin = try #require(forecast.margin)
            #expect(margin < 0)
            #expect(abs(margin - (Self.offered(12) / 225 - 1)) < 1e-9)
        }

        @Test("forecast 100 × 1.5 against a 200/s knee is covered")
        func forecastCovered() throws {
            let report = try #require(
                Self.analyze(Self.ramp(service: Self.ceiling(200)), forecast: (peakRate: 100, headroom: 1.5)))
            let forecast = try #require(report.forecast)
            #expect(forecast.required == 150 && forecast.covered)
            let margin = try #require(forecast.margin)
            #expect(margin > 0.3)
        }

        @Test("an unbroken ramp covers a forecast it reached, not one above its highest rate")
        func forecastUnbroken() throws {
            let timeline = Self.ramp(service: Self.ceiling(1000))
            let reached = try #require(Self.analyze(timeline, forecast: (peakRate: 200, headroom: 1.5)))
            #expect(reached.forecast?.covered == true)
            let beyond = try #require(Self.analyze(timeline, forecast: (peakRate: 300, headroom: 1.5)))
            #expect(beyond.forecast?.covered == false)
            let margin = try #require(beyond.forecast?.margin)
            #expect(margin < 0)
        }

        @Test("past the knee: plateau, declining and collapse")
        func pastKnee() throws {
            let collapse: Service = { o in
                let ok = o <= 200 ? o : max(20, 200 - (o - 200) * 2)
                return (ok, o - ok, 20)
            }
            #expect(Self.analyze(Self.ramp(service: collapse))?.pastKnee == "collapse")
            let declining: Service = { o in
                let ok = o <= 200 ? o : max(170, 200 - (o - 200) * 0.5)
                return (ok, o - ok, 20)
            }
            #expect(Self.analyze(Self.ramp(service: declining))?.pastKnee == "declining")
            #expect(Self.analyze(Self.ramp(service: Self.ceiling(200)))?.pastKnee == "plateau")
        }

        @Test("one bad second far below the knee does not make the capacity tiny")
        func earlyBlip() throws {
            let timeline = Self.ramp(service: Self.ceiling(200)) { t in
                t[1].journeysFailed = 20
                t[1].errors = 20
            }
            let report = try #require(Self.analyze(timeline, window: 10))
            // The run after the blip (t = 2…12) is 11 s long: the knee is still found.
            let capacity = try #require(report.capacity)
            #expect(abs(capacity - 200) <= 20)
            #expect(report.brokeAtMs == 13_000)
            // With a blip at t = 4, the later run (5…12) is too short for a 10 s window: no capacity, and the first
            // bad second is where it broke.
            let late = Self.ramp(service: Self.ceiling(200)) { t in t[4].journeysFailed = 20 }
            let none = try #require(Self.analyze(late, window: 10))
            #expect(none.capacity == nil && none.limitReached && none.brokeAtMs == 4000)
        }

        @Test("a short ramp shortens the window to a third of its seconds")
        func shortRamp() throws {
            // 6 s from 150 to 270 (160, 180, 200, 220, 240, 260 in the middle of each second) against 200/s.
            let timeline = Self.ramp(from: 150, to: 270, seconds: 6, service: Self.ceiling(200))
            let report = try #require(Self.analyze(timeline, window: 10, loadEndMs: 6000))
            #expect(report.windowMs == 2000)
            let capacity = try #require(report.capacity)
            #expect(abs(capacity - 200) < 1e-9)
            #expect(report.brokeAtMs == 3000)
        }

        @Test("dropped arrivals break the SLO and count as failures")
        func droppedBreaks() throws {
            let timeline = Self.ramp(service: Self.ceiling(1000)) { t in
                for i in 20..<30 { t[i].dropped = 5 }
            }
            let report = try #require(Self.analyze(timeline, errorRateLimit: 0.5))
            #expect(report.brokenBy == ["dropped"])
            #expect(report.brokeAtMs == 20_000)
            #expect(report.points[20].errorRate > 0)
        }

        @Test("a second in which journeys were offered and none ended is not within the SLO")
        func nothingEnded() throws {
            func silent(at second: Int) -> [TimelineEntry] {
                Self.ramp(service: Self.ceiling(1000)) { t in
                    t[second].journeysOk = 0
                    t[second].journeysFailed = 0
                    t[second].ok = 0
                }
            }
            let late = try #require(Self.analyze(silent(at: 25)))
            #expect(late.brokeAtMs == 25_000 && late.brokenBy == ["latency"] && late.limitReached)
            #expect(abs((late.capacity ?? 0) - Self.offered(24)) < 1e-9)
            // A silent second mid-ramp followed by a full window of good ones is not where it broke.
            let mid = try #require(Self.analyze(silent(at: 15)))
            #expect(!mid.points[15].withinSLO)
            #expect(!mid.limitReached && abs((mid.capacity ?? 0) - Self.offered(29)) < 1e-9)
        }

        @Test("without the load's end, the last second with a planned rate and the drain are left out")
        func withoutLoadEnd() throws {
            let report = try #require(Self.analyze(Self.ramp(drain: 2, service: Self.ceiling(200)), loadEndMs: nil))
            #expect(report.points.count == 29)
            let capacity = try #require(report.capacity)
            #expect(abs(capacity - 200) <= 20)
        }

        @Test("a closed-model timeline (no planned rate) has no capacity")
        func closedModel() {
            let timeline = (0..<30).map { t in
                TimelineEntry(t: t, sent: 100, ok: 100, errors: 0, dropped: 0, p50: 5, p99: 10, inFlight: 4)
            }
            #expect(Self.analyze(timeline) == nil)
            #expect(Self.analyze([]) == nil)
        }

        @Test("older reports without journey counts fall back on request counts")
        func requestCounts() throws {
            let timeline = Self.ramp(service: Self.ceiling(200)) { t in
                for i in t.indices {
                    t[i].journeysOk = nil
                    t[i].journeysFailed = nil
                }
            }
            let capacity = try #require(Self.analyze(timeline)?.capacity)
            #expect(abs(capacity - 200) <= 20)
        }
    }
}
