import Foundation
import Histogram
import StormDrillEngine
import StormDrillPlan
import StormDrillReport
import Testing

@testable import StormDrillAnalysis

extension StormDrillTests {
    @Suite("Analysis edge cases: low rates, faults without a clean baseline, phase edges")
    struct ReviewedAnalysisTests {
        typealias Sim = RecoveryAnalysisTests.Simulation

        @Test("a total outage at 5 requests/s is an incident of the right length, not 'no impact'")
        func lowRateOutage() throws {
            var sim = Sim(durationMs: 30_000, outcome: RecoveryAnalysisTests.outage(10_000..<15_000))
            sim.rate = { _ in 5 }
            let fault = FaultWindow(name: "down", startMs: 10_000, endMs: 15_000)
            let report = RecoveryAnalysisTests.analyze(sim.detail(), [fault])
            let impact = try #require(report.faults.first)
            #expect(impact.impacted, "\(report.incidents)")
            let incident = try #require(report.incidents.first)
            // At 5/s a request every 200 ms: the edges are known to one request, not one slice.
            #expect(abs(incident.startMs - 10_000) <= 400 && abs((incident.recoveredAtMs ?? 0) - 15_000) <= 400)
        }

        @Test("noise at 5 requests/s (2 % errors) is no incident")
        func lowRateNoise() {
            for seed in UInt64(1)...20 {
                var sim = Sim(durationMs: 30_000, seed: seed, backgroundErrors: 0.02)
                sim.rate = { _ in 5 }
                let report = RecoveryAnalysisTests.analyze(sim.detail())
                #expect(report.incidents.isEmpty, "seed \(seed): \(report.incidents)")
            }
        }

        @Test("a fault from 1 s to 12 s: the baseline comes from after it, and the outage is seen")
        func earlyFault() throws {
            let sim = Sim(durationMs: 16_000, outcome: RecoveryAnalysisTests.outage(1_000..<12_000))
            let fault = FaultWindow(name: "early", startMs: 1_000, endMs: 12_000)
            let report = RecoveryAnalysisTests.analyze(sim.detail(), [fault], loadEndMs: 16_000)
            let baseline = try #require(report.baseline)
            #expect(baseline.fromMs >= 14_000 && baseline.errorRate < 0.01, "\(baseline)")
            let impact = try #require(report.faults.first)
            #expect(impact.impacted && impact.recovered, "\(impact)")
            #expect(abs((impact.impactDurationMs ?? 0) - 11_000) <= 250, "\(impact)")
        }

        @Test("a fault over the whole load: no baseline, so fault thresholds fail as not measured")
        func noBaseline() {
            let sim = Sim(durationMs: 10_000, outcome: RecoveryAnalysisTests.outage(500..<10_000))
            let fault = FaultWindow(name: "all-along", startMs: 500, endMs: 10_000)
            let report = RecoveryAnalysisTests.analyze(sim.detail(), [fault], loadEndMs: 10_000)
            #expect(report.baseline == nil)
            let evaluation = ThresholdEvaluation(
                timeline: [], bucketMs: 100, faults: [("all-along", 500, 10_000, true)], loadEndMs: 10_000,
                recovery: report, audit: nil, capacity: nil, forecast: nil)
            let results = evaluation.evaluate([
                Threshold(metric: .timeToRecover, comparison: .below, limit: 30_000, limitText: "30s"),
                Threshold(metric: .mttr, comparison: .below, limit: 30_000, limitText: "30s"),
            ])
            #expect(results.allSatisfy { !$0.passed && $0.actual == nil }, "\(results)")
        }

        /// 100 ms buckets with `perSlice` successful journeys each (latency 10 ms), `slices` long.
        static func buckets(_ slices: Int, perSlice: Int = 4) -> [TimelineBucket] {
            var h = LatencyHistogram.makeCompact()
            for _ in 0..<perSlice { _ = h.record(10_000) }
            var b = TimelineBucket()
            b.sent = perSlice
            b.ok = perSlice
            b.journeysOk = perSlice
            b.journeysStarted = perSlice
            b.latencies = SparseLatencies(h)
            return Array(repeating: b, count: slices)
        }

        @Test("phases round inward, end with the load, and recovery leaves out a fault nested in another")
        func phaseRanges() throws {
            // 20 s of load at 40 journeys/s and a 2 s drain; A from 5.05 s to 15 s, B (inside A) from 8 s to 9 s.
            let e = ThresholdEvaluation(
                timeline: Self.buckets(220), bucketMs: 100,
                faults: [("A", 5_050, 15_000, true), ("B", 8_000, 9_000, true)], loadEndMs: 20_000, recovery: nil,
                audit: nil, capacity: nil, forecast: nil)
            #expect(e.ranges(for: .baseline) == [0..<50])
            #expect(e.ranges(for: .fault("A")) == [51..<150])
            #expect(e.ranges(for: .recovery) == [150..<200], "B's end (9 s) is still inside A")
            #expect(e.ranges(for: .whole) == [0..<220])
            let throughput = e.evaluate([
                Threshold(metric: .throughput, comparison: .atLeast, limit: 40, limitText: "40/s", during: .baseline)
            ])
            #expect(throughput.first?.actual == 40 && throughput.first?.passed == true, "\(throughput)")
            let whole = e.evaluate([Threshold(metric: .throughput, comparison: .atLeast, limit: 40, limitText: "40/s")])
            // 220 slices of journeys over 20 s of load: the drain's completions count, its time does not.
            #expect(whole.first?.actual == 44, "\(whole)")
        }

        @Test("a recovery phase that never happened within the load fails as not measured")
        func emptyRecovery() {
            let e = ThresholdEvaluation(
                timeline: Self.buckets(170), bucketMs: 100, faults: [("hang", 12_000, 15_000, true)],
                loadEndMs: 15_000, recovery: nil, audit: nil, capacity: nil, forecast: nil)
            #expect(e.ranges(for: .recovery) == nil)
            let r = e.evaluate([
                Threshold(metric: .errorRate, comparison: .below, limit: 0.05, limitText: "0.05", during: .recovery)
            ])
            #expect(r.first?.passed == false && r.first?.actual == nil, "\(r)")
        }
    }
}
