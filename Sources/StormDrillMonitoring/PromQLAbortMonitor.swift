import NIOCore
import StormDrillPlan

/// The `abortWhen` conditions on PromQL: which one tripped, from one check per second of each. Pure: the watcher
/// feeds it the first sample of each query (nil: no sample; a failed query is not fed, so it neither counts towards
/// nor resets the run).
public struct PromQLAbortState: Sendable {
    public let conditions: [PromQLAbortCondition]
    /// Consecutive checks each condition has held, and the values seen in that run (bounded by `forSeconds`).
    private var runs: [[Double]]

    public init(conditions: [PromQLAbortCondition]) {
        self.conditions = conditions
        runs = Array(repeating: [], count: conditions.count)
    }

    /// One check of condition `index` saw `value`; the condition and the values of its run when it trips.
    public mutating func observe(_ index: Int, value: Double?) -> (condition: PromQLAbortCondition, observed: [Double])?
    {
        let c = conditions[index]
        guard c.condition.holds(value), let value else {
            runs[index] = []
            return nil
        }
        runs[index].append(value)
        if runs[index].count > c.forSeconds { runs[index].removeFirst(runs[index].count - c.forSeconds) }
        return runs[index].count >= c.forSeconds ? (c, runs[index]) : nil
    }
}

/// Checks the PromQL `abortWhen` conditions once a second on the drill clock until one trips (returned with the
/// drill time of the check, ms) or the task is cancelled (nil).
public struct PromQLAbortWatcher: Sendable {
    let conditions: [PromQLAbortCondition]
    let query: PrometheusQuery

    public init(conditions: [PromQLAbortCondition], query: PrometheusQuery) {
        self.conditions = conditions
        self.query = query
    }

    public func run(
        drillStart start: NIODeadline
    ) async -> (condition: PromQLAbortCondition, observed: [Double], atMs: Double)? {
        var state = PromQLAbortState(conditions: conditions)
        var tick: Int64 = 1
        while !Task.isCancelled {
            let wait = start + .seconds(tick) - NIODeadline.now()
            if wait.nanoseconds > 0 {
                do { try await Task.sleep(nanoseconds: UInt64(wait.nanoseconds)) } catch { return nil }
            }
            tick += 1
            for (i, c) in conditions.enumerated() {
                guard let samples = try? await query.instant(c.query) else { continue }
                if Task.isCancelled { return nil }
                if let trip = state.observe(i, value: samples.first?.value) {
                    let atMs = Double((NIODeadline.now() - start).nanoseconds) / 1e6
                    return (trip.condition, trip.observed, atMs)
                }
            }
            let now = NIODeadline.now()
            while start + .seconds(tick) < now { tick += 1 }
        }
        return nil
    }
}
