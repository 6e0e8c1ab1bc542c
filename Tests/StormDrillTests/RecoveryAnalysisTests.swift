import Foundation
import StormDrillPlan
import StormDrillReport
import Testing

@testable import StormDrillAnalysis

extension StormDrillTests {
    @Suite("Recovery analysis and notices on synthetic timelines with known answers")
    struct RecoveryAnalysisTests {
        /// A tiny seeded generator (Knuth's MMIX LCG): the same seed gives the same timeline on every machine.
        struct LCG {
            var state: UInt64

            init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

            /// Uniform in [0, 1).
            mutating func next() -> Double {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Double(state >> 11) / Double(1 << 53)
            }
        }

        /// What the target does to one request, by its send time (ms): nil behaves normally.
        enum Outcome {
            /// Fails (a 503) after this many ms.
            case fail(Double)
            /// Succeeds after this many ms.
            case slow(Double)
        }

        /// A synthetic drill: uniform arrivals of single-request journeys at `rate(ms)` requests/s, each completing
        /// after `latencyMs` plus jitter, bucketed into 100 ms slices the way the engine counts them (sent when
        /// sent, ok/errors and latency in the slice where the request completes). The drain after the load is kept.
        struct Simulation {
            var durationMs = 30_000.0
            var rate: (Double) -> Double = { _ in 200 }
            /// Poisson arrivals instead of uniform ones.
            var poisson = false
            var seed: UInt64 = 1
            var latencyMs = 10.0
            /// Uniform extra latency in [0, jitterMs).
            var jitterMs = 0.0
            /// Share of requests 30 ms slower.
            var spikeShare = 0.0
            /// Share of requests failing at random.
            var backgroundErrors = 0.0
            var outcome: (Double) -> Outcome? = { _ in nil }
            /// Requests whose completion would fall in this range complete only at its end (plus 1 ms).
            var hang: Range<Double>?

            func detail() -> TimelineDetail {
                let r = 100.0
                var random = LCG(seed: seed)
                var sends: [Double] = []
                if poisson {
                    var t = -log(1 - random.next()) * 1000 / rate(0)
                    while t < durationMs {
                        sends.append(t)
                        t += -log(1 - random.next()) * 1000 / rate(t)
                    }
                } else {
                    var acc = 0.0
                    var t = 0.0
                    while t < durationMs {
                        acc += rate(t) / 1000
                        while acc >= 1 - 1e-9 {
                            sends.append(t)
                            acc -= 1
                        }
                        t += 1
                    }
                }
                var completions: [(at: Double, ok: Bool, latency: Double)] = []
                for s in sends {
                    var latency = latencyMs + jitterMs * random.next()
                    if random.next() < spikeShare { latency += 30 }
                    var ok = random.next() >= backgroundErrors
                    switch outcome(s) {
                    case .fail(let ms)?:
                        latency = ms
                        ok = false
                    case .slow(let ms)?:
                        latency = ms
                    case nil:
                        break
                    }
                    var at = s + latency
                    if let hang, hang.contains(at) { at = hang.upperBound + 1 }
                    completions.append((at, ok, at - s))
                }
                let last = max(sends.last ?? 0, completions.map(\.at).max() ?? 0)
                let count = Int(last / r) + 1
                var sent = Array(repeating: 0, count: count)
                var ok = Array(repeating: 0, count: count)
                var errors = Array(repeating: 0, count: count)
                var latencies = Array(repeating: [Double](), count: count)
                for s in sends { sent[Int(s / r)] += 1 }
                for c in completions {
                    let i = Int(c.at / r)
                    if c.ok { ok[i] += 1 } else { errors[i] += 1 }
                    latencies[i].append(c.latency)
                }
                var d = TimelineDetail(resolutionMs: r)
                for i in 0..<count {
                    d.append(
                        sent: sent[i], ok: ok[i], errors: errors[i], dropped: 0, journeysOk: ok[i],
                        journeysFailed: errors[i], p50: Simulation.percentile(latencies[i], 50),
                        p99: Simulation.percentile(latencies[i], 99))
                }
                return d
            }

            /// Nearest-rank percentile; 0 when empty.
            static func percentile(_ values: [Double], _ p: Double) -> Double {
                guard !values.isEmpty else { return 0 }
                let s = values.sorted()
                return s[max(0, Int((p / 100 * Double(s.count)).rounded(.up)) - 1)]
            }
        }

        /// A hand-built timeline: `perSlice` requests succeed in every slice with p99 `p99`, then `edit` changes it.
        static func flat(
            seconds: Int = 30, perSlice: Int = 20, p99: Double = 10, edit: (inout TimelineDetail) -> Void = { _ in }
        ) -> TimelineDetail {
            var d = TimelineDetail(resolutionMs: 100)
            for _ in 0..<(seconds * 10) {
                d.append(
                    sent: perSlice, ok: perSlice, errors: 0, dropped: 0, journeysOk: perSlice, journeysFailed: 0,
                    p50: p99 / 2, p99: p99)
            }
            edit(&d)
            return d
        }

        /// 503s in 2 ms for requests sent in `range` (ms).
        static func outage(_ range: Range<Double>) -> (Double) -> Outcome? {
            { range.contains($0) ? .fail(2) : nil }
        }

        static func analyze(
            _ d: TimelineDetail, _ faults: [FaultWindow] = [], loadEndMs: Double = 30_000
        ) -> RecoveryReport {
            RecoveryAnalysis.analyze(
                detail: d, faults: faults, loadEndMs: loadEndMs, settings: RecoveryAnalysis.defaultSettings)
        }

        // MARK: - Outages

        @Test("a clean 5 s outage at 200 req/s: one incident, measured to the slice")
        func cleanOutage() throws {
            let d = Simulation(outcome: Self.outage(10_000..<15_000)).detail()
            let fault = FaultWindow(name: "payment-outage", startMs: 10_000, endMs: 15_000)
            let report = Self.analyze(d, [fault])
            #expect(report.resolutionMs == 100)
            #expect(report.incidents.count == 1)
            let incident = try #require(report.incidents.first)
            #expect(incident.startMs == 10_000)
            #expect(incident.recoveredAtMs == 15_000)
            #expect(incident.durationMs == 5000)
            #expect(incident.recovered)
            #expect(incident.fault == "payment-outage")
            #expect(incident.causes == ["errors", "throughput"])
            #expect(incident.worstErrorRate > 0.9)
            #expect(abs(incident.failedRequests - 1000) <= 20)
            #expect(abs(incident.throughputLost - 1000) <= 20)
            let impact = try #require(report.faults.first)
            #expect(impact.impacted && impact.recovered)
            #expect(impact.incident == 1)
            let toImpact = try #require(impact.timeToImpactMs)
            #expect(toImpact <= 250)
            let toRecover = try #require(impact.timeToRecoverMs)
            #expect(toRecover <= 250)
            let impactDuration = try #require(impact.impactDurationMs)
            #expect(abs(impactDuration - 5000) <= 250)
            #expect(impact.notices.isEmpty)
            #expect(report.mttrMs == 5000)
            #expect(report.unrecovered == 0)
            let baseline = try #require(report.baseline)
            #expect(baseline.fromMs == 1000 && baseline.toMs == 10_000)
            #expect(baseline.throughput == 200)
            #expect(baseline.errorRate == 0)
            #expect(baseline.p99Ms == 10)
            #expect(baseline.steady)
        }

        @Test("an outage not aligned to slices (10.05–15.05 s) with 2 % background errors and jittery latency")
        func unalignedNoisyOutage() throws {
            for seed in UInt64(1)...6 {
                let d = Simulation(
                    seed: seed, jitterMs: 8, spikeShare: 0.01, backgroundErrors: 0.02,
                    outcome: Self.outage(10_050..<15_050)
                ).detail()
                let report = Self.analyze(d, [FaultWindow(name: "outage", startMs: 10_050, endMs: 15_050)])
                #expect(report.incidents.count == 1, "seed \(seed)")
                let incident = try #require(report.incidents.first)
                #expect(abs(incident.durationMs - 5000) <= 250, "seed \(seed): \(incident.durationMs)")
                let recoveredAt = try #require(incident.recoveredAtMs)
                #expect(recoveredAt >= 15_000 && recoveredAt <= 15_300, "seed \(seed): \(recoveredAt)")
                #expect(incident.fault == "outage")
                let impact = try #require(report.faults.first)
                let toImpact = try #require(impact.timeToImpactMs)
                #expect(toImpact <= 250)
                let toRecover = try #require(impact.timeToRecoverMs)
                #expect(toRecover <= 250)
                let baseline = try #require(report.baseline)
                #expect(abs(baseline.errorRate - 0.02) < 0.015)
                #expect(abs(baseline.throughput - 200) < 10)
                #expect(baseline.steady)
            }
        }

        @Test("the same outage with no fault given is an unplanned incident and does not pollute the baseline")
        func unplannedOutage() throws {
            for seed in UInt64(1)...3 {
                let d = Simulation(
                    seed: seed, jitterMs: 8, spikeShare: 0.01, backgroundErrors: 0.02,
                    outcome: Self.outage(10_050..<15_050)
                ).detail()
                let report = Self.analyze(d)
                #expect(report.incidents.count == 1)
                let incident = try #require(report.incidents.first)
                #expect(incident.fault == nil)
                #expect(abs(incident.startMs - 10_050) <= 250)
                #expect(abs(incident.durationMs - 5000) <= 250)
                #expect(report.faults.isEmpty)
                let baseline = try #require(report.baseline)
                #expect(baseline.fromMs == 1000 && baseline.toMs == 30_000)
                #expect(abs(baseline.errorRate - 0.02) < 0.015)
                #expect(abs(baseline.throughput - 200) < 10)
                #expect(baseline.p99Ms < 60)
                // Five of the 29 seconds were an outage: a steady baseline it is not.
                #expect(!baseline.steady)
            }
        }

        @Test("a clean outage with no fault: the baseline is exactly the healthy seconds' values")
        func unplannedCleanBaseline() throws {
            let report = Self.analyze(Simulation(outcome: Self.outage(10_000..<15_000)).detail())
            let baseline = try #require(report.baseline)
            #expect(baseline.errorRate == 0 && baseline.throughput == 200 && baseline.p99Ms == 10)
            let incident = try #require(report.incidents.first)
            #expect(incident.startMs == 10_000 && incident.durationMs == 5000 && incident.fault == nil)
        }

        // MARK: - Latency and hangs

        @Test("a latency-only incident: p99 from 10 ms to 400 ms for 3 s")
        func latencyOnly() throws {
            let d = Self.flat { d in
                for i in 100..<130 { d.p99[i] = 400 }
            }
            let report = Self.analyze(d, [FaultWindow(name: "slow-dispatch", startMs: 10_000, endMs: 13_000)])
            let incident = try #require(report.incidents.first)
            #expect(report.incidents.count == 1)
            #expect(incident.causes == ["latency"])
            #expect(incident.startMs == 10_000 && incident.recoveredAtMs == 13_000)
            #expect(incident.worstP99Ms == 400 && incident.worstErrorRate == 0 && incident.throughputLost == 0)
            #expect(report.faults[0].timeToRecoverMs == 0 && report.faults[0].timeToImpactMs == 0)
        }

        @Test("slow responses are seen when they complete: 400 ms responses for 3 s")
        func slowResponsesSimulated() throws {
            let d = Simulation(jitterMs: 4, outcome: { (10_000..<13_000).contains($0) ? .slow(400) : nil }).detail()
            let report = Self.analyze(d, [FaultWindow(name: "slow", startMs: 10_000, endMs: 13_000)])
            #expect(report.incidents.count == 1)
            let incident = try #require(report.incidents.first)
            #expect(incident.causes.contains("latency"))
            #expect(incident.startMs <= 10_100)
            // The last slow response arrives at 13.4 s.
            let recoveredAt = try #require(incident.recoveredAtMs)
            #expect(abs(recoveredAt - 13_400) <= 100)
            let toRecover = try #require(report.faults[0].timeToRecoverMs)
            #expect(abs(toRecover - 400) <= 100)
        }

        @Test("a hang (nothing completes for 2 s, then a burst) is found through throughput")
        func hang() throws {
            let d = Simulation(hang: 10_000..<12_000).detail()
            let report = Self.analyze(d, [FaultWindow(name: "freeze", startMs: 10_000, endMs: 12_000)])
            #expect(report.incidents.count == 1)
            let incident = try #require(report.incidents.first)
            #expect(incident.causes == ["latency", "throughput"])
            #expect(incident.startMs == 10_000)
            // The burst of late responses at 12.0 s is still a degraded (slow) slice.
            #expect(incident.recoveredAtMs == 12_100)
            #expect(incident.throughputLost == 400)
            #expect(incident.failedRequests == 0)
            #expect(incident.worstP99Ms > 1900)
            #expect(report.faults[0].timeToRecoverMs == 100)
        }

        @Test("a hang in which nothing is even sent (every connection stuck) is still a throughput incident")
        func hangWithNothingSent() throws {
            let d = Self.flat { d in
                for i in 100..<120 {
                    d.sent[i] = i == 100 ? 20 : 0
                    d.ok[i] = 0
                    d.p99[i] = 0
                }
                d.ok[120] = 400
                d.sent[120] = 400
                d.p99[120] = 2000
            }
            let report = Self.analyze(d)
            let incident = try #require(report.incidents.first)
            #expect(report.incidents.count == 1)
            #expect(incident.causes.contains("throughput"))
            #expect(incident.startMs == 10_000 && incident.recoveredAtMs == 12_100)
        }

        @Test("a hang at 20 req/s (2 per slice) is judged over a wider throughput window")
        func lowRateHang() throws {
            let d = Simulation(rate: { _ in 20 }, hang: 10_000..<12_000).detail()
            let report = Self.analyze(d, [FaultWindow(name: "freeze", startMs: 10_000, endMs: 12_000)])
            #expect(report.incidents.count == 1)
            let incident = try #require(report.incidents.first)
            #expect(incident.causes.contains("throughput"))
            #expect(abs(incident.startMs - 10_000) <= 250)
            let recoveredAt = try #require(incident.recoveredAtMs)
            #expect(abs(recoveredAt - 12_100) <= 250)
        }

        // MARK: - Noise

        @Test("noise alone (2 % random errors, latency jitter and spikes) is no incident")
        func noiseOnly() throws {
            for seed in UInt64(1)...10 {
                let d = Simulation(seed: seed, jitterMs: 8, spikeShare: 0.01, backgroundErrors: 0.02).detail()
                let report = Self.analyze(d)
                #expect(report.incidents.isEmpty, "seed \(seed): \(report.incidents)")
                #expect(report.mttrMs == nil && report.unrecovered == 0)
                #expect(report.baseline?.steady == true)
            }
        }

        @Test("Poisson arrivals: noise alone is no incident, an outage is measured to the slice")
        func poissonArrivals() throws {
            for seed in UInt64(1)...6 {
                let quiet = Simulation(
                    poisson: true, seed: seed, jitterMs: 8, spikeShare: 0.01, backgroundErrors: 0.02
                ).detail()
                #expect(Self.analyze(quiet).incidents.isEmpty, "seed \(seed)")
                let d = Simulation(
                    poisson: true, seed: seed, jitterMs: 8, spikeShare: 0.01, backgroundErrors: 0.02,
                    outcome: Self.outage(10_050..<15_050)
                ).detail()
                let report = Self.analyze(d, [FaultWindow(name: "outage", startMs: 10_050, endMs: 15_050)])
                #expect(report.incidents.count == 1, "seed \(seed)")
                let incident = try #require(report.incidents.first)
                #expect(abs(incident.startMs - 10_050) <= 250, "seed \(seed): \(incident.startMs)")
                #expect(abs(incident.durationMs - 5000) <= 250, "seed \(seed): \(incident.durationMs)")
            }
        }

        @Test("rare failures against a clean baseline (0.1 %: most seconds have none) are no incident")
        func rareFailures() throws {
            for seed in UInt64(1)...6 {
                let d = Simulation(poisson: true, seed: seed, jitterMs: 8, backgroundErrors: 0.001).detail()
                let report = Self.analyze(d)
                #expect(report.baseline?.errorRate == 0)
                #expect(report.incidents.isEmpty, "seed \(seed): \(report.incidents)")
            }
        }

        @Test("a partial fault (30 % of requests fail for 5 s) is one incident")
        func partialErrors() throws {
            for seed in UInt64(1)...6 {
                let d = Simulation(
                    poisson: true, seed: seed, jitterMs: 8, backgroundErrors: 0.01,
                    outcome: { t in
                        (10_000..<15_000).contains(t) && Int(t * 7919) % 100 < 30 ? .fail(2) : nil
                    }
                ).detail()
                let report = Self.analyze(d, [FaultWindow(name: "http-error", startMs: 10_000, endMs: 15_000)])
                #expect(report.incidents.count == 1, "seed \(seed): \(report.incidents)")
                let incident = try #require(report.incidents.first)
                #expect(incident.causes.first == "errors")
                #expect(abs(incident.startMs - 10_000) <= 250, "seed \(seed): \(incident.startMs)")
                #expect(abs(incident.durationMs - 5000) <= 250, "seed \(seed): \(incident.durationMs)")
            }
        }

        @Test("a ramp of healthy load is no throughput incident: the expected throughput follows the load")
        func healthyRamp() throws {
            let d = Simulation(rate: { 20 + 180 * $0 / 30_000 }, jitterMs: 5).detail()
            let report = Self.analyze(d)
            #expect(report.incidents.isEmpty, "\(report.incidents)")
            #expect(report.baseline?.steady == false)
        }

        @Test("a degraded blip shorter than minIncident is noise; a longer one is an incident")
        func minimumIncident() throws {
            let short = Self.analyze(Simulation(outcome: Self.outage(10_000..<10_200)).detail())
            #expect(short.incidents.isEmpty)
            let long = Self.analyze(Simulation(outcome: Self.outage(10_000..<10_400)).detail())
            #expect(long.incidents.count == 1)
            #expect(long.incidents.first?.durationMs == 400)
        }

        // MARK: - Recovery

        @Test("a target that never recovers: not recovered, no time to recover, MTTR runs to the end of the load")
        func neverRecovers() throws {
            let d = Simulation(outcome: { $0 >= 20_000 ? .fail(2) : nil }).detail()
            let report = Self.analyze(d, [FaultWindow(name: "kill", startMs: 20_000, endMs: nil)])
            #expect(report.incidents.count == 1)
            let incident = try #require(report.incidents.first)
            #expect(!incident.recovered && incident.recoveredAtMs == nil)
            #expect(incident.startMs == 20_000 && incident.durationMs == 10_000)
            #expect(incident.fault == "kill")
            #expect(report.unrecovered == 1 && report.mttrMs == 10_000)
            let impact = report.faults[0]
            #expect(impact.impacted && !impact.recovered)
            #expect(impact.timeToRecoverMs == nil && impact.endMs == nil)
            #expect(impact.impactDurationMs == 10_000)
        }

        @Test("recovering less than stableFor before the end of the load is not recovering")
        func recoveryTooLate() throws {
            let d = Simulation(durationMs: 32_000, outcome: Self.outage(20_000..<29_500)).detail()
            let faults = [FaultWindow(name: "late", startMs: 20_000, endMs: 29_500)]
            let report = Self.analyze(d, faults)
            let incident = try #require(report.incidents.first)
            #expect(!incident.recovered && incident.recoveredAtMs == nil && incident.durationMs == 10_000)
            #expect(report.faults[0].timeToRecoverMs == nil && !report.faults[0].recovered)
            // The same target under a load that lasts 2 s longer is seen to recover.
            let longer = Self.analyze(d, faults, loadEndMs: 32_000)
            #expect(longer.incidents.first?.recoveredAtMs == 29_500)
            #expect(longer.faults[0].timeToRecoverMs == 0)
        }

        @Test("slices after the end of the load (the drain) are not judged")
        func drainIgnored() throws {
            // Load ends at 20 s; the drain slices have almost nothing completing, which must not be an incident.
            let d = Simulation(durationMs: 20_000).detail()
            let report = Self.analyze(d, loadEndMs: 20_000)
            #expect(report.incidents.isEmpty)
            let baseline = try #require(report.baseline)
            #expect(baseline.toMs == 20_000)
        }

        @Test("two faults, two incidents, MTTR is their mean")
        func twoFaults() throws {
            let d = Simulation(outcome: { t in
                (8000..<10_000).contains(t) || (18_000..<21_000).contains(t) ? .fail(2) : nil
            }).detail()
            let faults = [
                FaultWindow(name: "a", startMs: 8000, endMs: 10_000),
                FaultWindow(name: "b", startMs: 18_000, endMs: 21_000),
            ]
            let report = Self.analyze(d, faults)
            #expect(report.incidents.count == 2)
            #expect(report.incidents.map(\.fault) == ["a", "b"])
            #expect(report.incidents.map(\.id) == [1, 2])
            #expect(report.incidents.map(\.durationMs) == [2000, 3000])
            #expect(report.mttrMs == 2500)
            #expect(report.faults.map(\.incident) == [1, 2])
            #expect(report.baseline?.fromMs == 1000 && report.baseline?.toMs == 8000)
        }

        @Test("a fault that does nothing is not impacted, and an unrelated fault does not claim an incident")
        func unimpactedFault() throws {
            let d = Simulation(outcome: Self.outage(20_000..<22_000)).detail()
            let faults = [
                FaultWindow(name: "harmless", startMs: 8000, endMs: 10_000),
                FaultWindow(name: "real", startMs: 20_000, endMs: 22_000),
            ]
            let report = Self.analyze(d, faults)
            #expect(report.incidents.count == 1 && report.incidents[0].fault == "real")
            let harmless = report.faults[0]
            #expect(!harmless.impacted && harmless.recovered && harmless.incident == nil)
            #expect(harmless.timeToImpactMs == nil && harmless.timeToRecoverMs == nil)
        }

        @Test("a flap shorter than stableFor inside an outage does not split it; a longer one does")
        func flap() throws {
            let flapping = Simulation(outcome: { t in
                (10_000..<12_000).contains(t) || (12_500..<15_000).contains(t) ? .fail(2) : nil
            }).detail()
            let one = Self.analyze(flapping, [FaultWindow(name: "flaky", startMs: 10_000, endMs: 15_000)])
            #expect(one.incidents.count == 1)
            #expect(one.incidents.first?.startMs == 10_000 && one.incidents.first?.recoveredAtMs == 15_000)
            let split = Simulation(outcome: { t in
                (10_000..<12_000).contains(t) || (13_500..<15_000).contains(t) ? .fail(2) : nil
            }).detail()
            let two = Self.analyze(split, [FaultWindow(name: "flaky", startMs: 10_000, endMs: 15_000)])
            #expect(two.incidents.count == 2)
            #expect(two.incidents.map(\.fault) == ["flaky", "flaky"])
            // The fault is opened by the first incident and closed by the last.
            #expect(two.faults[0].incident == 1)
            #expect(two.faults[0].impactDurationMs == 5000)
            #expect(two.faults[0].timeToRecoverMs == 0)
        }

        @Test("an incident starting just after the fault ended (within stableFor) is still the fault's")
        func attributionAfterEnd() throws {
            let d = Simulation(outcome: Self.outage(15_500..<17_000)).detail()
            let report = Self.analyze(d, [FaultWindow(name: "f", startMs: 10_000, endMs: 15_000)])
            #expect(report.incidents.first?.fault == "f")
            let later = Self.analyze(d, [FaultWindow(name: "f", startMs: 10_000, endMs: 14_000)])
            #expect(later.incidents.first?.fault == nil)
            #expect(later.faults[0].impacted == false)
        }

        @Test("settings from the plan's analysis tolerances")
        func settingsFromPlan() {
            #expect(RecoveryAnalysis.settings(from: AnalysisSettings()) == RecoveryAnalysis.defaultSettings)
        }

        @Test("an empty timeline has no baseline and no incident")
        func empty() {
            let report = Self.analyze(TimelineDetail(resolutionMs: 100), [FaultWindow(name: "f", startMs: 0, endMs: 1)])
            #expect(report.baseline == nil && report.incidents.isEmpty && report.faults.count == 1)
            #expect(report.faults[0].impacted == false)
        }

        // MARK: - Statistics

        @Test("the binomial and Poisson tails")
        func tails() {
            #expect(abs(RecoveryAnalysis.binomialUpperTail(2, n: 20, p: 0.02) - 0.0599) < 0.0005)
            #expect(abs(RecoveryAnalysis.binomialUpperTail(3, n: 20, p: 0.02) - 0.00707) < 0.0001)
            #expect(RecoveryAnalysis.binomialUpperTail(0, n: 20, p: 0.02) == 1)
            #expect(RecoveryAnalysis.binomialUpperTail(21, n: 20, p: 0.5) == 0)
            #expect(RecoveryAnalysis.binomialUpperTail(5000, n: 10_000, p: 0.5) > 0.49)
            #expect(abs(RecoveryAnalysis.poissonLowerTail(9, mean: 20) - 0.00500) < 0.0001)
            #expect(abs(RecoveryAnalysis.poissonLowerTail(0, mean: 5) - 0.006738) < 0.00001)
            #expect(RecoveryAnalysis.poissonLowerTail(100, mean: 2000) < 1e-10)
        }

        // MARK: - Notices

        static func probe(_ changes: [(Double, Bool)]) -> ProbeReport {
            ProbeReport(
                name: "notice", request: "GET /status", condition: #"/incident != "none""#, everyMs: 250,
                samples: 100, failedSamples: 0, changes: changes.map { ProbeChange(atMs: $0.0, holds: $0.1) })
        }

        @Test("time to notice and to clear from the probe's changes")
        func noticeTimes() {
            let probe = Self.probe([(250, false), (10_800, true), (17_000, false)])
            let n = NoticeAnalysis.notices(faultStartMs: 10_000, recoveryPointMs: 15_000, probes: [probe])
            #expect(n == [NoticeReport(probe: "notice", timeToNoticeMs: 800, timeToClearMs: 2000)])
        }

        @Test("notice edge cases: already showing, never shown, cleared early, shown late, never recovered")
        func noticeEdges() {
            func one(_ changes: [(Double, Bool)], recovery: Double?) -> NoticeReport {
                NoticeAnalysis.notices(faultStartMs: 10_000, recoveryPointMs: recovery, probes: [Self.probe(changes)])[
                    0]
            }
            // Still showing from an earlier fault at this one's start.
            #expect(one([(0, false), (5000, true), (16_000, false)], recovery: 15_000).timeToNoticeMs == 0)
            #expect(one([(0, false), (5000, true), (16_000, false)], recovery: 15_000).timeToClearMs == 1000)
            // Never shown.
            let never = one([(0, false)], recovery: 15_000)
            #expect(never.timeToNoticeMs == nil && never.timeToClearMs == nil)
            // Shown and cleared before the target recovered.
            let early = one([(0, false), (10_500, true), (14_000, false)], recovery: 15_000)
            #expect(early.timeToNoticeMs == 500 && early.timeToClearMs == 0)
            // Shown only after the recovery point.
            let late = one([(0, false), (16_000, true), (18_000, false)], recovery: 15_000)
            #expect(late.timeToNoticeMs == 6000 && late.timeToClearMs == 3000)
            // The target never recovered: the notice cannot clear.
            let open = one([(0, false), (10_500, true), (20_000, false)], recovery: nil)
            #expect(open.timeToNoticeMs == 500 && open.timeToClearMs == nil)
            // Still showing at the end of the drill.
            let stuck = one([(0, false), (10_500, true)], recovery: 15_000)
            #expect(stuck.timeToNoticeMs == 500 && stuck.timeToClearMs == nil)
            // No sample before the fault: the first one that holds counts.
            #expect(one([(10_300, true), (15_400, false)], recovery: 15_000).timeToNoticeMs == 300)
        }

        @Test("notices filled into a recovery report: recovery point of impacted and unimpacted faults")
        func noticeApply() throws {
            let d = Simulation(outcome: { $0 >= 20_000 && $0 < 23_000 ? .slow(2000) : nil }).detail()
            let faults = [
                FaultWindow(name: "harmless", startMs: 8000, endMs: 10_000),
                FaultWindow(name: "slow", startMs: 20_000, endMs: 23_000),
            ]
            let report = Self.analyze(d, faults)
            let recoveredAt = try #require(report.incidents.first?.recoveredAtMs)
            let probes = [
                Self.probe([(0, false), (8600, true), (10_400, false), (21_000, true), (recoveredAt + 1500, false)]),
                ProbeReport(
                    name: "silent", request: "GET /status", condition: "/x", everyMs: 500, samples: 60,
                    failedSamples: 0, changes: [ProbeChange(atMs: 0, holds: false)]),
            ]
            let filled = NoticeAnalysis.apply(probes: probes, to: report)
            #expect(filled.faults[0].notices.map(\.probe) == ["notice", "silent"])
            #expect(
                filled.faults[0].notices[0] == NoticeReport(probe: "notice", timeToNoticeMs: 600, timeToClearMs: 400))
            #expect(
                filled.faults[1].notices[0] == NoticeReport(probe: "notice", timeToNoticeMs: 1000, timeToClearMs: 1500))
            #expect(
                filled.faults[1].notices[1] == NoticeReport(probe: "silent", timeToNoticeMs: nil, timeToClearMs: nil))
            #expect(NoticeAnalysis.recoveryPoint(of: filled.faults[1], in: filled) == recoveredAt)
            #expect(NoticeAnalysis.recoveryPoint(of: filled.faults[0], in: filled) == 10_000)
        }
    }
}
