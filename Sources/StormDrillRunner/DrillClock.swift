import NIOCore
import StormDrillPlan
import Synchronization

/// The drill's clock as the runner's tasks share it: drill time from the drill start, and the scenario clock that
/// holds at gates and on the facilitator's word (`ScenarioClock`, pure). Whoever changes the scenario clock changes
/// it here; every change is handed to the load engine (`sink`) and wakes every task waiting on scenario time.
final class DrillClock: Sendable {
    let start: NIODeadline

    private struct State {
        var clock: ScenarioClock
        var generation = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
        var sink: (@Sendable (ScenarioClock) -> Void)?
    }

    private let state: Mutex<State>

    init(start: NIODeadline, clock: ScenarioClock) {
        self.start = start
        state = Mutex(State(clock: clock))
    }

    /// A duration in nanoseconds (clamped to Int64).
    static func nanoseconds(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        return s > Int64.max / 1_000_000_000 ? .max : s * 1_000_000_000 + atto / 1_000_000_000
    }

    /// Nanoseconds since the drill start (negative before it).
    func now() -> Int64 {
        (NIODeadline.now() - start).nanoseconds
    }

    var scenario: ScenarioClock { state.withLock { $0.clock } }

    /// Drill and scenario time now, ms.
    func reading() -> (atMs: Double, scenarioMs: Double) {
        let t = now()
        let s = state.withLock { $0.clock.scenario(atDrill: max(0, t)) }
        return (Double(t) / 1e6, Double(s) / 1e6)
    }

    /// Where every change goes (the load engine's loops); set once the engine exists, and given the clock at once.
    func setSink(_ sink: @escaping @Sendable (ScenarioClock) -> Void) {
        let clock = state.withLock { s -> ScenarioClock in
            s.sink = sink
            return s.clock
        }
        sink(clock)
    }

    /// Changes the scenario clock at drill time now; `body` returns what it did (nil: no change was made).
    @discardableResult
    func update<R>(_ body: (inout ScenarioClock, Int64) -> R?) -> R? {
        let t = now()
        let (result, sink, clock, waiters) = state.withLock {
            s -> (R?, (@Sendable (ScenarioClock) -> Void)?, ScenarioClock, [CheckedContinuation<Void, Never>]) in
            var c = s.clock
            guard let r = body(&c, t) else { return (nil, nil, s.clock, []) }
            s.clock = c
            s.generation += 1
            let w = Array(s.waiters.values)
            s.waiters.removeAll()
            return (r, s.sink, c, w)
        }
        guard result != nil else { return nil }
        sink?(clock)
        for w in waiters { w.resume() }
        return result
    }

    /// Waits until the plans at scenario offset `s` are due (scenario time has passed `s`, or reached it while
    /// running). Throws CancellationError when the task is cancelled.
    func sleep(untilScenario s: Int64) async throws {
        while true {
            try Task.checkCancellation()
            let (clock, generation) = state.withLock { ($0.clock, $0.generation) }
            let t = now()
            if clock.due(atDrill: t) >= s { return }
            if let d = clock.drill(forScenario: s) {
                try await sleep(untilDrill: d, orChangeSince: generation)
            } else {
                await changed(since: generation)
            }
        }
    }

    /// Waits until the clock has been held from its next hold point (a gate reached), or it changed.
    func sleep(untilHoldAt scenarioAt: Int64) async throws {
        while true {
            try Task.checkCancellation()
            let (clock, generation) = state.withLock { ($0.clock, $0.generation) }
            guard let h = clock.horizon, h.scenarioAt == scenarioAt else { return }
            if now() >= h.drillStart { return }
            try await sleep(untilDrill: h.drillStart, orChangeSince: generation)
        }
    }

    /// Sleeps until drill offset `d`, or until the clock changes after `generation`.
    func sleep(untilDrill d: Int64, orChangeSince generation: Int) async throws {
        let wait = d - now()
        guard wait > 0 else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Task.sleep(nanoseconds: UInt64(wait)) }
            group.addTask { await self.changed(since: generation) }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// Returns when the clock changes after `generation` (at once if it has), or the task is cancelled.
    func changed(since generation: Int) async {
        let key = state.withLock { s -> Int in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.generation != generation || Task.isCancelled { return true }
                    s.waiters[key] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { $0.waiters.removeValue(forKey: key) }
            c?.resume()
        }
    }
}
