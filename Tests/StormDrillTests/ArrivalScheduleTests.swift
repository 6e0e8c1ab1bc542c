import StormDrillPlan
import Testing

extension StormDrillTests {
    @Suite("Arrival schedule math (pure, no I/O)")
    struct ArrivalScheduleTests {
        @Test("a ramp from 20 to 400/s over 60 s sends exactly the integral: 12,600 arrivals")
        func rampIntegral() {
            let s = ArrivalSchedule(
                stages: [Stage(duration: .seconds(60), from: 20, to: 400)], process: .uniform, seed: 1)
            #expect(s.expectedArrivals == 12_600)
            let arrivals = s.allArrivals()
            #expect(arrivals.count == 12_600)
            // Strictly inside the stage, in order.
            #expect(arrivals.first!.offset == 0)
            #expect(arrivals.last!.offset < 60_000_000_000)
            #expect(zip(arrivals, arrivals.dropFirst()).allSatisfy { $0.offset <= $1.offset })
            // Arrivals in each 10 s window match the integral of the rate over it (±1).
            for w in 0..<6 {
                let lo = Int64(w) * 10_000_000_000
                let hi = lo + 10_000_000_000
                let n = arrivals.filter { $0.offset >= lo && $0.offset < hi }.count
                let expected = s.cumulative(at: hi) - s.cumulative(at: lo)
                #expect(abs(Double(n) - expected) <= 1, "window \(w): \(n) vs \(expected)")
            }
            // The rate at the end of the ramp is reflected in the spacing: 1/400 s apart.
            let gap = arrivals[arrivals.count - 1].offset - arrivals[arrivals.count - 2].offset
            #expect(abs(Double(gap) - 2_500_000) < 20_000)
        }

        @Test("a constant rate is evenly spaced")
        func constant() {
            let s = ArrivalSchedule(stages: [.constant(50, for: .seconds(10))], process: .uniform, seed: 1)
            let a = s.allArrivals()
            #expect(a.count == 500)
            #expect(a.map(\.offset) == (0..<500).map { Int64($0) * 20_000_000 })
        }

        @Test("multi-stage profiles and ramps down to zero")
        func multiStage() {
            let stages = [
                Stage(duration: .seconds(3), from: 20, to: 80), .constant(80, for: .seconds(5)),
                Stage(duration: .seconds(2), from: 80, to: 0),
            ]
            let s = ArrivalSchedule(stages: stages, process: .uniform, seed: 1)
            #expect(s.expectedArrivals == 150 + 400 + 80)
            #expect(s.allArrivals().count == 630)
            #expect(s.rate(at: 1_500_000_000) == 50)
            #expect(s.rate(at: 5_000_000_000) == 80)
            #expect(s.cumulative(at: 3_000_000_000) == 150)
        }

        @Test("a fractional integral rounds up: the arrival at the last whole point is sent")
        func fractional() {
            let s = ArrivalSchedule(stages: [.constant(2.5, for: .seconds(1))], process: .uniform, seed: 1)
            #expect(s.allArrivals().count == 3)
        }

        @Test("poisson arrivals: seeded, deterministic, about the integral")
        func poisson() {
            let stages = [Stage(duration: .seconds(60), from: 20, to: 400)]
            let a = ArrivalSchedule(stages: stages, process: .poisson, seed: 7).allArrivals()
            let b = ArrivalSchedule(stages: stages, process: .poisson, seed: 7).allArrivals()
            let c = ArrivalSchedule(stages: stages, process: .poisson, seed: 8).allArrivals()
            #expect(a == b)
            #expect(a != c)
            // 12,600 expected; the standard deviation is √12600 ≈ 112.
            #expect(abs(a.count - 12_600) < 500)
            #expect(zip(a, a.dropFirst()).allSatisfy { $0.offset <= $1.offset })
            // Inter-arrival gaps in the constant-rate sense: the coefficient of variation of an exponential is 1.
            let flat = ArrivalSchedule(stages: [.constant(100, for: .seconds(100))], process: .poisson, seed: 3)
                .allArrivals()
            let gaps = zip(flat, flat.dropFirst()).map { Double($1.offset - $0.offset) }
            let mean = gaps.reduce(0, +) / Double(gaps.count)
            let sd = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count)).squareRoot()
            #expect(abs(mean - 10_000_000) < 500_000)
            #expect(abs(sd / mean - 1) < 0.1)
        }

        @Test("partitions split the stream without overlap or loss", arguments: [ArrivalProcess.uniform, .poisson])
        func partitions(process: ArrivalProcess) {
            let s = ArrivalSchedule(
                stages: [Stage(duration: .seconds(5), from: 10, to: 300)], process: process, seed: 5)
            let all = s.allArrivals()
            var merged: [ArrivalSchedule.Arrival] = []
            for p in 0..<3 {
                var it = s.makeIterator(partition: p, of: 3)
                while let a = it.next() {
                    #expect(a.index % 3 == UInt64(p))
                    merged.append(a)
                }
            }
            #expect(merged.sorted { $0.index < $1.index } == all)
        }

        @Test("campus shapes expand to stages covering the whole duration", arguments: CampusShape.Name.allCases)
        func shapes(name: CampusShape.Name) {
            let shape = CampusShape(name: name, peakRate: 400, duration: .seconds(300))
            let stages = shape.expand()
            #expect(!stages.isEmpty)
            #expect(stages.reduce(PlanDuration.zero) { $0 + $1.duration } == .seconds(300))
            #expect(stages.map { max($0.from, $0.to) }.max() == 400)
            #expect(stages.allSatisfy { $0.from > 0 && $0.to > 0 })
            // Continuous: each stage starts where the previous ended.
            #expect(zip(stages, stages.dropFirst()).allSatisfy { $0.to == $1.from })
        }

        @Test("shape character: the event-day surge spikes within seconds, exam week is a lull")
        func shapeCharacter() {
            let surge = CampusShape(name: .eventDaySurge, peakRate: 1000, duration: .seconds(600)).expand()
            let spike = surge.first { $0.to == 1000 && $0.from < 1000 }!
            #expect(spike.duration <= .seconds(20))
            let exam = CampusShape(name: .examWeek, peakRate: 100, duration: .seconds(600)).expand()
            let lull = exam.max { $0.duration < $1.duration }!
            #expect(lull.from == 40 && lull.to == 40)
        }
    }
}
