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
        var tick: Int64 = 0
        while !Task.isCancelled {
            let due = start + .nanoseconds(every.nanoseconds * tick)
            let wait = due - NIODeadline.now()
            if wait.nanoseconds > 0 {
                do { try await Task.sleep(nanoseconds: UInt64(wait.nanoseconds)) } catch { break }
            }
            tick += 1
            let atMs = Double((NIODeadline.now() - start).nanoseconds) / 1e6
            do {
                let samples = try await query.instant(Self.firing)
                timeline.observe(
                    atMs: atMs, firing: Set(samples.compactMap { AlertTimeline.Series(sample: $0.labels) }))
            } catch {
                if Task.isCancelled { break }
                timeline.failed(atMs: atMs, error: error.description)
            }
            // A slow Prometheus must not make the watcher fall behind: skip the ticks that passed.
            let now = NIODeadline.now()
            while start + .nanoseconds(every.nanoseconds * tick) < now { tick += 1 }
        }
        return timeline
    }
}
