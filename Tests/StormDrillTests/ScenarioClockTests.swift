import Foundation
import StormDrillPlan
import Testing

extension StormDrillTests {
    /// The scenario clock (gates and holds) and the arrivals while it holds: pure, on known answers.
    @Suite("Scenario clock and hold arrivals")
    struct ScenarioClockTests {
        static let s: Int64 = 1_000_000_000

        @Test("without holds scenario time is drill time and everything comes when planned")
        func noHolds() {
            let c = ScenarioClock()
            #expect(c.scenario(atDrill: 5 * Self.s) == 5 * Self.s)
            #expect(c.drill(forScenario: 7 * Self.s) == 7 * Self.s)
            #expect(c.due(atDrill: 3 * Self.s) == 3 * Self.s)
            #expect(!c.isHolding(atDrill: 100 * Self.s))
            #expect(c.horizon == nil)
        }

        @Test("a gate holds from the instant it is reached, recorded or not, and what is planned at it waits")
        func gateHoldsAtItsTime() {
            var c = ScenarioClock(gates: [.init(at: 10 * Self.s, phase: 1)])
            // Before the gate: running; a fault at the gate's time has no drill time yet.
            #expect(!c.isHolding(atDrill: 9 * Self.s))
            #expect(c.drill(forScenario: 9 * Self.s) == 9 * Self.s)
            #expect(c.drill(forScenario: 10 * Self.s) == nil)
            // Reached: held at 10 s however late anyone looks, and only what lies before 10 s is due.
            #expect(c.hold(atDrill: 14 * Self.s)?.drillStart == 10 * Self.s)
            #expect(c.scenario(atDrill: 14 * Self.s) == 10 * Self.s)
            #expect(c.due(atDrill: 14 * Self.s) == 10 * Self.s - 1)
            // Recording it changes nothing but makes it explicit, with the same start.
            let recorded = c.recordGate(atDrill: 14 * Self.s)
            #expect(recorded?.drillStart == 10 * Self.s && recorded?.reason == .gate(phase: 1))
            #expect(c.hold(atDrill: 14 * Self.s) == recorded)
            // Released at 16 s: everything after moves 6 s later; the gate's own time is due at the release.
            let released = c.release(atDrill: 16 * Self.s)
            #expect(released?.length == 6 * Self.s)
            #expect(c.shift == 6 * Self.s)
            #expect(c.due(atDrill: 16 * Self.s) == 10 * Self.s)
            #expect(c.drill(forScenario: 12 * Self.s) == 18 * Self.s)
            #expect(c.drillTime(ofScenario: 10 * Self.s) == 16 * Self.s)
            #expect(c.drillTime(ofScenario: 5 * Self.s) == 5 * Self.s)
            #expect(c.release(atDrill: 17 * Self.s) == nil, "nothing holds any more")
        }

        @Test("releasing a gate nobody recorded records it first (Continue pressed as the gate is reached)")
        func releaseUnrecordedGate() {
            var c = ScenarioClock(gates: [.init(at: 2 * Self.s, phase: 0)])
            let h = c.release(atDrill: 3 * Self.s)
            #expect(h?.drillStart == 2 * Self.s && h?.drillEnd == 3 * Self.s)
            #expect(c.holds.count == 1 && c.pendingGates.isEmpty && c.shift == Self.s)
        }

        @Test("the facilitator's hold: once only, at the scenario time it was pressed; later gates move with it")
        func facilitatorHold() {
            var c = ScenarioClock(gates: [.init(at: 20 * Self.s, phase: 2)])
            let h = c.beginHold(atDrill: 5 * Self.s)
            #expect(h?.scenarioAt == 5 * Self.s && h?.reason == .facilitator)
            #expect(c.beginHold(atDrill: 6 * Self.s) == nil, "already held")
            #expect(c.horizon?.number == 0)
            #expect(c.release(atDrill: 8 * Self.s)?.length == 3 * Self.s)
            // The gate at 20 s of scenario time now comes at 23 s of drill time, as hold number 1.
            #expect(c.horizon?.scenarioAt == 20 * Self.s && c.horizon?.drillStart == 23 * Self.s)
            #expect(c.horizon?.number == 1)
            #expect(!c.isHolding(atDrill: 22 * Self.s) && c.isHolding(atDrill: 23 * Self.s))
            // A hold cannot begin inside a reached gate: it is the gate's.
            #expect(c.beginHold(atDrill: 24 * Self.s) == nil)
            #expect(c.projected(forScenario: 30 * Self.s, atDrill: 25 * Self.s) == 35 * Self.s)
        }

        @Test("drill time as running and held pieces, for the report's planned arrivals per second")
        func pieces() {
            var c = ScenarioClock()
            c.beginHold(atDrill: 2 * Self.s)
            c.release(atDrill: 4 * Self.s)
            #expect(
                c.pieces(drillFrom: Self.s, to: 5 * Self.s) == [
                    .running(scenarioFrom: Self.s, scenarioTo: 2 * Self.s),
                    .held(atScenario: 2 * Self.s, length: 2 * Self.s),
                    .running(scenarioFrom: 2 * Self.s, scenarioTo: 3 * Self.s),
                ])
            #expect(
                c.pieces(drillFrom: 5 * Self.s, to: 6 * Self.s) == [
                    .running(scenarioFrom: 3 * Self.s, scenarioTo: 4 * Self.s)
                ])
            #expect(c.pieces(drillFrom: 3 * Self.s, to: 3 * Self.s).isEmpty)
        }

        @Test("arrivals while held: the rate in force, split across partitions with no arrival lost or doubled")
        func holdArrivals() {
            func take(_ stream: inout HoldArrivals, until end: Int64) -> [ArrivalSchedule.Arrival] {
                var out: [ArrivalSchedule.Arrival] = []
                while let a = stream.next(), a.offset < end { out.append(a) }
                return out
            }
            // 50/s uniform for a 2 s hold from 10 s: exactly 100, evenly spaced, after the hold's start.
            var uniform = HoldArrivals(rate: 50, process: .uniform, seed: 7, hold: 0, drillStart: 10 * Self.s)
            let all = take(&uniform, until: 12 * Self.s + 1)
            #expect(all.count == 100)
            #expect(all.first?.offset == 10 * Self.s + 20_000_000 && all.last?.offset == 12 * Self.s)
            // Three partitions together give the same arrivals, each exactly once.
            var union: [ArrivalSchedule.Arrival] = []
            for p in 0..<3 {
                var part = HoldArrivals(
                    rate: 50, process: .uniform, seed: 7, hold: 0, drillStart: 10 * Self.s, partition: p, of: 3)
                union += take(&part, until: 12 * Self.s + 1)
            }
            #expect(Set(union) == Set(all) && union.count == all.count)
            // Poisson: seeded, the same stream twice; about rate × length; indices of their own, per hold.
            var p1 = HoldArrivals(rate: 200, process: .poisson, seed: 9, hold: 3, drillStart: 0)
            var p2 = HoldArrivals(rate: 200, process: .poisson, seed: 9, hold: 3, drillStart: 0)
            let a1 = take(&p1, until: 10 * Self.s)
            #expect(a1 == take(&p2, until: 10 * Self.s))
            #expect(abs(a1.count - 2000) < 200, "\(a1.count) arrivals")
            #expect(
                a1.allSatisfy {
                    $0.index >= HoldArrivals.firstIndex(hold: 3) && $0.index < HoldArrivals.firstIndex(hold: 4)
                })
            #expect(HoldArrivals.firstIndex(hold: 0) > 1 << 40, "far above any planned schedule's indices")
            // Nothing arrives at rate 0 (a hold before a ramp starts).
            var none = HoldArrivals(rate: 0, process: .uniform, seed: 1, hold: 0, drillStart: 0)
            #expect(none.next() == nil)
        }
    }
}
