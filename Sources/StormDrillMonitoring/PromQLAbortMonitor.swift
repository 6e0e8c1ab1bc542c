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
        var tripped: (condition: PromQLAbortCondition, observed: [Double], atMs: Double)?
        await DrillTicks.run(from: start, every: .seconds(1), first: 1) {
            for (i, c) in conditions.enumerated() {
                guard let samples = try? await query.instant(c.query) else { continue }
                if Task.isCancelled { return false }
                if let trip = state.observe(i, value: samples.first?.value) {
                    tripped = (trip.condition, trip.observed, DrillTicks.atMs(since: start))
                    return false
                }
            }
            return true
        }
        return tripped
    }
}
