import AsyncHTTPClient
import NIOCore
import StormDrillReport

/// Polls Prometheus's `ALERTS{alertstate="firing"}` on the drill clock, from the drill's start until it is
/// cancelled, and returns the firing intervals it saw.
public struct AlertWatcher: Sendable {
    let query: PrometheusQuery
    let every: TimeAmount

    public init(query: PrometheusQuery, every: TimeAmount) {
        self.query = query
        self.every = every
    }

    /// The PromQL the watcher reads.
    public static let firing = #"ALERTS{alertstate="firing"}"#

    /// Polls on whole multiples of `every` after `start` until cancelled; the timeline of what it saw.
    public func run(drillStart start: NIODeadline) async -> AlertTimeline {
        var timeline = AlertTimeline()
        await DrillTicks.run(from: start, every: every) {
            let atMs = DrillTicks.atMs(since: start)
            do {
                let samples = try await query.instant(Self.firing)
                timeline.observe(
                    atMs: atMs, firing: Set(samples.compactMap { AlertTimeline.Series(sample: $0.labels) }))
            } catch {
                if Task.isCancelled { return false }
                timeline.failed(atMs: atMs, error: String(describing: error))
            }
            return true
        }
        return timeline
    }
}
